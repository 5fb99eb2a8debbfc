/**
 * Cost of one AWS Nitro attestation verified on chain (one PTB: Sui's
 * `nitro_attestation::load_nitro_attestation` native — COSE_Sign1 ES384 signature, P-384 chain
 * to the root — then `nitro_enclave::record_nitro_attestation`: PCRs, binding, freshness) on the
 * devnet's gas meter, against the peer measured in the same run: one verifier-signed
 * `record_attestation` (a single Ed25519 check). Documents under a self-made P-384 test root
 * (test/fixtures/nitro-evidence.ts) accepted by a devnet started with that test root. Target
 * (ours): at most 3× the verdict's computation units. On Sui the native's cost is set by the
 * protocol's nitro cost table (parse per byte, verify per certificate), not by this meter.
 *
 *   tsx devnet/bench/nitro-attestation.bench.ts
 */
import {
  type AtomaClient,
  buildAddVerifier,
  buildAllowMeasurement,
  buildRecordAttestation,
  buildRecordNitroAttestation,
  signVerdict,
  TeeKind,
} from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { makeNitroEvidence } from "../../test/fixtures/nitro-evidence.js";
import { funded, startAtomaDevnet } from "../test/atoma/harness.js";

const SUI = 1_000_000_000n;
const NOW = BigInt(Date.parse("2024-09-07T14:38:00Z"));
const TARGET_RATIO = 3;
const rootDer = makeNitroEvidence({ sigPk: new Uint8Array(32), encPk: new Uint8Array(32), timestampMs: 0n }).rootDer;

const env = await startAtomaDevnet("bench-nitro", { nitroTestRoots: [rootDer] });
env.d.clock.set(NOW);
const atoma: AtomaClient = env.atoma;
const admin = {
  packageId: env.deployed.packageId,
  registry: { objectId: env.deployed.registryId, initialSharedVersion: env.deployed.registryInitialSharedVersion },
  adminCap: env.deployed.adminCapId,
};
const gasPrice = BigInt(await env.sui.getReferenceGasPrice());

/** Executes with an explicit budget (no dry run): computation units and instructions of this execution. */
async function run(kp: Ed25519Keypair, build: (tx: Transaction) => void) {
  const tx = new Transaction();
  tx.setSender(kp.toSuiAddress());
  tx.setGasBudget(5_000_000_000n);
  build(tx);
  const before = env.d.runtime.vmStats.instructions;
  const r = await atoma.execute(tx, kp);
  return {
    units: Number(BigInt(r.effects.gasUsed.computationCost) / gasPrice),
    instructions: env.d.runtime.vmStats.instructions - before,
  };
}

const nodes = [];
for (let i = 0; i < 2; i++) {
  const kp = await funded(env.d.url);
  const sigPk = kp.getPublicKey().toRawBytes();
  const encPk = blake2b(new TextEncoder().encode(`bench-enc:${i}`), { dkLen: 32 });
  const res = await atoma.registerNode(kp, { stake: 200n * SUI, sigPk, encPk, capabilities: ["llama"], price: SUI });
  nodes.push({
    kp,
    nodeId: res.nodeId,
    sigPk,
    encPk,
    ev: makeNitroEvidence({ sigPk, encPk, timestampMs: NOW - 1_000n }),
  });
}
const [n0, n1] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
await run(env.admin, (tx) =>
  buildAllowMeasurement(tx, { ...admin, teeKind: TeeKind.Nitro, measurement: n0.ev.measurement }),
);
const nitro = await run(n0.kp, (tx) =>
  buildRecordNitroAttestation(tx, {
    packageId: admin.packageId,
    registry: admin.registry,
    nodeCap: n0.nodeId,
    document: n0.ev.document,
  }),
);
const verifierSk = ed25519.utils.randomSecretKey();
const verifierPk = ed25519.getPublicKey(verifierSk);
await run(env.admin, (tx) => buildAddVerifier(tx, { ...admin, verifierPk }));
const v = {
  nodeId: n1.nodeId,
  teeKind: TeeKind.Nitro,
  measurement: n1.ev.measurement,
  reportDataHash: blake2b(Uint8Array.from([...n1.sigPk, ...n1.encPk]), { dkLen: 32 }),
  evidenceHash: blake2b(n1.ev.document, { dkLen: 32 }),
  issuedMs: NOW,
  expiresMs: NOW + 3_600_000n,
};
const verdict = await run(n1.kp, (tx) =>
  buildRecordAttestation(tx, {
    packageId: admin.packageId,
    registry: admin.registry,
    nodeCap: n1.nodeId,
    ...v,
    verifierPk,
    signature: signVerdict(v, verifierSk),
  }),
);
await env.d.close();

const ratio = +(nitro.units / verdict.units).toFixed(2);
console.log(
  `load_nitro_attestation + record_nitro_attestation (${n0.ev.document.length}-byte document): ${nitro.units} computation units, ${nitro.instructions} instructions\n` +
    `record_attestation (verdict, peer): ${verdict.units} units, ${verdict.instructions} instructions\n` +
    `instructions ratio ${(nitro.instructions / verdict.instructions).toFixed(2)}x`,
);
console.log(
  JSON.stringify({
    bench: "nitro-attestation",
    figure: "computation units of one on-chain Nitro attestation",
    value: nitro.units,
    unit: "units",
    peer: "record_attestation with a verifier verdict",
    peerValue: verdict.units,
    ratio,
    target: `<= ${TARGET_RATIO}x peer`,
    met: ratio <= TARGET_RATIO,
  }),
);
