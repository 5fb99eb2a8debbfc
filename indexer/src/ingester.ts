/**
 * The ingestion loop. Polling (JSON-RPC): fetch pages after the committed cursor until a batch is
 * full, commit the batch (rows + cursor in one transaction), then fetch more; one batch in memory
 * at a time, the next page fetched only after the previous batch committed (back-pressure).
 * By checkpoint (gRPC, with a `CheckpointSource`): follow the checkpoint stream from the committed
 * checkpoint watermark, committing each run of checkpoints that arrived together with the
 * watermark in the same transaction; a database without a watermark first catches up with the
 * event list up to the tip read before it, then follows the checkpoints after that tip.
 */
import { type FollowBatch, followEvents, type PageReader, sleep } from "@atoma/sdk";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CheckpointBatch, CheckpointSource } from "./checkpoints.js";
import type { Db } from "./db.js";
import { applyBatch, DEFAULT_STREAM, readCursor } from "./ingest.js";
import type { EventSource, RawEvent } from "./source.js";

export interface IngesterOptions {
  db: Db;
  source: EventSource;
  /** Events per database transaction (default 1000). */
  batchSize?: number;
  /** Events per source page (default 50, the JSON-RPC cap). */
  pageSize?: number;
  /** Wait between polls when caught up, ms (default 500). */
  pollMs?: number;
  stream?: string;
  logger?: Logger;
  registry?: Registry;
  /** Ingest by checkpoint from this source (`source` is then the catch-up path of a database without a watermark). */
  checkpoints?: CheckpointSource;
  /**
   * By checkpoint: how long to wait for the next checkpoint before committing those received
   * (ms, default 20); a batch also closes at `batchSize` events or 1000 checkpoints.
   */
  lingerMs?: number;
}

export interface IngesterMetrics {
  registry: Registry;
  events: Counter;
  deadLetters: Counter;
  batches: Histogram;
  lag: Gauge;
  caughtUp: Gauge;
}

export function createMetrics(registry = new Registry()): IngesterMetrics {
  return {
    registry,
    events: new Counter({ name: "atoma_indexer_events_total", help: "Events ingested", registers: [registry] }),
    deadLetters: new Counter({
      name: "atoma_indexer_dead_letters_total",
      help: "Events that could not be decoded",
      registers: [registry],
    }),
    batches: new Histogram({
      name: "atoma_indexer_batch_seconds",
      help: "Duration of a batch transaction",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lag: new Gauge({
      name: "atoma_indexer_lag_ms",
      help: "Now minus the timestamp of the last ingested event (0 when caught up)",
      registers: [registry],
    }),
    caughtUp: new Gauge({
      name: "atoma_indexer_caught_up",
      help: "1 when the last page was the newest",
      registers: [registry],
    }),
  };
}

/** Checkpoints per transaction at most (catch-up of empty checkpoints). */
const MAX_CHECKPOINTS = 1000;

/** Whether `p` settles within `ms` (a rejection counts: it is surfaced when `p` is awaited). */
const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve(true);
      },
      () => {
        clearTimeout(t);
        resolve(true);
      },
    );
  });

export class Ingester {
  readonly metrics: IngesterMetrics;
  readonly batchSize: number;
  readonly pageSize: number;
  private readonly pollMs: number;
  private readonly stream: string;
  private cursor: string | null = null;
  private checkpoint: bigint | null = null;
  private total = 0n;
  private listeners = new Set<() => void>();
  caughtUp = false;
  lastError: Error | null = null;

  constructor(private readonly opts: IngesterOptions) {
    this.batchSize = opts.batchSize ?? 1000;
    this.pageSize = Math.min(opts.pageSize ?? 50, this.batchSize);
    this.pollMs = opts.pollMs ?? 500;
    this.stream = opts.stream ?? DEFAULT_STREAM;
    this.metrics = createMetrics(opts.registry);
    if (!(this.batchSize >= 1)) throw new RangeError("batchSize: must be a positive integer");
  }

  /** The committed event cursor, checkpoint watermark (null until ingesting by checkpoint) and event count. */
  get position(): { cursor: string | null; checkpoint: bigint | null; events: bigint } {
    return { cursor: this.cursor, checkpoint: this.checkpoint, events: this.total };
  }

  /** Resolves on every committed batch (for waitForCursor). */
  onCommit(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs until `signal` aborts; the batch in progress is committed or dropped whole. */
  async run(signal: AbortSignal): Promise<void> {
    const c = await readCursor(this.opts.db, this.stream);
    this.cursor = c?.cursor ?? null;
    this.checkpoint = c?.checkpointHi ?? null;
    this.total = c?.events ?? 0n;
    this.opts.logger?.info(
      { cursor: this.cursor, checkpoint: this.checkpoint?.toString() ?? null, events: this.total.toString() },
      "resuming",
    );
    if (this.opts.checkpoints) await this.runCheckpoints(this.opts.checkpoints, signal);
    else await this.runPolling(signal);
  }

  /** Reports a failed read or commit (the follower or this loop retries after `retryMs`). */
  private failed(e: unknown, retryMs: number, msg: string): void {
    this.lastError = e instanceof Error ? e : new Error(String(e));
    this.caughtUp = false;
    this.metrics.caughtUp.set(0);
    this.opts.logger?.warn({ err: this.lastError.message, retryMs }, msg);
  }

  /**
   * Follows the event list through the SDK's follower (`followEvents`: pages gathered into
   * batches of `batchSize`, the next read only after this batch committed); with `untilCaughtUp`,
   * returns once a pass found no more events (the catch-up). A failed commit restarts the
   * follower from the committed cursor.
   */
  private async runPolling(signal: AbortSignal, untilCaughtUp = false): Promise<void> {
    const source = this.opts.source;
    const read: PageReader<RawEvent> = async (after, limit, sig) => {
      const page = await source.nextPage(after, limit, sig);
      return { events: page.events, cursor: page.nextCursor, hasNextPage: page.hasNextPage };
    };
    let backoff = this.pollMs;
    let checked = !source.check;
    while (!signal.aborted) {
      try {
        if (!checked) {
          await source.check?.(signal);
          checked = true;
        }
        const batches = followEvents(read, {
          after: this.cursor,
          pageSize: this.pageSize,
          batchSize: this.batchSize,
          pollMs: this.pollMs,
          signal,
          untilCaughtUp,
          onError: (e, retryMs) => this.failed(e, retryMs, "batch failed; retrying"),
        });
        for await (const batch of batches) {
          await this.commitEvents(batch);
          backoff = this.pollMs;
          if (!(untilCaughtUp && batch.caughtUp)) this.emit();
        }
        return;
      } catch (e) {
        if (signal.aborted) break;
        this.failed(e, backoff, "batch failed; retrying");
        await sleep(backoff, signal, "resolve");
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /** Commits one batch of the event list (rows + cursor in one transaction). */
  private async commitEvents(batch: FollowBatch<RawEvent>): Promise<void> {
    const more = !batch.caughtUp;
    this.lastError = null;
    this.caughtUp = batch.caughtUp;
    this.metrics.caughtUp.set(more ? 0 : 1);
    if (batch.events.length === 0) {
      this.metrics.lag.set(0);
      return;
    }
    const end = this.metrics.batches.startTimer();
    const r = await applyBatch(this.opts.db, batch.events, batch.cursor, { stream: this.stream });
    const secs = end();
    this.cursor = batch.cursor;
    this.total += BigInt(r.inserted);
    this.metrics.events.inc(r.inserted);
    this.metrics.deadLetters.inc(r.deadLetters);
    const ts = batch.events.at(-1)?.timestampMs;
    this.metrics.lag.set(ts != null && more ? Math.max(0, Date.now() - Number(ts)) : 0);
    this.opts.logger?.info(
      {
        events: r.inserted,
        duplicates: r.duplicates,
        deadLetters: r.deadLetters,
        total: this.total.toString(),
        ms: Math.round(secs * 1000),
        caughtUp: !more,
        lagMs: ts != null ? Math.max(0, Date.now() - Number(ts)) : undefined,
      },
      "batch committed",
    );
  }

  /** By checkpoint: catch up with the event list when there is no watermark yet, then follow the checkpoints. */
  private async runCheckpoints(source: CheckpointSource, signal: AbortSignal): Promise<void> {
    const log = this.opts.logger;
    let backoff = this.pollMs;
    let checked = !this.opts.source.check;
    while (!signal.aborted) {
      try {
        if (!checked) {
          await this.opts.source.check?.(signal);
          checked = true;
        }
        if (this.checkpoint === null) {
          // Every event of a checkpoint up to `tip` is in the list read after it; events of later
          // checkpoints read here too are dropped as duplicates when their checkpoint comes.
          const tip = await source.tip(signal);
          log?.info({ tip: tip.toString(), cursor: this.cursor }, "catching up with the event list");
          await this.runPolling(signal, true);
          if (signal.aborted) break;
          await applyBatch(this.opts.db, [], null, { stream: this.stream, checkpoint: tip });
          this.checkpoint = tip;
          this.emit();
        }
        await this.follow(source, this.checkpoint, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.failed(e, backoff, "checkpoint ingestion failed; retrying");
        await sleep(backoff, signal, "resolve");
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /** Follows the checkpoints after `after` until `signal` aborts; checkpoints that arrive together share a transaction. */
  private async follow(source: CheckpointSource, after: bigint, signal: AbortSignal): Promise<void> {
    const it = source
      .checkpoints(after, {
        signal,
        onReconnect: (err) => {
          if (signal.aborted) return;
          this.lastError = err instanceof Error ? err : new Error(String(err));
          this.caughtUp = false;
          this.metrics.caughtUp.set(0);
          this.emit();
          this.opts.logger?.warn({ err: this.lastError.message }, "checkpoint stream dropped; resuming");
        },
      })
      [Symbol.asyncIterator]();
    try {
      let batch: CheckpointBatch[] = [];
      let events = 0;
      let pending = it.next();
      for (;;) {
        const r = await pending;
        if (r.done || signal.aborted) return;
        batch.push(r.value);
        events += r.value.events.length;
        pending = it.next();
        const full = events >= this.batchSize || batch.length >= MAX_CHECKPOINTS;
        const next = !full && (await settlesWithin(pending, this.opts.lingerMs ?? 20));
        if (next && !signal.aborted) continue;
        if (signal.aborted) return;
        await this.commitCheckpoints(batch, !next && !full);
        batch = [];
        events = 0;
      }
    } finally {
      await it.return?.();
    }
  }

  private async commitCheckpoints(batch: CheckpointBatch[], caughtUp: boolean): Promise<void> {
    const events = batch.flatMap((b) => b.events);
    const last = batch[batch.length - 1]!;
    const end = this.metrics.batches.startTimer();
    const r = await applyBatch(this.opts.db, events, null, { stream: this.stream, checkpoint: last.checkpoint });
    const secs = end();
    this.checkpoint = last.checkpoint;
    this.total += BigInt(r.inserted);
    this.lastError = null;
    this.caughtUp = caughtUp;
    this.metrics.caughtUp.set(caughtUp ? 1 : 0);
    this.metrics.events.inc(r.inserted);
    this.metrics.deadLetters.inc(r.deadLetters);
    const lagMs = last.timestampMs != null ? Math.max(0, Date.now() - Number(last.timestampMs)) : undefined;
    this.metrics.lag.set(caughtUp || lagMs === undefined ? 0 : lagMs);
    const fields = {
      checkpoint: last.checkpoint.toString(),
      checkpoints: batch.length,
      events: r.inserted,
      duplicates: r.duplicates,
      deadLetters: r.deadLetters,
      total: this.total.toString(),
      ms: Math.round(secs * 1000),
      caughtUp,
      lagMs,
    };
    // Checkpoints without atoma events only move the watermark: not worth a line each.
    if (events.length > 0) this.opts.logger?.info(fields, "batch committed");
    else this.opts.logger?.debug(fields, "watermark advanced");
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
