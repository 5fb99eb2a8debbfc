/**
 * Batching several requests' commits or reveals into one PTB (issue 17, row 3): the batcher's
 * rules on their own, then the SDK chain port on a devnet executing the atoma bytecode: two
 * commits due at once go in one transaction (one digest for both ResultCommitted events), so do
 * two reveals, and a batch with one refused commit still lands the other, each with its own verdict;
 * a commit and another request's last reveal with its settle and post, due at once, leave in one PTB.
 */
import { startDevnet } from "@atoma/devnet";
import { AtomaClient, type AtomaEventRecord, buildSetParam, hashOutput, MoveAbortError } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { publishAtoma } from "../../../demo/src/network.js";
import { testClient, testDevnetOptions } from "../../../test/setup/transport.js";
import { Semaphore } from "../../src/daemon/semaphore.js";
import { TxBatcher } from "../../src/daemon/tx-batcher.js";
import { SdkChainPort } from "../../src/sdk-port.js";

const enc = new TextEncoder();

class Refused extends Error {}

function recorder(opts: { refuse?: (item: string) => boolean; transportDown?: boolean } = {}) {
  const calls: string[][] = [];
  const b = new TxBatcher<string>({
    isRefusal: (e) => e instanceof Refused,
    one: async (item) => {
      calls.push([item]);
      if (opts.refuse?.(item)) throw new Refused(item);
    },
    many: async (items) => {
      calls.push([...items]);
      if (opts.transportDown) throw new Error("connection reset");
      if (items.some((i) => opts.refuse?.(i))) throw new Refused(items.join(","));
    },
    max: 3,
  });
  return { b, calls };
}

describe("TxBatcher", () => {
  it("items added in the same turn go in one call; a lone item goes alone", async () => {
    const { b, calls } = recorder();
    await Promise.all([b.add("a"), b.add("b")]);
    await b.add("c");
    expect(calls).toEqual([["a", "b"], ["c"]]);
    expect(b.counts).toEqual({ batches: 1, batchedItems: 2, single: 1, refusedBatches: 0 });
  });

  it("with a gate, what falls due while a transaction is in flight goes in the next one together", async () => {
    const calls: string[][] = [];
    let release: () => void = () => {};
    const first = new Promise<void>((r) => {
      release = r;
    });
    const gate = new Semaphore(1);
    const b = new TxBatcher<string>({
      isRefusal: () => false,
      one: async (item) => {
        calls.push([item]);
        if (item === "a") await first;
      },
      many: async (items) => {
        calls.push([...items]);
      },
      gate,
    });
    const a = b.add("a"); // goes alone and stays in flight
    await new Promise((r) => setImmediate(r));
    const later = [b.add("b")];
    await new Promise((r) => setImmediate(r));
    later.push(b.add("c"), b.add("d")); // three turns' items, all while "a" is in flight
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([["a"]]);
    release();
    await Promise.all([a, ...later]);
    expect(calls).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("at most `max` items per call", async () => {
    const { b, calls } = recorder();
    await Promise.all(["a", "b", "c", "d", "e"].map((x) => b.add(x)));
    expect(calls).toEqual([
      ["a", "b", "c"],
      ["d", "e"],
    ]);
  });

  it("a refused batch is sent again item by item: each item gets its own verdict", async () => {
    const { b, calls } = recorder({ refuse: (i) => i === "bad" });
    const got = await Promise.allSettled([b.add("ok"), b.add("bad")]);
    expect(got.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect((got[1] as PromiseRejectedResult).reason).toBeInstanceOf(Refused);
    expect(calls).toEqual([["ok", "bad"], ["ok"], ["bad"]]);
    expect(b.counts.refusedBatches).toBe(1);
  });

  it("a transport failure rejects every item of the batch with it (the caller retries)", async () => {
    const { b, calls } = recorder({ transportDown: true });
    const got = await Promise.allSettled([b.add("a"), b.add("b")]);
    expect(got.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"))).toEqual([
      "connection reset",
      "connection reset",
    ]);
    expect(calls).toEqual([["a", "b"]]);
  });
});

const key = (label: string) =>
  Ed25519Keypair.fromSecretKey(blake2b(enc.encode(`atoma-batch-test:${label}`), { dkLen: 32 }));

describe("SdkChainPort batches a node's due state changes into one PTB (devnet)", () => {
  it("two commits due at once: one transaction; two reveals: one; a refused one is sent alone; a commit and a reveal + settle + post: one", async () => {
    const d = await startDevnet({ seed: "batch", clockMs: 1_700_000_000_000n, ...testDevnetOptions() });
    try {
      const sui = testClient(d.url, "jsonrpc");
      const admin = key("admin");
      const deployed = await publishAtoma(sui, d.url, admin);
      const atoma = new AtomaClient(sui, {
        packageId: deployed.packageId,
        registryId: deployed.registryId,
        registryInitialSharedVersion: deployed.registryInitialSharedVersion,
      });
      const tx = new Transaction();
      const base = {
        packageId: deployed.packageId,
        registry: { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion },
        adminCap: deployed.adminCapId,
      };
      buildSetParam(tx, { ...base, name: "commit_window_ms", value: 60_000n });
      buildSetParam(tx, { ...base, name: "reveal_window_ms", value: 60_000n });
      await atoma.execute(tx, admin);
      const nodes: { kp: Ed25519Keypair; id: string; cap: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const kp = key(`node${i}`);
        await requestSuiFromFaucetV2({ host: d.url, recipient: kp.toSuiAddress() });
        const r = await atoma.registerNode(kp, {
          stake: 100_000_000_000n,
          sigPk: blake2b(enc.encode(`s${i}`), { dkLen: 32 }),
          encPk: blake2b(enc.encode(`e${i}`), { dkLen: 32 }),
          capabilities: ["test:echo-v1"],
          price: 10n,
        });
        nodes.push({ kp, id: r.nodeId, cap: r.nodeCapId });
      }
      const requester = key("requester");
      await requestSuiFromFaucetV2({ host: d.url, recipient: requester.toSuiAddress() });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const input = enc.encode(`batch ${i}`);
        const r = await atoma.createRequest(requester, {
          kind: 1,
          capability: "test:echo-v1",
          input,
          inputHash: hashOutput(input),
          maxTokens: 0n,
          fuel: 0n,
          sampleSize: 3,
          quorumBps: 0,
          maxPrice: 100n,
          confidential: false,
        });
        expect(r.nodes).toHaveLength(3);
        ids.push(r.requestId);
      }
      const [r0, r1, r2, r3] = ids as [string, string, string, string];
      const [n0, n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
      const out = hashOutput(enc.encode("same output"));
      const salt = new Uint8Array(32).fill(7);
      const port = new SdkChainPort({ atoma, signer: n0.kp, nodeId: n0.id, nodeCap: n0.cap });

      // two commits due at once → one PTB
      await Promise.all([port.commit(r0, 0, out, salt), port.commit(r1, 0, out, salt)]);
      expect(port.calls.counts).toMatchObject({ batches: 1, batchedItems: 2, single: 0 });
      // a batch with a refused commit (r0 again: already committed) and a good one (r2)
      const got = await Promise.allSettled([port.commit(r0, 0, out, salt), port.commit(r2, 0, out, salt)]);
      expect(got[0].status).toBe("rejected");
      expect((got[0] as PromiseRejectedResult).reason).toBeInstanceOf(MoveAbortError);
      expect(got[1].status).toBe("fulfilled");
      expect(port.calls.counts.refusedBatches).toBe(1);

      // the other nodes commit r0 and r1 one by one; then node 0's two reveals go in one PTB
      for (const n of [n1, n2])
        for (const id of [r0, r1])
          await atoma.commit(n.kp, { requestId: id, nodeCap: n.cap, nodeId: n.id, outputHash: out, round: 0, salt });
      await Promise.all([port.reveal(r0, 0, out, salt), port.reveal(r1, 0, out, salt)]);
      expect(port.calls.counts).toMatchObject({ batches: 3, batchedItems: 6, single: 0 });

      // mixed: node 0's last reveal of r2 with its settle and post, and its commit of r3, due in one
      // turn → one PTB (commit first, whatever order they fell due in)
      for (const n of [n1, n2])
        await atoma.commit(n.kp, { requestId: r2, nodeCap: n.cap, nodeId: n.id, outputHash: out, round: 0, salt });
      for (const n of [n1, n2])
        await atoma.reveal(n.kp, { requestId: r2, nodeCap: n.cap, outputHash: out, round: 0, salt });
      await Promise.all([
        port.revealAndSettle(r2, 0, out, salt, enc.encode("same output")),
        port.commit(r3, 0, out, salt),
      ]);
      expect(port.calls.counts).toMatchObject({ batches: 4, batchedItems: 8, single: 0, refusedBatches: 1 });

      // the chain's own record: node 0's events for r0 and r1 came in one transaction each kind
      d.cutCheckpoint();
      const events: AtomaEventRecord[] = [];
      let cursor: { after: string | null } = { after: null };
      for (;;) {
        const page = await atoma.listEvents(cursor, 50);
        events.push(...page.events);
        if (!page.hasNextPage || page.events.length === 0) break;
        cursor = page.cursor as { after: string | null };
      }
      const digestsOf = (name: string, reqs: string[]) =>
        events
          .filter((e) => e.event.name === name)
          .filter((e) => {
            const data = e.event.data as { request_id: string; node_id: string };
            return data.node_id === n0.id && reqs.includes(data.request_id);
          })
          .map((e) => e.txDigest);
      const commits = digestsOf("ResultCommitted", [r0, r1]);
      expect(commits).toHaveLength(2);
      expect(new Set(commits).size).toBe(1);
      const reveals = digestsOf("ResultRevealed", [r0, r1]);
      expect(reveals).toHaveLength(2);
      expect(new Set(reveals).size).toBe(1);
      expect(reveals[0]).not.toBe(commits[0]);
      // r2's commit landed alone, after the refused batch
      const r2Commit = digestsOf("ResultCommitted", [r2]);
      expect(r2Commit).toHaveLength(1);
      expect(r2Commit[0]).not.toBe(commits[0]);
      // the mixed PTB: r3's commit, r2's reveal, settle and post in one transaction
      const mixed = [
        ...digestsOf("ResultCommitted", [r3]),
        ...digestsOf("ResultRevealed", [r2]),
        ...digestsOf("OutputPosted", [r2]),
      ];
      const settled = events.filter((e) => e.event.name === "RequestSettled" && e.event.data.request_id === r2);
      expect(mixed).toHaveLength(3);
      expect(settled).toHaveLength(1);
      expect(new Set([...mixed, settled[0]?.txDigest]).size).toBe(1);
      expect(Uint8Array.from((await atoma.getRequest(r2)).output)).toEqual(enc.encode("same output"));
      const req0 = await atoma.getRequest(r0);
      expect(req0.assignments.find((a) => a.node_id === n0.id)).toMatchObject({ committed: true, revealed: true });
    } finally {
      await d.close();
    }
  }, 180_000);
});
