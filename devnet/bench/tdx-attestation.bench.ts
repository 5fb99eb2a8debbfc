/**
 * Cost of one Intel TDX attestation verified by the contract itself (`record_tdx_attestation`:
 * quote, PCK chain to the pinned root, collateral, TCB status, binding) on the devnet's gas
 * meter, against the peer measured in the same run: one verifier-signed `record_attestation`
 * (a single Ed25519 check). Evidence under a self-made test root (test/fixtures/tdx-evidence.ts).
 * Target (ours, not the issue's): at most 10× the verdict's computation units — an attestation
 * is recorded once per validity period per node. Automata's EVM verifier spends 4–5 M EVM gas
 * per quote; different units, see docs/attestation.md.
 *
 *   tsx devnet/bench/tdx-attestation.bench.ts
 */
import {
  type AtomaClient,
  buildAddVerifier,
  buildAllowMeasurement,
  buildRecordAttestation,
  buildRecordTdxAttestation,
  buildSetTdxRoot,
  signVerdict,
  TeeKind,
} from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { makeTdxEvidence } from "../../test/fixtures/tdx-evidence.js";
import { funded, startAtomaDevnet } from "../test/atoma/harness.js";

const SUI = 1_000_000_000n;
const NOW = BigInt(Date.parse("2024-06-15T00:00:00Z"));
const TARGET_RATIO = 10;

const env = await startAtomaDevnet("bench-tdx");
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
  nodes.push({ kp, nodeId: res.nodeId, sigPk, encPk, ev: makeTdxEvidence({ sigPk, encPk }) });
}
const [n0, n1] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
await run(env.admin, (tx) => {
  buildSetTdxRoot(tx, { ...admin, rootKey: n0.ev.rootKey });
  buildAllowMeasurement(tx, { ...admin, teeKind: TeeKind.Tdx, measurement: n0.ev.mrtd });
});
const col = await atoma.recordTdxCollateral(n0.kp, {
  tcbInfo: n0.ev.tcbInfoResponse,
  qeIdentity: n0.ev.qeIdentityResponse,
  signerDer: n0.ev.signerDer,
});
const tdx = await run(n0.kp, (tx) =>
  buildRecordTdxAttestation(tx, {
    packageId: admin.packageId,
    registry: admin.registry,
    nodeCap: n0.nodeId,
    collateral: col.collateralId,
    quote: n0.ev.quote,
  }),
);
const verifierSk = ed25519.utils.randomSecretKey();
const verifierPk = ed25519.getPublicKey(verifierSk);
await run(env.admin, (tx) => buildAddVerifier(tx, { ...admin, verifierPk }));
const v = {
  nodeId: n1.nodeId,
  teeKind: TeeKind.Tdx,
  measurement: n1.ev.mrtd,
  reportDataHash: blake2b(Uint8Array.from([...n1.sigPk, ...n1.encPk]), { dkLen: 32 }),
  evidenceHash: blake2b(n1.ev.quote, { dkLen: 32 }),
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

const ratio = +(tdx.units / verdict.units).toFixed(2);
console.log(
  `record_tdx_attestation: ${tdx.units} computation units, ${tdx.instructions} instructions\n` +
    `record_attestation (verdict, peer): ${verdict.units} units, ${verdict.instructions} instructions\n` +
    `instructions ratio ${(tdx.instructions / verdict.instructions).toFixed(1)}x`,
);
console.log(
  JSON.stringify({
    bench: "tdx-attestation",
    figure: "computation units of one on-chain TDX attestation",
    value: tdx.units,
    unit: "units",
    peer: "record_attestation with a verifier verdict",
    peerValue: verdict.units,
    ratio,
    target: `<= ${TARGET_RATIO}x peer`,
    met: ratio <= TARGET_RATIO,
  }),
);
