/**
 * The one event follower: reads pages of events after a durable cursor, gathers them into
 * batches, and yields each batch with the cursor to resume after it; polls once caught up (an
 * idle wait that a `Wakeup` ends early, e.g. on a new checkpoint), retries failed reads with a
 * doubling wait when told how to report them, and stops when its signal aborts. The next page is
 * read only once the consumer has taken the batch (back-pressure); `save` persists the cursor
 * after the consumer is done with it, so a restart resumes after the last batch processed
 * (at-least-once: a batch interrupted mid-way is read again).
 *
 * Used by `AtomaClient.events()`, the indexer's ingester and the node daemon, each over its own
 * page reader and cursor storage.
 */
import type { SuiGrpcClient } from "@mysten/sui/grpc";
import { checkpointStream } from "./checkpoints.js";
import { sleep } from "./sleep.js";

/** One page of events strictly after a cursor, oldest first. */
export interface FollowPage<E> {
  events: E[];
  /** Cursor after the last event read (null or unchanged when nothing was read). */
  cursor: string | null;
  hasNextPage: boolean;
}

/** Reads the page of at most `limit` events after `after` (null: from the first event). */
export type PageReader<E> = (after: string | null, limit: number, signal?: AbortSignal) => Promise<FollowPage<E>>;

export interface FollowBatch<E> {
  events: E[];
  /** Resume after this cursor to read on after this batch (equal to the previous one when empty). */
  cursor: string | null;
  /** The last page read was the newest: there was nothing more to read. */
  caughtUp: boolean;
}

export interface FollowOptions {
  /** The cursor to resume after (null: from the first event). */
  after: string | null;
  /** Events per page read (default 50, JSON-RPC's cap). */
  pageSize?: number;
  /** Events per batch at most (default `pageSize`: one page a batch). */
  batchSize?: number;
  /** Idle wait once caught up, and the first retry wait, ms (default 1000). */
  pollMs?: number;
  signal?: AbortSignal;
  /**
   * Given: a failed read is reported here and retried after `retryMs` (doubling from `pollMs` up
   * to `maxBackoffMs`), the batch being gathered dropped. Omitted: the follower rejects with it.
   */
  onError?: (error: unknown, retryMs: number) => void;
  /** Longest retry wait, ms (default 30 000). */
  maxBackoffMs?: number;
  /** Return after the first batch that catches up (one pass) instead of polling. */
  untilCaughtUp?: boolean;
  /** Ends the idle wait early (see `Wakeup`, `wakeOnCheckpoints`). */
  wakeup?: Wakeup;
  /** Persists the cursor of a batch once the consumer asks for the next one (i.e. has processed it). */
  save?: (cursor: string | null) => void | Promise<void>;
}

/**
 * Ends an idle wait of a follower early. A wake-up that comes while no one waits is kept for the
 * next wait, so an event that lands during a read is not left for a whole poll interval.
 */
export class Wakeup {
  #waiters = new Set<() => void>();
  #pending = false;
  /** Wake-ups received. */
  count = 0;

  wake(): void {
    this.count++;
    if (this.#waiters.size === 0) this.#pending = true;
    for (const w of [...this.#waiters]) w();
  }

  /** Waits `ms`, less when woken or when `signal` aborts (resolves in every case). */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`followEvents: ${name} must be a positive integer (got ${v})`);
  return v;
}

/** Batches of events after `opts.after`, forever (or one pass with `untilCaughtUp`) until `opts.signal` aborts. */
export async function* followEvents<E>(read: PageReader<E>, opts: FollowOptions): AsyncGenerator<FollowBatch<E>> {
  const { signal } = opts;
  const pageSize = positive("pageSize", opts.pageSize ?? 50);
  const batchSize = positive("batchSize", opts.batchSize ?? pageSize);
  const pollMs = opts.pollMs ?? 1000;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  let cursor = opts.after;
  let backoff = pollMs;
  while (!signal?.aborted) {
    const events: E[] = [];
    let next = cursor;
    let more = true;
    try {
      while (events.length < batchSize && more && !signal?.aborted) {
        const page = await read(next, Math.min(pageSize, batchSize - events.length), signal);
        events.push(...page.events);
        // A reader that filters may return an empty page that still moves the cursor: read on.
        const moved = page.cursor !== null && page.cursor !== next;
        if (moved) next = page.cursor;
        more = page.hasNextPage && moved;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (!opts.onError) throw error;
      opts.onError(error, backoff);
      await sleep(backoff, signal, "resolve");
      backoff = Math.min(backoff * 2, maxBackoffMs);
      continue;
    }
    if (signal?.aborted) return;
    backoff = pollMs;
    yield { events, cursor: next, caughtUp: !more };
    cursor = next;
    await opts.save?.(cursor);
    if (more) continue;
    if (opts.untilCaughtUp) return;
    if (opts.wakeup) await opts.wakeup.wait(pollMs, signal);
    else await sleep(pollMs, signal, "resolve");
  }
}

/**
 * The checkpoint fields `wakeOnCheckpoints` reads (a Sui full node sends `sequence_number,digest`
 * by default): the events' types only, not their contents (every follower of a network receives
 * every checkpoint; the event list, read after the wake-up, carries the contents).
 */
const WAKE_READ_MASK = ["sequence_number", "summary.timestamp", "transactions.events.events.event_type"] as const;

/**
 * Checkpoint-stream mode (gRPC): wakes `wakeup` on every checkpoint that carries events, so a
 * follower reacts at once instead of after its poll interval; the event list behind the durable
 * cursor stays the source of truth (a missed or repeated wake-up is harmless). `onCheckpoint`
 * sees every checkpoint's sequence number and timestamp (ms; the chain's time when it closed: a
 * daemon's deadline clock without a read of 0x6). Runs until `signal` aborts.
 */
export async function wakeOnCheckpoints(
  client: SuiGrpcClient,
  wakeup: Pick<Wakeup, "wake">,
  opts: {
    signal: AbortSignal;
    onReconnect?: (error: unknown) => void;
    onCheckpoint?: (sequenceNumber: bigint, timestampMs: bigint | null) => void;
  },
): Promise<void> {
  for await (const cp of checkpointStream(client, {
    after: null,
    signal: opts.signal,
    readMask: WAKE_READ_MASK,
    ...(opts.onReconnect ? { onReconnect: opts.onReconnect } : {}),
  })) {
    if (opts.onCheckpoint && cp.sequenceNumber !== undefined) {
      const ts = cp.summary?.timestamp;
      opts.onCheckpoint(cp.sequenceNumber, ts ? ts.seconds * 1000n + BigInt(Math.floor(ts.nanos / 1e6)) : null);
    }
    if (cp.transactions.some((t) => (t.events?.events.length ?? 0) > 0)) wakeup.wake();
  }
}
