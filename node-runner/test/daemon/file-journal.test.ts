/**
 * The task journal: an append-only log with group commit (src/daemon/file-journal.ts, format in
 * src/daemon/journal-log.ts). Its records carry the phase the task reached; the format before the
 * log (one JSON file per task), including records written before phases existed (booleans
 * committed / revealed / settled; fixtures in ../fixtures/journal-v0, the records the daemon at
 * b1d97a5 wrote, indented by the formatter), is read once and migrated into the log. Crashes are
 * performed on the bytes: a torn tail, a flipped byte in the middle, the folder as a crash left it
 * between a compaction's write and its rename. The resume on a chain from an old record is in
 * daemon.test.ts.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  FileTaskJournal,
  JOURNAL_LOG,
  JournalCorruptError,
  JournalFileError,
  readTaskJournal,
} from "../../src/daemon/file-journal.js";
import { scanLog } from "../../src/daemon/journal-log.js";
import { readTaskRecord, type TaskRecord, TaskRecordError } from "../../src/daemon/task.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures/journal-v0");
const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

const dirs: string[] = [];
const open: FileTaskJournal[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), "atoma-journal-"));
  dirs.push(d);
  return d;
}
function journal(dir: string, o?: ConstructorParameters<typeof FileTaskJournal>[1]): FileTaskJournal {
  const j = new FileTaskJournal(dir, o);
  open.push(j);
  return j;
}
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (n: number, phase: TaskRecord["phase"], extra: Partial<TaskRecord> = {}): TaskRecord => ({
  requestId: id(n),
  round: 0,
  phase,
  outputHash: "ab".repeat(32),
  salt: n.toString(16).padStart(64, "0"),
  output: Buffer.from(`output of ${n}`).toString("base64"),
  ...(phase === "done" ? { outcome: "settled" as const } : {}),
  ...extra,
});
/** The log's records as stored (parsed JSON, in file order) and where each starts. */
function stored(dir: string): { offset: number; json: Record<string, unknown> }[] {
  return scanLog(readFileSync(path.join(dir, JOURNAL_LOG))).records.map((r) => ({
    offset: r.offset,
    json: JSON.parse(Buffer.from(r.payload).toString("utf8")) as Record<string, unknown>,
  }));
}
/** Turns of the event loop enough for the batch queued before to be in flight (or done). */
async function batchInFlight(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}
const phases = (j: { all(): TaskRecord[] }) =>
  Object.fromEntries(j.all().map((r) => [`${r.requestId.slice(-2)}-${r.round}`, r.phase]));

describe("FileTaskJournal: the format before the log", () => {
  it("reads a journal written before phases as the phase each record reached, and migrates it into the log once", () => {
    const dir = tmp();
    cpSync(FIXTURES, dir, { recursive: true });
    const j = journal(dir);
    const got = j
      .all()
      .map((r) => [r.requestId, r.round, r.phase, r.outcome ?? null])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(got).toEqual([
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
    expect(j.recovered).toEqual({ truncated: null, migrated: 6 });
    // Migrated: the old files are gone, the log (0600) holds the six records, each in the new format.
    expect(readdirSync(dir)).toEqual([JOURNAL_LOG]);
    expect(statSync(path.join(dir, JOURNAL_LOG)).mode & 0o777).toBe(0o600);
    expect(stored(dir).map((r) => r.json.phase)).toHaveLength(6);
    for (const r of stored(dir)) expect(Object.keys(r.json)).not.toContain("committed");
    const k = journal(dir);
    expect(k.recovered.migrated).toBe(0);
    expect(k.all()).toEqual(j.all());
  });

  it("writes the phase (no booleans) and reads it back after a reopen; an old record is rewritten on its next step", async () => {
    const dir = tmp();
    cpSync(FIXTURES, dir, { recursive: true });
    const j = journal(dir);
    const old = j.get(id(2), 0);
    if (!old) throw new Error("fixture missing");
    await j.put({ ...old, phase: "revealed" });
    const last = stored(dir).at(-1)?.json ?? {};
    expect(last.phase).toBe("revealed");
    expect(last.requestId).toBe(id(2));
    expect(Object.keys(last)).not.toContain("committed");
    expect(Object.keys(last)).not.toContain("settled");
    const k = journal(dir);
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
    // Nothing was migrated or removed.
    expect(readdirSync(dir2)).toEqual([`${id(8)}-0.json`]);
  });
});

describe("FileTaskJournal: the log", () => {
  it("group commit: the puts of one tick leave in one write and one fdatasync, each resolving once durable", async () => {
    const dir = tmp();
    const j = journal(dir);
    const puts = Array.from({ length: 50 }, (_, i) => j.put(rec(i + 1, "executed")));
    await Promise.all(puts);
    expect(j.commits).toBe(1);
    expect(stored(dir)).toHaveLength(50);
    // A put made while a batch is in flight goes in the next one.
    const a = j.put(rec(1, "committed"));
    await batchInFlight();
    const b = j.put(rec(2, "committed"));
    await Promise.all([a, b]);
    expect(j.commits).toBe(3);
    const k = journal(dir);
    expect(k.all()).toHaveLength(50);
    expect(k.get(id(1), 0)?.phase).toBe("committed");
    expect(k.get(id(3), 0)).toEqual(rec(3, "executed"));
  });

  it("concurrent puts of one record keep call order, in one batch and across batches", async () => {
    const dir = tmp();
    const j = journal(dir);
    const order: string[] = [];
    const all = (["executed", "committed", "revealed", "settled", "done"] as const).map((p) =>
      j.put(rec(1, p)).then(() => order.push(p)),
    );
    await Promise.all(all);
    expect(order).toEqual(["executed", "committed", "revealed", "settled", "done"]);
    expect(j.get(id(1), 0)?.phase).toBe("done");
    const first = j.put(rec(2, "executed"));
    await batchInFlight();
    const second = j.put(rec(2, "committed"));
    const third = j.put(rec(2, "revealed"));
    await Promise.all([first, second, third]);
    expect(j.get(id(2), 0)?.phase).toBe("revealed");
    expect(stored(dir).map((r) => `${String(r.json.requestId).slice(-1)}:${r.json.phase}`)).toEqual([
      "1:executed",
      "1:committed",
      "1:revealed",
      "1:settled",
      "1:done",
      "2:executed",
      "2:committed",
      "2:revealed",
    ]);
    expect(phases(journal(dir))).toEqual({ "01-0": "done", "02-0": "revealed" });
  });

  it("a torn write (the log cut mid-record) is truncated on open: the records before it stay, later puts follow them", async () => {
    const dir = tmp();
    const j = journal(dir);
    await j.put(rec(1, "executed"));
    await j.put(rec(2, "executed"));
    await j.put(rec(1, "committed"));
    await j.close();
    const file = path.join(dir, JOURNAL_LOG);
    const full = statSync(file).size;
    const lastStart = stored(dir).at(-1)?.offset as number;
    truncateSync(file, full - 7); // the last write reached the disk only in part
    const k = journal(dir);
    expect(k.recovered.truncated).toEqual({ offset: lastStart, bytes: full - 7 - lastStart });
    expect(statSync(file).size).toBe(lastStart);
    expect(phases(k)).toEqual({ "01-0": "executed", "02-0": "executed" });
    await k.put(rec(2, "committed"));
    await k.close();
    expect(phases(journal(dir))).toEqual({ "01-0": "executed", "02-0": "committed" });
    // A tail of zeros (the file grew, its data never came) is a torn write too.
    writeFileSync(file, Buffer.alloc(40), { flag: "a" });
    const m = journal(dir);
    expect(m.recovered.truncated?.bytes).toBe(40);
    expect(phases(m)).toEqual({ "01-0": "executed", "02-0": "committed" });
  });

  it("a flipped byte in the middle is refused with the file and the record's offset, the log left as it is", async () => {
    const dir = tmp();
    const j = journal(dir);
    for (let n = 1; n <= 3; n++) await j.put(rec(n, "executed"));
    await j.close();
    const file = path.join(dir, JOURNAL_LOG);
    const second = stored(dir)[1]?.offset as number;
    const bytes = readFileSync(file);
    bytes[second + 40] = (bytes[second + 40] as number) ^ 0x01; // inside the second record's payload
    writeFileSync(file, bytes);
    let err: unknown;
    try {
      new FileTaskJournal(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JournalCorruptError);
    expect((err as JournalCorruptError).file).toBe(file);
    expect((err as JournalCorruptError).offset).toBe(second);
    expect((err as Error).message).toContain(`task journal ${file} at offset ${second}: record length or checksum`);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(() => readTaskJournal(dir)).toThrow(JournalCorruptError);
    // A flipped length byte is refused the same way.
    bytes[second + 40] = (bytes[second + 40] as number) ^ 0x01;
    bytes[second] = (bytes[second] as number) ^ 0x10;
    writeFileSync(file, bytes);
    expect(() => new FileTaskJournal(dir)).toThrow(`at offset ${second}: record length or checksum`);
  });

  it("a record whose checksum matches but is not a task record names the file and offset", async () => {
    const dir = tmp();
    const j = journal(dir);
    await j.put(rec(1, "executed"));
    await j.put({ ...rec(2, "executed"), round: -1 });
    await j.close();
    const at = stored(dir)[1]?.offset as number;
    expect(() => new FileTaskJournal(dir)).toThrow(`at offset ${at}: round: must be a non-negative integer`);
  });

  it("compacts past its bound, keeping every task not done and the newest done ones; a crash between the write and the rename leaves the old log", async () => {
    const dir = tmp();
    const crash = tmp();
    let before: Record<string, string> = {};
    const j = journal(dir, {
      compactBytes: 4_000,
      keepDone: 2,
      onCompaction: () => {
        // The folder as a crash right here leaves it: the new log written and fsynced, not renamed.
        cpSync(dir, crash, { recursive: true });
        expect(existsSync(path.join(crash, `${JOURNAL_LOG}.compact`))).toBe(true);
        before = phases(readTaskJournal(dir));
      },
    });
    for (let n = 1; n <= 6; n++) await j.put(rec(n, "executed"));
    for (let n = 1; n <= 4; n++) await j.put(rec(n, "done"));
    let compacted = 0;
    for (let i = 0; compacted === 0 && i < 100; i++) {
      const size = j.bytes;
      await j.put(rec(5, "committed", { reason: `step ${i}` }));
      if (j.bytes < size) compacted = i + 1;
    }
    expect(compacted).toBeGreaterThan(0);
    // Live: 5 and 6 (not done) and the two newest done (3, 4); 1 and 2 dropped.
    const expected = { "03-0": "done", "04-0": "done", "05-0": "committed", "06-0": "executed" };
    expect(phases(j)).toEqual(expected);
    expect(readdirSync(dir)).toEqual([JOURNAL_LOG]);
    expect(statSync(path.join(dir, JOURNAL_LOG)).mode & 0o777).toBe(0o600);
    // On disk: the live records in the order of their last writes, then the puts made since.
    const onDisk = stored(dir).map((r) => `${String(r.json.requestId).slice(-2)}:${r.json.phase}`);
    expect(onDisk.slice(0, 4)).toEqual(["06:executed", "03:done", "04:done", "05:committed"]);
    expect(new Set(onDisk.slice(4))).toEqual(new Set(onDisk.length > 4 ? ["05:committed"] : []));
    await j.put(rec(6, "committed"));
    expect(phases(journal(dir))).toEqual({ ...expected, "06-0": "committed" });
    // The crashed folder: the old log whole (every record before the compaction), the temp file removed.
    const c = journal(crash);
    expect(phases(c)).toEqual(before);
    expect(before).toMatchObject({ "01-0": "done", "02-0": "done", "05-0": "committed" });
    expect(readdirSync(crash)).toEqual([JOURNAL_LOG]);
  });

  it("readTaskJournal reads while a daemon writes: a torn tail is ignored, not truncated", async () => {
    const dir = tmp();
    const j = journal(dir);
    await j.put(rec(1, "executed"));
    await j.put(rec(2, "executed"));
    await j.close();
    const file = path.join(dir, JOURNAL_LOG);
    const size = statSync(file).size;
    truncateSync(file, size - 3);
    expect(phases(readTaskJournal(dir))).toEqual({ "01-0": "executed" });
    expect(statSync(file).size).toBe(size - 3);
  });

  it("refuses a file that is not a journal log", () => {
    const dir = tmp();
    writeFileSync(path.join(dir, JOURNAL_LOG), "hello");
    expect(() => new FileTaskJournal(dir)).toThrow(`${JOURNAL_LOG} at offset 0: not a task journal log`);
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
