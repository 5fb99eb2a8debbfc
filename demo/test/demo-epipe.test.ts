/**
 * `pnpm start | head -3`: when the reader closes the pipe the demo stops quietly (no EPIPE stack
 * trace) and removes its temporary atoma-demo-* folder with the node keystores. Runs the demo
 * (demo/src/main.ts, devnet + publishAtoma) as a child process.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(path.join(tmpdir(), "atoma-epipe-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("demo with a closed stdout", () => {
  it("stops cleanly after the reader goes away and leaves no temporary folder", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "demo/src/main.ts"], {
      cwd: root,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    await new Promise<void>((resolve) => {
      rl.on("line", (l) => {
        // One chunk can hold several lines: keep the first three, as `head -3` does.
        if (lines.length < 3) lines.push(l);
        if (lines.length === 3) resolve();
      });
      child.once("exit", () => resolve());
    });
    expect(lines).toHaveLength(3);
    expect(readdirSync(tmp).some((f) => f.startsWith("atoma-demo-"))).toBe(true);
    rl.close();
    child.stdout.destroy(); // what `head -3` does when it has its lines
    const code = await exited;
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.startsWith("atoma-demo-"))).toEqual([]);
  }, 180_000);
});
