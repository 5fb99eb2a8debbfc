/**
 * Composable encryption cost on one core: sealing 1 MiB for 10 attested nodes (one payload
 * encryption + 10 X25519/HKDF key wraps + 10 attestation checks) against the peer measured in
 * the same run, a raw AES-256-GCM encryption of the same 1 MiB with @noble/ciphers; plus opening
 * (as one node) against a raw AES-256-GCM decryption, and the XChaCha20-Poly1305 suite.
 * The envelopes' payload AEAD runs on node:crypto in Node (sdk/src/crypto/fast.ts), so a second
 * peer is a raw node:crypto AES-256-GCM of the same 1 MiB; BLAKE2b-256 of 1 MiB is timed on both
 * paths (hashOutput: hash-wasm, against @noble/hashes).
 * Run: npx tsx sdk/bench/encryption.bench.ts
 */
import { gcm } from "@noble/ciphers/aes.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import {
  aesGcmBackend,
  aesGcmDecrypt,
  aesGcmEncrypt,
  blake2b256,
  blake2bBackend,
  concatBytes,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  hashOutput,
  openAsNode,
  openAsUser,
  Suite,
  type SuiteId,
  sealForNodes,
  sealForUser,
} from "../src/crypto/index.js";

const MB = 1 << 20;
const payload = new Uint8Array(MB).map((_, i) => (i * 2654435761) >>> 24);
const requestId = `0x${"ab".repeat(32)}`;
const now = Date.now();
const nodes = Array.from({ length: 10 }, (_, i) => {
  const sig = generateSigningKeyPair();
  const enc = generateEncryptionKeyPair();
  return {
    nodeId: `0x${(i + 1).toString(16)}`,
    sigPk: sig.publicKey,
    encPk: enc.publicKey,
    encSk: enc.secretKey,
    attestation: {
      teeKind: 1,
      reportDataHash: blake2b256(concatBytes(sig.publicKey, enc.publicKey)),
      expiresMs: now + 3_600_000,
    },
  };
});
const user = generateEncryptionKeyPair();

/** Mean ms per call over at least `minMs` of running (after warm-up). */
function time(name: string, fn: () => unknown, minMs = 1500): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  const ms = (performance.now() - t0) / n;
  console.log(`${name.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms  (${(MB / 1e6 / (ms / 1000)).toFixed(1)} MB/s)`);
  return ms;
}

const key = randomBytes(32);
const rawEnc = time("raw AES-256-GCM encrypt 1 MiB (peer)", () => gcm(key, randomBytes(12)).encrypt(payload));
const nonce = randomBytes(12);
const rawCt = gcm(key, nonce).encrypt(payload);
const rawDec = time("raw AES-256-GCM decrypt 1 MiB (peer)", () => gcm(key, nonce).decrypt(rawCt));

const aad = new Uint8Array(100);
const fastEnc = time(`raw AES-256-GCM encrypt 1 MiB, ${aesGcmBackend} (peer)`, () =>
  aesGcmEncrypt(key, randomBytes(12), aad, payload),
);
const fastCt = aesGcmEncrypt(key, nonce, aad, payload);
const fastDec = time(`raw AES-256-GCM decrypt 1 MiB, ${aesGcmBackend} (peer)`, () =>
  aesGcmDecrypt(key, nonce, aad, fastCt),
);
const nobleHash = time("blake2b-256 1 MiB, @noble/hashes", () => blake2b(payload, { dkLen: 32 }));
const fastHash = time(`hashOutput 1 MiB (blake2b-256, ${blake2bBackend})`, () => hashOutput(payload));

const suites: [string, SuiteId][] = [
  ["AES-256-GCM", Suite.Aes256Gcm],
  ["XChaCha20-Poly1305", Suite.XChaCha20Poly1305],
];
const rows: string[] = [];
for (const [name, suite] of suites) {
  const seal = time(`sealForNodes 1 MiB → 10 nodes, ${name}`, () =>
    sealForNodes({ requestId, payload, recipients: nodes, suite, nowMs: now }),
  );
  const sealed = sealForNodes({ requestId, payload, recipients: nodes, suite, nowMs: now });
  const n = nodes[9];
  if (!n) throw new Error("no node");
  const open = time(`openAsNode 1 MiB, ${name}`, () =>
    openAsNode({ requestId, envelope: sealed.envelope, nodeId: n.nodeId, encSk: n.encSk }),
  );
  const userEnv = sealForUser({ requestId, payload, userPk: user.publicKey, suite });
  const sealU = time(`sealForUser 1 MiB, ${name}`, () =>
    sealForUser({ requestId, payload, userPk: user.publicKey, suite }),
  );
  const openU = time(`openAsUser 1 MiB, ${name}`, () =>
    openAsUser({ requestId, envelope: userEnv, userSk: user.secretKey }),
  );
  rows.push(
    `${name}: seal 1 MiB→10 nodes / raw GCM encrypt = ${(seal / rawEnc).toFixed(2)}×; ` +
      `openAsNode / raw GCM decrypt = ${(open / rawDec).toFixed(2)}×; ` +
      `sealForUser / raw = ${(sealU / rawEnc).toFixed(2)}×; openAsUser / raw = ${(openU / rawDec).toFixed(2)}×; ` +
      `openAsNode / raw ${aesGcmBackend} GCM decrypt = ${(open / fastDec).toFixed(2)}×; ` +
      `envelope overhead ${sealed.envelope.length - MB} bytes`,
  );
}
rows.push(
  `raw AES-256-GCM ${aesGcmBackend} / noble: encrypt ${(fastEnc / rawEnc).toFixed(3)}×, decrypt ${(fastDec / rawDec).toFixed(3)}×`,
  `hashOutput 1 MiB ${blake2bBackend} / noble blake2b-256 = ${(fastHash / nobleHash).toFixed(3)}×`,
);
console.log("\nratios (same run):");
for (const r of rows) console.log(`  ${r}`);
