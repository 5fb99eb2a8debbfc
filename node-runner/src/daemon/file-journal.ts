/**
 * A crash-safe task journal: one JSON file per (request, round), written to a temp file,
 * fsynced, then renamed over the old one, so a record is either the old or the new version.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import type { TaskJournal, TaskRecord } from "./daemon.js";

export class FileTaskJournal implements TaskJournal {
  private readonly records = new Map<string, TaskRecord>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(".json")) continue;
      const rec = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as TaskRecord;
      this.records.set(FileTaskJournal.key(rec.requestId, rec.round), rec);
    }
  }

  static key(requestId: string, round: number): string {
    return `${requestId}-${round}`;
  }

  get(requestId: string, round: number): TaskRecord | undefined {
    return this.records.get(FileTaskJournal.key(requestId, round));
  }

  async put(record: TaskRecord): Promise<void> {
    const key = FileTaskJournal.key(record.requestId, record.round);
    const file = path.join(this.dir, `${key}.json`);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(record));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.records.set(key, { ...record });
  }

  pending(): TaskRecord[] {
    return [...this.records.values()].filter((r) => !r.settled);
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }
}
