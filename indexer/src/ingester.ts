/**
 * The ingestion loop: fetch pages after the committed cursor until a batch is full, commit the
 * batch (rows + cursor in one transaction), then fetch more. One batch in memory at a time; the
 * next page is fetched only after the previous batch committed (back-pressure).
 */
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
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

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export class Ingester {
  readonly metrics: IngesterMetrics;
  readonly batchSize: number;
  readonly pageSize: number;
  private readonly pollMs: number;
  private readonly stream: string;
  private cursor: string | null = null;
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

  get position(): { cursor: string | null; events: bigint } {
    return { cursor: this.cursor, events: this.total };
  }

  /** Resolves on every committed batch (for waitForCursor). */
  onCommit(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs until `signal` aborts; the batch in progress is committed or dropped whole. */
  async run(signal: AbortSignal): Promise<void> {
    const log = this.opts.logger;
    const c = await readCursor(this.opts.db, this.stream);
    this.cursor = c?.cursor ?? null;
    this.total = c?.events ?? 0n;
    log?.info({ cursor: this.cursor, events: this.total.toString() }, "resuming");
    let backoff = this.pollMs;
    let checked = !this.opts.source.check;
    while (!signal.aborted) {
      try {
        if (!checked) {
          await this.opts.source.check?.(signal);
          checked = true;
        }
        const batch: RawEvent[] = [];
        let cursor = this.cursor;
        let more = true;
        while (batch.length < this.batchSize && more && !signal.aborted) {
          const page = await this.opts.source.nextPage(
            cursor,
            Math.min(this.pageSize, this.batchSize - batch.length),
            signal,
          );
          batch.push(...page.events);
          if (page.events.length && page.nextCursor) cursor = page.nextCursor;
          more = page.hasNextPage && page.events.length > 0;
        }
        if (signal.aborted) break;
        this.lastError = null;
        this.caughtUp = !more;
        this.metrics.caughtUp.set(more ? 0 : 1);
        if (batch.length === 0) {
          this.metrics.lag.set(0);
          this.emit();
          await sleep(this.pollMs, signal);
          continue;
        }
        const end = this.metrics.batches.startTimer();
        const r = await applyBatch(this.opts.db, batch, cursor, { stream: this.stream });
        const secs = end();
        this.cursor = cursor;
        this.total += BigInt(r.inserted);
        this.metrics.events.inc(r.inserted);
        this.metrics.deadLetters.inc(r.deadLetters);
        const ts = batch.at(-1)?.timestampMs;
        this.metrics.lag.set(ts != null && more ? Math.max(0, Date.now() - Number(ts)) : 0);
        log?.info(
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
        this.lastError = null;
        backoff = this.pollMs;
        this.emit();
        if (!more) await sleep(this.pollMs, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.lastError = e as Error;
        this.caughtUp = false;
        this.metrics.caughtUp.set(0);
        log?.warn({ err: (e as Error).message, retryMs: backoff }, "batch failed; retrying");
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
