/**
 * Documents read from the database, kept in memory until the next ingested batch: an entry is
 * served only while no batch committed since it was read. Correct only where every write goes
 * through the in-process ingester that calls `invalidate` on each commit (the API of `indexer
 * run`); an API over a database that another process writes must not use it (buildApi enables it
 * only with `onCommit`). A read that overlaps a commit is returned but not kept.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";

/** A response body serialized once, with its entity tag (a digest of the bytes). */
export interface Served {
  bytes: Buffer;
  etag: string;
}

/** The bytes of a serialized JSON body and their strong ETag (sha-256, base64url, 128 bits). */
export function served(json: string | Uint8Array | ArrayBuffer): Served {
  const bytes = typeof json === "string" ? Buffer.from(json, "utf8") : Buffer.from(json as Uint8Array);
  return { bytes, etag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 22)}"` };
}

export class CommitScopedCache<V extends object> {
  private generation = 0;
  private readonly entries: LRUCache<string, { generation: number; value: V | null }>;

  constructor(max: number) {
    this.entries = new LRUCache({ max: Math.max(1, Math.floor(max)) });
  }

  /** A batch committed: everything read before is stale. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The cached document (null = known absent), or `load`'s, kept when no commit overlapped it. */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit && hit.generation === this.generation) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) this.entries.set(key, { generation, value });
    return value;
  }
}
