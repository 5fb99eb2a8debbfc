import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, funded, startAtomaDevnet } from "./harness.js";

describe("atoma on the devnet", () => {
  let env: Env;
  beforeAll(async () => {
    env = await startAtomaDevnet();
  });
  afterAll(async () => {
    await env?.d.close();
  });
  it("publishes: Registry shared, readable through the SDK", async () => {
    const r = await env.atoma.getRegistry();
    expect(r.node_count).toBe("0");
  });
  it("registers a node", async () => {
    const op = await funded(env.d.url);
    const res = await env.atoma.registerNode(op, {
      stake: 100_000_000_000n,
      sigPk: new Uint8Array(32).fill(1),
      encPk: new Uint8Array(32).fill(2),
      capabilities: ["llama"],
      price: 1000n,
    });
    const n = await env.atoma.getNode(res.nodeId);
    expect(n.stake.value).toBe("100000000000");
  });
});
