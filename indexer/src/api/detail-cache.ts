/**
 * Documents read from the database, kept in memory until the next ingested batch: an entry is
 * served only while no batch committed since it was read. Correct only where every write goes
 * through the in-process ingester that calls `invalidate` on each commit (the API of `indexer
 * run`); an API over a database that another process writes must not use it (buildApi enables it
 * only with `onCommit`). A read that overlaps a commit is returned but not kept.
 */
import { LRUCache } from "lru-cache";

/** A response body serialized once (a string is sent as its UTF-8 bytes), with its entity tag. */
export interface Served {
  bytes: string | Buffer;
  etag: string;
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
