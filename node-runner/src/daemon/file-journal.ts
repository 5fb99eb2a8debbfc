/**
 * A crash-safe task journal: one JSON file per (request, round), written to a temp file,
 * fsynced, then renamed over the old one (off the event loop), so a record is either the old or
 * the new version.
 * Records of the format before task phases (./task.ts) are read as the phase they reached.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileDurablyAsync } from "../durable-file.js";
import { readTaskRecord, type TaskJournal, type TaskRecord, TaskRecordError } from "./task.js";

/** A journal file that cannot be read as a task record: names the file and what is wrong. */
export class JournalFileError extends Error {
  override name = "JournalFileError";
  readonly code = "JOURNAL_FILE";
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`task journal ${file}: ${message}`, options);
  }
}

export class FileTaskJournal implements TaskJournal {
  private readonly records = new Map<string, TaskRecord>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) {
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
      this.records.set(FileTaskJournal.key(rec.requestId, rec.round), rec);
    }
  }

  static key(requestId: string, round: number): string {
    return `${requestId}-${round}`;
  }

  get(requestId: string, round: number): TaskRecord | undefined {
    return this.records.get(FileTaskJournal.key(requestId, round));
  }

  /** Each record's write in flight (a record's writes never overlap: they share its temp file). */
  private readonly writing = new Map<string, Promise<void>>();

  /**
   * Writes the record durably (temp file, fsync, rename) off the event loop: resolves once it is
   * on disk. Writes of one record go one after the other, in call order.
   */
  async put(record: TaskRecord): Promise<void> {
    const key = FileTaskJournal.key(record.requestId, record.round);
    const file = path.join(this.dir, `${key}.json`);
    const text = JSON.stringify(record);
    const before = this.writing.get(key) ?? Promise.resolve();
    const write = before.catch(() => undefined).then(() => writeFileDurablyAsync(file, text));
    this.writing.set(key, write);
    try {
      await write;
    } finally {
      if (this.writing.get(key) === write) this.writing.delete(key);
    }
    this.records.set(key, { ...record });
  }

  pending(): TaskRecord[] {
    return [...this.records.values()].filter((r) => r.phase !== "done");
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }
}
