/**
 * The keeper's durable to-do list of one duty: ids (requests to sweep, nodes to refresh) with the
 * time each was first seen, kept in one JSON file written to a temp file, fsynced and renamed over
 * the old one (a crash leaves the old or the new list, never half of one).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileDurably } from "../durable-file.js";

/** A pending file that cannot be read: names the file and what is wrong. */
export class PendingFileError extends Error {
  override name = "PendingFileError";
  readonly code = "KEEPER_PENDING_FILE";
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`keeper pending list ${file}: ${message}`, options);
  }
}

const ID = /^0x[0-9a-f]{64}$/;

export class PendingFile {
  /** id → first seen (ms, the keeper's clock), in insertion order. */
  private readonly items = new Map<string, number>();
  private dirty = false;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    if (!existsSync(file)) return;
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new PendingFileError(file, `not JSON (${(err as Error).message})`, { cause: err });
    }
    const list = (saved as { pending?: unknown } | null)?.pending;
    if (!Array.isArray(list)) throw new PendingFileError(file, "`pending` must be an array of {id, since}");
    list.forEach((item: unknown, i) => {
      const { id, since } = (item ?? {}) as { id?: unknown; since?: unknown };
      if (typeof id !== "string" || !ID.test(id) || typeof since !== "number" || !Number.isFinite(since))
        throw new PendingFileError(file, `pending[${i}] must be {id: 0x + 64 hex, since: ms}`);
      this.items.set(id, since);
    });
  }

  get size(): number {
    return this.items.size;
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  /** Adds `id` (kept with its first time when already there); true when it is new. */
  add(id: string, now: number): boolean {
    if (this.items.has(id)) return false;
    this.items.set(id, now);
    this.dirty = true;
    return true;
  }

  delete(id: string): void {
    if (this.items.delete(id)) this.dirty = true;
  }

  /** The oldest `n` ids, oldest first. */
  oldest(n: number): string[] {
    return [...this.items.keys()].slice(0, n);
  }

  /** When the oldest id was first seen (undefined when empty). */
  oldestSince(): number | undefined {
    for (const since of this.items.values()) return since;
    return undefined;
  }

  ids(): string[] {
    return [...this.items.keys()];
  }

  /** Writes the list when it changed since the last save (atomic replace). */
  save(): void {
    if (!this.dirty) return;
    writeFileDurably(this.file, JSON.stringify({ pending: [...this.items].map(([id, since]) => ({ id, since })) }));
    this.dirty = false;
  }
}
