/**
 * The atoma package on the devnet, through the real SDK: `AtomaClient` over `SuiJsonRpcClient`,
 * the package published with an ordinary Publish transaction, Ed25519 keypairs funded by the faucet.
 */
import {
  blindedHash,
  buildAddVerifier,
  buildAllowMeasurement,
  buildCreateCluster,
  buildDisallowMeasurement,
  buildJail,
  buildMigrate,
  buildRemoveVerifier,
  buildRevokeAttestation,
  buildSetPaused,
  buildStartRotation,
  buildWithdrawTreasury,
  hashOutput,
  MoveAbortError,
  RequestStatus,
  STRUCT_TYPES,
  signVerdict,
  TeeKind,
} from "@atoma/sdk";
import { bcs } from "@mysten/sui/bcs";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminArgs,
  confidentialRequest,
  type Env,
  execAs,
  funded,
  type Operator,
  registerOperator,
  SUI,
  startAtomaDevnet,
} from "./harness.js";

const enc = new TextEncoder();
const b2 = (...parts: Uint8Array[]) => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return blake2b(all, { dkLen: 32 });
};

type Op = Operator;

describe("atoma through the SDK on an in-process devnet", () => {
  let env: Env;
  const ops: Op[] = [];
  let requester: Ed25519Keypair;
  let keeper: Ed25519Keypair;
  const verifierSk = ed25519.utils.randomSecretKey();
  const verifierPk = ed25519.getPublicKey(verifierSk);
  const admin = () => adminArgs(env);
  const exec = (kp: Ed25519Keypair, build: (tx: Transaction) => void) => execAs(env, kp, build);
  const coinsOf = async (owner: string) =>
    (await env.sui.getCoins({ owner })).data.map((c) => ({ id: c.coinObjectId, balance: BigInt(c.balance) }));

  beforeAll(async () => {
    env = await startAtomaDevnet("lifecycle");
    [requester, keeper] = await Promise.all([funded(env.d.url), funded(env.d.url)]);
  });
  afterAll(async () => {
    await env?.d.close();
  });

  it("publish runs registry::init: the Registry is shared, the AdminCap belongs to the publisher", async () => {
    const reg = await env.atoma.getRegistry();
    expect(reg.version).toBe("1");
    expect(reg.params.min_stake).toBe("100000000000");
    expect(reg.meta.initialSharedVersion).toBe(env.deployed.registryInitialSharedVersion);
    const cap = await env.sui.getObject({ id: env.deployed.adminCapId, options: { showOwner: true, showType: true } });
    expect(cap.data?.owner).toEqual({ AddressOwner: env.admin.toSuiAddress() });
    expect(cap.data?.type).toBe(`${env.deployed.packageId}::registry::AdminCap`);
  });

  it("registers three nodes; getNode reads the Table<ID, Node> dynamic fields", async () => {
    for (let i = 0; i < 3; i++) {
      const { op, res } = await registerOperator(env, b2(enc.encode(`enc:${i}`)));
      const { kp, sigPk } = op;
      expect(res.events.map((e) => e.name)).toEqual(["NodeRegistered"]);
      ops.push(op);
      const n = await env.atoma.getNode(res.nodeId);
      expect(n.operator).toBe(kp.toSuiAddress());
      expect(n.stake.value).toBe(String(200n * SUI));
      expect(Uint8Array.from(n.sig_pk)).toEqual(sigPk);
      const cap = await env.sui.getObject({ id: res.nodeCapId, options: { showOwner: true, showType: true } });
      expect(cap.data?.type).toBe(`${env.deployed.packageId}::node::NodeCap`);
      expect(cap.data?.owner).toEqual({ AddressOwner: kp.toSuiAddress() });
    }
    const reg = await env.atoma.getRegistry();
    expect(reg.node_count).toBe("3");
    expect(reg.nodes.size).toBe("3");
    expect(reg.eligible.size).toBe("1");
    // The table's entries are Field<ID, Node> children of its UID, listed by suix_getDynamicFields.
    const fields = await env.sui.getDynamicFields({ parentId: reg.nodes.id.id });
    expect(fields.data.map((f) => f.name.value).sort()).toEqual(ops.map((o) => o.nodeId).sort());
    expect(fields.data.every((f) => f.name.type === "0x2::object::ID")).toBe(true);
    expect(fields.data.every((f) => f.objectType.endsWith(`::${STRUCT_TYPES.Node}`))).toBe(true);
  });

  it("a view function answers through devInspect (registry::node_count)", async () => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${env.deployed.packageId}::registry::node_count`,
      arguments: [tx.object(env.deployed.registryId)],
    });
    const r = await env.sui.devInspectTransactionBlock({ sender: keeper.toSuiAddress(), transactionBlock: tx });
    expect(r.effects.status.status).toBe("success");
    const [value] = r.results![0]!.returnValues![0]!;
    expect(bcs.u64().parse(Uint8Array.from(value))).toBe("3");
  });

  it("request → sample → commit/reveal → settle: payouts and refund as coins, events decoded", async () => {
    const input = enc.encode("what is 6 x 7?");
    const created = await env.atoma.createRequest(requester, {
      kind: 0,
      capability: "llama",
      input,
      sampleSize: 3,
      maxPrice: 2n * SUI,
    });
    expect(created.escrow).toBe(6_300_000_000n);
    expect(created.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    expect([...created.nodes].sort()).toEqual(ops.map((o) => o.nodeId).sort());
    const requestId = created.requestId;
    const outputHash = hashOutput(enc.encode("42"));
    const salts = new Map<string, Uint8Array>();
    const commit = async (o: Op) => {
      const c = await env.atoma.commit(o.kp, { requestId, nodeCap: o.nodeCap, nodeId: o.nodeId, outputHash, round: 0 });
      expect(c.events.map((e) => e.name)).toEqual(["ResultCommitted"]);
      salts.set(o.nodeId, c.salt);
    };
    await commit(ops[0]!);
    // Committing twice aborts with the clever error of request::commit, decoded by the SDK.
    const again = await env.atoma
      .commit(ops[0]!.kp, { requestId, nodeCap: ops[0]!.nodeCap, nodeId: ops[0]!.nodeId, outputHash, round: 0 })
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(MoveAbortError);
    expect((again as MoveAbortError).module).toBe("request");
    expect((again as MoveAbortError).constantName).toBe("EAlreadyCommitted");
    await commit(ops[1]!);
    await commit(ops[2]!);
    for (const o of ops)
      await env.atoma.reveal(o.kp, { requestId, nodeCap: o.nodeCap, outputHash, round: 0, salt: salts.get(o.nodeId)! });
    const before = new Map<string, Set<string>>();
    for (const o of ops) before.set(o.nodeId, new Set((await coinsOf(o.kp.toSuiAddress())).map((c) => c.id)));
    const settled = await env.atoma.settle(keeper, requestId);
    expect(settled.events.map((e) => e.name)).toEqual(["NodePaid", "NodePaid", "NodePaid", "RequestSettled"]);
    for (const o of ops) {
      const fresh = (await coinsOf(o.kp.toSuiAddress())).filter((c) => !before.get(o.nodeId)!.has(c.id));
      expect(fresh.map((c) => c.balance)).toEqual([SUI]);
      const n = await env.atoma.getNode(o.nodeId);
      expect(n.served).toBe("1");
      // earned: the node's NodePaid events (no counter on chain since issue 13 B stage 2)
      expect(await env.atoma.earnedBy(o.nodeId)).toBe(SUI);
    }
    const tb = await env.sui.getTransactionBlock({ digest: settled.digest, options: { showBalanceChanges: true } });
    const refund = tb.balanceChanges?.find(
      (c) => (c.owner as { AddressOwner?: string }).AddressOwner === requester.toSuiAddress(),
    );
    expect(refund?.amount).toBe("3150000000");
    // The margin waits in the request (no Registry write per settle, issue 13 B) until swept.
    expect((await env.atoma.getRequest(requestId)).escrow.value).toBe("150000000");
    expect((await env.atoma.getRegistry()).treasury.value).toBe("0");
    const swept = await env.atoma.sweepFees(keeper, [requestId]);
    expect(swept.events.map((e) => e.name)).toEqual(["FeesSwept"]);
    expect((await env.atoma.getRequest(requestId)).escrow.value).toBe("0");
    expect((await env.atoma.getRegistry()).treasury.value).toBe("150000000");
    const req = await env.atoma.waitForSettlement(requestId, { timeoutMs: 1_000 });
    expect(req.status).toBe(RequestStatus.Settled);
    // Round 0 agreed on the blinded t only; the output hash is known at the first matching post.
    expect(Uint8Array.from(req.agreed_blinded_hash!)).toEqual(blindedHash(outputHash, requestId));
    expect(req.agreed_output_hash).toBeNull();
    // The output, posted by a sampled node, is read back and checked against the agreed hash.
    const posted = await env.atoma.postOutput(ops[1]!.kp, {
      requestId,
      nodeCap: ops[1]!.nodeCap,
      output: enc.encode("42"),
    });
    expect(posted.events.map((e) => e.name)).toEqual(["OutputHashAgreed", "OutputPosted"]);
    expect(Uint8Array.from((await env.atoma.getRequest(requestId)).agreed_output_hash!)).toEqual(outputHash);
    const out = await env.atoma.fetchOutput(requestId);
    expect(new TextDecoder().decode(out.posted)).toBe("42");
    expect(out.verifiedOver).toBe("posted");
    // The event stream decodes with the SDK schemas (BCS bytes match events.move).
    const names: string[] = [];
    let cursor = { after: null as string | null };
    for (;;) {
      const page = await env.atoma.listEvents(cursor, 7);
      names.push(...page.events.map((e) => e.event.name));
      cursor = page.cursor;
      if (!page.hasNextPage) break;
    }
    expect(names.filter((n) => n === "NodePaid")).toHaveLength(3);
    expect(names.slice(0, 4)).toEqual(["NodeRegistered", "NodeRegistered", "NodeRegistered", "RequestCreated"]);
    expect(names).toContain("OutputPosted");
  });

  it("entry create_and_sample: one transaction creates, escrows and samples; an abort changes nothing", async () => {
    const call = (sampleSize: bigint) => {
      const tx = new Transaction();
      const [pay] = tx.splitCoins(tx.gas, [10n * SUI]);
      tx.moveCall({
        target: `${env.deployed.packageId}::request::create_and_sample`,
        arguments: [
          tx.object(env.deployed.registryId),
          pay!,
          tx.pure.u8(0),
          tx.pure.vector("u8", enc.encode("llama")),
          tx.pure.vector("u8", hashOutput(enc.encode("in"))),
          tx.pure.vector("u8", enc.encode("in")),
          tx.pure.u64(64),
          tx.pure.u64(0),
          tx.pure.u64(sampleSize),
          tx.pure.u64(0),
          tx.pure.u64(SUI),
          tx.pure.bool(false),
          tx.object.random(),
          tx.object.clock(),
        ],
      });
      return env.atoma.execute(tx, requester);
    };
    const res = await call(2n);
    expect(res.events.map((e) => e.name)).toEqual(["RequestCreated", "NodesSampled"]);
    const created = res.events[0]!;
    if (created.name !== "RequestCreated") throw new Error("no RequestCreated");
    const req = await env.atoma.getRequest(created.data.request_id);
    expect(req.status).toBe(RequestStatus.Sampled);
    expect(req.assignments).toHaveLength(2);
    expect(req.escrow.value).toBe("2100000000");
    const tooMany = await call(5n).catch((e: unknown) => e);
    expect((tooMany as MoveAbortError).module).toBe("request");
    expect((tooMany as MoveAbortError).constantName).toBe("ENotEnoughNodes");
  });

  it("confidential sampling picks only nodes with a recorded, verifier-signed attestation", async () => {
    const mrtd = enc.encode("mrtd-lifecycle");
    await exec(env.admin, (tx) => buildAddVerifier(tx, { ...admin(), verifierPk }));
    await exec(env.admin, (tx) => buildAllowMeasurement(tx, { ...admin(), teeKind: TeeKind.Tdx, measurement: mrtd }));
    const now = env.d.clock.now();
    for (const o of ops.slice(0, 2)) {
      const v = {
        nodeId: o.nodeId,
        teeKind: TeeKind.Tdx,
        measurement: mrtd,
        reportDataHash: b2(o.sigPk, o.encPk),
        evidenceHash: b2(enc.encode(`evidence:${o.nodeId}`)),
        issuedMs: now,
        expiresMs: now + 3_600_000n,
      };
      const r = await env.atoma.recordAttestation(o.kp, {
        nodeCap: o.nodeCap,
        ...v,
        verifierPk,
        signature: signVerdict(v, verifierSk),
      });
      expect(r.events.map((e) => e.name)).toEqual(["AttestationRecorded"]);
      const n = await env.atoma.getNode(o.nodeId);
      expect(n.attestation?.tee_kind).toBe(TeeKind.Tdx);
    }
    // A bad signature aborts with attestation::EBadVerdictSignature.
    const o = ops[2]!;
    const v = {
      nodeId: o.nodeId,
      teeKind: TeeKind.Tdx,
      measurement: mrtd,
      reportDataHash: b2(o.sigPk, o.encPk),
      evidenceHash: b2(enc.encode("e")),
      issuedMs: now,
      expiresMs: now + 3_600_000n,
    };
    const bad = await env.atoma
      .recordAttestation(o.kp, { nodeCap: o.nodeCap, ...v, verifierPk, signature: new Uint8Array(64) })
      .catch((e: unknown) => e);
    expect((bad as MoveAbortError).constantName).toBe("EBadVerdictSignature");
    const created = await confidentialRequest(env, requester, 2);
    expect([...created.nodes].sort()).toEqual(
      ops
        .slice(0, 2)
        .map((x) => x.nodeId)
        .sort(),
    );
    // N = 3 confidential: only two attested nodes → ENotEnoughNodes at sampling.
    const tooMany = await confidentialRequest(env, requester, 3).catch((e: unknown) => e);
    expect((tooMany as MoveAbortError).constantName).toBe("ENotEnoughNodes");
  });

  it("key rotation: create cluster, members accept, start, ack by members, complete", async () => {
    const owner = await funded(env.d.url);
    const base = {
      packageId: env.deployed.packageId,
      registry: { objectId: env.deployed.registryId, initialSharedVersion: env.deployed.registryInitialSharedVersion },
    };
    const k0 = b2(enc.encode("key-0"));
    const k1 = b2(enc.encode("key-1"));
    const cc = await exec(owner, (tx) =>
      buildCreateCluster(tx, {
        ...base,
        members: ops.slice(0, 2).map((o) => o.nodeId),
        commitment: k0,
        ackQuorumBps: 6_667n,
      }),
    );
    const clusterId = cc.created.find((c) => c.type?.endsWith("::cluster::Cluster"))!.objectId;
    const masterCap = cc.created.find((c) => c.type?.endsWith("::cluster::MasterCap"))!.objectId;
    const c0 = await env.atoma.getCluster(clusterId);
    expect(c0.epoch).toBe("0");
    // Listed nodes are invited: each accepts with its own NodeCap before it counts.
    for (const o of ops.slice(0, 2)) {
      const r = await env.atoma.acceptMembership(o.kp, { clusterId, nodeCap: o.nodeCap });
      expect(r.events.map((e) => e.name)).toEqual(["ClusterMemberJoined"]);
    }
    expect((await env.atoma.getCluster(clusterId)).members).toEqual(ops.slice(0, 2).map((o) => o.nodeId));
    await exec(owner, (tx) =>
      buildStartRotation(tx, {
        packageId: env.deployed.packageId,
        cluster: { objectId: clusterId, initialSharedVersion: c0.meta.initialSharedVersion! },
        masterCap,
        epoch: 1n,
        commitment: k1,
        deadlineMs: env.d.clock.now() + 600_000n,
      }),
    );
    // Completing before quorum aborts.
    const early = await env.atoma.completeRotation(keeper, clusterId).catch((e: unknown) => e);
    expect((early as MoveAbortError).constantName).toBe("EQuorumNotReached");
    // Members must be attested to ack; ack quorum: ceil(6 667 × 2 / 10 000) = 2 members.
    for (const o of ops.slice(0, 2)) {
      const r = await env.atoma.ackRotation(o.kp, { clusterId, nodeCap: o.nodeCap, epoch: 1n, commitment: k1 });
      expect(r.events.map((e) => e.name)).toEqual(["KeyRotationAcked"]);
    }
    const done = await env.atoma.completeRotation(keeper, clusterId);
    expect(done.events.map((e) => e.name)).toEqual(["KeyRotationCompleted"]);
    const c1 = await env.atoma.getCluster(clusterId);
    expect(c1.epoch).toBe("1");
    expect(Uint8Array.from(c1.commitment)).toEqual(k1);
    expect(Uint8Array.from(c1.previous_commitment)).toEqual(k0);
  });

  it("admin and operator calls: pause, prices, capabilities, revoke, verifiers, treasury, jail, migrate", async () => {
    const abortOf = (e: unknown) => (e as MoveAbortError).constantName;
    const [o0, o1] = [ops[0]!, ops[1]!];
    // Pause blocks live entry points with EPaused; unpause restores them.
    await exec(env.admin, (tx) => buildSetPaused(tx, { ...admin(), paused: true }));
    expect(abortOf(await env.atoma.setPrice(o0.kp, o0.nodeCap, 2n * SUI).catch((e: unknown) => e))).toBe("EPaused");
    await exec(env.admin, (tx) => buildSetPaused(tx, { ...admin(), paused: false }));
    await env.atoma.setPrice(o0.kp, o0.nodeCap, 2n * SUI);
    expect((await env.atoma.getNode(o0.nodeId)).price).toBe(String(2n * SUI));
    // New capabilities: the node joins the new capability's eligible list (a new Table entry).
    const eligibleBefore = (await env.atoma.getRegistry()).eligible.size;
    await env.atoma.setCapabilities(o1.kp, o1.nodeCap, ["llama", "mistral"]);
    expect(
      (await env.atoma.getNode(o1.nodeId)).capabilities.map((c) => new TextDecoder().decode(Uint8Array.from(c))),
    ).toEqual(["llama", "mistral"]);
    expect(BigInt((await env.atoma.getRegistry()).eligible.size)).toBe(BigInt(eligibleBefore) + 1n);
    // Revoke an attestation.
    await exec(env.admin, (tx) => buildRevokeAttestation(tx, { ...admin(), nodeId: o0.nodeId }));
    expect((await env.atoma.getNode(o0.nodeId)).attestation?.revoked).toBe(true);
    // Verifier and measurement removal; removing twice aborts.
    await exec(env.admin, (tx) => buildRemoveVerifier(tx, { ...admin(), verifierPk }));
    const again = await exec(env.admin, (tx) => buildRemoveVerifier(tx, { ...admin(), verifierPk })).catch(
      (e: unknown) => e,
    );
    expect(abortOf(again)).toBe("EUnknownVerifier");
    const m = enc.encode("mrtd-lifecycle");
    await exec(env.admin, (tx) => buildDisallowMeasurement(tx, { ...admin(), teeKind: TeeKind.Tdx, measurement: m }));
    expect((await env.atoma.getRegistry()).measurements.contents[0]?.value ?? []).toEqual([]);
    // Treasury withdrawal: a coin to the admin; more than the treasury aborts.
    const treasury = BigInt((await env.atoma.getRegistry()).treasury.value);
    expect(treasury).toBeGreaterThan(0n);
    const w = await exec(env.admin, (tx) => buildWithdrawTreasury(tx, { ...admin(), amount: treasury }));
    const coinId = w.created.find((c) => c.type?.includes("::coin::Coin<"))!.objectId;
    const coin = await env.sui.getObject({ id: coinId, options: { showContent: true, showOwner: true } });
    expect(coin.data?.owner).toEqual({ AddressOwner: env.admin.toSuiAddress() });
    expect((coin.data!.content as unknown as { fields: { balance: string } }).fields.balance).toBe(String(treasury));
    expect((await env.atoma.getRegistry()).treasury.value).toBe("0");
    const over = await exec(env.admin, (tx) => buildWithdrawTreasury(tx, { ...admin(), amount: 1n })).catch(
      (e: unknown) => e,
    );
    expect(abortOf(over)).toBe("EInsufficientTreasury");
    // Jailing a healthy node and migrating the current version abort.
    const base = { packageId: env.deployed.packageId, registry: admin().registry };
    expect(
      abortOf(await exec(keeper, (tx) => buildJail(tx, { ...base, nodeId: o0.nodeId })).catch((e: unknown) => e)),
    ).toBe("ENotJailable");
    expect(abortOf(await exec(env.admin, (tx) => buildMigrate(tx, admin())).catch((e: unknown) => e))).toBe(
      "ENotUpgrade",
    );
    // add_stake from the gas coin.
    await env.atoma.addStake(o1.kp, o1.nodeCap, 5n * SUI);
    expect((await env.atoma.getNode(o1.nodeId)).stake.value).toBe(String(205n * SUI));
  });

  it("unstake, unbonding with the devnet clock, withdraw the stake as a coin", async () => {
    const o = ops[2]!;
    await env.atoma.requestUnstake(o.kp, o.nodeCap);
    const early = await env.atoma.withdrawStake(o.kp, o.nodeCap).catch((e: unknown) => e);
    expect((early as MoveAbortError).constantName).toBe("EStillUnbonding");
    env.d.clock.advance(604_800_000);
    const res = await env.atoma.withdrawStake(o.kp, o.nodeCap);
    const coinId = res.created.find((c) => c.type?.includes("::coin::Coin<"))?.objectId;
    expect(coinId).toBeDefined();
    const coin = await env.sui.getObject({ id: coinId!, options: { showContent: true, showOwner: true } });
    expect(coin.data?.owner).toEqual({ AddressOwner: o.kp.toSuiAddress() });
    expect((coin.data!.content as unknown as { fields: { balance: string } }).fields.balance).toBe(String(200n * SUI));
    const n = await env.atoma.getNode(o.nodeId);
    expect(n.unbonding.value).toBe("0");
  });
});
