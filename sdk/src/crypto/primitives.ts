/**
 * The SDK's asymmetric and small-input primitives, each picking its implementation by runtime:
 * `node:crypto` (OpenSSL, ./native.ts) in Node, @noble elsewhere (browsers). Same bytes, same
 * accept/refuse decisions on both paths (sdk/test/crypto/native.test.ts runs both on the same
 * random and edge-case inputs). Every other SDK module calls these, never @noble or node:crypto
 * directly for these operations.
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 as nobleSha256, sha384 as nobleSha384 } from "@noble/hashes/sha2.js";
import {
  nativeEcdsaVerify,
  nativeEd25519Accepts,
  nativeEd25519PublicKey,
  nativeEd25519Sign,
  nativeEd25519Signer,
  nativeHkdfSha256,
  nativeSha,
  nativeX25519,
  nativeX25519PublicKey,
} from "./native.js";

/** X25519 public key of a secret. */
export function x25519GetPublicKey(sk: Uint8Array): Uint8Array {
  return nativeX25519PublicKey(sk) ?? x25519.getPublicKey(sk);
}

/** X25519 shared secret; throws on a low-order public key (all-zero result), as noble does. */
export function x25519GetSharedSecret(sk: Uint8Array, pk: Uint8Array): Uint8Array {
  return nativeX25519(sk, pk) ?? x25519.getSharedSecret(sk, pk);
}

/** A fresh X25519 secret (CSPRNG). */
export const x25519RandomSecretKey = (): Uint8Array => x25519.utils.randomSecretKey();

/** Ed25519 public key of a 32-byte seed. */
export function ed25519GetPublicKey(sk: Uint8Array): Uint8Array {
  return nativeEd25519PublicKey(sk) ?? ed25519.getPublicKey(sk);
}

/** Ed25519 signature (deterministic, RFC 8032). */
export function ed25519Sign(message: Uint8Array, sk: Uint8Array): Uint8Array {
  return nativeEd25519Sign(message, sk) ?? ed25519.sign(message, sk);
}

/**
 * `ed25519Sign` with `sk` fixed and prepared once (node:crypto: the key imported once; noble:
 * none to prepare), for a key that signs many messages. The function holds a copy of `sk`.
 */
export function ed25519Signer(sk: Uint8Array): (message: Uint8Array) => Uint8Array {
  const native = nativeEd25519Signer(sk);
  if (native) return native;
  const own = sk.slice();
  return (message) => ed25519.sign(message, own);
}

/**
 * Ed25519 verification with noble's (ZIP-215) semantics: a signature OpenSSL accepts is accepted
 * (every such signature is ZIP-215 valid); anything else is decided by noble. Throws where noble
 * throws (malformed lengths), so callers keep their own error handling.
 */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean {
  if (nativeEd25519Accepts(signature, message, pk) === true) return true;
  return ed25519.verify(signature, message, pk);
}

/** A fresh Ed25519 secret seed (CSPRNG). */
export const ed25519RandomSecretKey = (): Uint8Array => ed25519.utils.randomSecretKey();

/** HKDF-SHA-256 (RFC 5869). */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return nativeHkdfSha256(ikm, salt, info, length) ?? hkdf(nobleSha256, ikm, salt, info, length);
}

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return nativeSha("sha256", data) ?? nobleSha256(data);
}

/** SHA-384. */
export function sha384(data: Uint8Array): Uint8Array {
  return nativeSha("sha384", data) ?? nobleSha384(data);
}

/**
 * ECDSA over P-256 (SHA-256) or P-384 (SHA-384) with a raw `r ‖ s` signature and an uncompressed
 * public key; high S accepted. False (never throws) on a bad signature or malformed input.
 */
export function ecdsaVerify(
  curve: "P-256" | "P-384",
  signature: Uint8Array,
  message: Uint8Array,
  pubUncompressed: Uint8Array,
): boolean {
  return (
    nativeEcdsaVerify(curve, signature, message, pubUncompressed) ??
    noblePrimitives.ecdsaVerify(curve, signature, message, pubUncompressed)
  );
}

/** The @noble paths, for tests that compare them with the runtime's choice. */
export const noblePrimitives = {
  x25519GetPublicKey: (sk: Uint8Array) => x25519.getPublicKey(sk),
  x25519GetSharedSecret: (sk: Uint8Array, pk: Uint8Array) => x25519.getSharedSecret(sk, pk),
  ed25519GetPublicKey: (sk: Uint8Array) => ed25519.getPublicKey(sk),
  ed25519Sign: (m: Uint8Array, sk: Uint8Array) => ed25519.sign(m, sk),
  ed25519Verify: (s: Uint8Array, m: Uint8Array, pk: Uint8Array) => ed25519.verify(s, m, pk),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, n: number) => hkdf(nobleSha256, ikm, salt, info, n),
  sha256: (d: Uint8Array) => nobleSha256(d),
  sha384: (d: Uint8Array) => nobleSha384(d),
  ecdsaVerify: (curve: "P-256" | "P-384", s: Uint8Array, m: Uint8Array, pk: Uint8Array) => {
    try {
      return (curve === "P-256" ? p256 : p384).verify(s, m, pk, { prehash: true, lowS: false, format: "compact" });
    } catch {
      return false;
    }
  },
};
