/** X25519 encryption keys and Ed25519 signing keys. */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { ensureBytes } from "../errors.js";

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair (nodes' and users' encryption keys). */
export function generateEncryptionKeyPair(): KeyPair {
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/** The X25519 public key of a 32-byte secret. */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  ensureBytes(secretKey, "secretKey", 32);
  return x25519.getPublicKey(secretKey);
}

/** A fresh Ed25519 signing key pair. */
export function generateSigningKeyPair(): KeyPair {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** Ed25519 signature of `message`. */
export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  ensureBytes(message, "message");
  ensureBytes(secretKey, "secretKey", 32);
  return ed25519.sign(message, secretKey);
}

/** Verifies an Ed25519 signature; false (never throws) on any malformed input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
