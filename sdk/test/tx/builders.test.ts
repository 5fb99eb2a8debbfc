import { loadBuiltPackage } from "@atoma/move";
import { bcs } from "@mysten/sui/bcs";
import { Transaction } from "@mysten/sui/transactions";
import { fromBase64, normalizeSuiAddress } from "@mysten/sui/utils";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors.js";
import * as B from "../../src/tx/index.js";
import { type FunctionSig, readFunctions } from "./bytecode-functions.js";

const PKG = normalizeSuiAddress("0xa7");
const REG = { objectId: normalizeSuiAddress("0x1001"), initialSharedVersion: 7 };
const REQ = { objectId: normalizeSuiAddress("0x1002"), initialSharedVersion: 9 };
const CLU = { objectId: normalizeSuiAddress("0x1003"), initialSharedVersion: 11 };
const owned = (n: number) => ({
  objectId: normalizeSuiAddress(`0x${(0x2000 + n).toString(16)}`),
  version: 3,
  digest: "11111111111111111111111111111111",
});
const CAP = owned(1);
const ADMIN = owned(2);
const COIN = owned(3);
const NODE = normalizeSuiAddress("0xbeef");
/** Node accounts (shared; id = node id). */
const ACC = { objectId: NODE, initialSharedVersion: 13 };
const ACC2 = { objectId: normalizeSuiAddress("0xbeef2"), initialSharedVersion: 14 };
const ME = normalizeSuiAddress("0xcafe");
const b = (n: number, v = 1) => new Uint8Array(n).fill(v);
const base = { packageId: PKG, registry: REG };

/** One sample call per target. */
const CALLS: Record<(typeof B.ATOMA_TX_TARGETS)[number], (tx: Transaction) => void> = {
  "registry::set_param": (tx) => B.buildSetParam(tx, { ...base, adminCap: ADMIN, name: "quorum_bps", value: 7000 }),
  "registry::set_paused": (tx) => B.buildSetPaused(tx, { ...base, adminCap: ADMIN, paused: true }),
  "registry::add_verifier": (tx) => B.buildAddVerifier(tx, { ...base, adminCap: ADMIN, verifierPk: b(32) }),
  "registry::remove_verifier": (tx) => B.buildRemoveVerifier(tx, { ...base, adminCap: ADMIN, verifierPk: b(32) }),
  "registry::allow_measurement": (tx) =>
    B.buildAllowMeasurement(tx, { ...base, adminCap: ADMIN, teeKind: 1, measurement: b(48) }),
  "registry::disallow_measurement": (tx) =>
    B.buildDisallowMeasurement(tx, { ...base, adminCap: ADMIN, teeKind: 1, measurement: b(48) }),
  "registry::withdraw_treasury": (tx) =>
    B.buildWithdrawTreasury(tx, { ...base, adminCap: ADMIN, amount: 5n, recipient: ME }),
  "registry::migrate": (tx) => B.buildMigrate(tx, { ...base, adminCap: ADMIN }),
  "registry::revoke_attestation": (tx) => B.buildRevokeAttestation(tx, { ...base, adminCap: ADMIN, nodeId: NODE }),
  "node::register_node": (tx) =>
    B.buildRegisterNode(tx, {
      ...base,
      stake: COIN,
      sigPk: b(32, 2),
      encPk: b(32, 3),
      capabilities: [b(3)],
      price: 10,
      recipient: ME,
    }),
  "node::add_stake": (tx) => B.buildAddStake(tx, { ...base, nodeAccount: ACC, nodeCap: CAP, coin: { fromGas: 100 } }),
  "node::request_unstake": (tx) => B.buildRequestUnstake(tx, { ...base, nodeAccount: ACC, nodeCap: CAP }),
  "node::withdraw_stake": (tx) => B.buildWithdrawStake(tx, { ...base, nodeAccount: ACC, nodeCap: CAP, recipient: ME }),
  "node::set_price": (tx) => B.buildSetPrice(tx, { ...base, nodeCap: CAP, price: 3 }),
  "node::set_capabilities": (tx) => B.buildSetCapabilities(tx, { ...base, nodeCap: CAP, capabilities: [b(2), b(4)] }),
  "node::jail": (tx) => B.buildJail(tx, { ...base, nodeId: NODE, nodeAccount: ACC }),
  "registry::refresh_node": (tx) => B.buildRefreshNode(tx, { ...base, nodeId: NODE, nodeAccount: ACC }),
  "registry::set_tdx_root": (tx) => B.buildSetTdxRoot(tx, { ...base, adminCap: ADMIN, rootKey: b(33, 2) }),
  "registry::set_tdx_policy": (tx) =>
    B.buildSetTdxPolicy(tx, { ...base, adminCap: ADMIN, allowedTcbStatuses: [0, 1], graceMs: 86_400_000 }),
  "tdx_attestation::record_tdx_collateral": (tx) =>
    B.buildRecordTdxCollateral(tx, { ...base, tcbInfo: b(100), qeIdentity: b(100), signerDer: b(300) }),
  "tdx_attestation::record_tdx_crl": (tx) => B.buildRecordTdxCrl(tx, { ...base, crl: b(300), caDer: b(300) }),
  "tdx_attestation::record_tdx_attestation": (tx) =>
    B.buildRecordTdxAttestation(tx, { ...base, nodeCap: CAP, collateral: CLU, quote: b(2000) }),
  "nitro_enclave::record_nitro_attestation": (tx) =>
    B.buildRecordNitroAttestation(tx, { ...base, nodeCap: CAP, document: b(3000) }),
  "attestation::record_attestation": (tx) =>
    B.buildRecordAttestation(tx, {
      ...base,
      nodeCap: CAP,
      teeKind: 1,
      measurement: b(48),
      reportDataHash: b(32),
      evidenceHash: b(32),
      issuedMs: 500,
      expiresMs: 1000,
      verifierPk: b(32),
      signature: b(64),
    }),
  "request::create_request": (tx) =>
    B.buildCreateRequest(tx, {
      ...base,
      payment: COIN,
      kind: 0,
      capability: b(3),
      inputHash: b(32),
      input: b(10),
      maxPrice: 5,
    }),
  "request::create_and_sample": (tx) =>
    B.buildCreateAndSample(tx, {
      ...base,
      payment: { fromGas: 5_250 },
      kind: 0,
      capability: b(3),
      inputHash: b(32),
      input: b(10),
      maxPrice: 5,
      randomInitialSharedVersion: 42,
    }),
  "request::sample_nodes": (tx) => B.buildSampleNodes(tx, { ...base, request: REQ, randomInitialSharedVersion: 42 }),
  "request::commit": (tx) => B.buildCommit(tx, { packageId: PKG, request: REQ, nodeCap: CAP, commitment: b(32) }),
  "request::reveal": (tx) =>
    B.buildReveal(tx, { packageId: PKG, request: REQ, nodeCap: CAP, outputHash: b(32), salt: b(32) }),
  "request::post_output": (tx) => B.buildPostOutput(tx, { packageId: PKG, request: REQ, nodeCap: CAP, output: b(100) }),
  "request::accept_output": (tx) => B.buildAcceptOutput(tx, { packageId: PKG, request: REQ, nodeId: NODE }),
  "settlement::settle_begin": (tx) => B.buildSettle(tx, { ...base, request: REQ, nodes: [ACC, ACC2] }),
  "settlement::settle_node": (tx) => B.buildSettle(tx, { ...base, request: REQ, nodes: [ACC, ACC2] }),
  "settlement::settle_end": (tx) => B.buildSettle(tx, { ...base, request: REQ, nodes: [ACC, ACC2] }),
  "settlement::escalate": (tx) => B.buildEscalate(tx, { ...base, request: REQ, randomInitialSharedVersion: 42 }),
  "fees::sweep_fees": (tx) => B.buildSweepFees(tx, { ...base, request: REQ }),
  "cluster::create_cluster": (tx) =>
    B.buildCreateCluster(tx, { ...base, members: [NODE], commitment: b(32), ackQuorumBps: 6000, recipient: ME }),
  "cluster::start_rotation": (tx) =>
    B.buildStartRotation(tx, {
      packageId: PKG,
      cluster: CLU,
      masterCap: CAP,
      epoch: 1,
      commitment: b(32),
      deadlineMs: 10,
    }),
  "cluster::ack_rotation": (tx) =>
    B.buildAckRotation(tx, {
      packageId: PKG,
      cluster: CLU,
      registry: REG,
      nodeCap: CAP,
      epoch: 1,
      commitment: new Uint8Array(32),
    }),
  "cluster::complete_rotation": (tx) => B.buildCompleteRotation(tx, { packageId: PKG, cluster: CLU, registry: REG }),
  "cluster::abort_rotation": (tx) => B.buildAbortRotation(tx, { packageId: PKG, cluster: CLU }),
  "cluster::migrate": (tx) => B.buildMigrateCluster(tx, { packageId: PKG, cluster: CLU, masterCap: CAP }),
  "node::set_pq_key": (tx) => B.buildSetNodePqKey(tx, { ...base, nodeCap: CAP, mlkemPkHash: b(32, 7) }),
  "cluster::start_rotation_pq": (tx) =>
    B.buildStartRotationPq(tx, {
      packageId: PKG,
      cluster: CLU,
      masterCap: CAP,
      epoch: 1,
      commitment: b(32),
      mlkemPkHash: b(32, 7),
      deadlineMs: 99,
    }),
  "cluster::set_pq_key": (tx) =>
    B.buildSetClusterPqKey(tx, { packageId: PKG, cluster: CLU, masterCap: CAP, mlkemPkHash: b(32, 7) }),
  "cluster::set_rotation_policy": (tx) =>
    B.buildSetRotationPolicy(tx, { packageId: PKG, cluster: CLU, masterCap: CAP, intervalMs: 60_000, maxBytes: 1024 }),
  "cluster::report_sealed_bytes": (tx) =>
    B.buildReportSealedBytes(tx, { packageId: PKG, cluster: CLU, nodeCap: CAP, epoch: 0, bytes: 4096 }),
  "cluster::invite_member": (tx) =>
    B.buildInviteMember(tx, { packageId: PKG, cluster: CLU, registry: REG, masterCap: CAP, nodeId: NODE }),
  "cluster::accept_membership": (tx) => B.buildAcceptMembership(tx, { packageId: PKG, cluster: CLU, nodeCap: CAP }),
  "cluster::remove_member": (tx) =>
    B.buildRemoveMember(tx, { packageId: PKG, cluster: CLU, masterCap: CAP, nodeId: NODE }),
  "cluster::leave_cluster": (tx) => B.buildLeaveCluster(tx, { packageId: PKG, cluster: CLU, nodeCap: CAP }),
};

type Parsed = ReturnType<typeof bcs.TransactionKind.parse>;

async function buildKind(f: (tx: Transaction) => void): Promise<Parsed> {
  const tx = new Transaction();
  f(tx);
  const bytes = await tx.build({ onlyTransactionKind: true });
  return bcs.TransactionKind.parse(bytes);
}

function ptb(k: Parsed) {
  if (!k.ProgrammableTransaction) throw new Error("not a PTB");
  return k.ProgrammableTransaction;
}

function moveCalls(k: Parsed) {
  return ptb(k).commands.flatMap((c) => (c.MoveCall ? [c.MoveCall] : []));
}

/** Input of a MoveCall argument. */
function inputOf(k: Parsed, arg: { Input?: number | null } | undefined) {
  if (arg?.Input === undefined || arg.Input === null) return undefined;
  return ptb(k).inputs[arg.Input];
}

describe("transaction builders (offline)", () => {
  it("create_request: target, argument order and values, mutability, Clock", async () => {
    const k = await buildKind(CALLS["request::create_request"]);
    const [call] = moveCalls(k);
    expect(call?.package).toBe(PKG);
    expect(`${call?.module}::${call?.function}`).toBe("request::create_request");
    expect(call?.arguments).toHaveLength(13);
    const reg = inputOf(k, call?.arguments[0]);
    // read-only: a request writes no global object (issue 13 B)
    expect(reg?.Object?.SharedObject).toEqual({ objectId: REG.objectId, initialSharedVersion: "7", mutable: false });
    expect(inputOf(k, call?.arguments[1])?.Object?.ImmOrOwnedObject?.objectId).toBe(COIN.objectId);
    const pure = (i: number) => fromBase64(inputOf(k, call?.arguments[i])?.Pure?.bytes ?? "");
    expect(bcs.u8().parse(pure(2))).toBe(0);
    expect(bcs.vector(bcs.u8()).parse(pure(4))).toHaveLength(32);
    expect(bcs.vector(bcs.u8()).parse(pure(5))).toHaveLength(10);
    expect(bcs.u64().parse(pure(10))).toBe("5");
    expect(bcs.bool().parse(pure(11))).toBe(false);
    expect(inputOf(k, call?.arguments[12])?.Object?.SharedObject).toEqual({
      objectId: normalizeSuiAddress("0x6"),
      initialSharedVersion: "1",
      mutable: false,
    });
  });

  it("escalate uses Random (0x8) immutably, registry immutably, request mutably", async () => {
    const k = await buildKind(CALLS["settlement::escalate"]);
    const [call] = moveCalls(k);
    const shared = call?.arguments.map((a) => inputOf(k, a)?.Object?.SharedObject);
    expect(shared?.[0]).toEqual({ objectId: REQ.objectId, initialSharedVersion: "9", mutable: true });
    expect(shared?.[1]).toEqual({ objectId: REG.objectId, initialSharedVersion: "7", mutable: false });
    expect(shared?.[2]).toEqual({ objectId: normalizeSuiAddress("0x8"), initialSharedVersion: "42", mutable: false });
  });

  it("settle: settle_begin (registry read-only), one settle_node per account in the order given, settle_end", async () => {
    const k = await buildKind(CALLS["settlement::settle_begin"]);
    const calls = moveCalls(k);
    expect(calls.map((c) => `${c.module}::${c.function}`)).toEqual([
      "settlement::settle_begin",
      "settlement::settle_node",
      "settlement::settle_node",
      "settlement::settle_end",
    ]);
    const begin = calls[0]?.arguments.map((a) => inputOf(k, a)?.Object?.SharedObject);
    expect(begin?.[0]).toEqual({ objectId: REQ.objectId, initialSharedVersion: "9", mutable: true });
    expect(begin?.[1]).toEqual({ objectId: REG.objectId, initialSharedVersion: "7", mutable: false });
    // the hot potato (settle_begin's result) threads through every settle_node into settle_end
    for (const c of calls.slice(1)) expect(c.arguments[0]).toEqual({ $kind: "Result", Result: 0 });
    const accounts = calls.slice(1, 3).map((c) => inputOf(k, c.arguments[1])?.Object?.SharedObject);
    expect(accounts).toEqual([
      { objectId: ACC.objectId, initialSharedVersion: "13", mutable: true },
      { objectId: ACC2.objectId, initialSharedVersion: "14", mutable: true },
    ]);
    expect(inputOf(k, calls[3]?.arguments[1])?.Object?.SharedObject).toEqual({
      objectId: REQ.objectId,
      initialSharedVersion: "9",
      mutable: true,
    });
    // no Registry written on the request path
    const registryMutable = ptb(k).inputs.some(
      (i) => i.Object?.SharedObject?.objectId === REG.objectId && i.Object.SharedObject.mutable,
    );
    expect(registryMutable).toBe(false);
  });

  it("sample_nodes uses Random (0x8) immutably, registry immutably, request mutably", async () => {
    const k = await buildKind(CALLS["request::sample_nodes"]);
    const [call] = moveCalls(k);
    const shared = call?.arguments.map((a) => inputOf(k, a)?.Object?.SharedObject);
    expect(shared?.[0]).toEqual({ objectId: REQ.objectId, initialSharedVersion: "9", mutable: true });
    expect(shared?.[1]).toEqual({ objectId: REG.objectId, initialSharedVersion: "7", mutable: false });
    expect(shared?.[2]).toEqual({ objectId: normalizeSuiAddress("0x8"), initialSharedVersion: "42", mutable: false });
  });

  it("register_node transfers the NodeCap to the recipient; stake split from gas works", async () => {
    const k = await buildKind(CALLS["node::register_node"]);
    const cmds = ptb(k).commands;
    expect(cmds.map((c) => c.$kind)).toEqual(["MoveCall", "TransferObjects"]);
    const t = cmds[1]?.TransferObjects;
    expect(t?.objects[0]).toEqual({ $kind: "Result", Result: 0 });
    const addr = inputOf(k, t?.address);
    expect(bcs.Address.parse(fromBase64(addr?.Pure?.bytes ?? ""))).toBe(ME);

    const k2 = await buildKind(CALLS["node::add_stake"]);
    expect(ptb(k2).commands.map((c) => c.$kind)).toEqual(["SplitCoins", "MoveCall"]);
    expect(ptb(k2).commands[0]?.SplitCoins?.coin.$kind).toBe("GasCoin");
  });

  it("rejects bad input naming the field", () => {
    const tx = new Transaction();
    expect(() => B.buildCommit(tx, { packageId: PKG, request: REQ, nodeCap: CAP, commitment: b(31) })).toThrow(
      /commitment: must be 32 bytes/,
    );
    expect(() => B.buildSetPrice(tx, { ...base, nodeCap: CAP, price: -1 })).toThrow(InvalidInputError);
    expect(() => B.buildJail(tx, { ...base, nodeId: "nope" })).toThrow(/nodeId/);
    expect(() =>
      B.buildRegisterNode(tx, { ...base, stake: COIN, sigPk: b(32), encPk: b(32), capabilities: [b(1)], price: 1 }),
    ).toThrow(/recipient/);
  });

  it("buildNodeCalls: a mixed PTB is byte for byte the same calls appended by the single builders", async () => {
    const REQ2 = { objectId: normalizeSuiAddress("0x1004"), initialSharedVersion: 10 };
    const SETTLE = { nodes: [ACC, ACC2], output: b(5, 9), outputHash: b(32, 8) };
    const bytesOf = async (f: (tx: Transaction) => void) => {
      const tx = new Transaction();
      f(tx);
      return tx.build({ onlyTransactionKind: true });
    };
    const mixed = await bytesOf((tx) =>
      B.buildNodeCalls(tx, base, [
        { kind: "commit", request: REQ, nodeCap: CAP, commitment: b(32, 2) },
        { kind: "reveal", request: REQ2, nodeCap: CAP, revealed: b(32, 3), salt: b(32, 4) },
        { kind: "revealAndSettle", request: REQ, nodeCap: CAP, revealed: b(32, 5), salt: b(32, 6), ...SETTLE },
        { kind: "revealAndSettle", request: REQ2, nodeCap: CAP, revealed: b(32, 7), salt: b(32, 6), nodes: [ACC] },
      ]),
    );
    const single = await bytesOf((tx) => {
      B.buildCommit(tx, { packageId: PKG, request: REQ, nodeCap: CAP, commitment: b(32, 2) });
      B.buildReveal(tx, { packageId: PKG, request: REQ2, nodeCap: CAP, outputHash: b(32, 3), salt: b(32, 4) });
      B.buildReveal(tx, { packageId: PKG, request: REQ, nodeCap: CAP, outputHash: b(32, 5), salt: b(32, 6) });
      B.buildSettle(tx, { ...base, request: REQ, nodes: SETTLE.nodes });
      B.buildPostOutput(tx, {
        packageId: PKG,
        request: REQ,
        nodeCap: CAP,
        output: SETTLE.output,
        outputHash: SETTLE.outputHash,
      });
      B.buildReveal(tx, { packageId: PKG, request: REQ2, nodeCap: CAP, outputHash: b(32, 7), salt: b(32, 6) });
      B.buildSettle(tx, { ...base, request: REQ2, nodes: [ACC] });
    });
    expect(mixed).toEqual(single);
    expect(moveCalls(bcs.TransactionKind.parse(mixed)).map((c) => c.function)).toEqual([
      "commit",
      "reveal",
      "reveal",
      "settle_begin",
      "settle_node",
      "settle_node",
      "settle_end",
      "post_output",
      "reveal",
      "settle_begin",
      "settle_node",
      "settle_end",
    ]);
    // A lone commit through buildNodeCalls is the bytes buildCommit alone gives.
    const one = bytesOf;
    expect(
      await one((tx) =>
        B.buildNodeCalls(tx, base, [{ kind: "commit", request: REQ, nodeCap: CAP, commitment: b(32) }]),
      ),
    ).toEqual(await one((tx) => B.buildCommit(tx, { packageId: PKG, request: REQ, nodeCap: CAP, commitment: b(32) })));
    expect(() => B.buildNodeCalls(new Transaction(), base, [])).toThrow(/calls: must list at least one call/);
  });

  it("works online with plain ids (unresolved until built with a client)", () => {
    const tx = new Transaction();
    B.buildSettle(tx, { packageId: PKG, registry: REG.objectId, request: REQ.objectId, nodes: [NODE] });
    const data = tx.getData();
    expect(data.inputs.map((i) => i.$kind)).toEqual([
      "UnresolvedObject",
      "UnresolvedObject",
      "Object",
      "UnresolvedObject",
    ]);
  });
});

describe("builders against the compiled package", () => {
  let fns: Map<string, FunctionSig>;
  beforeAll(async () => {
    fns = readFunctions((await loadBuiltPackage("atoma")).modules);
  }, 300_000);

  it("every builder matches its Move signature: arity, shared-object mutability, Clock/Random", async () => {
    for (const [name, call] of Object.entries(CALLS)) {
      const sig = fns.get(name);
      expect(sig, `${name} not in the package`).toBeDefined();
      if (!sig) continue;
      const k = await buildKind(call);
      const mc = moveCalls(k).find((c) => `${c.module}::${c.function}` === name);
      expect(mc, name).toBeDefined();
      const params = sig.params.filter((p) => p.type !== "0x2::tx_context::TxContext");
      expect(mc?.arguments.length, `${name} arity`).toBe(params.length);
      params.forEach((p, i) => {
        const input = inputOf(k, mc?.arguments[i]);
        const so = input?.Object?.SharedObject;
        if (p.type === "0x2::clock::Clock")
          expect(so?.objectId, `${name} arg ${i} Clock`).toBe(normalizeSuiAddress("0x6"));
        if (p.type === "0x2::random::Random")
          expect(so?.objectId, `${name} arg ${i} Random`).toBe(normalizeSuiAddress("0x8"));
        if (so) expect(so.mutable, `${name} arg ${i} (${p.type}) mutability`).toBe(p.ref === "mut");
        if (input?.Pure) expect(p.ref, `${name} arg ${i} pure`).toBe("none");
      });
    }
  });

  it("Nitro: one PTB, Sui's load_nitro_attestation (document, Clock) feeding record_nitro_attestation", async () => {
    const k = await buildKind(CALLS["nitro_enclave::record_nitro_attestation"]);
    const [load, record] = moveCalls(k);
    expect(`${load?.package}::${load?.module}::${load?.function}`).toBe(
      `${normalizeSuiAddress("0x2")}::nitro_attestation::load_nitro_attestation`,
    );
    expect(bcs.vector(bcs.u8()).parse(fromBase64(inputOf(k, load?.arguments[0])?.Pure?.bytes ?? ""))).toHaveLength(
      3000,
    );
    expect(record?.arguments[2]).toEqual({ $kind: "Result", Result: 0 });
    const tx = new Transaction();
    const doc = (document: Uint8Array) => () => B.buildRecordNitroAttestation(tx, { ...base, nodeCap: CAP, document });
    expect(doc(new Uint8Array())).toThrow(/document: must be 1\.\.16384 bytes/);
    expect(doc(b(16_385))).toThrow(InvalidInputError);
    const [p0, p1, p2] = [b(48, 1), b(48, 2), b(48, 3)];
    expect(B.nitroMeasurement(p0, p1, p2)).toHaveLength(32);
    expect(B.nitroMeasurement(p0, p1, p2)).not.toEqual(B.nitroMeasurement(p0, p2, p1));
    expect(() => B.nitroMeasurement(p0, p1, b(47))).toThrow(/pcr2/);
  });

  it("TDX builders refuse a bad root key and a Revoked policy, naming the field", () => {
    const tx = new Transaction();
    const root = (rootKey: Uint8Array) => () => B.buildSetTdxRoot(tx, { ...base, adminCap: ADMIN, rootKey });
    expect(root(b(32, 2))).toThrow(/rootKey.*33 bytes/);
    expect(root(b(33, 4))).toThrow(/rootKey.*compressed/);
    const policy = () =>
      B.buildSetTdxPolicy(tx, { ...base, adminCap: ADMIN, allowedTcbStatuses: [0, B.TcbStatus.Revoked], graceMs: 1 });
    expect(policy).toThrow(InvalidInputError);
    expect(policy).toThrow(/allowedTcbStatuses/);
  });

  it("every state-changing public/entry function has a builder", () => {
    const missing = [...fns.values()]
      .filter((f) => (f.isEntry || f.visibility === "Public") && !f.name.endsWith("_for_testing"))
      .filter((f) => f.isEntry || f.params.some((p) => p.ref === "mut"))
      .map((f) => `${f.module}::${f.name}`)
      .filter((n) => !(B.ATOMA_TX_TARGETS as readonly string[]).includes(n));
    expect(missing).toEqual([]);
  });
});
