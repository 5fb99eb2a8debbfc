/**
 * `sui::nitro_attestation::load_nitro_attestation_internal` in TypeScript, as Sui's Rust native
 * (MystenLabs/fastcrypto `nitro_attestation.rs`, called by sui-move-natives with the mainnet
 * parsing: upgraded parsing, required PCRs only):
 *
 * 1. parse (abort 1, `EParseError`): COSE_Sign1 = optional tag 18 around
 *    `[protected bstr, unprotected map, payload bstr, signature bstr]`; protected = `{1: -35}`
 *    (ES384) and nothing else; payload 1..16383 bytes; signature 96 bytes. Payload = a map with
 *    text keys, no duplicates: `module_id` non-empty text, `digest` "SHA384", `timestamp` u64,
 *    `certificate` 1..1024 bytes, `cabundle` 1..10 certificates of 1..1024 bytes, `pcrs` a map of
 *    at most 32 entries, index u8 → 32/48/64 bytes, no duplicate index; optional `public_key`
 *    (≤ 1024 bytes), `user_data` and `nonce` (≤ 512 bytes each, AWS's NSM limits);
 * 2. verify (abort 2, `EVerifyError`): the leaf's P-384 key verifies the ES384 signature (r ‖ s)
 *    over Sig_structure `["Signature1", protected, h'', payload]`; the chain leaf → cabundle
 *    (reversed) → pinned root (./x509.ts) at the clock's time;
 * 3. PCRs (abort 3, `EInvalidPCRsError`): entries for indices 0, 1, 2, 3, 4, 8 (mainnet; custom
 *    PCRs are not returned), all six present.
 *
 * CBOR is decoded by cborg (strict decoding, duplicate map keys refused, trailing bytes after the
 * first item ignored as ciborium's `from_reader` does). Known differences from ciborium: a CBOR
 * float with an integral value is read as an integer; a duplicate map key or a tag other than 18
 * inside a field Sui never reads (an unknown payload field) is refused here; a COSE array of
 * more than 4 items is refused.
 */

import { p384 } from "@noble/curves/nist.js";
import { sha384 } from "@noble/hashes/sha2.js";
import { decodeFirst, encode, type TagDecoder } from "cborg";
import { AWS_NITRO_ROOT_G1_DER } from "./aws-root.js";
import {
  CertificateError,
  ecPublicKey,
  type ParsedCertificate,
  parseCertificate,
  SECP384R1_OID,
  verifyCertChain,
} from "./x509.js";

export const NITRO_ABORT = { parse: 1n, verify: 2n, invalidPcrs: 3n } as const;

/** Why a document is refused; `code` is the abort code of `sui::nitro_attestation`. */
export class NitroAttestationError extends Error {
  override readonly name = "NitroAttestationError";
  constructor(
    readonly code: bigint,
    message: string,
  ) {
    super(message);
  }
}

export interface NitroDocument {
  moduleId: string;
  timestamp: bigint;
  digest: string;
  /** (index, value) for PCR 0, 1, 2, 3, 4, 8, in that order. */
  pcrs: { index: number; value: Uint8Array }[];
  publicKey?: Uint8Array;
  userData?: Uint8Array;
  nonce?: Uint8Array;
  certificate: Uint8Array;
  cabundle: Uint8Array[];
}

export const NITRO_LIMITS = {
  maxCertChain: 10,
  maxUserData: 512,
  maxPublicKey: 1024,
  maxPcrs: 32,
  maxCert: 1024,
  maxPayload: 16383,
} as const;

const REQUIRED_PCRS = [0, 1, 2, 3, 4, 8] as const;

class Tag18 {
  constructor(readonly value: unknown) {}
}
const TAGS: TagDecoder[] = [];
TAGS[18] = (decode) => new Tag18(decode());
const CBOR = { useMaps: true, rejectDuplicateMapKeys: true, tags: TAGS } as const;

const parseErr = (what: string): never => {
  throw new NitroAttestationError(NITRO_ABORT.parse, `parse: ${what}`);
};
const verifyErr = (what: string): never => {
  throw new NitroAttestationError(NITRO_ABORT.verify, `verify: ${what}`);
};

function cbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeFirst(bytes, CBOR)[0];
  } catch (e) {
    return parseErr(`${what}: ${(e as Error).message}`);
  }
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isInt = (v: unknown): v is number | bigint =>
  typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));

/** COSE_Sign1 → (protected, payload, signature), with Sui's header checks. */
export function parseCoseSign1(bytes: Uint8Array): {
  protected: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
} {
  let v = cbor(bytes, "COSE_Sign1");
  if (v instanceof Tag18) v = v.value;
  if (!Array.isArray(v) || v.length !== 4) return parseErr("COSE_Sign1 must be an array of 4");
  const [prot, unprot, payload, signature] = v as unknown[];
  if (!isBytes(prot)) return parseErr("protected header must be bytes");
  if (!(unprot instanceof Map)) return parseErr("unprotected header must be a map");
  if (!isBytes(payload)) return parseErr("payload must be bytes");
  if (!isBytes(signature)) return parseErr("signature must be bytes");
  const h = cbor(prot, "protected header");
  const alg = h instanceof Map && h.size === 1 ? h.get(1) : undefined;
  if (alg !== -35) parseErr("protected header must be {1: -35} (ES384)");
  if (payload.length < 1 || payload.length > NITRO_LIMITS.maxPayload) parseErr("payload length");
  if (signature.length !== 96) parseErr("signature must be 96 bytes");
  return { protected: prot, payload, signature };
}

function optionalBytes(m: Map<unknown, unknown>, key: string, max: number): Uint8Array | undefined {
  const v = m.get(key);
  if (!isBytes(v)) return undefined;
  if (v.length > max) parseErr(`invalid ${key}`);
  return v;
}

/** The attestation document (payload), with Sui's field checks. */
export function parseNitroPayload(payload: Uint8Array, limits: { maxUserData: number } = NITRO_LIMITS): NitroDocument {
  const m = cbor(payload, "payload");
  if (!(m instanceof Map)) return parseErr("payload must be a map");
  for (const k of m.keys()) if (typeof k !== "string") parseErr("payload keys must be text");
  const moduleId = m.get("module_id");
  if (typeof moduleId !== "string" || moduleId === "") return parseErr("invalid module id");
  const digest = m.get("digest");
  if (digest !== "SHA384") return parseErr("invalid digest");
  const certificate = m.get("certificate");
  if (!isBytes(certificate) || certificate.length === 0 || certificate.length > NITRO_LIMITS.maxCert)
    return parseErr("invalid certificate");
  const ts = m.get("timestamp");
  if (!isInt(ts)) return parseErr("timestamp is not an integer");
  const timestamp = BigInt(ts);
  if (timestamp < 0n || timestamp >= 1n << 64n) parseErr("timestamp not u64");
  const publicKey = optionalBytes(m, "public_key", NITRO_LIMITS.maxPublicKey);
  const userData = optionalBytes(m, "user_data", limits.maxUserData);
  const nonce = optionalBytes(m, "nonce", limits.maxUserData);
  const pcrMap = m.get("pcrs");
  if (!(pcrMap instanceof Map)) return parseErr("pcrs not found or not a map");
  if (pcrMap.size > NITRO_LIMITS.maxPcrs) parseErr("invalid PCRs length");
  const byIndex = new Map<number, Uint8Array>();
  for (const [k, val] of pcrMap) {
    if (!isInt(k)) parseErr("invalid PCR key format");
    if (!isBytes(val)) return parseErr("invalid PCR value format");
    if (val.length !== 32 && val.length !== 48 && val.length !== 64) parseErr("invalid PCR value length");
    const idx = BigInt(k as number | bigint);
    if (idx < 0n || idx > 255n) parseErr("invalid PCR index");
    if ((REQUIRED_PCRS as readonly number[]).includes(Number(idx))) byIndex.set(Number(idx), val);
  }
  const bundle = m.get("cabundle");
  if (!Array.isArray(bundle)) return parseErr("cabundle not found");
  if (bundle.length === 0 || bundle.length > NITRO_LIMITS.maxCertChain) parseErr("invalid ca chain length");
  const cabundle = bundle.map((c: unknown) => {
    if (!isBytes(c)) return parseErr("invalid certificate bytes");
    if (c.length === 0 || c.length > NITRO_LIMITS.maxCert) parseErr("invalid ca length");
    return c;
  });
  const pcrs = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, value]) => ({ index, value }));
  return { moduleId, timestamp, digest, pcrs, publicKey, userData, nonce, certificate, cabundle };
}

/** Sig_structure of COSE_Sign1 (RFC 8152 §4.4), as ciborium serializes it. */
export function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
}

const parsedRoots = new Map<string, ParsedCertificate>();
function root(der: Uint8Array): ParsedCertificate {
  const key = Buffer.from(der).toString("base64");
  let r = parsedRoots.get(key);
  if (!r) {
    r = parseCertificate(der);
    parsedRoots.set(key, r);
  }
  return r;
}

/**
 * Parses and verifies a Nitro attestation document at `nowMs` against the AWS root and any
 * `extraRoots` (a devnet test option; the chain must end at one of them). Throws
 * NitroAttestationError with Sui's abort code. `limits` is Sui's (512-byte user_data/nonce);
 * tests raise it to show that a genuine document with 1 KiB user data passes every other check.
 */
export function loadNitroAttestation(
  bytes: Uint8Array,
  nowMs: bigint,
  extraRoots: readonly Uint8Array[] = [],
  limits: { maxUserData: number } = NITRO_LIMITS,
): NitroDocument {
  const cose = parseCoseSign1(bytes);
  const doc = parseNitroPayload(cose.payload, limits);
  const r = cose.signature.subarray(0, 48);
  const s = cose.signature.subarray(48);
  const n = p384.Point.CURVE().n;
  const big = (x: Uint8Array) => BigInt(`0x${Buffer.from(x).toString("hex")}`);
  if (big(r) === 0n || big(r) >= n || big(s) === 0n || big(s) >= n) verifyErr("invalid signature");
  let leaf: ParsedCertificate;
  try {
    leaf = parseCertificate(doc.certificate);
  } catch (e) {
    return verifyErr(`leaf certificate: ${(e as Error).message}`);
  }
  let point: Uint8Array;
  try {
    const k = ecPublicKey(leaf);
    if (k.curve !== SECP384R1_OID) throw new CertificateError("not a P-384 key");
    point = k.point;
  } catch {
    return verifyErr("invalid public key");
  }
  let ok = false;
  try {
    const msg = sigStructure(cose.protected, cose.payload);
    ok = p384.verify(cose.signature, sha384(msg), point, { prehash: false, lowS: false });
  } catch {
    ok = false;
  }
  if (!ok) verifyErr("signature failed to verify");
  const chain = [doc.certificate, ...[...doc.cabundle].reverse()];
  const errors: string[] = [];
  for (const der of [AWS_NITRO_ROOT_G1_DER, ...extraRoots]) {
    try {
      verifyCertChain(chain, nowMs, root(der));
      if (doc.pcrs.length !== REQUIRED_PCRS.length)
        throw new NitroAttestationError(NITRO_ABORT.invalidPcrs, "PCRs 0, 1, 2, 3, 4 and 8 are required");
      return doc;
    } catch (e) {
      if (e instanceof NitroAttestationError) throw e;
      errors.push((e as Error).message);
    }
  }
  return verifyErr(`certificate chain: ${errors.join("; ")}`);
}
