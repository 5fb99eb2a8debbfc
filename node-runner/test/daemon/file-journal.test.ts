/**
 * The task journal's format: records carry the phase the task reached; records written before
 * phases existed (booleans committed / revealed / settled; fixtures in ../fixtures/journal-v0,
 * the records the daemon at b1d97a5 wrote, indented by the formatter) are read as the phase they stand for. The resume on a
 * chain from such a record is in daemon.test.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileTaskJournal, JournalFileError } from "../../src/daemon/file-journal.js";
import { readTaskRecord, TaskRecordError } from "../../src/daemon/task.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures/journal-v0");
const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), "atoma-journal-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("FileTaskJournal", () => {
  it("reads a journal written before phases as the phase each record reached", () => {
    const dir = tmp();
    cpSync(FIXTURES, dir, { recursive: true });
    const j = new FileTaskJournal(dir);
    const phases = j
      .all()
      .map((r) => [r.requestId, r.round, r.phase, r.outcome ?? null])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(phases).toEqual([
      [id(1), 0, "executed", null],
      [id(2), 0, "committed", null],
      [id(3), 1, "revealed", null],
      [id(4), 0, "done", "settled"],
      [id(5), 0, "done", "skipped"],
      [id(6), 0, "done", "failed"],
    ]);
    // The commitment's secrets come through unchanged: a resumed task reveals exactly them.
    expect(j.get(id(2), 0)).toMatchObject({
      outputHash: "ab".repeat(32),
      salt: "cd".repeat(32),
      output: "ZWNobzpvbGxlaA==",
    });
    expect(j.get(id(5), 0)?.reason).toBe("could not execute: no executor serves test:unknown-v1");
    expect(
      j
        .pending()
        .map((r) => r.requestId)
        .sort(),
    ).toEqual([id(1), id(2), id(3)]);
  });

  it("writes the phase (no booleans) and reads it back after a reopen; an old record is rewritten on its next step", async () => {
    const dir = tmp();
    cpSync(FIXTURES, dir, { recursive: true });
    const j = new FileTaskJournal(dir);
    const old = j.get(id(2), 0);
    if (!old) throw new Error("fixture missing");
    await j.put({ ...old, phase: "revealed" });
    const file = path.join(dir, `${id(2)}-0.json`);
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    expect(stored.phase).toBe("revealed");
    expect(Object.keys(stored)).not.toContain("committed");
    expect(Object.keys(stored)).not.toContain("settled");
    const k = new FileTaskJournal(dir);
    expect(k.get(id(2), 0)?.phase).toBe("revealed");
    expect(k.get(id(2), 0)?.salt).toBe("cd".repeat(32));
  });

  it("refuses a file that is not a task record, naming the file and the field", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, `${id(7)}-0.json`), '{"requestId":"0x7","round":0,"outputHash":"');
    expect(() => new FileTaskJournal(dir)).toThrow(JournalFileError);
    expect(() => new FileTaskJournal(dir)).toThrow(`${id(7)}-0.json`);
    const dir2 = tmp();
    writeFileSync(
      path.join(dir2, `${id(8)}-0.json`),
      JSON.stringify({ requestId: id(8), round: 0, outputHash: "", salt: "", output: "", phase: "posted" }),
    );
    expect(() => new FileTaskJournal(dir2)).toThrow(`${id(8)}-0.json: phase: must be one of executed, committed`);
  });
});

describe("readTaskRecord", () => {
  const base = { requestId: id(9), round: 0, outputHash: "aa", salt: "bb", output: "" };
  it("maps the old booleans, the most advanced one winning", () => {
    const phase = (committed: boolean, revealed: boolean, settled: boolean) =>
      readTaskRecord({ ...base, committed, revealed, settled }).phase;
    expect(phase(false, false, false)).toBe("executed");
    expect(phase(true, false, false)).toBe("committed");
    expect(phase(true, true, false)).toBe("revealed");
    expect(phase(true, true, true)).toBe("done");
    expect(phase(false, false, true)).toBe("done");
  });

  it("names what is wrong", () => {
    expect(() => readTaskRecord([])).toThrow(TaskRecordError);
    expect(() => readTaskRecord({ ...base, round: -1, phase: "done" })).toThrow(
      "round: must be a non-negative integer",
    );
    expect(() => readTaskRecord({ ...base, committed: true })).toThrow("revealed: must be a boolean");
    expect(() => readTaskRecord({ ...base, phase: "done", outcome: "won" })).toThrow("outcome: must be one of");
    expect(() => readTaskRecord({ ...base, salt: 7, phase: "done" })).toThrow("salt: must be a string");
  });
});
