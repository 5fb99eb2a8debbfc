/**
 * Fast bulk paths for payload AEAD and BLAKE2b-256, byte-identical to the @noble reference:
 *  - AES-256-GCM through Node's built-in OpenSSL (`node:crypto`) when running in Node, obtained
 *    synchronously with `process.getBuiltinModule` (no static import, so bundles for browsers
 *    never see `node:crypto`); elsewhere @noble/ciphers `gcm`.
 *  - XChaCha20-Poly1305 the same way: the subkey from @noble's HChaCha20 (one block), then
 *    OpenSSL's IETF ChaCha20-Poly1305 with nonce 0x00000000 ‖ nonce[16..24] (the XChaCha
 *    construction, draft-irtf-cfrg-xchacha §2.3); elsewhere @noble/ciphers `xchacha20poly1305`.
 *  - BLAKE2b-256 through hash-wasm (WASM) for inputs of at least BLAKE2B_WASM_MIN bytes; below
 *    that, and wherever WebAssembly cannot be instantiated, @noble/hashes.
 * The noble implementations stay exported here so tests can compare both paths byte for byte.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { hchacha, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { createBLAKE2b, type IHasher } from "hash-wasm";
import { nativeCrypto } from "./native.js";

/** The subset of `node:crypto` used here (a narrowed view of the handle ./native.ts loads). */
interface NodeGcmCipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
interface NodeGcmDecipher {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
type NodeAeadAlg = "aes-256-gcm" | "chacha20-poly1305";
interface NodeCryptoGcm {
  createCipheriv(alg: NodeAeadAlg, key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }): NodeGcmCipher;
  createDecipheriv(alg: NodeAeadAlg, key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }): NodeGcmDecipher;
}

const GCM_TAG_LEN = 16;

// node:crypto as loaded once for the SDK (./native.ts: process.getBuiltinModule, never imported).
const nodeCrypto = nativeCrypto as unknown as NodeCryptoGcm | null;

/** Which AES-256-GCM implementation `aesGcmEncrypt`/`aesGcmDecrypt` use in this runtime. */
export const aesGcmBackend: "node:crypto" | "noble" = nodeCrypto ? "node:crypto" : "noble";

/** Copies a Node Buffer result into a plain Uint8Array (callers and tests expect Uint8Array, not Buffer). */
function plain(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function nodeSeal(
  alg: NodeAeadAlg,
  c: NodeCryptoGcm,
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
) {
  const e = c.createCipheriv(alg, key, iv, { authTagLength: GCM_TAG_LEN });
  e.setAAD(aad);
  const body = e.update(pt);
  const fin = e.final();
  const tag = e.getAuthTag();
  return plain([body, fin, tag], body.length + fin.length + tag.length);
}

function nodeOpen(
  alg: NodeAeadAlg,
  c: NodeCryptoGcm,
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
) {
  if (ct.length < GCM_TAG_LEN) throw new Error(`${alg}: ciphertext shorter than the tag`);
  const d = c.createDecipheriv(alg, key, iv, { authTagLength: GCM_TAG_LEN });
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - GCM_TAG_LEN));
  const body = d.update(ct.subarray(0, ct.length - GCM_TAG_LEN));
  const fin = d.final(); // throws "Unsupported state or unable to authenticate data" on a bad tag
  // Stream modes give everything from update(); when `body` owns its whole ArrayBuffer (not a
  // slice of Node's shared Buffer pool) hand back a plain Uint8Array view of it instead of a copy.
  if (fin.length === 0 && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength)
    return new Uint8Array(body.buffer, 0, body.byteLength);
  return plain([body, fin], body.length + fin.length);
}

/** AES-256-GCM with 16-byte tag appended (same bytes as noble `gcm(key, nonce, aad).encrypt`). */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  if (!nodeCrypto || nonce.length !== 12 || key.length !== 32) return gcm(key, nonce, aad).encrypt(pt);
  return nodeSeal("aes-256-gcm", nodeCrypto, key, nonce, aad, pt);
}

/** AES-256-GCM open of `ct ‖ tag`; throws on a bad tag (like noble `gcm(...).decrypt`). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  if (!nodeCrypto || nonce.length !== 12 || key.length !== 32) return gcm(key, nonce, aad).decrypt(ct);
  return nodeOpen("aes-256-gcm", nodeCrypto, key, nonce, aad, ct);
}

const IS_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
// "expand 32-byte k" as little-endian words.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** XChaCha20 → (HChaCha20 subkey, 12-byte IETF nonce). Little-endian hosts only (u32 views of bytes). */
function xchachaSplit(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; iv: Uint8Array } {
  const k = new Uint32Array(8);
  new Uint8Array(k.buffer).set(key);
  const n = new Uint32Array(4);
  new Uint8Array(n.buffer).set(nonce.subarray(0, 16));
  const out = new Uint32Array(8);
  hchacha(SIGMA, k, n, out);
  k.fill(0);
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16, 24), 4);
  return { subkey: new Uint8Array(out.buffer), iv };
}

const xchachaFast = (key: Uint8Array, nonce: Uint8Array) =>
  nodeCrypto !== null && IS_LE && key.length === 32 && nonce.length === 24;

/** Which XChaCha20-Poly1305 implementation `xchachaEncrypt`/`xchachaDecrypt` use in this runtime. */
export const xchachaBackend: "node:crypto" | "noble" = nodeCrypto && IS_LE ? "node:crypto" : "noble";

/** XChaCha20-Poly1305 with 16-byte tag appended (same bytes as noble `xchacha20poly1305(...).encrypt`). */
export function xchachaEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  if (!nodeCrypto || !xchachaFast(key, nonce)) return xchacha20poly1305(key, nonce, aad).encrypt(pt);
  const { subkey, iv } = xchachaSplit(key, nonce);
  try {
    return nodeSeal("chacha20-poly1305", nodeCrypto, subkey, iv, aad, pt);
  } finally {
    subkey.fill(0);
  }
}

/** XChaCha20-Poly1305 open of `ct ‖ tag`; throws on a bad tag. */
export function xchachaDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  if (!nodeCrypto || !xchachaFast(key, nonce)) return xchacha20poly1305(key, nonce, aad).decrypt(ct);
  const { subkey, iv } = xchachaSplit(key, nonce);
  try {
    return nodeOpen("chacha20-poly1305", nodeCrypto, subkey, iv, aad, ct);
  } finally {
    subkey.fill(0);
  }
}

/** The reference implementations (tests compare the fast paths against them). */
export const nobleAesGcmEncrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) =>
  gcm(key, nonce, aad).encrypt(pt);
export const nobleAesGcmDecrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) =>
  gcm(key, nonce, aad).decrypt(ct);
export const nobleXchachaEncrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) =>
  xchacha20poly1305(key, nonce, aad).encrypt(pt);
export const nobleXchachaDecrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) =>
  xchacha20poly1305(key, nonce, aad).decrypt(ct);
export const nobleBlake2b256 = (data: Uint8Array): Uint8Array => blake2b(data, { dkLen: 32 });

/** Inputs of at least this many bytes are hashed with WASM; smaller ones with noble (no call overhead). */
export const BLAKE2B_WASM_MIN = 64 * 1024;

// One hasher, created once at module load (hash-wasm instantiation is async). It is used only
// synchronously (init → update → digest in one call), so it is never shared by two hashes at once.
let wasmHasher: IHasher | null = null;
try {
  wasmHasher = await createBLAKE2b(256);
} catch {
  wasmHasher = null; // no WebAssembly (e.g. a CSP forbids it): noble everywhere
}

/** Which implementation hashes large inputs in this runtime. */
export const blake2bBackend: "hash-wasm" | "noble" = wasmHasher ? "hash-wasm" : "noble";

/** blake2b-256 of `data`: hash-wasm for large inputs, @noble/hashes for small ones; same digest. */
export function fastBlake2b256(data: Uint8Array): Uint8Array {
  if (wasmHasher === null || data.length < BLAKE2B_WASM_MIN) return nobleBlake2b256(data);
  return wasmHasher.init().update(data).digest("binary");
}
