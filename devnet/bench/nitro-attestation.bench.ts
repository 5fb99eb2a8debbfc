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
import { buildAllowMeasurement, buildRecordNitroAttestation, TeeKind } from "@atoma/sdk";
import { makeNitroEvidence } from "../../test/fixtures/nitro-evidence.js";
import { startAttestationBench } from "./attestation-cost.js";

const NOW = BigInt(Date.parse("2024-09-07T14:38:00Z"));
const TARGET_RATIO = 3;
const rootDer = makeNitroEvidence({ sigPk: new Uint8Array(32), encPk: new Uint8Array(32), timestampMs: 0n }).rootDer;

const { env, admin, nodes, run, verdictPeer } = await startAttestationBench({
  seed: "bench-nitro",
  nowMs: NOW,
  devnet: { nitroTestRoots: [rootDer] },
  evidence: (keys) => makeNitroEvidence({ ...keys, timestampMs: NOW - 1_000n }),
});
const [n0, n1] = nodes;
await run(env.admin, (tx) =>
  buildAllowMeasurement(tx, { ...admin, teeKind: TeeKind.Nitro, measurement: n0.ev.measurement }),
);
const nitro = await run(n0.kp, (tx) =>
  buildRecordNitroAttestation(tx, {
    packageId: admin.packageId,
    registry: admin.registry,
    nodeCap: n0.nodeCap,
    document: n0.ev.document,
  }),
);
const verdict = await verdictPeer(n1, {
  teeKind: TeeKind.Nitro,
  measurement: n1.ev.measurement,
  evidence: n1.ev.document,
});
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
