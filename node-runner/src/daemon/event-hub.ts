/**
 * One event follower per process per chain (./node.ts `chainEventHub` keeps them), shared by
 * every node daemon the process runs (issue 17 row 4): one checkpoint stream fanned out to every
 * daemon's wake-up and clock, and event pages fetched once for all of them.
 *
 * - `nextEvents(cursor, limit)` is single-flight: calls for the same cursor and limit share one
 *   read and one decoded, frozen result, while it is in flight and (with a checkpoint stream) for
 *   `freshMs` after it came back, unless a checkpoint with events arrived since the read began
 *   (then the next call reads again: a shared answer is never older than the wake-up its caller
 *   reacts to). A failed read
 *   rejects every caller that shared it and is not kept. A daemon whose durable cursor is behind
 *   (after a restart) reads its own pages, and shares again once it reaches the others' cursor.
 * - `subscribe({ wake, observe })`: the first subscriber starts the checkpoint stream, each of its
 *   checkpoints reaches every subscriber (`observe` its timestamp, `wake` when it carries events),
 *   and the last one to leave stops it.
 *
 * Each daemon keeps its own durable cursor, journal and crash-safety: the hub holds no cursor.
 * The event list stays the source of truth (a missed or repeated wake-up is harmless).
 */
import type { EventBatch } from "./chain-port.js";

/** Reads the page of at most `limit` events after `cursor` (the RPC). */
export type EventPageReader = (cursor: string | null, limit: number) => Promise<EventBatch>;

/** What a checkpoint stream tells the hub: a checkpoint's time, and that one carried events. */
export interface CheckpointSink {
  wake(): void;
  observe(timestampMs: bigint | null): void;
}

/** Runs a checkpoint stream into `sink` until `signal` aborts (`wakeOnCheckpoints` over gRPC). */
export type CheckpointSource = (sink: CheckpointSink, signal: AbortSignal) => Promise<void>;

/** A daemon following the hub: woken on checkpoints with events, told every checkpoint's time. */
export interface HubSubscriber {
  wake(): void;
  observe?(timestampMs: bigint | null): void;
}

export interface EventHubOptions {
  read: EventPageReader;
  /** The checkpoint stream (omitted: none, e.g. over JSON-RPC; the daemons poll). */
  checkpoints?: CheckpointSource;
  /**
   * How long a page that came back is shared with later callers of the same cursor, ms: default
   * 200 with a checkpoint stream (a checkpoint with events ends it sooner), 0 without one (only a
   * read in flight is shared: with no wake-up to invalidate it, a kept page would delay a poll).
   */
  freshMs?: number;
  /** Called when the stream stops with an error (it reconnects by itself otherwise). */
  onStreamError?: (err: unknown) => void;
}

/** An event page read once and shared. */
interface Entry {
  /** The hub's generation (checkpoints with events seen) when the read began. */
  gen: number;
  /** When the read came back (performance.now()); undefined while in flight. */
  at: number | undefined;
  page: Promise<EventBatch>;
}

/** Freezes a decoded page so no sharer can change what the others see (byte arrays excepted). */
function freezePage(p: EventBatch): EventBatch {
  for (const ev of p.events) {
    if (ev.name === "NodesSampled") Object.freeze(ev.nodes);
    Object.freeze(ev);
  }
  Object.freeze(p.events);
  return Object.freeze(p);
}

export class EventHub {
  readonly #o: EventHubOptions & { freshMs: number };
  readonly #pages = new Map<string, Entry>();
  readonly #subscribers = new Set<HubSubscriber>();
  #gen = 0;
  #stream: { controller: AbortController; done: Promise<void> } | undefined;
  /** Reads made (RPCs), calls answered by a read another caller made, checkpoints fanned out. */
  readonly stats = { reads: 0, shared: 0, checkpoints: 0 };

  constructor(options: EventHubOptions) {
    this.#o = { ...options, freshMs: options.freshMs ?? (options.checkpoints ? 200 : 0) };
  }

  /** Events after `cursor`, at most `limit`: one read for every caller of the same cursor (see the module doc). */
  nextEvents(cursor: string | null, limit: number): Promise<EventBatch> {
    const key = JSON.stringify([limit, cursor]);
    const now = performance.now();
    const known = this.#pages.get(key);
    if (known && known.gen === this.#gen && (known.at === undefined || now - known.at <= this.#o.freshMs)) {
      this.stats.shared++;
      return known.page;
    }
    this.#sweep(now);
    this.stats.reads++;
    const page = (async () => this.#o.read(cursor, limit))().then(
      (p) => {
        entry.at = performance.now();
        return freezePage(p);
      },
      (err: unknown) => {
        if (this.#pages.get(key) === entry) this.#pages.delete(key);
        throw err;
      },
    );
    const entry: Entry = { gen: this.#gen, at: undefined, page };
    this.#pages.set(key, entry);
    return entry.page;
  }

  /** Drops the pages no caller can share any more. */
  #sweep(now: number): void {
    for (const [k, e] of this.#pages)
      if (e.at !== undefined && (e.gen !== this.#gen || now - e.at > this.#o.freshMs)) this.#pages.delete(k);
  }

  /** Pages kept for sharing (tests). */
  get kept(): number {
    return this.#pages.size;
  }

  /** Subscribers now. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Whether the checkpoint stream runs. */
  get streaming(): boolean {
    return this.#stream !== undefined;
  }

  /**
   * Follows the checkpoint stream (started with the first subscriber). The returned function
   * unsubscribes; the last subscriber to leave drops the pages kept and stops the stream (it
   * resolves once the stream has stopped).
   */
  subscribe(s: HubSubscriber): () => Promise<void> {
    this.#subscribers.add(s);
    this.#startStream();
    let left = false;
    return async () => {
      if (left) return;
      left = true;
      this.#subscribers.delete(s);
      if (this.#subscribers.size > 0) return;
      // Nobody follows: nothing kept outlives them (a later chain may answer at the same url).
      this.#pages.clear();
      await this.#stopStream();
    };
  }

  #startStream(): void {
    const source = this.#o.checkpoints;
    if (!source || this.#stream) return;
    const controller = new AbortController();
    const sink: CheckpointSink = {
      wake: () => {
        // Pages read before this checkpoint may miss its events: no later caller shares them.
        this.#gen++;
        for (const s of [...this.#subscribers]) s.wake();
      },
      observe: (ts) => {
        this.stats.checkpoints++;
        for (const s of [...this.#subscribers]) s.observe?.(ts);
      },
    };
    const stream = {
      controller,
      done: (async () => source(sink, controller.signal))()
        .catch((err: unknown) => {
          if (!controller.signal.aborted) this.#o.onStreamError?.(err);
        })
        .finally(() => {
          // Stopped by itself (an error): the next subscriber starts it again.
          if (this.#stream === stream) this.#stream = undefined;
        }),
    };
    this.#stream = stream;
  }

  async #stopStream(): Promise<void> {
    const st = this.#stream;
    if (!st) return;
    this.#stream = undefined;
    st.controller.abort();
    await st.done;
  }
}
