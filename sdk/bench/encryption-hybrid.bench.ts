/**
 * Post-quantum cost of the hybrid KEM: sealing to 10 attested nodes and opening as one, with
 * X25519 + ML-KEM-768 (envelope v2, X-Wing combiner) against X25519 alone (the peer, measured in
 * the same run), for 1 KiB and 1 MiB payloads. Target: the post-quantum part adds < 1 ms per
 * recipient (seal: (hybrid − X25519) / 10; open: hybrid − X25519 for the one recipient).
 * Run: npx tsx sdk/bench/encryption-hybrid.bench.ts   (or `pnpm bench encryption`)
 * The floor, measured in the same run: ML-KEM-768 encapsulation alone (noble, public key
 * pre-expanded as the SDK caches it) and decapsulation alone — the post-quantum part cannot cost
 * less than one of each per recipient; the output names it and the ratio to it.
 * Ends with one JSON line for the headline figure (the larger of the two per-recipient overheads).
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import {
  blake2b256,
  concatBytes,
  expandMlKemSecret,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  generateSigningKeyPair,
  mlkemKeyHash,
  openAsNode,
  sealForNodes,
} from "../src/crypto/index.js";

const now = Date.now();
const requestId = `0x${"ab".repeat(32)}`;
const RECIPIENTS = 10;
const nodes = Array.from({ length: RECIPIENTS }, (_, i) => {
  const sig = generateSigningKeyPair();
  const enc = generateEncryptionKeyPair();
  const ml = generateMlKemKeyPair();
  return {
    nodeId: `0x${(i + 1).toString(16)}`,
    sigPk: sig.publicKey,
    encPk: enc.publicKey,
    encSk: enc.secretKey,
    mlkemPk: ml.publicKey,
    // the node record's on-chain ML-KEM key hash (node::set_pq_key), checked per recipient
    mlkemPkHash: mlkemKeyHash(ml.publicKey),
    // a node keeps its expanded decapsulation key in memory (no re-expansion per open)
    mlkemSk: expandMlKemSecret(ml.secretKey).dk,
    attestation: {
      teeKind: 1,
      reportDataHash: blake2b256(concatBytes(sig.publicKey, enc.publicKey)),
      expiresMs: now + 3_600_000,
      mlkemKeyHash: mlkemKeyHash(ml.publicKey),
    },
  };
});

/**
 * Interleaved timing: alternates the peer (a) and the subject (b) in `rounds` rounds of `batch`
 * calls each and returns the median CPU ms per call of each, so that load changes on a shared
 * machine hit both alike.
 */
function pair(label: string, a: () => unknown, b: () => unknown, rounds = 21, batch = 3): [number, number] {
  for (let i = 0; i < 3; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [fn, out] of [
      [a, ta],
      [b, tb],
    ] as const) {
      // CPU time (process.cpuUsage), not wall time: on a shared, loaded machine a call longer than
      // a scheduler slice (the 10-recipient seals) gets wall-time waits a short one does not.
      const c0 = process.cpuUsage();
      for (let i = 0; i < batch; i++) fn();
      const c = process.cpuUsage(c0);
      out.push((c.user + c.system) / 1000 / batch);
    }
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)] as number;
  const [ma, mb] = [med(ta), med(tb)];
  console.log(`${label.padEnd(44)} X25519 ${ma.toFixed(3).padStart(8)} ms   hybrid ${mb.toFixed(3).padStart(8)} ms`);
  return [ma, mb];
}

const last = nodes[RECIPIENTS - 1] as (typeof nodes)[number];
const results: { size: string; sealPerRecipient: number; open: number; ratioSeal: number; ratioOpen: number }[] = [];
let classicSealPer = 0;
let classicOpen = 0;
for (const [size, bytes] of [
  ["1 KiB", 1024],
  ["1 MiB", 1 << 20],
] as const) {
  const payload = new Uint8Array(bytes).map((_, i) => (i * 2654435761) >>> 24);
  const [sealC, sealH] = pair(
    `seal ${size} → ${RECIPIENTS} attested nodes`,
    () => sealForNodes({ requestId, payload, recipients: nodes, nowMs: now }),
    () => sealForNodes({ requestId, payload, recipients: nodes, nowMs: now, postQuantum: true }),
  );
  const envC = sealForNodes({ requestId, payload, recipients: nodes, nowMs: now }).envelope;
  const envH = sealForNodes({ requestId, payload, recipients: nodes, nowMs: now, postQuantum: true }).envelope;
  const [openC, openH] = pair(
    `open ${size} as 1 node`,
    () => openAsNode({ requestId, envelope: envC, nodeId: last.nodeId, encSk: last.encSk }),
    () => openAsNode({ requestId, envelope: envH, nodeId: last.nodeId, encSk: last.encSk, mlkemSk: last.mlkemSk }),
    41,
  );
  console.log(
    `  ${size}: envelope ${envC.length - bytes} → ${envH.length - bytes} bytes of overhead; ` +
      `seal ${(sealH / sealC).toFixed(2)}×, open ${(openH / openC).toFixed(2)}× the X25519-only peer`,
  );
  if (size === "1 KiB") {
    classicSealPer = sealC / RECIPIENTS;
    classicOpen = openC;
  }
  results.push({
    size,
    sealPerRecipient: (sealH - sealC) / RECIPIENTS,
    open: openH - openC,
    ratioSeal: sealH / sealC,
    ratioOpen: openH / openC,
  });
}
// The floor: one ML-KEM-768 encapsulation (pre-expanded key, as the SDK caches it) and one
// decapsulation, alone, interleaved with X25519-free no-ops so both see the same load.
const floorPk = (nodes[0] as (typeof nodes)[number]).mlkemPk;
const floorDk = (nodes[0] as (typeof nodes)[number]).mlkemSk;
const prep = (
  ml_kem768 as unknown as { prepare(pk: Uint8Array): { encapsulate(): { cipherText: Uint8Array } } }
).prepare(floorPk);
const floorCt = prep.encapsulate().cipherText;
const [encapRaw, encapPrepared] = pair(
  "floor: ML-KEM-768 encapsulate (raw | prepared)",
  () => ml_kem768.encapsulate(floorPk),
  () => prep.encapsulate(),
  41,
  10,
);
const [, decap] = pair(
  "floor: ML-KEM-768 decapsulate (- | alone)",
  () => undefined,
  () => ml_kem768.decapsulate(floorCt, floorDk),
  41,
  10,
);
console.log(
  `floor per recipient: encapsulate ${encapPrepared.toFixed(3)} ms (unprepared ${encapRaw.toFixed(3)} ms), decapsulate ${decap.toFixed(3)} ms`,
);
console.log("\npost-quantum part per recipient (hybrid − X25519, same run):");
for (const r of results)
  console.log(
    `  ${r.size}: seal +${r.sealPerRecipient.toFixed(3)} ms/recipient (${(r.sealPerRecipient / encapPrepared).toFixed(2)}× the encapsulate floor), ` +
      `open +${r.open.toFixed(3)} ms (${(r.open / decap).toFixed(2)}× the decapsulate floor)`,
  );
const small = results[0] as (typeof results)[number];
const worstIsOpen = small.open > small.sealPerRecipient;
const value = worstIsOpen ? small.open : small.sealPerRecipient;
const floor = worstIsOpen ? decap : encapPrepared;
console.log(
  `headline ${value.toFixed(3)} ms = ${(value / floor).toFixed(2)}× the ML-KEM-768 ${worstIsOpen ? "decapsulate" : "encapsulate"} floor (${floor.toFixed(3)} ms, same run)` +
    (floor >= 1 ? ": the floor alone is ≥ 1 ms here, so < 1 ms per recipient is not reachable on this machine" : ""),
);
console.log(
  JSON.stringify({
    bench: "encryption-hybrid",
    figure: `post-quantum part per recipient, ${worstIsOpen ? "open" : "seal"} 1 KiB (10 recipients)`,
    value: Number(value.toFixed(4)),
    unit: "ms",
    peer: `X25519-only ${worstIsOpen ? "open" : "seal per recipient"}, same run`,
    peerValue: Number((worstIsOpen ? classicOpen : classicSealPer).toFixed(4)),
    ratio: Number((worstIsOpen ? small.ratioOpen : small.ratioSeal).toFixed(3)),
    target: "< 1 ms per recipient",
    met: value < 1,
  }),
);
