/**
 * The task runner's naps (../../src/daemon/task-runner.ts) with many tasks waiting on other nodes:
 * an event of a request ends its tasks' naps and their timers with them (no timer left behind per
 * event), and the daemon stopping ends every nap through the runner's one abort listener (not one
 * listener per nap: a nap is taken on every wake of every waiting task).
 */
import { getEventListeners } from "node:events";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { type ChainClock, type ChainPort, RequestStatus, type RequestView } from "../../src/daemon/chain-port.js";
import { Semaphore } from "../../src/daemon/semaphore.js";
import type { TaskJournal, TaskRecord } from "../../src/daemon/task.js";
import { TaskRunner } from "../../src/daemon/task-runner.js";
import { requestView } from "./request-view.js";

const ME = "0xa";
const TASKS = 20;
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const turn = () => new Promise<void>((r) => setImmediate(r));

/** An in-memory journal with one task per request of `ids`, each in `phase` (round 0). */
function journalOf(
  ids: string[],
  phase: TaskRecord["phase"],
): { records: Map<string, TaskRecord>; journal: TaskJournal } {
  const records = new Map<string, TaskRecord>(
    ids.map((requestId) => [
      requestId,
      { requestId, round: 0, phase, outputHash: "00".repeat(32), salt: "11".repeat(32), output: "" },
    ]),
  );
  const journal: TaskJournal = {
    get: (requestId) => records.get(requestId),
    put: async (rec) => {
      records.set(rec.requestId, rec);
    },
    pending: () => [...records.values()],
  };
  return { records, journal };
}

/** A request this node committed to, waiting for the two other nodes' commits (far deadlines). */
const waiting = (id: string): RequestView =>
  requestView({
    id,
    capability: new Uint8Array([1]),
    input: new Uint8Array([2]),
    inputHash: new Uint8Array(32),
    commitDeadlineMs: 1n << 60n,
    revealDeadlineMs: 1n << 61n,
    assignments: [ME, "0xb", "0xc"].map((nodeId) => ({
      nodeId,
      round: 0,
      price: 1n,
      committed: nodeId === ME,
      revealed: false,
      outputHash: new Uint8Array(),
    })),
  });

describe("TaskRunner naps", () => {
  it("an event ends its tasks' naps and their timers; stopping ends every nap through one abort listener", async () => {
    const ids = Array.from({ length: TASKS }, (_, i) => `0x${(i + 1).toString(16)}`);
    const { records, journal } = journalOf(ids, "committed");
    const reads: string[] = [];
    const chain = {
      getRequest: async (id: string) => {
        reads.push(id);
        return waiting(id);
      },
    } as Pick<ChainPort, "getRequest"> as ChainPort;
    const controller = new AbortController();
    const runner = new TaskRunner({
      nodeId: ME,
      chain,
      clock: { nowMs: async () => 0n, knownMs: () => 0n },
      journal,
      execute: async () => {
        throw new Error("nothing executes here");
      },
      executions: new Semaphore(1),
      logger: pino({ level: "silent" }),
      pollMs: 60_000,
      signal: controller.signal,
      count: () => {},
    });
    const before = timeouts();
    const runs = ids.map((id) => runner.run(id, 0));
    for (let i = 0; i < 5 && reads.length < TASKS; i++) await turn();
    await turn();
    expect(reads).toHaveLength(TASKS);
    // Every task naps (one timer each); the signal has one abort listener: the runner's.
    expect(timeouts() - before).toBe(TASKS);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    // Three rounds of events (each ends every nap; the tasks nap again): still one timer per task.
    for (let round = 0; round < 3; round++) {
      for (const requestId of ids) runner.notify({ name: "OutputPosted", requestId, nodeId: "0xb" });
      await turn();
    }
    expect(timeouts() - before).toBe(TASKS);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    // Stopping ends every nap at once (the poll is a minute away); the records stay at `committed`.
    controller.abort();
    await Promise.all(runs);
    expect(timeouts() - before).toBe(0);
    expect([...records.values()].every((r) => r.phase === "committed")).toBe(true);
    expect(reads).toHaveLength(TASKS); // no event asked for a read
  });
});

/** A request this node revealed, waiting for the two other nodes' reveals until `revealDeadlineMs`. */
const revealing = (id: string, revealDeadlineMs: bigint): RequestView =>
  requestView({
    id,
    capability: new Uint8Array([1]),
    input: new Uint8Array([2]),
    inputHash: new Uint8Array(32),
    status: RequestStatus.Revealing,
    revealDeadlineMs,
    assignments: [ME, "0xb", "0xc"].map((nodeId) => ({
      nodeId,
      round: 0,
      price: 1n,
      committed: true,
      revealed: nodeId === ME,
      outputHash: new Uint8Array(32),
    })),
  });

describe("TaskRunner wakes a waiting task only when it is due", () => {
  it("a reveal deadline: no poll before it, the clock's checkpoint past it settles at once; an event wakes at once", async () => {
    const [late, busy] = ["0x1", "0x2"];
    const { journal } = journalOf([late, busy], "revealed");
    const settled: string[] = [];
    const chain = {
      getRequest: async (id: string) => revealing(id, 10_000n),
      settle: async (id: string) => {
        settled.push(id);
      },
    } as Pick<ChainPort, "getRequest" | "settle"> as ChainPort;
    // Chain time as the checkpoints bring it; the listeners are the runner's.
    let chainMs = 0n;
    let clockLooks = 0;
    const listeners: ((ms: bigint) => void)[] = [];
    const clock: ChainClock = {
      nowMs: async () => chainMs,
      knownMs: () => {
        clockLooks++;
        return chainMs;
      },
      onAdvance: (l) => listeners.push(l),
    };
    const controller = new AbortController();
    const runner = new TaskRunner({
      nodeId: ME,
      chain,
      clock,
      journal,
      execute: async () => {
        throw new Error("nothing executes here");
      },
      executions: new Semaphore(1),
      logger: pino({ level: "silent" }),
      pollMs: 10,
      signal: controller.signal,
      count: () => {},
    });
    const runs = [late, busy].map((id) => runner.run(id, 0));
    // 300 ms of waiting with a 10 ms poll: a task polling the deadline would look ~30 times.
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toEqual([]);
    expect(clockLooks).toBeLessThanOrEqual(2);
    // An event wakes its task at once: the last reveals of `busy` make it settle (first of the round).
    for (const nodeId of ["0xb", "0xc"])
      runner.notify({ name: "ResultRevealed", requestId: busy, nodeId, round: 0, outputHash: new Uint8Array(32) });
    for (let i = 0; i < 10 && settled.length === 0; i++) await turn();
    expect(settled).toEqual([busy]);
    // A checkpoint before the deadline wakes nobody; the one that reaches it settles `late` at once
    // (its timer is ~10 s away).
    chainMs = 9_999n;
    for (const l of listeners) l(chainMs);
    for (let i = 0; i < 10; i++) await turn();
    expect(settled).toEqual([busy]);
    chainMs = 10_000n;
    for (const l of listeners) l(chainMs);
    for (let i = 0; i < 20 && settled.length < 2; i++) await turn();
    expect(settled).toEqual([busy, late]);
    controller.abort();
    await Promise.all(runs);
  });

  it("a deadline on a clock without checkpoints is still polled: it fires with no event", async () => {
    const { journal } = journalOf(["0x3"], "revealed");
    const settled: string[] = [];
    const t0 = Date.now();
    const chain = {
      getRequest: async (id: string) => revealing(id, 150n),
      settle: async (id: string) => {
        settled.push(id);
      },
    } as Pick<ChainPort, "getRequest" | "settle"> as ChainPort;
    const controller = new AbortController();
    const runner = new TaskRunner({
      nodeId: ME,
      chain,
      clock: { nowMs: async () => BigInt(Date.now() - t0) },
      journal,
      execute: async () => {
        throw new Error("nothing executes here");
      },
      executions: new Semaphore(1),
      logger: pino({ level: "silent" }),
      pollMs: 20,
      signal: controller.signal,
      count: () => {},
    });
    const run = runner.run("0x3", 0);
    for (let i = 0; i < 100 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(settled).toEqual(["0x3"]);
    controller.abort();
    await run;
  });
});
