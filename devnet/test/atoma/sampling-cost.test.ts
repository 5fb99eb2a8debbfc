/**
 * Issue 13 A1 (sampling steerable through the gas budget): anyone may call `sample_nodes`, so
 * if a draw that lands early in the candidate list cost less than one that lands late, an
 * attacker whose nodes sit at cheap positions could retry with a tight gas budget until every
 * draw picks them. Every draw must cost the same whatever it picks: here the Move instructions
 * the devnet interprets for `sample_nodes` are counted for draws landing at many different
 * positions of the candidate list, and must all be equal.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, funded, startAtomaDevnet } from "./harness.js";

const SUI = 1_000_000_000n;
const NODES = 12;

describe("sample_nodes costs the same whatever it draws", () => {
  let env: Env;
  const order: string[] = []; // node ids in registration order = eligible-list order

  beforeAll(async () => {
    env = await startAtomaDevnet("sampling-cost");
    for (let i = 0; i < NODES; i++) {
      const kp = await funded(env.d.url, `sampling-cost-node-${i}`);
      const key = (tag: number) => ed25519.getPublicKey(new Uint8Array(32).fill(tag).map((v, j) => (j === 0 ? i : v)));
      const res = await env.atoma.registerNode(kp, {
        stake: 100n * SUI,
        sigPk: key(0x51),
        encPk: key(0xe1),
        capabilities: ["cost"],
        price: SUI,
      });
      order.push(res.nodeId);
    }
  }, 120_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("counts the same instructions for draws at every position", async () => {
    const requester = await funded(env.d.url, "sampling-cost-requester");
    const sampler = await funded(env.d.url, "sampling-cost-sampler");
    const costs = new Map<number, Set<number>>(); // position drawn -> instruction counts
    // r = -1 warms the sampler's transaction lane up: the SDK dry-runs the first transaction of
    // a shape to learn its budget (the devnet interprets that too); the 24 measured calls are
    // sent on a measured budget, each executed once.
    for (let r = -1; r < 24; r++) {
      const created = await env.atoma.createRequest(requester, {
        kind: 0,
        capability: "cost",
        input: new TextEncoder().encode(`q${r}`),
        sampleSize: 1,
        maxPrice: SUI,
        sample: false,
      });
      const before = env.d.runtime.vmStats.instructions;
      const sampled = await env.atoma.sampleNodes(sampler, created.requestId);
      const used = env.d.runtime.vmStats.instructions - before;
      if (r < 0) continue;
      const ev = sampled.events.find((e) => e.name === "NodesSampled");
      if (ev?.name !== "NodesSampled") throw new Error("no NodesSampled event");
      const position = order.indexOf(ev.data.nodes[0] as string);
      expect(position).toBeGreaterThanOrEqual(0);
      const set = costs.get(position) ?? new Set<number>();
      set.add(used);
      costs.set(position, set);
    }
    // The draws landed at several positions, early and late in the list ...
    const positions = [...costs.keys()].sort((a, b) => a - b);
    expect(positions.length).toBeGreaterThanOrEqual(5);
    expect(positions[0]).toBeLessThan(NODES / 3);
    expect(positions.at(-1)).toBeGreaterThanOrEqual((2 * NODES) / 3);
    // ... and every one of them cost exactly the same number of instructions.
    const all = new Set([...costs.values()].flatMap((s) => [...s]));
    expect([...all]).toHaveLength(1);
    expect([...all][0]).toBeGreaterThan(0);
  }, 120_000);
});
