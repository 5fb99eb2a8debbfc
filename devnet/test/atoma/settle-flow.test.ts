/**
 * The SDK's settlement PTB on the devnet (issue 13 B stage 2): `revealAndSettle` and
 * `settleAndPostOutput` send settle_begin + settle_node per assigned NodeAccount + settle_end
 * in one transaction, that transaction writes the Request and the accounts but never the
 * Registry, and each node's account records the settlement (served, reputation) while its
 * payout is in NodePaid (`earnedBy`).
 */
import { hashOutput } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedRequest, type Env, funded, type Operator, registerOperator, startAtomaDevnet } from "./harness.js";

const SUI = 1_000_000_000n;
const enc = new TextEncoder();

describe("settlement PTB through the SDK", () => {
  let env: Env;
  let requester: Ed25519Keypair;
  const ops: Operator[] = [];

  beforeAll(async () => {
    env = await startAtomaDevnet("settle-flow");
    requester = await funded(env.d.url);
    for (let i = 0; i < 3; i++) ops.push((await registerOperator(env, new Uint8Array(32).fill(i + 1))).op);
  }, 120_000);
  afterAll(async () => {
    await env?.d.close();
  });

  /** A 3-node request every node commits for `output`; returns its id and the salts. */
  async function committed(output: string) {
    const outputHash = hashOutput(enc.encode(output));
    const { requestId, salts: inOrder } = await committedRequest(env, requester, ops, enc.encode(output), outputHash);
    const salts = new Map(ops.map((o, i) => [o.nodeId, inOrder[i]!] as const));
    return { requestId, outputHash, salts };
  }

  /** The shared objects a transaction wrote. */
  async function sharedWritten(digest: string): Promise<string[]> {
    const t = await env.sui.getTransactionBlock({ digest, options: { showEffects: true } });
    return (t.effects?.mutated ?? [])
      .filter((o) => typeof o.owner === "object" && o.owner !== null && "Shared" in o.owner)
      .map((o) => o.reference.objectId)
      .sort();
  }

  it("revealAndSettle: the last reveal, the settlement and the post in one PTB; no Registry write", async () => {
    const { requestId, outputHash, salts } = await committed("out-1");
    for (const o of ops.slice(0, 2))
      await env.atoma.reveal(o.kp, { requestId, nodeCap: o.nodeCap, outputHash, round: 0, salt: salts.get(o.nodeId)! });
    const last = ops[2]!;
    const res = await env.atoma.revealAndSettle(last.kp, {
      requestId,
      nodeCap: last.nodeCap,
      outputHash,
      round: 0,
      salt: salts.get(last.nodeId)!,
      output: enc.encode("out-1"),
    });
    expect(res.events.map((e) => e.name)).toEqual([
      "ResultRevealed",
      "NodePaid",
      "NodePaid",
      "NodePaid",
      "RequestSettled",
      "OutputHashAgreed",
      "OutputPosted",
    ]);
    // the Request and the 3 NodeAccounts; never the Registry
    expect(await sharedWritten(res.digest)).toEqual([requestId, ...ops.map((o) => o.nodeId)].sort());
    for (const o of ops) {
      const n = await env.atoma.getNode(o.nodeId);
      expect([n.served, n.reputation, n.slashed]).toEqual(["1", "1001", "0"]);
      expect(await env.atoma.earnedBy(o.nodeId)).toBe(SUI);
    }
  });

  it("settleAndPostOutput after every reveal; a second settle of the request aborts", async () => {
    const { requestId, outputHash, salts } = await committed("out-2");
    for (const o of ops)
      await env.atoma.reveal(o.kp, { requestId, nodeCap: o.nodeCap, outputHash, round: 0, salt: salts.get(o.nodeId)! });
    const res = await env.atoma.settleAndPostOutput(ops[0]!.kp, {
      requestId,
      nodeCap: ops[0]!.nodeCap,
      output: enc.encode("out-2"),
    });
    expect(res.events.map((e) => e.name).filter((n) => n === "NodePaid")).toHaveLength(3);
    expect(res.events.some((e) => e.name === "RequestSettled")).toBe(true);
    expect(await sharedWritten(res.digest)).not.toContain(env.deployed.registryId);
    for (const o of ops) expect(await env.atoma.earnedBy(o.nodeId)).toBe(2n * SUI);
    const again = await env.atoma.settle(requester, requestId).catch((e: unknown) => e);
    expect((again as { constantName?: string }).constantName).toBe("EWrongStatus");
  });
});
