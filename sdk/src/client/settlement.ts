/**
 * Waiting for requests to finish, shared by every waiter of one client (issue 17 row 4, the
 * requester's side). `AtomaClient.waitForSettlement` used to poll each request alone: one
 * `getObject` per waiter every `pollMs`, two waiters of one request reading it twice. Here one
 * schedule serves them all: each round reads every request a waiter is due for in one batched
 * read (`getObjects`), two waiters of one request share its reads, and each waiter keeps its own
 * rules — its first read at once, then one at most every `pollMs` (none later than its
 * deadline), a `TimeoutError` when a read after its deadline still finds the request running, an
 * abort after its first read rejecting with the signal's reason, a failed read rejecting the
 * waiters of that request (and only them) with its error. A request found finished resolves
 * every waiter of it with that one read.
 */
import { ChainError } from "./errors.js";

/** Reads requests by id, in order: each its value or the error reading it gave. */
export type BatchRead<T> = (ids: readonly string[]) => Promise<(T | Error)[]>;

export interface WaitRules {
  /** Default 120 000. */
  timeoutMs?: number;
  /** Default 1 000. */
  pollMs?: number;
  signal?: AbortSignal;
}

interface Waiter<T> {
  /** The id as the caller gave it (error messages). */
  id: string;
  deadline: number;
  timeoutMs: number;
  pollMs: number;
  /** When it began waiting and when it is due for its next read (ms, `Date.now()` clock). */
  joined: number;
  due: number;
  read: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve(v: T): void;
  reject(e: unknown): void;
}

/** Most ids per batched read (@mysten/sui's resolver reads objects 50 at a time too). */
const BATCH = 50;

export class SharedWaits<T extends { status: number }> {
  /** Waiters by request key (normalized id). */
  readonly #waiters = new Map<string, Set<Waiter<T>>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #running = false;
  /** Batched reads made (tests and benchmarks read it). */
  reads = 0;

  constructor(
    private readonly readMany: BatchRead<T>,
    private readonly finished: (v: T) => boolean,
    private readonly timeout: (id: string, timeoutMs: number, last: T) => Error,
  ) {}

  /** Waits until the request `key` (its normalized id; `id` as the caller wrote it) is finished. */
  wait(key: string, id: string, o: WaitRules = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const now = Date.now();
      const timeoutMs = o.timeoutMs ?? 120_000;
      const w: Waiter<T> = {
        id,
        deadline: now + timeoutMs,
        timeoutMs,
        pollMs: o.pollMs ?? 1000,
        joined: now,
        due: now,
        read: false,
        signal: o.signal,
        onAbort: undefined,
        resolve,
        reject,
      };
      if (o.signal) {
        const signal = o.signal;
        w.onAbort = () => {
          // Before its first read a waiter still reads once (a finished request is returned).
          if (w.read) this.#end(key, w, () => reject(signal.reason));
        };
        signal.addEventListener("abort", w.onAbort, { once: true });
      }
      let set = this.#waiters.get(key);
      if (!set) {
        set = new Set();
        this.#waiters.set(key, set);
      }
      set.add(w);
      this.#schedule();
    });
  }

  #end(key: string, w: Waiter<T>, settle: () => void): void {
    const set = this.#waiters.get(key);
    if (!set?.delete(w)) return;
    if (set.size === 0) this.#waiters.delete(key);
    if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
    settle();
  }

  /** One timer, for the earliest due waiter (none while a round runs: it schedules after). */
  #schedule(): void {
    if (this.#running) return;
    let next = Number.POSITIVE_INFINITY;
    for (const set of this.#waiters.values()) for (const w of set) next = Math.min(next, w.due);
    if (next === Number.POSITIVE_INFINITY) return;
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        void this.#round();
      },
      Math.max(0, next - Date.now()),
    );
  }

  /** Reads every request a waiter is due for, in batches, and settles what it can. */
  async #round(): Promise<void> {
    this.#running = true;
    try {
      const now = Date.now();
      const keys = [...this.#waiters].filter(([, set]) => [...set].some((w) => w.due <= now)).map(([k]) => k);
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += BATCH) batches.push(keys.slice(i, i + BATCH));
      await Promise.all(batches.map((b) => this.#readBatch(b)));
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  async #readBatch(keys: string[]): Promise<void> {
    this.reads++;
    const sentAt = Date.now();
    let got: (T | Error)[];
    try {
      got = await this.readMany(keys);
    } catch (err) {
      got = keys.map(() => (err instanceof Error ? err : new ChainError(String(err), undefined, { cause: err })));
    }
    const now = Date.now();
    keys.forEach((key, i) => {
      const v = got[i];
      for (const w of [...(this.#waiters.get(key) ?? [])]) {
        // A waiter that joined after the read was sent is not answered by it (the next round is).
        if (w.joined > sentAt) continue;
        w.read = true;
        if (v === undefined || v instanceof Error) {
          const err = v ?? new ChainError(`the batched read gave no answer for request ${w.id}`);
          this.#end(key, w, () => w.reject(err));
        } else if (this.finished(v)) this.#end(key, w, () => w.resolve(v));
        else if (now >= w.deadline) this.#end(key, w, () => w.reject(this.timeout(w.id, w.timeoutMs, v)));
        else if (w.signal?.aborted) {
          const reason: unknown = w.signal.reason;
          this.#end(key, w, () => w.reject(reason));
        } else w.due = now + Math.min(w.pollMs, Math.max(0, w.deadline - now));
      }
    });
  }
}
