/**
 * `AtomaClient.createRequest` on the devnet (atoma binding, real JSON-RPC, real signing): by
 * default ONE transaction calling `request::create_and_sample`; `twoStep: true` keeps
 * create_request + sample_nodes (two transactions); `sample: false` only creates.
 */
import { bcs } from "@mysten/sui/bcs";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { fromBase64 } from "@mysten/sui/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, funded, startAtomaDevnet } from "../../../devnet/test/atoma/harness.js";
import { MoveAbortError, RequestStatus } from "../../src/index.js";

const SUI = 1_000_000_000n;
const enc = new TextEncoder();

describe("AtomaClient.createRequest: one transaction by default", () => {
  let env: Env;
  let requester: Ed25519Keypair;
  const nodeIds: string[] = [];

  /** The Move calls of a transaction (from its raw signed bytes), as `module::function`. */
  const callsOf = async (digest: string): Promise<string[]> => {
    const t = await env.sui.getTransactionBlock({ digest, options: { showRawInput: true } });
    const [signed] = bcs.SenderSignedData.parse(fromBase64(t.rawTransaction ?? ""));
    const pt = signed?.intentMessage.value.V1?.kind.ProgrammableTransaction;
    if (!pt) throw new Error(`${digest}: not a PTB`);
    return pt.commands.flatMap((c) => (c.MoveCall ? [`${c.MoveCall.module}::${c.MoveCall.function}`] : []));
  };
  const ask = (o: { sampleSize?: number; sample?: boolean; twoStep?: boolean } = {}) =>
    env.atoma.createRequest(requester, { kind: 0, capability: "llama", input: enc.encode("2+2"), maxPrice: SUI, ...o });

  beforeAll(async () => {
    env = await startAtomaDevnet("sdk-create-and-sample");
    requester = await funded(env.d.url, "requester");
    for (let i = 0; i < 3; i++) {
      const kp = await funded(env.d.url, `node-${i}`);
      const r = await env.atoma.registerNode(kp, {
        stake: 200n * SUI,
        sigPk: kp.getPublicKey().toRawBytes(),
        encPk: new Uint8Array(32).fill(i + 1),
        capabilities: ["llama"],
        price: SUI,
      });
      nodeIds.push(r.nodeId);
    }
  }, 300_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("default: create_and_sample, one digest, the request is Sampled", async () => {
    const c = await ask({ sampleSize: 3 });
    expect(c.sampleDigest).toBe(c.createDigest);
    expect(await callsOf(c.createDigest)).toEqual(["request::create_and_sample"]);
    expect(c.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    expect(c.escrow).toBe(3_150_000_000n);
    expect([...c.nodes].sort()).toEqual([...nodeIds].sort());
    const r = await env.atoma.getRequest(c.requestId);
    expect(r.status).toBe(RequestStatus.Sampled);
    expect(r.escrow.value).toBe("3150000000");
    expect(r.assignments.map((a) => a.node_id)).toEqual(c.nodes);
  });

  it("twoStep: create_request then sample_nodes, two transactions, same outcome shape", async () => {
    const c = await ask({ sampleSize: 2, twoStep: true });
    expect(c.sampleDigest).toBeDefined();
    expect(c.sampleDigest).not.toBe(c.createDigest);
    expect(await callsOf(c.createDigest)).toEqual(["request::create_request"]);
    expect(await callsOf(c.sampleDigest!)).toEqual(["request::sample_nodes"]);
    expect(c.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    expect(c.nodes).toHaveLength(2);
    expect((await env.atoma.getRequest(c.requestId)).status).toBe(RequestStatus.Sampled);
  });

  it("sample: false only creates", async () => {
    const c = await ask({ sample: false });
    expect(c.sampleDigest).toBeUndefined();
    expect(c.nodes).toEqual([]);
    expect(await callsOf(c.createDigest)).toEqual(["request::create_request"]);
    expect((await env.atoma.getRequest(c.requestId)).status).toBe(RequestStatus.Created);
  });

  it("a sampling abort in the one transaction creates nothing (no Request, no escrow taken)", async () => {
    const before = (await env.atoma.getRegistry()).request_count;
    const err = await ask({ sampleSize: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    expect((err as MoveAbortError).module).toBe("request");
    expect((err as MoveAbortError).constantName).toBe("ENotEnoughNodes");
    expect((await env.atoma.getRegistry()).request_count).toBe(before);
  });
});
