/**
 * A crash-safe task journal: one append-only log (`journal.log`, format in ./journal-log.ts)
 * written through one open file, with group commit: the `put`s of one turn of the event loop
 * (and those made while a write is in flight) leave in one `write` and are made durable by one
 * `fdatasync`; each `put` resolves only once its record is durable, as the file-per-record
 * journal it replaces did.
 *
 * On open the log is replayed (the last record of each (request, round) wins) and a torn tail —
 * the last write, never acknowledged, cut by a crash — is truncated; a corrupt record with valid
 * ones after it is refused (JournalCorruptError: file and offset). Once the log is larger than
 * `compactBytes` and twice its size after the last compaction, the live records (every task not
 * done, and the newest `keepDone` done ones, which skip the tasks of events read again after a
 * restart) are written to `journal.log.compact`, fsynced, renamed over the log and the folder
 * fsynced: a crash leaves the old log or the new one (a leftover `.compact` is removed on open).
 *
 * The format before the log (one `<requestId>-<round>.json` per task, possibly from before task
 * phases: ./task.ts reads both) is read once and migrated: its records are written into the log
 * (atomically, as a compaction), then its files removed.
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  fsyncSync,
  ftruncate,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  write,
} from "node:fs";
import { rename } from "node:fs/promises";
import path from "node:path";
import { fsyncDir, writeFileDurably, writeTempDurablyAsync } from "../durable-file.js";
import { encodeFrame, hasMagic, LOG_MAGIC, scanLog } from "./journal-log.js";
import { readTaskRecord, type TaskJournal, type TaskRecord, TaskRecordError } from "./task.js";

/** A journal file (or a record of the log, at `offset`) that cannot be read: names the file and what is wrong. */
export class JournalFileError extends Error {
  override name = "JournalFileError";
  readonly code: string = "JOURNAL_FILE";
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown; offset?: number },
  ) {
    super(
      `task journal ${file}${options?.offset !== undefined ? ` at offset ${options.offset}` : ""}: ${message}`,
      options,
    );
    this.offset = options?.offset;
  }
  readonly offset: number | undefined;
}

/** A record of the log whose length or checksum does not match, with valid records after it. */
export class JournalCorruptError extends JournalFileError {
  override name = "JournalCorruptError";
  override readonly code: string = "JOURNAL_CORRUPT";
}

/** `put` on a closed journal, or after a failed fdatasync left the log's state unknown. */
export class JournalUnavailableError extends Error {
  override name = "JournalUnavailableError";
  readonly code = "JOURNAL_UNAVAILABLE";
}

export interface FileTaskJournalOptions {
  /** Compaction once the log is larger than this and twice its size after the last one (default 8 MiB). */
  compactBytes?: number;
  /** Done records a compaction keeps, the newest written (default 10 000); the rest are dropped. */
  keepDone?: number;
  /** Test hook: runs between a compaction's durable write of the new log and its rename (a throw aborts it). */
  onCompaction?: (stage: "written") => void;
}

/** The log's name in the journal folder. */
export const JOURNAL_LOG = "journal.log";

const key = (requestId: string, round: number): string => `${requestId}-${round}`;

/** Sets `rec` as the newest record of its task (a Map keeps insertion order: the newest last). */
function setNewest(records: Map<string, TaskRecord>, rec: TaskRecord): void {
  const k = key(rec.requestId, rec.round);
  records.delete(k);
  records.set(k, rec);
}

/** The records of the format before the log (one JSON file each) and their files. */
function readOldFormat(dir: string): { records: Map<string, TaskRecord>; files: string[] } {
  const records = new Map<string, TaskRecord>();
  const files: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith(".json.tmp")) files.push(path.join(dir, f)); // its write never completed: the .json is whole
    if (!f.endsWith(".json")) continue;
    const file = path.join(dir, f);
    let rec: TaskRecord;
    try {
      rec = readTaskRecord(JSON.parse(readFileSync(file, "utf8")));
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof TaskRecordError)
        throw new JournalFileError(file, err.message, { cause: err });
      throw err;
    }
    records.set(key(rec.requestId, rec.round), rec);
    files.push(file);
  }
  return { records, files };
}

/** Replays the log into `records`; returns the end of its valid part and its length. */
function replayLog(file: string, records: Map<string, TaskRecord>): { end: number; length: number } {
  const buf = readFileSync(file);
  if (!hasMagic(buf))
    throw new JournalFileError(
      file,
      `not a task journal log (it does not start with ${JSON.stringify(LOG_MAGIC.toString("latin1"))})`,
      {
        offset: 0,
      },
    );
  const scan = scanLog(buf);
  if (scan.corrupt)
    throw new JournalCorruptError(
      file,
      `record length or checksum does not match, and a valid record follows at offset ${scan.corrupt.next}: bytes written durably were changed (not a torn write); restore the file or move it away`,
      { offset: scan.corrupt.offset },
    );
  for (const { offset, payload } of scan.records) {
    let rec: TaskRecord;
    try {
      rec = readTaskRecord(JSON.parse(Buffer.from(payload).toString("utf8")));
    } catch (err) {
      if (err instanceof SyntaxError || err instanceof TaskRecordError)
        throw new JournalFileError(file, err.message, { cause: err, offset });
      throw err;
    }
    setNewest(records, rec);
  }
  return { end: scan.end, length: buf.length };
}

/** A log holding `records`, header included. */
function logBytes(records: Iterable<TaskRecord>): Buffer {
  const parts: Buffer[] = [LOG_MAGIC];
  for (const r of records) parts.push(encodeFrame(Buffer.from(JSON.stringify(r))));
  return Buffer.concat(parts);
}

/**
 * The journal's records as they are on disk, read only (the `status` command reads it while the
 * daemon writes): a torn tail is ignored, not truncated; the old format is read, not migrated.
 */
export function readTaskJournal(dir: string): Pick<FileTaskJournal, "get" | "pending" | "all"> {
  const records = existsSync(dir) ? readOldFormat(dir).records : new Map<string, TaskRecord>();
  const file = path.join(dir, JOURNAL_LOG);
  if (existsSync(file)) replayLog(file, records);
  return {
    get: (requestId, round) => records.get(key(requestId, round)),
    pending: () => [...records.values()].filter((r) => r.phase !== "done"),
    all: () => [...records.values()],
  };
}

interface Queued {
  record: TaskRecord;
  frame: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class FileTaskJournal implements TaskJournal {
  /** Newest record per task, in the order of their last writes. */
  private readonly records = new Map<string, TaskRecord>();
  readonly file: string;
  /** What the open found and repaired: a torn tail cut at `offset` (`bytes` long), old-format files migrated. */
  readonly recovered: { truncated: { offset: number; bytes: number } | null; migrated: number };
  private fd: number;
  /** Bytes of the log written (and durable once no batch is in flight). */
  private size: number;
  private compactAt: number;
  private readonly compactBytes: number;
  private readonly keepDone: number;
  private readonly onCompaction: FileTaskJournalOptions["onCompaction"];
  private queue: Queued[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  private broken: JournalUnavailableError | null = null;

  constructor(
    private readonly dir: string,
    options: FileTaskJournalOptions = {},
  ) {
    this.compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
    this.keepDone = options.keepDone ?? 10_000;
    this.onCompaction = options.onCompaction;
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, JOURNAL_LOG);
    // A compaction that stopped before its rename: the log itself is whole.
    rmSync(`${this.file}.compact`, { force: true });
    const old = readOldFormat(dir);
    for (const rec of old.records.values()) setNewest(this.records, rec);
    let truncated: { offset: number; bytes: number } | null = null;
    if (existsSync(this.file)) {
      const { end, length } = replayLog(this.file, this.records); // the log was written after the old files: it wins
      if (end < length) {
        const fd = openSync(this.file, "r+");
        try {
          ftruncateSync(fd, end);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        truncated = { offset: end, bytes: length - end };
      }
      if (old.files.length) this.replaceLogSync();
    } else this.replaceLogSync();
    if (old.files.length) {
      for (const f of old.files) rmSync(f, { force: true });
      fsyncDir(dir);
    }
    this.recovered = { truncated, migrated: old.records.size };
    this.fd = openSync(this.file, "a", 0o600);
    this.size = fstatSync(this.fd).size;
    this.compactAt = Math.max(this.compactBytes, 2 * this.size);
  }

  static key(requestId: string, round: number): string {
    return key(requestId, round);
  }

  get(requestId: string, round: number): TaskRecord | undefined {
    return this.records.get(key(requestId, round));
  }

  /**
   * Appends the record: resolves once it is durable (its batch written and fdatasynced). Puts
   * of one record are written in call order (the last one is the record after a restart).
   */
  put(record: TaskRecord): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new JournalUnavailableError(`task journal ${this.file}: closed`));
    const copy = { ...record };
    let frame: Buffer;
    try {
      frame = encodeFrame(Buffer.from(JSON.stringify(copy)));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record: copy, frame, resolve, reject });
      this.schedule();
    });
  }

  pending(): TaskRecord[] {
    return [...this.records.values()].filter((r) => r.phase !== "done");
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }

  /** Log bytes (header included): for tests and benchmarks. */
  get bytes(): number {
    return this.size;
  }

  /** Group commits so far (one write and one fdatasync each): for tests and benchmarks. */
  commits = 0;

  /** Writes what is queued, then closes the log; later puts are refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** The puts of this turn of the event loop go together; those made during a write, right after it. */
  private schedule(): void {
    if (this.draining) return;
    this.draining = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.queue.length) this.schedule();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      if (this.broken) {
        for (const q of batch) q.reject(this.broken);
        continue;
      }
      const buf = batch.length === 1 ? (batch[0] as Queued).frame : Buffer.concat(batch.map((q) => q.frame));
      try {
        await writeAll(this.fd, buf);
      } catch (err) {
        // Nothing of this batch was acknowledged: cut what reached the file so later records follow whole ones.
        try {
          await new Promise<void>((res, rej) => ftruncate(this.fd, this.size, (e) => (e ? rej(e) : res())));
        } catch (cause) {
          this.broken = new JournalUnavailableError(
            `task journal ${this.file}: a failed write could not be undone; restart the node`,
            { cause },
          );
        }
        for (const q of batch) q.reject(err);
        continue;
      }
      try {
        await new Promise<void>((res, rej) => fdatasync(this.fd, (e) => (e ? rej(e) : res())));
      } catch (err) {
        // After a failed fdatasync what is on disk is unknown: no later put may claim durability.
        this.broken = new JournalUnavailableError(
          `task journal ${this.file}: fdatasync failed; restart the node (it replays the log)`,
          { cause: err },
        );
        for (const q of batch) q.reject(err);
        continue;
      }
      this.size += buf.length;
      this.commits++;
      for (const q of batch) setNewest(this.records, q.record);
      for (const q of batch) q.resolve();
      if (this.size > this.compactAt) await this.compact();
    }
  }

  /** The records a compaction keeps: every task not done, the newest `keepDone` done ones. */
  private live(): TaskRecord[] {
    const done = [...this.records.values()].filter((r) => r.phase === "done");
    const drop = new Set(done.slice(0, Math.max(0, done.length - this.keepDone)));
    for (const r of drop) this.records.delete(key(r.requestId, r.round));
    return [...this.records.values()];
  }

  /** Rewrites the log with the live records (temp file, fsync, rename, folder fsync); puts wait meanwhile. */
  private async compact(): Promise<void> {
    const tmp = `${this.file}.compact`;
    const bytes = logBytes(this.live());
    try {
      await writeTempDurablyAsync(tmp, bytes);
      this.onCompaction?.("written");
      await rename(tmp, this.file);
    } catch {
      // The old log stays (whole); try again after the next bound.
      rmSync(tmp, { force: true });
      this.compactAt = Math.max(this.compactBytes, 2 * this.size);
      return;
    }
    fsyncDir(this.dir);
    const fd = openSync(this.file, "a", 0o600);
    closeSync(this.fd);
    this.fd = fd;
    this.size = bytes.length;
    this.compactAt = Math.max(this.compactBytes, 2 * this.size);
  }

  /** Writes the live records as the whole log, atomically (at open: migration, first creation). */
  private replaceLogSync(): void {
    writeFileDurably(this.file, logBytes(this.records.values()), `${this.file}.compact`);
    fsyncDir(this.dir);
  }
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await new Promise<number>((res, rej) =>
      write(fd, buf, done, buf.length - done, null, (e, n) => (e ? rej(e) : res(n))),
    );
  }
}
