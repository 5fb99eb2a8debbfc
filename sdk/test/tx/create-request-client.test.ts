/**
 * `AtomaClient.createRequest` on the devnet (atoma binding, real signing, over the test transport:
 * JSON-RPC by default, a gRPC-only devnet with ATOMA_TEST_TRANSPORT=grpc): by default ONE
 * transaction calling `request::create_and_sample`; `twoStep: true` keeps create_request +
 * sample_nodes (two transactions); `sample: false` only creates.
 */

import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { publishAtoma } from "../../../demo/src/network.js";
import { type RunningDevnet, startDevnet } from "../../../devnet/src/index.js";
import { funded } from "../../../devnet/test/atoma/harness.js";
import { testClient, testDevnetOptions } from "../../../test/setup/transport.js";
import { AtomaClient, DecodeError, hashOutput, MoveAbortError, RequestStatus, randomSalt } from "../../src/index.js";
import { buildCreateAndSample, buildSetParam } from "../../src/tx/builders.js";

const SUI = 1_000_000_000n;
const T0 = 1_700_000_000_000n;
const enc = new TextEncoder();

describe("AtomaClient.createRequest: one transaction by default", () => {
  let d: RunningDevnet;
  let sui: ClientWithCoreApi;
  let atoma: AtomaClient;
  let requester: Ed25519Keypair;
  let admin: Ed25519Keypair;
  let deployed: Awaited<ReturnType<typeof publishAtoma>>;
  const nodeIds: string[] = [];
  const nodes: { kp: Ed25519Keypair; nodeId: string; nodeCapId: string }[] = [];

  /** The Move calls of a transaction (its data as the node returns it), as `module::function`. */
  const callsOf = async (digest: string): Promise<string[]> => {
    const r = await sui.core.getTransaction({ digest, include: { transaction: true } });
    const t = r.Transaction ?? r.FailedTransaction;
    if (!t?.transaction) throw new Error(`${digest}: no transaction data`);
    return t.transaction.commands.flatMap((c) =>
      "MoveCall" in c && c.MoveCall ? [`${c.MoveCall.module}::${c.MoveCall.function}`] : [],
    );
  };
  /** The requester's SUI: an aborted create keeps the escrow (at most gas is charged). */
  const requesterSui = async () =>
    BigInt((await sui.core.getBalance({ owner: requester.toSuiAddress() })).balance.balance);
  const ask = (o: { sampleSize?: number; sample?: boolean; twoStep?: boolean } = {}) =>
    atoma.createRequest(requester, { kind: 0, capability: "llama", input: enc.encode("2+2"), maxPrice: SUI, ...o });

  beforeAll(async () => {
    const seed = "sdk-create-and-sample";
    d = await startDevnet({ seed, clockMs: T0, checkpointIntervalMs: 60_000, ...testDevnetOptions() });
    sui = testClient(d.url, "jsonrpc");
    admin = await funded(d.url, `${seed}:admin`);
    deployed = await publishAtoma(sui, d.url, admin);
    atoma = new AtomaClient(sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    requester = await funded(d.url, "requester");
    for (let i = 0; i < 3; i++) {
      const kp = await funded(d.url, `node-${i}`);
      const r = await atoma.registerNode(kp, {
        stake: 200n * SUI,
        sigPk: kp.getPublicKey().toRawBytes(),
        encPk: new Uint8Array(32).fill(i + 1),
        capabilities: ["llama"],
        price: SUI,
      });
      nodeIds.push(r.nodeId);
      nodes.push({ kp, nodeId: r.nodeId, nodeCapId: r.nodeCapId });
    }
  }, 300_000);
  afterAll(async () => {
    await d?.close();
  });

  it("default: create_and_sample, one digest, the request is Sampled", async () => {
    const c = await ask({ sampleSize: 3 });
    expect(c.sampleDigest).toBe(c.createDigest);
    expect(await callsOf(c.createDigest)).toEqual(["request::create_and_sample"]);
    expect(c.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    expect(c.escrow).toBe(3_150_000_000n);
    expect([...c.nodes].sort()).toEqual([...nodeIds].sort());
    const r = await atoma.getRequest(c.requestId);
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
    expect((await atoma.getRequest(c.requestId)).status).toBe(RequestStatus.Sampled);
  });

  it("sample: false only creates", async () => {
    const c = await ask({ sample: false });
    expect(c.sampleDigest).toBeUndefined();
    expect(c.nodes).toEqual([]);
    expect(await callsOf(c.createDigest)).toEqual(["request::create_request"]);
    expect((await atoma.getRequest(c.requestId)).status).toBe(RequestStatus.Created);
  });

  it("reads the escrow parameters once per client, and again when the chain refuses the payment (margin raised)", async () => {
    const client = new AtomaClient(sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    const reads = vi.spyOn(client, "getRegistry");
    const create = (sampleSize: number) =>
      client.createRequest(requester, {
        kind: 0,
        capability: "llama",
        input: enc.encode("1+1"),
        maxPrice: SUI,
        sampleSize,
      });
    expect((await create(3)).escrow).toBe(3_150_000_000n);
    expect((await create(2)).escrow).toBe(2_100_000_000n);
    expect(reads).toHaveBeenCalledTimes(1);
    const setMargin = async (bps: bigint) => {
      const tx = new Transaction();
      tx.setSender(admin.toSuiAddress());
      buildSetParam(tx, {
        packageId: deployed.packageId,
        registry: deployed.registryId,
        adminCap: deployed.adminCapId,
        name: "margin_bps",
        value: bps,
      });
      await atoma.execute(tx, admin);
    };
    await setMargin(1_000n);
    try {
      // Paid with the remembered 5 %: refused (EInsufficientPayment), re-read, paid 10 %.
      expect((await create(3)).escrow).toBe(3_300_000_000n);
      expect(reads).toHaveBeenCalledTimes(2);
      // A margin cut: the remembered 10 % overpays, the chain takes 5 % and returns the rest.
      await setMargin(500n);
      const before = await requesterSui();
      const c = await create(3);
      expect(c.escrow).toBe(3_150_000_000n);
      expect(before - (await requesterSui())).toBeLessThan(3_300_000_000n);
      expect(reads).toHaveBeenCalledTimes(2);
    } finally {
      await setMargin(500n);
    }
  });

  it("reads Random's initial shared version once per client, and sends the Random input the resolver would", async () => {
    const client = new AtomaClient(sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    const random = normalizeSuiAddress("0x8");
    const reads = vi.spyOn(sui.core, "getObjects");
    const randomReads = () =>
      reads.mock.calls.filter(([o]) => o.objectIds.some((id) => normalizeSuiAddress(id) === random));
    try {
      for (const i of [1, 2, 3]) {
        const c = await client.createRequest(requester, {
          kind: 0,
          capability: "llama",
          input: enc.encode(`random ${i}`),
          maxPrice: SUI,
          sampleSize: 3,
        });
        expect(c.nodes).toHaveLength(3);
      }
      // Before: the resolver read 0x8 for each create-and-sample (3 reads).
      expect(randomReads()).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
    // The same transaction (gas coin chosen by the client alike) with 0x8 left to the resolver and
    // with the version given builds the same bytes.
    const owner = (await sui.core.getObject({ objectId: random })).object.owner;
    if (owner?.$kind !== "Shared") throw new Error("Random is not shared");
    const bytesOf = (randomInitialSharedVersion?: string) => {
      const tx = new Transaction();
      tx.setSender(requester.toSuiAddress());
      buildCreateAndSample(tx, {
        packageId: deployed.packageId,
        registry: { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion },
        payment: { fromGas: 3_150_000_000n },
        kind: 0,
        capability: enc.encode("llama"),
        inputHash: new Uint8Array(32).fill(7),
        input: enc.encode("2+2"),
        maxPrice: SUI,
        sampleSize: 3,
        randomInitialSharedVersion,
      });
      tx.setGasPrice(1000);
      tx.setGasBudget(50_000_000);
      return tx.build({ client: sui });
    };
    expect(await bytesOf(String(owner.Shared.initialSharedVersion))).toEqual(await bytesOf(undefined));
  });

  it("nodeCalls: a request whose initial version the client was told (rememberShared) is named without a read; one it was not told is read once", async () => {
    const fresh = new AtomaClient(sui, {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    });
    const [told, untold] = [await ask({ sampleSize: 3 }), await ask({ sampleSize: 3 })];
    // Learned by another client's read, as a node-runner's shared request reads are.
    const version = (await atoma.getRequest(told.requestId)).meta.initialSharedVersion as string;
    fresh.rememberShared(told.requestId, version);
    // Every object read goes through getObjects (getObject calls it).
    const reads = vi.spyOn(sui.core, "getObjects");
    const readsOf = (id: string) =>
      reads.mock.calls.filter(([o]) => o.objectIds.some((x) => normalizeSuiAddress(x) === normalizeSuiAddress(id)))
        .length;
    try {
      for (const c of [told, untold]) {
        const n = nodes.find((x) => x.nodeId === c.nodes[0]) as (typeof nodes)[number];
        const commit = {
          kind: "commit" as const,
          requestId: c.requestId,
          nodeCap: n.nodeCapId,
          nodeId: n.nodeId,
          outputHash: hashOutput(enc.encode("4")),
          round: 0,
          salt: randomSalt(),
        };
        const res = await fresh.nodeCalls(n.kp, [commit]);
        expect(res.events.map((e) => e.name)).toEqual(["ResultCommitted"]);
      }
      expect(readsOf(told.requestId)).toBe(0);
      expect(readsOf(untold.requestId)).toBe(1);
    } finally {
      reads.mockRestore();
    }
  });

  it("listEvents with names: only those events, decoded as without; the same cursors and hasNextPage", async () => {
    const names = ["NodesSampled", "RequestCreated"] as const;
    let cursor = { after: null as string | null };
    const seen = new Set<string>();
    let kept = 0;
    for (let page = 0; page < 100; page++) {
      const all = await atoma.listEvents(cursor, 3);
      const some = await atoma.listEvents(cursor, 3, { names });
      for (const e of all.events) seen.add(e.event.name);
      const want = all.events.filter((e) => (names as readonly string[]).includes(e.event.name));
      kept += want.length;
      expect(some.events).toEqual(want);
      expect(some.cursor).toEqual(all.cursor);
      expect(some.hasNextPage).toBe(all.hasNextPage);
      if (!all.hasNextPage) break;
      cursor = all.cursor;
    }
    // Pages held other kinds too (left out, not decoded) and the named ones.
    expect(seen.has("NodeRegistered")).toBe(true);
    expect(kept).toBeGreaterThan(0);
    expect((await atoma.listEvents({ after: null }, 50, { names: [] })).events).toEqual([]);
  });

  it("waitForSettlement: two waiters of one request share its reads and get the same Settled request; a waiter of an object that is no Request gets its error", async () => {
    const c = await ask({ sampleSize: 3 });
    const reads0 = atoma.settlementReads;
    const w1 = atoma.waitForSettlement(c.requestId, { pollMs: 20 });
    const w2 = atoma.waitForSettlement(c.requestId, { pollMs: 20 });
    const wrong = atoma.waitForSettlement(deployed.registryId, { pollMs: 20 }).catch((e: unknown) => e);
    // The sampled nodes agree on one output: 3 commits, 2 reveals, the last reveal settling and posting.
    const output = enc.encode("4");
    const outputHash = hashOutput(output);
    const by = c.nodes.map((id) => nodes.find((n) => n.nodeId === id) as (typeof nodes)[number]);
    const salts = by.map(() => randomSalt());
    const at = (k: number) => ({
      requestId: c.requestId,
      nodeCap: by[k]?.nodeCapId as string,
      outputHash,
      round: 0,
      salt: salts[k] as Uint8Array,
    });
    await Promise.all(by.map((n, k) => atoma.commit(n.kp, { ...at(k), nodeId: n.nodeId })));
    await Promise.all(by.slice(0, -1).map((n, k) => atoma.reveal(n.kp, at(k))));
    await atoma.revealAndSettle((by.at(-1) as (typeof nodes)[number]).kp, { ...at(2), output });
    const [r1, r2] = await Promise.all([w1, w2]);
    expect(r1.status).toBe(RequestStatus.Settled);
    expect(Uint8Array.from(r1.output)).toEqual(output);
    expect(r2).toBe(r1);
    expect(await atoma.getRequest(c.requestId)).toEqual(r1);
    expect(await wrong).toBeInstanceOf(DecodeError);
    // Served by the client's shared rounds (test/client/settlement.test.ts counts their reads).
    expect(atoma.settlementReads - reads0).toBeGreaterThan(0);
    const fetched = await atoma.fetchOutput(c.requestId);
    expect(fetched.plaintext).toEqual(output);
  });

  it("a sampling abort in the one transaction creates nothing (no Request, no escrow taken)", async () => {
    const before = await requesterSui();
    const err = await ask({ sampleSize: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    expect((err as MoveAbortError).module).toBe("request");
    expect((err as MoveAbortError).constantName).toBe("ENotEnoughNodes");
    // escrow of 4 nodes at 1 SUI (+5 % margin) = 4.2 SUI: not taken (at most gas was charged)
    const spent = before - (await requesterSui());
    expect(spent).toBeGreaterThanOrEqual(0n);
    expect(spent).toBeLessThan(4_200_000_000n);
  });
});
