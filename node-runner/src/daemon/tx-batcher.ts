/**
 * Batches state changes that fall due at once into one transaction. `add` queues an item; every
 * item queued in the same turn of the event loop (tasks woken by the same event batch, executions
 * that finished together) is sent by one `many` call (one PTB: one round trip for all), at most
 * `max` per PTB; a lone item goes through `one`, as before. Nothing waits for a batch to fill:
 * the flush runs on the next `setImmediate`, so batching adds no delay.
 *
 * With a `gate` (one per signer, shared by the batchers of that signer), a batch is taken only
 * once the gate is free: while the signer's previous transaction is in flight, the items that
 * fall due queue up and go in the next transaction together (a group commit), instead of each
 * turn's batch waiting in the signer's lane as a transaction of its own.
 *
 * A PTB is atomic, so one refused item (a Move abort) would take the others with it: when `many`
 * is refused, each item is sent again alone, so every item gets its own verdict (its own abort or
 * success). Any other failure (transport) rejects every item of the batch with it; the caller's
 * retry sends them again.
 */

export interface TxBatcherOptions<T> {
  one(item: T): Promise<void>;
  many(items: T[]): Promise<void>;
  /** Whether a failure is the chain refusing the transaction (deterministic: retry item by item). */
  isRefusal(err: unknown): boolean;
  /** Items per transaction at most. Default 16. */
  max?: number;
  /** One transaction of the signer at a time: batches are taken when it lets one through. */
  gate?: { run<R>(fn: () => Promise<R>): Promise<R> };
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class TxBatcher<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;
  private readonly max: number;
  /** Transactions sent with several items, and the items they carried (for metrics and tests). */
  readonly counts = { batches: 0, batchedItems: 0, single: 0, refusedBatches: 0 };

  constructor(private readonly o: TxBatcherOptions<T>) {
    this.max = Math.max(1, Math.floor(o.max ?? 16));
  }

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.o.gate) {
      void this.drain(this.o.gate);
      return;
    }
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.max) void this.send(all.slice(i, i + this.max));
  }

  private draining = false;

  /** Sends what is pending, a batch each time the gate lets one through (what queued meanwhile goes next). */
  private async drain(gate: NonNullable<TxBatcherOptions<T>["gate"]>): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length)
        await gate.run(async () => {
          const batch = this.pending.splice(0, this.max);
          if (batch.length) await this.send(batch);
        });
    } finally {
      this.draining = false;
    }
  }

  private async send(batch: Pending<T>[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0] as Pending<T>;
      this.counts.single++;
      await this.o.one(p.item).then(p.resolve, p.reject);
      return;
    }
    this.counts.batches++;
    this.counts.batchedItems += batch.length;
    try {
      await this.o.many(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (err) {
      if (!this.o.isRefusal(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      this.counts.refusedBatches++;
      await Promise.all(batch.map((p) => this.o.one(p.item).then(p.resolve, p.reject)));
    }
  }
}
