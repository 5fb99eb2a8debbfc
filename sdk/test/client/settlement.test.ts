/**
 * `SharedWaits` (src/client/settlement.ts), the schedule behind `AtomaClient.waitForSettlement`:
 * waiters share batched reads, each keeps its own first read, poll interval, deadline, abort and
 * errors. The chain here is a table of request states the test moves on; the devnet flow is in
 * test/tx/create-request-client.test.ts.
 */
import { describe, expect, it } from "vitest";
import { SharedWaits } from "../../src/client/settlement.js";

interface State {
  id: string;
  status: number;
}
const DONE = 3;

/** A chain of requests: their states, and every batched read it answered (the ids asked). */
function chain(initial: Record<string, number>) {
  const states = new Map(Object.entries(initial));
  const reads: string[][] = [];
  const broken = new Map<string, Error>();
  const read = async (ids: readonly string[]): Promise<(State | Error)[]> => {
    reads.push([...ids]);
    await new Promise((r) => setTimeout(r, 1));
    return ids.map((id) => {
      const err = broken.get(id);
      if (err) return err;
      const status = states.get(id);
      return status === undefined ? new Error(`no request ${id}`) : { id, status };
    });
  };
  const waits = new SharedWaits<State>(
    read,
    (s) => s.status === DONE,
    (id, ms, s) => new Error(`timeout ${id} ${ms} ${s.status}`),
  );
  return { states, reads, broken, waits };
}

describe("SharedWaits", () => {
  it("two waiters of one request share its reads and get the same result", async () => {
    const c = chain({ a: 1 });
    const w1 = c.waits.wait("a", "A", { pollMs: 5 });
    const w2 = c.waits.wait("a", "a", { pollMs: 5 });
    await new Promise((r) => setTimeout(r, 30));
    c.states.set("a", DONE);
    const [r1, r2] = await Promise.all([w1, w2]);
    expect(r1).toEqual({ id: "a", status: DONE });
    expect(r2).toBe(r1);
    // Every read asked for "a" once: the two waiters never cost two reads.
    expect(c.reads.every((ids) => ids.length === 1 && ids[0] === "a")).toBe(true);
    expect(c.waits.reads).toBe(c.reads.length);
  });

  it("waiters of many requests: one batched read a round, each resolved when its request finishes", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `r${i}`);
    const c = chain(Object.fromEntries(ids.map((id) => [id, 1])));
    const all = Promise.all(ids.map((id) => c.waits.wait(id, id, { pollMs: 10 })));
    await new Promise((r) => setTimeout(r, 5));
    for (const id of ids) c.states.set(id, DONE);
    const got = await all;
    expect(got.map((s) => s.id)).toEqual(ids);
    // The first round: 120 requests in batches of at most 50 (3 reads), not 120 reads.
    expect(c.reads[0]).toHaveLength(50);
    expect(c.reads.slice(0, 3).flat().sort()).toEqual([...ids].sort());
    expect(c.reads.length).toBeLessThanOrEqual(9);
  });

  it("a waiter whose request cannot be read gets that error; another request's waiter is not affected", async () => {
    const c = chain({ good: DONE });
    const bad = new Error("request bad: not a Request");
    c.broken.set("bad", bad);
    const [g, b1, b2] = await Promise.allSettled([
      c.waits.wait("good", "good"),
      c.waits.wait("bad", "bad"),
      c.waits.wait("bad", "bad"),
    ]);
    expect(g).toEqual({ status: "fulfilled", value: { id: "good", status: DONE } });
    expect(b1).toEqual({ status: "rejected", reason: bad });
    expect(b2).toEqual({ status: "rejected", reason: bad });
  });

  it("a read that fails as a whole rejects the waiters it was for", async () => {
    const boom = new Error("fetch failed");
    const waits = new SharedWaits<State>(
      async () => {
        throw boom;
      },
      () => true,
      () => new Error("timeout"),
    );
    await expect(waits.wait("x", "x")).rejects.toBe(boom);
  });

  it("each waiter keeps its own deadline: a read after it that finds the request running times out", async () => {
    const c = chain({ slow: 1 });
    const t0 = Date.now();
    const short = c.waits.wait("slow", "0xslow", { timeoutMs: 40, pollMs: 15 });
    const long = c.waits.wait("slow", "slow", { timeoutMs: 10_000, pollMs: 15 });
    await expect(short).rejects.toThrow("timeout 0xslow 40 1");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    c.states.set("slow", DONE);
    expect((await long).status).toBe(DONE);
  });

  it("an abort rejects with the signal's reason, after the first read (a finished request is still returned)", async () => {
    const c = chain({ a: 1, b: DONE });
    const ac = new AbortController();
    const w = c.waits.wait("a", "a", { pollMs: 1000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(new Error("stop"));
    await expect(w).rejects.toThrow("stop");
    const aborted = new AbortController();
    aborted.abort(new Error("already"));
    expect(await c.waits.wait("b", "b", { signal: aborted.signal })).toEqual({ id: "b", status: DONE });
    await expect(c.waits.wait("a", "a", { signal: aborted.signal })).rejects.toThrow("already");
  });

  it("reads no more often than pollMs for a lone waiter", async () => {
    const c = chain({ a: 1 });
    const start = performance.now();
    const w = c.waits.wait("a", "a", { pollMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    c.states.set("a", DONE);
    await w;
    const elapsed = performance.now() - start;
    // The first read, one per 50 ms at most (timers only fire late, never early), and the one
    // that finds it done: never one per millisecond (a loaded machine reads fewer, not more).
    expect(c.reads.length).toBeGreaterThanOrEqual(2);
    expect(c.reads.length).toBeLessThanOrEqual(Math.floor(elapsed / 50) + 2);
  });
});
