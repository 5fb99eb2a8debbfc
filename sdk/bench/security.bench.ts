/**
 * `pnpm bench security` — a node's security work per task for a 1 MB input (issue 17 row 1):
 * open the sealed input (openAsNode: X25519 + HKDF + key unwrap + payload AEAD), hash the 1 MB
 * output (hashOutput, BLAKE2b-256), commit (computeCommitment) and sign one transaction
 * (Ed25519 over the BLAKE2b-256 of 600 bytes), against the native floor measured in the same run:
 * node:crypto's AEAD decryption of the same 1 MB + the fastest BLAKE2b-256 of the same bytes
 * found here (hash-wasm or @noble/hashes) + one node:crypto Ed25519 signature.
 * Functions are timed round-robin (one call each per round; medians), so load from other
 * processes hits the figure and its peer alike. The figures are CPU time per call
 * (process.cpuUsage: this process's user + system time): on a shared machine wall time also
 * counts the time the process waits to be scheduled again once it has been preempted, which
 * inflates anything longer than a time slice (a 2.7 ms call measured 6–13 ms of wall time at a
 * load average of 20 on 2 cores, its parts 1 ms each). Wall-time medians are printed beside them.
 * Ends each figure with one JSON line.
 * Run: npx tsx sdk/bench/security.bench.ts   (--quick: fewer rounds)
 */
import {
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  type DecipherGCM,
  randomBytes,
  sign,
} from "node:crypto";
import { blake2b } from "@noble/hashes/blake2.js";
import { createBLAKE2b } from "hash-wasm";
import { nativeBackend } from "../src/crypto/native.js";
import {
  blake2b256,
  blake2bBackend,
  computeCommitment,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  hashOutput,
  openAsNode,
  randomSalt,
  Suite,
  type SuiteId,
  sealForNodes,
  signEd25519,
} from "../src/index.js";

const ROUNDS = process.argv.includes("--quick") ? 40 : 150;
const MB = 1_000_000;
const TASK_MS = 50; // "< 2 % of execution for any task of ≥ 50 ms"

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Median CPU ms (and wall ms) of each function, run round-robin `ROUNDS` times after a warm-up. */
function interleaved(fs: Record<string, () => unknown>): { cpu: Record<string, number>; wall: Record<string, number> } {
  const names = Object.keys(fs);
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < 5; i++) for (const n of names) (fs[n] as () => unknown)();
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      (fs[n] as () => unknown)();
      (wall[n] as number[]).push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      (cpu[n] as number[]).push((c.user + c.system) / 1000);
    }
  }
  const med = (m: Record<string, number[]>) => Object.fromEntries(names.map((n) => [n, median(m[n] as number[])]));
  return { cpu: med(cpu), wall: med(wall) };
}

const input = randomBytes(MB);
const output = new Uint8Array(MB).map((_, i) => (i * 2654435761) >>> 24); // the task's 1 MB output
const requestId = `0x${"cd".repeat(32)}`;
const nodeId = `0x${"ab".repeat(32)}`;
const enc = generateEncryptionKeyPair();
const sig = generateSigningKeyPair();
const salt = randomSalt();
const txMsg = randomBytes(600); // a commit transaction's BCS bytes are a few hundred bytes

const wasm = await createBLAKE2b(256);
const nativeSigner = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(sig.secretKey)]),
  format: "der",
  type: "pkcs8",
});

// @noble/hashes BLAKE2b-256 is ~25× slower than hash-wasm here; timed apart (fewer runs) and kept
// as a candidate for "the fastest BLAKE2b-256".
const NOBLE_RUNS = 9;
const nobleHash = median(
  Array.from({ length: NOBLE_RUNS }, () => {
    const c0 = process.cpuUsage();
    blake2b(output, { dkLen: 32 });
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  }),
);

const rows: string[] = [];
const json: object[] = [];
for (const [sname, suite, alg] of [
  ["AES-256-GCM", Suite.Aes256Gcm, "aes-256-gcm"],
  ["XChaCha20-Poly1305", Suite.XChaCha20Poly1305, "chacha20-poly1305"],
] as [string, SuiteId, "aes-256-gcm" | "chacha20-poly1305"][]) {
  const { envelope } = sealForNodes({
    requestId,
    payload: input,
    recipients: [{ nodeId, encPk: enc.publicKey }],
    requireAttestation: false,
    suite,
  });
  // The floor's AEAD: node:crypto decryption of 1 MB with a 12-byte IV (XChaCha's extra HChaCha20
  // block is part of what the SDK pays, not of the floor).
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv(alg, key, iv) as CipherGCM; // chacha20-poly1305 has the same AEAD methods
  const ct = Buffer.concat([c.update(input), c.final()]);
  const tag = c.getAuthTag();
  const work = () => {
    const plain = openAsNode({ requestId, envelope, nodeId, encSk: enc.secretKey });
    const h = hashOutput(output);
    const commitment = computeCommitment(h, nodeId, salt);
    const s = signEd25519(blake2b256(txMsg), sig.secretKey);
    return plain.length + commitment.length + s.length;
  };
  if (work() !== MB + 32 + 64) throw new Error("security work: unexpected sizes");
  const { cpu: t, wall } = interleaved({
    work,
    open: () => openAsNode({ requestId, envelope, nodeId, encSk: enc.secretKey }),
    hash: () => hashOutput(output),
    commitSign: () => {
      computeCommitment(blake2b256(output.subarray(0, 32)), nodeId, salt);
      return signEd25519(blake2b256(txMsg), sig.secretKey);
    },
    floorAead: () => {
      const d = createDecipheriv(alg, key, iv) as DecipherGCM;
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]);
    },
    floorHashWasm: () => wasm.init().update(output).digest("binary"),
    floorSign: () => sign(null, Buffer.from(blake2b256(txMsg)), nativeSigner),
    refBlake2b512: () => createHash("blake2b512").update(output).digest(),
    fusedDecryptHash: () => {
      const d = createDecipheriv(alg, key, iv) as DecipherGCM;
      d.setAuthTag(tag);
      wasm.init();
      for (let o = 0; o < ct.length; o += 65536) wasm.update(d.update(ct.subarray(o, o + 65536)));
      d.final();
      return wasm.digest("binary");
    },
  });
  const fastestHash = Math.min(t.floorHashWasm as number, nobleHash);
  const floor = (t.floorAead as number) + fastestHash + (t.floorSign as number);
  const w = t.work as number;
  const fmt = (x: number) => `${x.toFixed(3).padStart(8)} ms`;
  console.log(
    `\n${sname}, 1 MB (CPU-time medians of ${ROUNDS} interleaved rounds; SDK primitives: ${nativeBackend}, BLAKE2b: ${blake2bBackend})`,
  );
  for (const [k, v] of Object.entries(t))
    console.log(`  ${k.padEnd(20)}${fmt(v)} CPU   ${fmt(wall[k] as number)} wall`);
  console.log(`  floorHashNoble      ${fmt(nobleHash)} CPU   (measured once before, ${NOBLE_RUNS} runs)`);
  console.log(
    `  native floor        ${fmt(floor)}  (AEAD ${(t.floorAead as number).toFixed(3)} + BLAKE2b-256 ${fastestHash.toFixed(3)} + sign ${(t.floorSign as number).toFixed(3)})`,
  );
  rows.push(
    `${sname}: work ${w.toFixed(3)} ms / native floor ${floor.toFixed(3)} ms = ${(w / floor).toFixed(2)}× (target ≤ 1.5×); ` +
      `${((100 * w) / TASK_MS).toFixed(2)} % of a ${TASK_MS} ms task (target < 2 %; the floor alone is ` +
      `${((100 * floor) / TASK_MS).toFixed(2)} %: < 2 % needs tasks ≥ ${(floor / 0.02).toFixed(0)} ms at the floor, ` +
      `≥ ${(w / 0.02).toFixed(0)} ms for the SDK); fused decrypt+hash / separate ` +
      `${((t.fusedDecryptHash as number) / ((t.floorAead as number) + (t.floorHashWasm as number))).toFixed(2)}×`,
  );
  json.push(
    {
      bench: "security",
      figure: `security work per 1 MB task (open + hash + commit + sign), ${sname}`,
      value: Number(w.toFixed(4)),
      unit: "ms CPU",
      peer: "native floor: node:crypto AEAD decrypt + fastest BLAKE2b-256 + node:crypto Ed25519 sign, same bytes, same run",
      peerValue: Number(floor.toFixed(4)),
      ratio: Number((w / floor).toFixed(3)),
      target: "≤ 1.5× the native floor",
      met: w / floor <= 1.5,
    },
    {
      bench: "security",
      figure: `security work as % of a ${TASK_MS} ms task (1 MB), ${sname}`,
      value: Number(((100 * w) / TASK_MS).toFixed(3)),
      unit: "%",
      peer: `the native floor as % of a ${TASK_MS} ms task, same run`,
      peerValue: Number(((100 * floor) / TASK_MS).toFixed(3)),
      ratio: Number((w / floor).toFixed(3)),
      target: `< 2 % of execution for tasks ≥ ${TASK_MS} ms`,
      met: (100 * w) / TASK_MS < 2,
    },
  );
}
console.log("\nratios (same run):");
for (const r of rows) console.log(`  ${r}`);
for (const j of json) console.log(JSON.stringify(j));
