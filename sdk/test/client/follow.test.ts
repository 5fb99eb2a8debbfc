/**
 * The SDK's one event follower (`followEvents`), over an in-memory page reader: batches, the
 * durable cursor and resuming after a restart, retries, the abort signal, wake-ups, and readers
 * whose filtered pages are empty but move the cursor.
 */
import { describe, expect, it } from "vitest";
import { type FollowPage, followEvents, type PageReader, Wakeup } from "../../src/client/follow.js";

/** Events 0..n-1; the cursor is the index of the last event read, as a string. */
function list(n: number, opts: { skip?: (i: number) => boolean } = {}) {
  const events = Array.from({ length: n }, (_, i) => i);
  const reads: Array<{ after: string | null; limit: number }> = [];
  const read: PageReader<number> = async (after, limit) => {
    reads.push({ after, limit });
    const start = after === null ? 0 : Number(after) + 1;
    const slice = events.slice(start, start + limit);
    const end = start + slice.length;
    const page: FollowPage<number> = {
      events: slice.filter((i) => !opts.skip?.(i)),
      cursor: slice.length ? String(end - 1) : after,
      hasNextPage: end < events.length,
    };
    return page;
  };
  return { events, reads, read };
}

async function collect<T>(it: AsyncIterable<T>, until?: (items: T[]) => boolean): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (until?.(out)) break;
  }
  return out;
}

describe("followEvents", () => {
  it("gathers pages into batches, each with the cursor after it, and stops once caught up", async () => {
    const src = list(23);
    const batches = await collect(
      followEvents(src.read, { after: null, pageSize: 5, batchSize: 12, untilCaughtUp: true }),
    );
    expect(batches.map((b) => b.events.length)).toEqual([12, 11]);
    expect(batches.map((b) => b.cursor)).toEqual(["11", "22"]);
    expect(batches.map((b) => b.caughtUp)).toEqual([false, true]);
    // The last page of a batch asks only for what the batch still holds.
    expect(src.reads.map((r) => r.limit)).toEqual([5, 5, 2, 5, 5, 2]);
    expect(batches.flatMap((b) => b.events)).toEqual(src.events);
  });

  it("saves the cursor after the consumer took a batch, and resumes after it on restart", async () => {
    const src = list(10);
    let saved: string | null = null;
    const save = (c: string | null) => {
      saved = c;
    };
    // First run: the consumer takes two batches and dies while holding the third.
    const first = await collect(
      followEvents(src.read, { after: null, pageSize: 3, save, untilCaughtUp: true }),
      (b) => b.length === 3,
    );
    expect(first.map((b) => b.events)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(saved).toBe("5");
    // Restart from the saved cursor: the unprocessed batch is read again, nothing is lost.
    const second = await collect(followEvents(src.read, { after: saved, pageSize: 3, save, untilCaughtUp: true }));
    expect(second.map((b) => b.events)).toEqual([[6, 7, 8], [9]]);
    expect(saved).toBe("9");
  });

  it("polls once caught up and yields the events that arrive later", async () => {
    const src = list(2);
    const ctrl = new AbortController();
    const seen: number[] = [];
    let empty = 0;
    for await (const b of followEvents(src.read, { after: null, pollMs: 5, signal: ctrl.signal })) {
      seen.push(...b.events);
      if (b.events.length === 0 && ++empty === 2) src.events.push(2, 3);
      if (seen.length === 4) ctrl.abort();
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(empty).toBe(2);
  });

  it("rejects with a failed read when no onError is given", async () => {
    const read: PageReader<number> = async () => {
      throw new Error("node down");
    };
    await expect(collect(followEvents(read, { after: null }))).rejects.toThrow("node down");
  });

  it("retries a failed read with a doubling wait up to maxBackoffMs, then resets it", async () => {
    const src = list(3);
    let failures = 3;
    const read: PageReader<number> = async (after, limit) => {
      if (failures-- > 0) throw new Error(`fail ${failures}`);
      return src.read(after, limit);
    };
    const waits: number[] = [];
    const batches = await collect(
      followEvents(read, {
        after: null,
        pollMs: 2,
        maxBackoffMs: 6,
        untilCaughtUp: true,
        onError: (_e, retryMs) => waits.push(retryMs),
      }),
    );
    expect(waits).toEqual([2, 4, 6]);
    expect(batches.flatMap((b) => b.events)).toEqual([0, 1, 2]);
  });

  it("ends at once when the signal aborts during the idle wait", async () => {
    const src = list(1);
    const ctrl = new AbortController();
    const batches = [];
    for await (const b of followEvents(src.read, { after: null, pollMs: 60_000, signal: ctrl.signal })) {
      batches.push(b);
      setTimeout(() => ctrl.abort(), 10);
    }
    // Had the wait gone on, the next read would have yielded an empty second batch.
    expect(batches).toHaveLength(1);
  });

  it("a Wakeup ends the idle wait early, and a wake-up during a read is kept for the next wait", async () => {
    const src = list(1);
    const wakeup = new Wakeup();
    const ctrl = new AbortController();
    // Without the wake-up the follower would sleep for ten minutes: stop it after 5 s instead.
    const guard = setTimeout(() => ctrl.abort(), 5_000);
    const seen: number[] = [];
    let batches = 0;
    for await (const b of followEvents(src.read, { after: null, pollMs: 600_000, signal: ctrl.signal, wakeup })) {
      batches++;
      seen.push(...b.events);
      if (batches === 1) {
        src.events.push(1);
        wakeup.wake(); // nobody waits yet: kept
      }
      if (seen.length === 2) ctrl.abort();
    }
    clearTimeout(guard);
    expect(seen).toEqual([0, 1]);
    expect(wakeup.count).toBe(1);
  });

  it("reads on past filtered pages that are empty but move the cursor", async () => {
    const src = list(9, { skip: (i) => i < 6 });
    const batches = await collect(followEvents(src.read, { after: null, pageSize: 3, untilCaughtUp: true }));
    expect(batches.flatMap((b) => b.events)).toEqual([6, 7, 8]);
    expect(batches.at(-1)?.cursor).toBe("8");
  });

  it("refuses a page size that is not a positive integer, naming it", async () => {
    const src = list(1);
    await expect(collect(followEvents(src.read, { after: null, pageSize: 0 }))).rejects.toThrow(/pageSize/);
  });
});
