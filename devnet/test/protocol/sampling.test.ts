import { describe, expect, it } from "vitest";
import {
  candidates,
  contextFor,
  defaultParams,
  draw,
  dummyTxHash,
  init,
  NodeStatus,
  RandomGenerator,
  type Registry,
  registerNode,
  sample,
  Tx,
} from "../../src/protocol/index.js";

const SUI = 1_000_000_000n;
const cap = new TextEncoder().encode("cap");

function registry(stakes: bigint[], prices?: bigint[]): { reg: Registry; ids: string[] } {
  const ctx = contextFor("0x1", dummyTxHash(0n), 0n);
  const { registry: reg } = init(new Tx(ctx), defaultParams());
  const ids = stakes.map((s, i) => {
    const c = registerNode(new Tx(ctx), reg, s, new Uint8Array(32), new Uint8Array(32), [cap], prices?.[i] ?? SUI);
    return c.node_id;
  });
  return { reg, ids };
}

function gen(i: number): RandomGenerator {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, i, true);
  return RandomGenerator.fromSeed(seed);
}

describe("weighted sampling without replacement (atoma::sampling)", () => {
  it("never repeats a node and takes all of them when k >= candidates", () => {
    const { reg, ids } = registry([100n, 200n, 300n, 400n, 500n].map((x) => x * SUI));
    for (let i = 0; i < 200; i++) {
      const got = sample(reg, cap, 3n, SUI, false, [], 0n, gen(i));
      expect(got).toHaveLength(3);
      expect(new Set(got).size).toBe(3);
      for (const id of got) expect(ids).toContain(id);
    }
    const all = sample(reg, cap, 10n, SUI, false, [], 0n, gen(7));
    expect([...all].sort()).toEqual([...ids].sort());
  });

  it("never picks an ineligible node: not Active, too expensive, excluded, not attested when confidential", () => {
    const { reg, ids } = registry(
      [100n, 100n, 100n, 100n, 100n].map((x) => x * SUI),
      [SUI, SUI, 3n * SUI, SUI, SUI],
    );
    reg.nodes.get(ids[0]!)!.status = NodeStatus.Jailed;
    const now = 1_000n;
    reg.nodes.get(ids[4]!)!.attestation = {
      tee_kind: 1,
      measurement: new Uint8Array(1),
      report_data_hash: new Uint8Array(32),
      evidence_hash: new Uint8Array(32),
      verifier: "0x0",
      recorded_ms: 0n,
      expires_ms: now + 1n,
      revoked: false,
    };
    for (let i = 0; i < 100; i++) {
      const got = sample(reg, cap, 5n, SUI, false, [ids[3]!], now, gen(i));
      expect([...got].sort()).toEqual([ids[1]!, ids[4]!].sort());
    }
    expect(sample(reg, cap, 5n, SUI, true, [], now, gen(1))).toEqual([ids[4]!]);
    expect(sample(reg, cap, 5n, SUI, true, [], now + 1n, gen(1))).toEqual([]); // expired
    expect(candidates(reg, new TextEncoder().encode("other"), SUI, false, [], now).ids).toEqual([]);
  });

  it("first-draw frequencies follow min(stake, stake_cap) within tolerance over many seeds", () => {
    const p = defaultParams();
    // weights 100, 300, 600 and a node above the cap (weight = cap): 100 : 300 : 600 : cap
    const cap10 = p.stake_cap;
    const stakes = [100n * SUI, 300n * SUI, 600n * SUI, cap10 * 3n];
    const { reg, ids } = registry(stakes);
    reg.params.stake_cap = 1_000n * SUI; // cap below the 4th node's stake
    const weights = [100, 300, 600, 1000];
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = new Map<string, number>();
    const trials = 4000;
    for (let i = 0; i < trials; i++) {
      const [first] = sample(reg, cap, 1n, SUI, false, [], 0n, gen(i));
      counts.set(first!, (counts.get(first!) ?? 0) + 1);
    }
    ids.forEach((id, i) => {
      const expected = (weights[i]! / total) * trials;
      const sd = Math.sqrt(trials * (weights[i]! / total) * (1 - weights[i]! / total));
      expect(Math.abs((counts.get(id) ?? 0) - expected)).toBeLessThan(4 * sd);
    });
  });

  it("draw swap-removes the pick (order of the rest changes as in Move)", () => {
    const ids = ["a", "b", "c", "d"];
    const weights = [1n, 1n, 1n, 1n];
    const out = draw(ids, weights, 4n, gen(3));
    expect([...out].sort()).toEqual(["a", "b", "c", "d"]);
    expect(ids).toEqual([]);
    expect(weights).toEqual([]);
  });
});
