/**
 * Fast bulk paths for payload AEAD and BLAKE2b-256, byte-identical to the @noble reference:
 *  - AES-256-GCM through Node's built-in OpenSSL (`node:crypto`) when running in Node, obtained
 *    synchronously with `process.getBuiltinModule` (no static import, so bundles for browsers
 *    never see `node:crypto`); elsewhere @noble/ciphers `gcm`.
 *  - BLAKE2b-256 through hash-wasm (WASM) for inputs of at least BLAKE2B_WASM_MIN bytes; below
 *    that, and wherever WebAssembly cannot be instantiated, @noble/hashes.
 * The noble implementations stay exported here so tests can compare both paths byte for byte.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { createBLAKE2b, type IHasher } from "hash-wasm";

/** The subset of `node:crypto` used here (typed locally: no @types/node needed in browser builds). */
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
interface NodeCryptoGcm {
  createCipheriv(alg: "aes-256-gcm", key: Uint8Array, iv: Uint8Array, opts: { authTagLength: number }): NodeGcmCipher;
  createDecipheriv(
    alg: "aes-256-gcm",
    key: Uint8Array,
    iv: Uint8Array,
    opts: { authTagLength: number },
  ): NodeGcmDecipher;
}

const GCM_TAG_LEN = 16;

function loadNodeCrypto(): NodeCryptoGcm | null {
  const proc = (
    globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== "function") return null;
  try {
    const c = proc.getBuiltinModule("node:crypto") as Partial<NodeCryptoGcm> | undefined;
    if (typeof c?.createCipheriv !== "function" || typeof c.createDecipheriv !== "function") return null;
    return c as NodeCryptoGcm;
  } catch {
    return null;
  }
}

const nodeCrypto = loadNodeCrypto();

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

/** AES-256-GCM with 16-byte tag appended (same bytes as noble `gcm(key, nonce, aad).encrypt`). */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  if (!nodeCrypto || nonce.length !== 12 || key.length !== 32) return gcm(key, nonce, aad).encrypt(pt);
  const c = nodeCrypto.createCipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_LEN });
  c.setAAD(aad);
  const body = c.update(pt);
  const fin = c.final();
  const tag = c.getAuthTag();
  return plain([body, fin, tag], body.length + fin.length + tag.length);
}

/** AES-256-GCM open of `ct ‖ tag`; throws on a bad tag (like noble `gcm(...).decrypt`). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  if (!nodeCrypto || nonce.length !== 12 || key.length !== 32) return gcm(key, nonce, aad).decrypt(ct);
  if (ct.length < GCM_TAG_LEN) throw new Error("aes-256-gcm: ciphertext shorter than the tag");
  const d = nodeCrypto.createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_LEN });
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - GCM_TAG_LEN));
  const body = d.update(ct.subarray(0, ct.length - GCM_TAG_LEN));
  const fin = d.final(); // throws "Unsupported state or unable to authenticate data" on a bad tag
  return plain([body, fin], body.length + fin.length);
}

/** The reference implementations (tests compare the fast paths against them). */
export const nobleAesGcmEncrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) =>
  gcm(key, nonce, aad).encrypt(pt);
export const nobleAesGcmDecrypt = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) =>
  gcm(key, nonce, aad).decrypt(ct);
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
