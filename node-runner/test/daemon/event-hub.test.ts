/**
 * The process's one event follower (../../src/daemon/event-hub.ts): event pages read once for
 * every daemon at the same cursor, never older than the wake-up a caller reacts to; a daemon
 * behind reads its own pages and then shares; a failed read reaches every caller; one checkpoint
 * stream fanned out to every subscriber, stopped by the last to leave. Then 20 real `NodeDaemon`s
 * on one hub: one read per page for all of them, each with its own durable cursor.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ChainPort, DaemonEvent, EventBatch } from "../../src/daemon/chain-port.js";
import { NodeDaemon } from "../../src/daemon/daemon.js";
import { type CheckpointSink, EventHub } from "../../src/daemon/event-hub.js";
import { FileTaskJournal } from "../../src/daemon/file-journal.js";

/** A fake chain's event list: cursor = the number of events read so far; every read is counted. */
class FakeEvents {
  readonly events: DaemonEvent[] = [];
  readonly reads: { cursor: string | null; limit: number }[] = [];
  /** Set: reads wait for it (to hold them in flight). */
  gate: Promise<void> | undefined;
  /** Set: reads reject with it. */
  failure: Error | undefined;

  push(n: number): void {
    for (let i = 0; i < n; i++) this.events.push({ name: "Other", type: `t${this.events.length}` });
  }

  read = async (cursor: string | null, limit: number): Promise<EventBatch> => {
    this.reads.push({ cursor, limit });
    await this.gate;
    if (this.failure) throw this.failure;
    const from = cursor === null ? 0 : Number(cursor);
    const events = this.events.slice(from, from + limit);
    const to = from + events.length;
    return {
      events: events.map((e) => ({ ...e })),
      cursor: to === 0 ? cursor : String(to),
      hasNextPage: to < this.events.length,
    };
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A checkpoint source the test drives: `sink` while it runs, its starts and stops counted. */
function fakeStream() {
  const s = {
    sink: undefined as CheckpointSink | undefined,
    starts: 0,
    stops: 0,
    source: (sink: CheckpointSink, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        s.starts++;
        s.sink = sink;
        signal.addEventListener("abort", () => {
          s.stops++;
          s.sink = undefined;
          resolve();
        });
      }),
  };
  return s;
}

describe("EventHub: one read per event page for every caller", () => {
  it("20 concurrent callers at one cursor share one read and one frozen result", async () => {
    const chain = new FakeEvents();
    chain.push(3);
    const gate = deferred();
    chain.gate = gate.promise;
    const hub = new EventHub({ read: chain.read });
    const calls = Array.from({ length: 20 }, () => hub.nextEvents(null, 100));
    gate.resolve();
    const pages = await Promise.all(calls);
    expect(chain.reads).toEqual([{ cursor: null, limit: 100 }]);
    expect(hub.stats).toMatchObject({ reads: 1, shared: 19 });
    for (const p of pages) expect(p).toBe(pages[0]);
    expect(pages[0]?.events.map((e) => (e.name === "Other" ? e.type : e.name))).toEqual(["t0", "t1", "t2"]);
    expect(pages[0]?.cursor).toBe("3");
    // No sharer can change what the others see (ESM code is strict: a write throws).
    const page = pages[0] as EventBatch;
    expect(() => (page.events as DaemonEvent[]).push({ name: "Other", type: "x" })).toThrow(TypeError);
    expect(() => {
      (page.events[0] as { type: string }).type = "changed";
    }).toThrow(TypeError);
    expect(() => {
      (page as { cursor: string | null }).cursor = "0";
    }).toThrow(TypeError);
  });

  it("a page that came back is shared for freshMs, then read again; another limit is another page", async () => {
    const chain = new FakeEvents();
    chain.push(2);
    const hub = new EventHub({ read: chain.read, freshMs: 50 });
    const a = await hub.nextEvents("1", 100);
    expect(await hub.nextEvents("1", 100)).toBe(a);
    expect(chain.reads).toHaveLength(1);
    await hub.nextEvents("1", 10);
    expect(chain.reads).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 80));
    chain.push(1);
    const b = await hub.nextEvents("1", 100);
    expect(chain.reads).toHaveLength(3);
    expect(b.events).toHaveLength(2);
    expect(b.cursor).toBe("3");
    expect(hub.kept).toBe(1); // the stale pages were dropped
  });

  it("never shares a page older than a checkpoint with events: a read in flight or done before the wake-up is not reused", async () => {
    const chain = new FakeEvents();
    const stream = fakeStream();
    const hub = new EventHub({ read: chain.read, checkpoints: stream.source, freshMs: 60_000 });
    const stop = hub.subscribe({ wake: () => {} });
    chain.push(1);
    const done = await hub.nextEvents("0", 100);
    expect(done.events).toHaveLength(1);
    // In flight when the checkpoint arrives.
    const gate = deferred();
    chain.gate = gate.promise;
    const inFlight = hub.nextEvents("1", 100);
    chain.push(2);
    stream.sink?.wake();
    const afterWake = hub.nextEvents("1", 100);
    const again = hub.nextEvents("0", 100);
    gate.resolve();
    expect((await inFlight).events).toHaveLength(2); // the fake answers at resolve time
    expect(await afterWake).not.toBe(await inFlight);
    expect(await again).not.toBe(done);
    expect(chain.reads.map((r) => r.cursor)).toEqual(["0", "1", "1", "0"]);
    // The page read after the wake-up is shared again until the next one.
    expect(await hub.nextEvents("1", 100)).toBe(await afterWake);
    expect(chain.reads).toHaveLength(4);
    await stop();
  });

  it("a caller behind reads its own pages, then shares once it reaches the others' cursor", async () => {
    const chain = new FakeEvents();
    chain.push(250);
    const hub = new EventHub({ read: chain.read, freshMs: 60_000 });
    // The others are caught up at 250.
    await Promise.all(Array.from({ length: 5 }, () => hub.nextEvents("250", 100)));
    expect(chain.reads).toHaveLength(1);
    // One restarts from its durable cursor at 40.
    let cursor: string | null = "40";
    const seen: string[] = [];
    for (;;) {
      const p: EventBatch = await hub.nextEvents(cursor, 100);
      seen.push(...p.events.map((e) => (e.name === "Other" ? e.type : e.name)));
      cursor = p.cursor;
      if (!p.hasNextPage) break;
    }
    expect(seen).toEqual(Array.from({ length: 210 }, (_, i) => `t${40 + i}`));
    expect(chain.reads.map((r) => r.cursor)).toEqual(["250", "40", "140", "240"]);
    // Caught up: its next read is the others' page.
    await hub.nextEvents("250", 100);
    expect(chain.reads).toHaveLength(4);
  });

  it("a failed read rejects every caller that shared it and is not kept: the next call reads again", async () => {
    const chain = new FakeEvents();
    chain.push(1);
    const gate = deferred();
    chain.gate = gate.promise;
    chain.failure = new Error("connection refused");
    const hub = new EventHub({ read: chain.read, freshMs: 60_000 });
    const calls = Array.from({ length: 20 }, () => hub.nextEvents(null, 100));
    gate.resolve();
    const results = await Promise.allSettled(calls);
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"))).toEqual(
      Array(20).fill("connection refused"),
    );
    expect(chain.reads).toHaveLength(1);
    expect(hub.kept).toBe(0);
    chain.failure = undefined;
    const p = await hub.nextEvents(null, 100);
    expect(p.events).toHaveLength(1);
    expect(chain.reads).toHaveLength(2);
  });

  it("a reader that throws synchronously rejects its callers too", async () => {
    const hub = new EventHub({
      read: () => {
        throw new Error("bad cursor");
      },
    });
    await expect(hub.nextEvents("x", 1)).rejects.toThrow("bad cursor");
    expect(hub.kept).toBe(0);
  });
});

describe("EventHub: one checkpoint stream for every subscriber", () => {
  it("starts with the first subscriber, fans each checkpoint out to all, stops with the last", async () => {
    const stream = fakeStream();
    const hub = new EventHub({ read: new FakeEvents().read, checkpoints: stream.source });
    const woken = Array(20).fill(0);
    const seen: (bigint | null)[][] = Array.from({ length: 20 }, () => []);
    const leave = woken.map((_, i) =>
      hub.subscribe({
        wake: () => woken[i]++,
        observe: (ts) => seen[i]?.push(ts),
      }),
    );
    expect(stream.starts).toBe(1);
    expect(hub.streaming).toBe(true);
    stream.sink?.observe(1_000n);
    stream.sink?.wake();
    stream.sink?.observe(null);
    expect(woken).toEqual(Array(20).fill(1));
    expect(seen).toEqual(Array(20).fill([1_000n, null]));
    // One leaves: it hears nothing more, the others still do, the stream runs on.
    await leave[0]?.();
    await leave[0]?.(); // twice is harmless
    stream.sink?.wake();
    expect(woken[0]).toBe(1);
    expect(woken.slice(1)).toEqual(Array(19).fill(2));
    expect(stream.stops).toBe(0);
    await Promise.all(leave.slice(1).map((l) => l()));
    expect(stream.stops).toBe(1);
    expect(hub.streaming).toBe(false);
    expect(hub.subscribers).toBe(0);
    // A new subscriber starts it again.
    const again = hub.subscribe({ wake: () => {} });
    expect(stream.starts).toBe(2);
    await again();
    expect(stream.stops).toBe(2);
  });

  it("a stream that stops with an error is reported and restarted by the next subscriber", async () => {
    let starts = 0;
    const errors: string[] = [];
    const hub = new EventHub({
      read: new FakeEvents().read,
      checkpoints: async () => {
        starts++;
        throw new Error("stream broke");
      },
      onStreamError: (err) => errors.push((err as Error).message),
    });
    const a = hub.subscribe({ wake: () => {} });
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual(["stream broke"]);
    expect(hub.streaming).toBe(false);
    const b = hub.subscribe({ wake: () => {} });
    expect(starts).toBe(2);
    await a();
    await b();
  });

  it("without a stream (JSON-RPC) subscribing is harmless, a read in flight is shared, a page that came back is not", async () => {
    const chain = new FakeEvents();
    const hub = new EventHub({ read: chain.read });
    const leave = hub.subscribe({ wake: () => {} });
    expect(hub.streaming).toBe(false);
    await Promise.all([hub.nextEvents(null, 5), hub.nextEvents(null, 5)]);
    expect(chain.reads).toHaveLength(1);
    // With no wake-up to tell it is old, a page that came back is not kept: the next poll reads.
    chain.push(1);
    expect((await hub.nextEvents(null, 5)).events).toHaveLength(1);
    expect(chain.reads).toHaveLength(2);
    await leave();
  });
});

describe("20 node daemons on one hub", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A daemon that follows `hub` (it is never sampled: only "Other" events). */
  function daemon(hub: EventHub, seen: number[], i: number): NodeDaemon {
    const stateDir = mkdtempSync(path.join(tmpdir(), "atoma-hub-"));
    dirs.push(stateDir);
    const unused = () => Promise.reject(new Error("not in this test"));
    const chain: ChainPort = {
      nextEvents: (c, l) => hub.nextEvents(c, l),
      getRequest: unused,
      commit: unused,
      reveal: unused,
      revealAndSettle: unused,
      settle: unused,
      escalate: unused,
      postOutput: unused,
    };
    return new NodeDaemon({
      nodeId: `0x${String(i).padStart(64, "0")}`,
      chain,
      clock: { nowMs: async () => 0n },
      journal: new FileTaskJournal(path.join(stateDir, "journal")),
      execute: unused,
      logger: pino({ level: "silent" }),
      stateDir,
      pollMs: 60_000, // only the stream's wake-ups move them
      cursorSaveMs: 0,
      metrics: { step: () => {}, pending: () => {}, events: (n) => (seen[i] = (seen[i] ?? 0) + n) },
    });
  }

  async function until(pred: () => boolean, ms = 20_000): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error("timed out waiting");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it("read each page once for all 20 (catch-up of 250 events and a wake-up), each keeping its own durable cursor", async () => {
    const chain = new FakeEvents();
    chain.push(250);
    const stream = fakeStream();
    const hub = new EventHub({ read: chain.read, checkpoints: stream.source, freshMs: 60_000 });
    const seen: number[] = Array(20).fill(0);
    const daemons = Array.from({ length: 20 }, (_, i) => daemon(hub, seen, i));
    const leave = daemons.map((d) => {
      d.start();
      return hub.subscribe({ wake: () => d.wake() });
    });
    await until(() => seen.every((n) => n === 250));
    expect(chain.reads.map((r) => r.cursor)).toEqual([null, "100", "200"]);
    chain.push(7);
    stream.sink?.wake();
    await until(() => seen.every((n) => n === 257));
    expect(chain.reads.map((r) => r.cursor)).toEqual([null, "100", "200", "250"]);
    expect(hub.kept).toBeGreaterThan(0);
    await Promise.all(leave.map((l) => l()));
    expect(stream.stops).toBe(1);
    expect(hub.kept).toBe(0); // nothing kept once nobody follows
    await Promise.all(daemons.map((d) => d.stop()));
    // Each daemon's own cursor file holds where it got to.
    for (const d of dirs)
      expect(JSON.parse(readFileSync(path.join(d, "cursor.json"), "utf8"))).toEqual({ cursor: { after: "257" } });
    // A 21st daemon whose durable cursor is behind (a fresh one) catches up on its own reads.
    const late = daemon(hub, seen, 20);
    late.start();
    await until(() => seen[20] === 257);
    expect(chain.reads.map((r) => r.cursor)).toEqual([null, "100", "200", "250", null, "100", "200"]);
    await late.stop();
  });
});
