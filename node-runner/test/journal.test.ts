import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Journal } from "../src/journal.js";

const dir = () => mkdtempSync(join(tmpdir(), "journal-"));

describe("journal", () => {
  it("records, merges, reads back after reopen, pending and compaction", () => {
    const p = join(dir(), "j.log");
    const j = Journal.open(p);
    j.record({ requestId: "0x1", round: 0, outputHash: "aa", salt: "s1" });
    j.record({ requestId: "0x1", round: 0, committed: true });
    j.record({
      requestId: "0x2",
      round: 1,
      outputHash: "bb",
      salt: "s2",
      committed: true,
      revealed: true,
      settled: true,
    });
    expect(() => j.record({ requestId: "0x1", round: 0, outputHash: "cc" })).toThrow(/already committed/);
    j.close();
    const k = Journal.open(p);
    expect(k.get("0x1", 0)).toMatchObject({ outputHash: "aa", salt: "s1", committed: true });
    expect(k.pending().map((e) => e.requestId)).toEqual(["0x1"]);
    k.compact();
    k.close();
    const l = Journal.open(p);
    expect(l.get("0x2", 1)).toBeUndefined();
    expect(l.get("0x1", 0)?.salt).toBe("s1");
    l.close();
  });

  it("truncates a torn last line, refuses a corrupt middle", () => {
    const p = join(dir(), "j.log");
    const j = Journal.open(p);
    j.record({ requestId: "0x1", round: 0, salt: "s" });
    j.close();
    appendFileSync(p, '{"requestId":"0x2","ro');
    const k = Journal.open(p);
    expect(k.truncatedBytes).toBe(22);
    expect(k.get("0x1", 0)?.salt).toBe("s");
    k.close();
    writeFileSync(p, 'garbage\n{"requestId":"0x1","round":0}\n');
    expect(() => Journal.open(p)).toThrow(/corrupt record at byte 0/);
  });

  it("SIGKILL mid-write (20 trials): every acknowledged record survives", async () => {
    const journalUrl = new URL("../src/journal.ts", import.meta.url).href;
    const d = dir();
    const child = join(d, "child.ts");
    writeFileSync(
      child,
      `import { Journal } from ${JSON.stringify(journalUrl)};
const j = Journal.open(process.argv[2]);
for (let i = 0; ; i++) { j.record({ requestId: "0x" + i.toString(16), round: 0, salt: "x".repeat(200) + i, outputHash: "h" + i }); process.stdout.write(i + "\\n"); }`,
    );
    const root = fileURLToPath(new URL("../..", import.meta.url));
    for (let t = 0; t < 20; t++) {
      const p = join(d, `j${t}.log`);
      const c = spawn(process.execPath, ["--import", "tsx", child, p], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let acked = -1;
      let buf = "";
      await new Promise<void>((resolve) => {
        c.stdout.on("data", (b: Buffer) => {
          buf += b.toString();
          const lines = buf.split("\n");
          buf = lines.pop() ?? "";
          for (const l of lines) acked = Number(l);
          if (acked >= 5 + t * 3 && !c.killed) c.kill("SIGKILL");
        });
        c.on("exit", () => resolve());
      });
      expect(acked).toBeGreaterThanOrEqual(5);
      const j = Journal.open(p);
      for (let i = 0; i <= acked; i++) expect(j.get(`0x${i.toString(16)}`, 0)?.salt).toBe(`${"x".repeat(200)}${i}`);
      j.close();
    }
  }, 120_000);
});
