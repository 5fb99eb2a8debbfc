/**
 * A refresh of every node (after a `stake_cap` change) is worked off a few batches per pass of
 * the keeper's loop, passes following each other without the idle wait, and a request that
 * finishes meanwhile is swept at the next pass instead of after the whole backlog. The chain is
 * an in-memory `KeeperChain` (the duty scheduling is what is tested; the devnet test
 * params.test.ts covers the transactions themselves).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Keeper, type KeeperChain, type KeeperEvent, type KeeperEventPage } from "../../src/keeper/index.js";

const id = (prefix: string, i: number) => `0x${prefix}${i.toString(16).padStart(63, "0")}`;

class FakeChain implements KeeperChain {
  readonly events: KeeperEvent[] = [];
  /** Every transaction, in order: "sweep" or "refresh" and its items. */
  readonly log: Array<{ kind: "sweep" | "refresh"; ids: readonly string[] }> = [];
  onRefresh?: (count: number) => void;

  async nextEvents(cursor: string | null, limit: number): Promise<KeeperEventPage> {
    const from = cursor === null ? 0 : Number(cursor);
    const events = this.events.slice(from, from + limit);
    const to = from + events.length;
    return { events, cursor: String(to), hasNextPage: to < this.events.length };
  }
  async sweepFees(ids: readonly string[]): Promise<void> {
    this.log.push({ kind: "sweep", ids });
  }
  async refreshNodes(ids: readonly string[]): Promise<void> {
    this.log.push({ kind: "refresh", ids });
    this.onRefresh?.(this.log.filter((t) => t.kind === "refresh").length);
  }
}

describe("keeper: a refresh of every node does not starve the sweeps", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("100 nodes after a stake_cap change go 10 per PTB, 2 PTBs per pass; a request finished meanwhile is swept at the next pass", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "atoma-keeper-backlog-"));
    dirs.push(dir);
    const chain = new FakeChain();
    const nodes = Array.from({ length: 100 }, (_, i) => id("a", i));
    for (const nodeId of nodes) chain.events.push({ name: "NodeRegistered", nodeId });
    chain.events.push({ name: "ParamChanged", param: "max_inline_bytes", value: 2048n }); // not a weight: nothing queued
    chain.events.push({ name: "ParamChanged", param: "stake_cap", value: 500_000_000_000n });
    const request = id("b", 1);
    // The request finishes while the second refresh transaction is on its way.
    chain.onRefresh = (n) => {
      if (n === 2) chain.events.push({ name: "RequestFinished", requestId: request });
    };
    const keeper = new Keeper({
      chain,
      stateDir: dir,
      logger: pino({ level: "silent" }),
      // A minute's idle wait: the test only ends in time if passes with work due follow at once.
      pollMs: 60_000,
      sweep: { maxBatch: 1, maxDelayMs: 0 },
      refresh: { maxBatch: 10, maxDelayMs: 0, maxBatchesPerPass: 2 },
    });
    keeper.start();
    try {
      for (let i = 0; i < 200 && (keeper.refresher.duty.stats.done < 100 || chain.log.length < 11); i++)
        await new Promise((r) => setTimeout(r, 25));
    } finally {
      await keeper.stop();
    }
    expect(keeper.refresher.paramStats).toEqual({ changes: 1, queued: 100 });
    expect(chain.log.map((t) => t.kind)).toEqual([
      "refresh",
      "refresh",
      "sweep",
      ...Array.from({ length: 8 }, () => "refresh"),
    ]);
    expect(chain.log[2]?.ids).toEqual([request]);
    const refreshed = chain.log.filter((t) => t.kind === "refresh");
    expect(refreshed.every((t) => t.ids.length === 10)).toBe(true);
    expect(refreshed.flatMap((t) => t.ids)).toEqual(nodes);
    expect(keeper.refresher.duty.pending.size).toBe(0);
  });

  it("a maxBatchesPerPass below 1 is refused, naming the duty", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "atoma-keeper-backlog-"));
    dirs.push(dir);
    expect(
      () =>
        new Keeper({
          chain: new FakeChain(),
          stateDir: dir,
          logger: pino({ level: "silent" }),
          refresh: { maxBatchesPerPass: 0 },
        }),
    ).toThrow("refresh: maxBatchesPerPass must be an integer >= 1 (got 0)");
  });
});
