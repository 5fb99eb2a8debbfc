/**
 * Shared setup of the attestation cost benches (tdx-attestation, nitro-attestation): a devnet
 * with atoma published, two registered nodes with evidence binding their keys, an executor that
 * reports computation units and Move instructions of one execution, and the same-run peer — one
 * verifier-signed `record_attestation` for the second node.
 */
import { type AtomaClient, buildRecordAttestation, type TeeKind } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import type { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import type { DevnetOptions } from "../src/index.js";
import {
  adminArgs,
  allowListedVerdict,
  type Env,
  execMetered,
  funded,
  startAtomaDevnet,
} from "../test/atoma/harness.js";

const SUI = 1_000_000_000n;

export interface Cost {
  units: number;
  instructions: number;
}

export interface BenchNode<Ev> {
  kp: Ed25519Keypair;
  nodeId: string;
  nodeCap: string;
  sigPk: Uint8Array;
  encPk: Uint8Array;
  ev: Ev;
}

export interface AttestationBench<Ev> {
  env: Env;
  atoma: AtomaClient;
  admin: {
    packageId: string;
    registry: { objectId: string; initialSharedVersion: string | number };
    adminCap: string;
  };
  nodes: [BenchNode<Ev>, BenchNode<Ev>];
  /** Executes with an explicit budget (no dry run): units and instructions of this execution. */
  run(kp: Ed25519Keypair, build: (tx: Transaction) => void): Promise<Cost>;
  /** The peer: `node`'s attestation recorded from a verifier-signed verdict. */
  verdictPeer(
    node: BenchNode<Ev>,
    v: { teeKind: TeeKind; measurement: Uint8Array; evidence: Uint8Array },
  ): Promise<Cost>;
}

export async function startAttestationBench<Ev>(o: {
  seed: string;
  nowMs: bigint;
  devnet?: DevnetOptions;
  evidence: (keys: { sigPk: Uint8Array; encPk: Uint8Array }) => Ev;
}): Promise<AttestationBench<Ev>> {
  const env = await startAtomaDevnet(o.seed, o.devnet ?? {});
  env.d.clock.set(o.nowMs);
  const atoma: AtomaClient = env.atoma;
  const admin = adminArgs(env);
  const gasPrice = BigInt(await env.sui.getReferenceGasPrice());
  const run = async (kp: Ed25519Keypair, build: (tx: Transaction) => void): Promise<Cost> => {
    const { cost } = await execMetered(env, kp, build);
    return { units: Number(cost.computation / gasPrice), instructions: Number(cost.instructions) };
  };
  const nodes: BenchNode<Ev>[] = [];
  for (let i = 0; i < 2; i++) {
    const kp = await funded(env.d.url);
    const sigPk = kp.getPublicKey().toRawBytes();
    const encPk = blake2b(new TextEncoder().encode(`bench-enc:${i}`), { dkLen: 32 });
    const res = await atoma.registerNode(kp, { stake: 200n * SUI, sigPk, encPk, capabilities: ["llama"], price: SUI });
    nodes.push({ kp, nodeId: res.nodeId, nodeCap: res.nodeCapId, sigPk, encPk, ev: o.evidence({ sigPk, encPk }) });
  }
  const verdictPeer: AttestationBench<Ev>["verdictPeer"] = async (node, e) => {
    const verdict = await allowListedVerdict(env, node, { ...e, nowMs: o.nowMs });
    return run(node.kp, (tx) => buildRecordAttestation(tx, { ...admin, nodeCap: node.nodeCap, ...verdict }));
  };
  return { env, atoma, admin, nodes: nodes as [BenchNode<Ev>, BenchNode<Ev>], run, verdictPeer };
}
