/**
 * Durable, crash-safe journal of per-request node work. Append-only JSON-lines log, fsync per record;
 * a torn last line after a crash is truncated on open; `compact()` rewrites atomically (tmp + fsync +
 * rename). Record the salt/outputHash BEFORE sending the commit tx; a restarted node reads them back.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

export interface JournalEntry {
  requestId: string;
  round: number;
  outputHash?: string;
  salt?: string;
  committed?: boolean;
  revealed?: boolean;
  settled?: boolean;
  error?: string;
  [k: string]: unknown;
}

export class JournalError extends Error {
  override name = "JournalError";
  readonly code = "JOURNAL";
}

const key = (id: string, round: number) => `${id}#${round}`;

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private fd: number;
  /** Lines dropped on open because the last record was torn. */
  readonly truncatedBytes: number;

  private constructor(
    readonly path: string,
    fd: number,
    truncated: number,
  ) {
    this.fd = fd;
    this.truncatedBytes = truncated;
  }

  static open(path: string): Journal {
    let truncated = 0;
    const entries: JournalEntry[] = [];
    if (existsSync(path)) {
      const buf = readFileSync(path);
      let good = 0;
      let start = 0;
      for (let i = 0; i < buf.length; i++) {
        if (buf[i] !== 0x0a) continue;
        const line = buf.subarray(start, i).toString("utf8");
        try {
          const e = JSON.parse(line) as JournalEntry;
          if (typeof e.requestId !== "string" || typeof e.round !== "number") throw new Error("shape");
          entries.push(e);
        } catch {
          throw new JournalError(`journal ${path}: corrupt record at byte ${start} (not a torn tail)`);
        }
        start = i + 1;
        good = start;
      }
      truncated = buf.length - good;
      if (truncated > 0) {
        const fd = openSync(path, "r+");
        ftruncateSync(fd, good);
        fsyncSync(fd);
        closeSync(fd);
      }
    }
    const fd = openSync(path, "a", 0o600);
    const j = new Journal(path, fd, truncated);
    for (const e of entries) j.apply(e);
    return j;
  }

  private apply(e: JournalEntry): JournalEntry {
    const k = key(e.requestId, e.round);
    const merged = { ...(this.entries.get(k) ?? {}), ...e };
    this.entries.set(k, merged);
    return merged;
  }

  /** Merges `entry` into the stored one and makes it durable (write + fsync) before returning. */
  record(entry: JournalEntry): JournalEntry {
    if (typeof entry.requestId !== "string" || !Number.isInteger(entry.round))
      throw new JournalError("journal.record: requestId (string) and round (integer) are required");
    const prev = this.entries.get(key(entry.requestId, entry.round));
    if (prev?.committed && entry.outputHash !== undefined && entry.outputHash !== prev.outputHash)
      throw new JournalError(
        `journal.record: ${entry.requestId} round ${entry.round} already committed another outputHash`,
      );
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    writeSync(this.fd, line);
    fsyncSync(this.fd);
    return this.apply(entry);
  }

  get(requestId: string, round: number): JournalEntry | undefined {
    const e = this.entries.get(key(requestId, round));
    return e ? { ...e } : undefined;
  }

  /** Entries committed but not yet revealed, or with an outputHash not yet committed. */
  pending(): JournalEntry[] {
    return [...this.entries.values()].filter((e) => !e.settled && !e.revealed).map((e) => ({ ...e }));
  }

  /** Rewrites the log with one line per entry, dropping settled ones (atomic: tmp + fsync + rename). */
  compact(): void {
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, "w", 0o600);
    for (const e of this.entries.values()) if (!e.settled) writeSync(fd, `${JSON.stringify(e)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    const dfd = openSync(dirname(this.path), "r");
    fsyncSync(dfd);
    closeSync(dfd);
    for (const [k, e] of this.entries) if (e.settled) this.entries.delete(k);
    closeSync(this.fd);
    this.fd = openSync(this.path, "a", 0o600);
  }

  close(): void {
    closeSync(this.fd);
  }
}
