/**
 * Hybrid post-quantum key encapsulation: X25519 + ML-KEM-768 (FIPS 203, @noble/post-quantum),
 * combined with the X-Wing combiner of draft-connolly-cfrg-xwing-kem:
 *
 *   ss = SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ "\.//^\")
 *
 * (ss_M: ML-KEM-768 shared secret, ss_X: X25519 shared secret, ct_X: the sender's ephemeral
 * X25519 public key, pk_X: the recipient's X25519 public key). Breaking X25519 alone or ML-KEM
 * alone reveals nothing: each component secret enters the hash. See sdk/docs/encryption.md
 * ("Hybrid KEM") for why X-Wing.
 *
 * ML-KEM secret keys are kept as their 64-byte FIPS 203 seed `d ‖ z` (expanded on use); the
 * expanded 2400-byte decapsulation key is accepted too.
 */
import { sha3_256 } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { blake2b256, mlkemKeyHash } from "../attestation/binding.js";
import { ensureBytes, InvalidInputError } from "../errors.js";
import { bytesToHex, concatBytes } from "./bytes.js";
import { x25519GetPublicKey, x25519GetSharedSecret } from "./primitives.js";

/**
 * Pre-expanded ML-KEM public keys (the matrix Â, about half the cost of an encapsulation),
 * keyed by blake2b256(publicKey): public data only, so caching it leaks nothing. Nodes keep
 * their keys across requests, so sealing to the same nodes again skips the expansion.
 */
const PREPARED_MAX = 256;
/** @noble/post-quantum's `ml_kem768.prepare(pk)` (marked experimental there; same outputs, checked by the known answers). */
interface Prepared {
  encapsulate(msg?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}
const prepared = new Map<string, Prepared>();
function preparedKey(publicKey: Uint8Array) {
  const k = bytesToHex(blake2b256(publicKey));
  let p = prepared.get(k);
  if (p) {
    prepared.delete(k); // LRU: move to the end
  } else {
    p = ml_kem768.prepare(publicKey) as unknown as Prepared;
    if (prepared.size >= PREPARED_MAX) prepared.delete(prepared.keys().next().value as string);
  }
  prepared.set(k, p);
  return p;
}

export const MLKEM768_PUBLIC_KEY_LEN = 1184;
export const MLKEM768_CIPHERTEXT_LEN = 1088;
export const MLKEM768_SEED_LEN = 64;
export const MLKEM768_SECRET_KEY_LEN = 2400;

/** X-Wing's domain-separation label, the 6 ASCII bytes `\.//^\`. */
export const XWING_LABEL = new Uint8Array([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]);

export interface MlKemKeyPair {
  /** 64-byte seed `d ‖ z` (FIPS 203 ML-KEM.KeyGen_internal inputs). */
  secretKey: Uint8Array;
  /** 1184-byte ML-KEM-768 encapsulation key. */
  publicKey: Uint8Array;
}

/**
 * A fresh ML-KEM-768 key pair (secret kept as the 64-byte seed); `seed` for known answers.
 * Opening with the seed re-expands the key each time (≈ one key generation); long-running
 * holders (nodes) should keep `expandMlKemSecret(seed).dk` (2400 bytes) in memory instead.
 */
export function generateMlKemKeyPair(seed?: Uint8Array): MlKemKeyPair {
  const s = seed ?? randomBytes(MLKEM768_SEED_LEN);
  ensureBytes(s, "seed", MLKEM768_SEED_LEN);
  const { publicKey } = ml_kem768.keygen(s);
  return { secretKey: Uint8Array.from(s), publicKey };
}

/** The expanded decapsulation key and the public key of a seed or expanded secret key. */
export function expandMlKemSecret(secretKey: Uint8Array, field = "mlkemSk"): { dk: Uint8Array; pk: Uint8Array } {
  ensureBytes(secretKey, field);
  if (secretKey.length === MLKEM768_SEED_LEN) {
    const k = ml_kem768.keygen(secretKey);
    return { dk: k.secretKey, pk: k.publicKey };
  }
  if (secretKey.length === MLKEM768_SECRET_KEY_LEN) {
    // FIPS 203 dk = dk_PKE (1152) ‖ ek (1184) ‖ H(ek) ‖ z
    return { dk: secretKey, pk: secretKey.slice(1152, 1152 + MLKEM768_PUBLIC_KEY_LEN) };
  }
  throw new InvalidInputError(
    field,
    `must be a ${MLKEM768_SEED_LEN}-byte ML-KEM-768 seed or a ${MLKEM768_SECRET_KEY_LEN}-byte decapsulation key, got ${secretKey.length}`,
  );
}

/** The public key of an ML-KEM-768 secret (seed or expanded). */
export function mlkemPublicKey(secretKey: Uint8Array): Uint8Array {
  return expandMlKemSecret(secretKey).pk;
}

/** Report-data hash of an ML-KEM-768 public key (defined with the attestation binding). */
export { mlkemKeyHash };

/** X-Wing combiner: SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ label). */
export function xwingCombine(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  ensureBytes(ssM, "ssM", 32);
  ensureBytes(ssX, "ssX", 32);
  ensureBytes(ctX, "ctX", 32);
  ensureBytes(pkX, "pkX", 32);
  return sha3_256(concatBytes(ssM, ssX, ctX, pkX, XWING_LABEL));
}

/**
 * Sender side, for one recipient: ML-KEM-768 encapsulation to `mlkemPk` and X25519 between the
 * (shared, per-envelope) ephemeral secret `ephSk` and `x25519Pk`, combined with X-Wing.
 * `mlkemMsg` (32 bytes) only for known answers.
 */
export function hybridEncapsulate(o: {
  ephSk: Uint8Array;
  ephPk: Uint8Array;
  x25519Pk: Uint8Array;
  mlkemPk: Uint8Array;
  mlkemMsg?: Uint8Array;
  field?: string;
}): { sharedSecret: Uint8Array; kemCiphertext: Uint8Array } {
  const field = o.field ?? "recipient";
  ensureBytes(o.mlkemPk, `${field}.mlkemPk`, MLKEM768_PUBLIC_KEY_LEN);
  let ssX: Uint8Array;
  try {
    ssX = x25519GetSharedSecret(o.ephSk, o.x25519Pk);
  } catch (cause) {
    throw new InvalidInputError(`${field}.encPk`, "is not a valid X25519 public key (low-order point)", { cause });
  }
  let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    enc = preparedKey(o.mlkemPk).encapsulate(o.mlkemMsg);
  } catch (cause) {
    throw new InvalidInputError(`${field}.mlkemPk`, "is not a valid ML-KEM-768 encapsulation key (modulus check)", {
      cause,
    });
  }
  const sharedSecret = xwingCombine(enc.sharedSecret, ssX, o.ephPk, o.x25519Pk);
  ssX.fill(0);
  enc.sharedSecret.fill(0);
  return { sharedSecret, kemCiphertext: enc.cipherText };
}

/** Recipient side: the same shared secret from the X25519 and ML-KEM secrets. */
export function hybridDecapsulate(o: {
  x25519Sk: Uint8Array;
  /** Expanded 2400-byte decapsulation key. */
  mlkemDk: Uint8Array;
  /** Its public key (given: the pre-expanded form is used). */
  mlkemPk?: Uint8Array;
  /** The recipient's X25519 public key (given: not recomputed from the secret). */
  x25519Pk?: Uint8Array;
  ephPk: Uint8Array;
  kemCiphertext: Uint8Array;
}): Uint8Array {
  ensureBytes(o.kemCiphertext, "kemCiphertext", MLKEM768_CIPHERTEXT_LEN);
  const pkX = o.x25519Pk ?? x25519GetPublicKey(o.x25519Sk);
  const ssX = x25519GetSharedSecret(o.x25519Sk, o.ephPk);
  const ssM = o.mlkemPk
    ? preparedKey(o.mlkemPk).decapsulate(o.kemCiphertext, o.mlkemDk)
    : ml_kem768.decapsulate(o.kemCiphertext, o.mlkemDk);
  const ss = xwingCombine(ssM, ssX, o.ephPk, pkX);
  ssX.fill(0);
  ssM.fill(0);
  return ss;
}
