/**
 * The package's view functions through `devInspectTransactionBlock`: every getter's return value
 * (BCS) equals the same field read from the object BCS with the SDK schemas.
 */
import {
  buildAddVerifier,
  buildAllowMeasurement,
  buildCreateCluster,
  hashOutput,
  schemas,
  signVerdict,
  TeeKind,
} from "@atoma/sdk";
import { bcs } from "@mysten/sui/bcs";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction, type TransactionArgument } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminArgs, type Env, execAs, funded, SUI, startAtomaDevnet } from "./harness.js";

const enc = new TextEncoder();
const bytes = bcs.vector(bcs.u8());

describe("atoma view functions via devInspect", () => {
  let env: Env;
  let op: Ed25519Keypair;
  let nodeId = "";
  let nodeCap = "";
  let requestId = "";
  let clusterId = "";
  let masterCap = "";
  const mrtd = enc.encode("mrtd-views");

  beforeAll(async () => {
    env = await startAtomaDevnet("views");
    const { deployed } = env;
    const base = {
      packageId: deployed.packageId,
      registry: { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion },
    };
    const admin = adminArgs(env);
    const exec = (kp: Ed25519Keypair, build: (tx: Transaction) => void) => execAs(env, kp, build);
    const vsk = ed25519.utils.randomSecretKey();
    const vpk = ed25519.getPublicKey(vsk);
    await exec(env.admin, (tx) => buildAddVerifier(tx, { ...admin, verifierPk: vpk }));
    await exec(env.admin, (tx) => buildAllowMeasurement(tx, { ...admin, teeKind: TeeKind.Tdx, measurement: mrtd }));
    op = await funded(env.d.url);
    const sigPk = op.getPublicKey().toRawBytes();
    const encPk = new Uint8Array(32).fill(9);
    const registered = await env.atoma.registerNode(op, {
      stake: 150n * SUI,
      sigPk,
      encPk,
      capabilities: ["llama", "wasm"],
      price: SUI,
    });
    nodeId = registered.nodeId;
    nodeCap = registered.nodeCapId;
    const v = {
      nodeId,
      teeKind: TeeKind.Tdx,
      measurement: mrtd,
      reportDataHash: blake2b(new Uint8Array([...sigPk, ...encPk]), { dkLen: 32 }),
      evidenceHash: new Uint8Array(32).fill(3),
      issuedMs: env.d.clock.now(),
      expiresMs: env.d.clock.now() + 3_600_000n,
    };
    await env.atoma.recordAttestation(op, { nodeCap, ...v, verifierPk: vpk, signature: signVerdict(v, vsk) });
    const requester = await funded(env.d.url);
    const created = await env.atoma.createRequest(requester, {
      kind: 0,
      capability: "llama",
      input: enc.encode("q"),
      sampleSize: 1,
      maxPrice: 2n * SUI,
    });
    requestId = created.requestId;
    const outputHash = hashOutput(enc.encode("a"));
    const { salt } = await env.atoma.commit(op, { requestId, nodeCap, nodeId, outputHash, round: 0 });
    await env.atoma.reveal(op, { requestId, nodeCap, outputHash, round: 0, salt });
    await env.atoma.settle(requester, requestId);
    await env.atoma.postOutput(op, { requestId, nodeCap, output: enc.encode("a") });
    const cc = await exec(op, (tx) =>
      buildCreateCluster(tx, {
        ...base,
        members: [nodeId],
        commitment: new Uint8Array(32).fill(5),
        ackQuorumBps: 10_000n,
      }),
    );
    clusterId = cc.created.find((c) => c.type?.endsWith("::cluster::Cluster"))!.objectId;
    masterCap = cc.created.find((c) => c.type?.endsWith("::cluster::MasterCap"))!.objectId;
    await env.atoma.acceptMembership(op, { clusterId, nodeCap });
  });
  afterAll(async () => {
    await env?.d.close();
  });

  /** Calls `module::fn(args)` in a devInspect and returns the first return value's BCS bytes. */
  async function view(fn: string, args: (tx: Transaction) => TransactionArgument[]): Promise<Uint8Array> {
    const tx = new Transaction();
    tx.moveCall({ target: `${env.deployed.packageId}::${fn}`, arguments: args(tx) });
    const r = await env.sui.devInspectTransactionBlock({ sender: op.toSuiAddress(), transactionBlock: tx });
    expect(r.effects.status, fn).toEqual({ status: "success" });
    return Uint8Array.from(r.results!.at(-1)!.returnValues![0]![0]);
  }
  const ser = (t: { serialize(v: never): { toBytes(): Uint8Array } }, v: unknown) => t.serialize(v as never).toBytes();

  it("registry, node and attestation getters match the Registry and the node's dynamic field", async () => {
    const reg = await env.atoma.getRegistry();
    const node = await env.atoma.getNode(nodeId);
    const R = (tx: Transaction) => [tx.object(env.deployed.registryId)];
    const RN = (tx: Transaction) => [tx.object(env.deployed.registryId), tx.pure.id(nodeId)];
    const A = (tx: Transaction) => [tx.object(nodeId)];
    const cases: [string, (tx: Transaction) => TransactionArgument[], Uint8Array][] = [
      ["registry::version", R, ser(bcs.u64(), reg.version)],
      ["registry::params", R, ser(schemas.Params, reg.params)],
      ["registry::is_paused", R, ser(bcs.bool(), reg.paused)],
      ["registry::treasury_value", R, ser(bcs.u64(), reg.treasury.value)],
      ["registry::node_count", R, ser(bcs.u64(), reg.node_count)],
      ["registry::verifiers", R, ser(bcs.vector(bytes), reg.verifiers)],
      ["registry::has_node", RN, ser(bcs.bool(), true)],
      ["registry::is_verifier", (tx) => [...R(tx), tx.pure.vector("u8", reg.verifiers[0]!)], ser(bcs.bool(), true)],
      [
        "registry::is_measurement_allowed",
        (tx) => [...R(tx), tx.pure.u8(TeeKind.Tdx), tx.pure.vector("u8", mrtd)],
        ser(bcs.bool(), true),
      ],
      [
        "registry::eligible_nodes",
        (tx) => [...R(tx), tx.pure.vector("u8", enc.encode("wasm"))],
        ser(bcs.vector(bcs.Address), [nodeId]),
      ],
      ["registry::node_operator", RN, ser(bcs.Address, node.operator)],
      ["registry::node_weight", RN, ser(bcs.u64(), node.weight)],
      // the node's shared account (its id is the node id): stake, unbonding, reputation, counters
      ["node_account::node_id", A, ser(bcs.Address, nodeId)],
      ["node_account::operator", A, ser(bcs.Address, node.operator)],
      ["node_account::stake", A, ser(bcs.u64(), node.stake.value)],
      ["node_account::unbonding", A, ser(bcs.u64(), node.unbonding.value)],
      ["node_account::unbonding_until_ms", A, ser(bcs.u64(), node.unbonding_until_ms)],
      ["node_account::reputation", A, ser(bcs.u64(), node.reputation)],
      ["node_account::served", A, ser(bcs.u64(), node.served)],
      ["node_account::slashed", A, ser(bcs.u64(), node.slashed)],
      ["registry::node_sig_pk", RN, ser(bytes, node.sig_pk)],
      ["registry::node_enc_pk", RN, ser(bytes, node.enc_pk)],
      ["registry::node_capabilities", RN, ser(bcs.vector(bytes), node.capabilities)],
      ["registry::node_price", RN, ser(bcs.u64(), node.price)],
      ["registry::node_status", RN, ser(bcs.u8(), node.status)],
      ["registry::node_attestation", RN, ser(bcs.option(schemas.Attestation), node.attestation)],
      ["registry::is_attested", (tx) => [...RN(tx), tx.pure.u64(env.d.clock.now())], ser(bcs.bool(), true)],
      ["node::node_id", (tx) => [tx.object(nodeCap)], ser(bcs.Address, nodeId)],
      [
        "config::min_stake",
        (tx) => [tx.moveCall({ target: `${env.deployed.packageId}::config::defaults` })],
        ser(bcs.u64(), reg.params.min_stake),
      ],
      ["config::defaults", () => [], ser(schemas.Params, reg.params)],
      ["protocol_version::current", () => [], ser(bcs.u64(), 1n)],
    ];
    for (const [fn, args, want] of cases) expect(await view(fn, args), fn).toEqual(want);
    // A missing node aborts with registry::EUnknownNode (clever code from the bytecode).
    const tx = new Transaction();
    tx.moveCall({
      target: `${env.deployed.packageId}::registry::node_price`,
      arguments: [tx.object(env.deployed.registryId), tx.pure.id(`0x${"ab".repeat(32)}`)],
    });
    const r = await env.sui.devInspectTransactionBlock({ sender: op.toSuiAddress(), transactionBlock: tx });
    expect(r.effects.status.status).toBe("failure");
    expect(r.effects.status.error).toContain("registry");
  });

  it("request getters match the Request object", async () => {
    const q = await env.atoma.getRequest(requestId);
    const Q = (tx: Transaction) => [tx.object(requestId)];
    const u64s = [
      "version",
      "max_tokens",
      "fuel",
      "sample_size",
      "quorum_bps",
      "max_price",
      "created_ms",
      "sample_deadline_ms",
      "commit_deadline_ms",
      "reveal_deadline_ms",
      "dispute_deadline_ms",
      "settled_ms",
    ] as const;
    for (const f of u64s) expect(await view(`request::${f}`, Q), f).toEqual(ser(bcs.u64(), q[f]));
    const cases: [string, (tx: Transaction) => TransactionArgument[], Uint8Array][] = [
      ["request::id", Q, ser(bcs.Address, requestId)],
      ["request::status", Q, ser(bcs.u8(), q.status)],
      ["request::is_settled", Q, ser(bcs.bool(), true)],
      ["request::is_failed", Q, ser(bcs.bool(), false)],
      ["request::agreed_output_hash", Q, ser(bcs.option(bytes), q.agreed_output_hash)],
      ["request::agreed_blinded_hash", Q, ser(bcs.option(bytes), q.agreed_blinded_hash)],
      ["request::output", Q, ser(bytes, q.output)],
      ["request::output_node", Q, ser(bcs.option(bcs.Address), q.output_node)],
      ["request::requester", Q, ser(bcs.Address, q.requester)],
      ["request::kind", Q, ser(bcs.u8(), q.kind)],
      ["request::capability", Q, ser(bytes, q.capability)],
      ["request::input_hash", Q, ser(bytes, q.input_hash)],
      ["request::input", Q, ser(bytes, q.input)],
      ["request::confidential", Q, ser(bcs.bool(), q.confidential)],
      ["request::round", Q, ser(bcs.u8(), q.round)],
      ["request::escrow_value", Q, ser(bcs.u64(), q.escrow.value)],
      ["request::sampled_nodes", (tx) => [...Q(tx), tx.pure.u8(0)], ser(bcs.vector(bcs.Address), [nodeId])],
      ["request::status_settled", () => [], ser(bcs.u8(), 3)],
      ["request::status_failed", () => [], ser(bcs.u8(), 5)],
      [
        "request::escrow_for",
        (tx) => [tx.pure.u64(3), tx.pure.u64(2n * SUI), tx.pure.u64(500)],
        ser(bcs.u64(), 6_300_000_000n),
      ],
      [
        "request::commitment_of",
        (tx) => [tx.pure.vector("u8", new Uint8Array(32)), tx.pure.id(nodeId), tx.pure.vector("u8", [1, 2])],
        ser(
          bytes,
          blake2b(new Uint8Array([...new Uint8Array(32), ...bcs.Address.serialize(nodeId).toBytes(), 1, 2]), {
            dkLen: 32,
          }),
        ),
      ],
    ];
    for (const [fn, args, want] of cases) expect(await view(fn, args), fn).toEqual(want);
  });

  it("cluster and attestation helpers", async () => {
    const c = await env.atoma.getCluster(clusterId);
    const C = (tx: Transaction) => [tx.object(clusterId)];
    const cases: [string, (tx: Transaction) => TransactionArgument[], Uint8Array][] = [
      ["cluster::members", C, ser(bcs.vector(bcs.Address), c.members)],
      ["cluster::invited", C, ser(bcs.vector(bcs.Address), c.invited)],
      ["cluster::is_member", (tx) => [...C(tx), tx.pure.id(nodeId)], ser(bcs.bool(), true)],
      ["cluster::is_invited", (tx) => [...C(tx), tx.pure.id(nodeId)], ser(bcs.bool(), false)],
      ["cluster::epoch", C, ser(bcs.u64(), c.epoch)],
      ["cluster::commitment", C, ser(bytes, c.commitment)],
      ["cluster::previous_commitment", C, ser(bytes, c.previous_commitment)],
      ["cluster::previous_valid_until_ms", C, ser(bcs.u64(), c.previous_valid_until_ms)],
      ["cluster::has_pending", C, ser(bcs.bool(), false)],
      ["cluster::pending_acks", C, ser(bcs.u64(), 0n)],
      ["cluster::ack_quorum", C, ser(bcs.u64(), 1n)],
      ["cluster::cap_cluster_id", (tx) => [tx.object(masterCap)], ser(bcs.Address, clusterId)],
      [
        "cluster::is_valid_commitment",
        (tx) => [...C(tx), tx.pure.vector("u8", c.commitment), tx.pure.u64(0)],
        ser(bcs.bool(), true),
      ],
      [
        "attestation::verifier_address",
        (tx) => [tx.pure.vector("u8", op.getPublicKey().toRawBytes())],
        ser(bcs.Address, op.toSuiAddress()),
      ],
    ];
    for (const [fn, args, want] of cases) expect(await view(fn, args), fn).toEqual(want);
  });
});
