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
import { buildAllowMeasurement, buildRecordTdxAttestation, buildSetTdxRoot, TeeKind } from "@atoma/sdk";
import { makeTdxEvidence } from "../../test/fixtures/tdx-evidence.js";
import { startAttestationBench } from "./attestation-cost.js";

const NOW = BigInt(Date.parse("2024-06-15T00:00:00Z"));
const TARGET_RATIO = 10;

const { env, atoma, admin, nodes, run, verdictPeer } = await startAttestationBench({
  seed: "bench-tdx",
  nowMs: NOW,
  evidence: (keys) => makeTdxEvidence(keys),
});
const [n0, n1] = nodes;
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
    nodeCap: n0.nodeCap,
    collateral: col.collateralId,
    quote: n0.ev.quote,
  }),
);
const verdict = await verdictPeer(n1, { teeKind: TeeKind.Tdx, measurement: n1.ev.mrtd, evidence: n1.ev.quote });
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
