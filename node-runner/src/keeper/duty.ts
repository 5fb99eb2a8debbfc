/**
 * One keeper duty over a durable pending list (./pending.ts): ids are sent in batches of at most
 * `maxBatch`, one transaction each, once `maxBatch` are pending or the oldest has waited
 * `maxDelayMs`; at most `maxBatchesPerPass` batches per pass of the keeper's loop, so a long list
 * (every node after a `stake_cap` change) is worked off between the other duties' turns. A batch the Move code refuses is retried item by item, so one bad id never blocks
 * the rest: an item refused alone is dropped with its reason; any other failure (transport, gas)
 * keeps the items for the next flush.
 */
import type { Logger } from "pino";
import { moveAbortOf } from "../sdk-port.js";
import { PendingFile } from "./pending.js";

/** The keeper's time source (ms); injected so tests and benchmarks control it. */
export interface KeeperClock {
  now(): number;
}
export const systemClock: KeeperClock = { now: () => Date.now() };

export type DutyName = "sweep" | "refresh";

/** Where the duties report (`createKeeperMetrics`: Prometheus). */
export interface KeeperMetrics {
  /** `count` items done (in a transaction that succeeded). */
  done(duty: DutyName, count: number): void;
  /** `count` items the chain refused alone (dropped). */
  refused(duty: DutyName, count: number): void;
  /** One transaction that failed without a Move abort (kept for the next flush). */
  failed(duty: DutyName): void;
  /** Items pending now. */
  pending(duty: DutyName, count: number): void;
  /** `count` chain events read. */
  events(count: number): void;
}

export interface BatchPolicy {
  /** Most items per transaction (default 32). */
  maxBatch: number;
  /** Longest an item waits before its batch is sent although not full (default 30 s). */
  maxDelayMs: number;
  /** Most batches one pass sends before the other duties and the event follower get their turn (default 4). */
  maxBatchesPerPass: number;
}
export const DEFAULT_BATCH: BatchPolicy = { maxBatch: 32, maxDelayMs: 30_000, maxBatchesPerPass: 4 };

export interface DutyOptions {
  name: DutyName;
  file: string;
  policy: BatchPolicy;
  clock: KeeperClock;
  logger: Logger;
  metrics?: KeeperMetrics;
  /** One transaction for all of `ids`. */
  send(ids: readonly string[]): Promise<void>;
}

export interface FlushResult {
  done: string[];
  refused: Array<{ id: string; reason: string }>;
  /** Transactions that failed without an abort (their items stay pending). */
  failed: number;
}

export function checkPolicy(p: BatchPolicy, where: string): BatchPolicy {
  if (!Number.isSafeInteger(p.maxBatch) || p.maxBatch < 1 || p.maxBatch > 512)
    throw new RangeError(`${where}: maxBatch must be an integer in 1..512 (got ${p.maxBatch})`);
  if (!Number.isSafeInteger(p.maxDelayMs) || p.maxDelayMs < 0)
    throw new RangeError(`${where}: maxDelayMs must be a whole number of ms >= 0 (got ${p.maxDelayMs})`);
  if (!Number.isSafeInteger(p.maxBatchesPerPass) || p.maxBatchesPerPass < 1)
    throw new RangeError(`${where}: maxBatchesPerPass must be an integer >= 1 (got ${p.maxBatchesPerPass})`);
  return p;
}

export class BatchDuty {
  readonly pending: PendingFile;
  readonly stats = { done: 0, refused: 0, failed: 0, transactions: 0 };

  constructor(private readonly o: DutyOptions) {
    checkPolicy(o.policy, o.name);
    this.pending = new PendingFile(o.file);
  }

  get name(): DutyName {
    return this.o.name;
  }

  /** Queues `id` (in memory until `save`). */
  add(id: string): void {
    if (this.pending.add(id, this.o.clock.now())) this.o.metrics?.pending(this.o.name, this.pending.size);
  }

  /** Forgets `id` (someone else did it). */
  drop(id: string): void {
    this.pending.delete(id);
  }

  save(): void {
    this.pending.save();
  }

  /** True when a full batch is pending or the oldest item has waited `maxDelayMs`. */
  due(): boolean {
    if (this.pending.size === 0) return false;
    if (this.pending.size >= this.o.policy.maxBatch) return true;
    return this.o.clock.now() - (this.pending.oldestSince() ?? 0) >= this.o.policy.maxDelayMs;
  }

  /**
   * Sends the due batches, at most `maxBatchesPerPass` (every pending item with `all`), saving the
   * list after each; logs the progress when items are left for the next pass.
   */
  async flush(all = false): Promise<FlushResult> {
    const result: FlushResult = { done: [], refused: [], failed: 0 };
    const skip = new Set<string>();
    let batches = 0;
    while (all ? this.pending.size > skip.size : batches < this.o.policy.maxBatchesPerPass && this.due()) {
      batches++;
      const batch = this.pending.oldest(this.pending.size).filter((id) => !skip.has(id));
      const ids = batch.slice(0, this.o.policy.maxBatch);
      if (ids.length === 0) break;
      const kept = await this.sendBatch(ids, result);
      for (const id of kept) skip.add(id);
      this.pending.save();
      this.o.metrics?.pending(this.o.name, this.pending.size);
      if (kept.length > 0) break; // the chain is failing: try again at the next flush
    }
    if (result.done.length + result.refused.length > 0 && this.pending.size > 0)
      this.o.logger.info(
        { duty: this.o.name, done: result.done.length, refused: result.refused.length, pending: this.pending.size },
        "batches sent; more pending for the next pass",
      );
    return result;
  }

  /** Sends `ids`; returns those kept for later (failure without an abort). */
  private async sendBatch(ids: string[], result: FlushResult): Promise<string[]> {
    try {
      await this.send(ids);
      this.finish(ids, result);
      return [];
    } catch (err) {
      if (!moveAbortOf(err)) return this.keep(ids, err, result);
      if (ids.length === 1) {
        this.refuse(ids[0] as string, err, result);
        return [];
      }
      this.o.logger.info({ duty: this.o.name, items: ids.length }, "batch refused by the chain; retrying item by item");
    }
    const kept: string[] = [];
    for (const id of ids) {
      try {
        await this.send([id]);
        this.finish([id], result);
      } catch (err) {
        if (moveAbortOf(err)) this.refuse(id, err, result);
        else kept.push(...this.keep([id], err, result));
      }
    }
    return kept;
  }

  private async send(ids: string[]): Promise<void> {
    this.stats.transactions++;
    await this.o.send(ids);
  }

  private finish(ids: string[], result: FlushResult): void {
    for (const id of ids) this.pending.delete(id);
    result.done.push(...ids);
    this.stats.done += ids.length;
    this.o.metrics?.done(this.o.name, ids.length);
  }

  private refuse(id: string, err: unknown, result: FlushResult): void {
    const abort = moveAbortOf(err);
    const reason = abort ? `${abort.module ?? "?"}::${abort.constantName ?? abort.abortCode}` : String(err);
    this.pending.delete(id);
    result.refused.push({ id, reason });
    this.stats.refused++;
    this.o.metrics?.refused(this.o.name, 1);
    this.o.logger.warn({ duty: this.o.name, id, reason }, "refused by the chain; dropped");
  }

  private keep(ids: string[], err: unknown, result: FlushResult): string[] {
    result.failed++;
    this.stats.failed++;
    this.o.metrics?.failed(this.o.name);
    this.o.logger.warn(
      { duty: this.o.name, items: ids.length, err: err instanceof Error ? err.message : String(err) },
      "transaction failed; kept for the next flush",
    );
    return ids;
  }
}
