/** X25519 encryption keys and Ed25519 signing keys. */
import { ensureBytes } from "../errors.js";
import {
  ed25519GetPublicKey,
  ed25519RandomSecretKey,
  ed25519Sign,
  ed25519Verify,
  x25519GetPublicKey,
  x25519RandomSecretKey,
} from "./primitives.js";

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair (nodes' and users' encryption keys). */
export function generateEncryptionKeyPair(): KeyPair {
  const secretKey = x25519RandomSecretKey();
  return { secretKey, publicKey: x25519GetPublicKey(secretKey) };
}

/** The X25519 public key of a 32-byte secret. */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  ensureBytes(secretKey, "secretKey", 32);
  return x25519GetPublicKey(secretKey);
}

/** A fresh Ed25519 signing key pair. */
export function generateSigningKeyPair(): KeyPair {
  const secretKey = ed25519RandomSecretKey();
  return { secretKey, publicKey: ed25519GetPublicKey(secretKey) };
}

/** Ed25519 signature of `message`. */
export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  ensureBytes(message, "message");
  ensureBytes(secretKey, "secretKey", 32);
  return ed25519Sign(message, secretKey);
}

/** Verifies an Ed25519 signature; false (never throws) on any malformed input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519Verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
