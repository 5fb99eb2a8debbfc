/**
 * Attestation verdicts: an allow-listed verifier's Ed25519 signature over a fixed message that
 * the Move function `record_attestation` checks with `sui::ed25519::ed25519_verify`.
 *
 * msg = b"ATOMA_ATTESTATION_V2" || bcs(node_id: address) || bcs(tee_kind: u8)
 *       || bcs(measurement: vector<u8>) || bcs(report_data_hash: vector<u8>)
 *       || bcs(evidence_hash: vector<u8>) || bcs(issued_ms: u64) || bcs(expires_ms: u64)
 *
 * `issued_ms` is what makes revocation stick: the chain refuses a verdict issued at or before
 * the node's last revocation, so an old signed verdict cannot be replayed.
 */
import { bcs } from "@mysten/bcs";
import { TeeKind } from "../bcs/enums.js";
import { ed25519Sign, ed25519Verify } from "../crypto/primitives.js";
import { InvalidInputError } from "../errors.js";

export const VERDICT_DOMAIN = "ATOMA_ATTESTATION_V2";

export interface AttestationVerdict {
  /** The node's id (Sui address/object id), 0x-prefixed hex, up to 32 bytes. */
  nodeId: string;
  /** TEE kind code: 0 None, 1 Tdx, 2 SevSnp, 3 NvidiaCc, 4 Nitro. */
  teeKind: number;
  measurement: Uint8Array;
  /** blake2b256(sig_pk || enc_pk), 32 bytes. */
  reportDataHash: Uint8Array;
  /** blake2b256(evidence bytes), 32 bytes. */
  evidenceHash: Uint8Array;
  /** When the verifier issued the verdict, clock milliseconds (not after the chain's clock). */
  issuedMs: bigint | number;
  /** Expiry of the verdict, clock milliseconds (at most issuedMs + attestation_validity_ms). */
  expiresMs: bigint | number;
}

const VerdictBcs = bcs.struct("AttestationVerdict", {
  node_id: bcs.fixedArray(32, bcs.u8()),
  tee_kind: bcs.u8(),
  measurement: bcs.vector(bcs.u8()),
  report_data_hash: bcs.vector(bcs.u8()),
  evidence_hash: bcs.vector(bcs.u8()),
  issued_ms: bcs.u64(),
  expires_ms: bcs.u64(),
});

function addressBytes(id: string): number[] {
  if (typeof id !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(id)) {
    throw new InvalidInputError("nodeId", "must be a 0x-prefixed hex address of at most 32 bytes");
  }
  const hex = id.slice(2).padStart(64, "0");
  const out: number[] = [];
  for (let i = 0; i < 64; i += 2) out.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return out;
}

function u64Of(v: bigint | number, field: string): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v)) throw new InvalidInputError(field, "must be an integer");
  if (typeof v !== "number" && typeof v !== "bigint") throw new InvalidInputError(field, "must be a bigint or number");
  const b = BigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new InvalidInputError(field, "must fit in a u64");
  return b;
}

/** The exact bytes the verifier signs (see the module comment and docs/attestation.md). */
export function encodeVerdictMessage(v: AttestationVerdict): Uint8Array {
  if (!(Object.values(TeeKind) as number[]).includes(v.teeKind)) {
    throw new InvalidInputError("teeKind", "must be an integer 0..4 (None, Tdx, SevSnp, NvidiaCc, Nitro)");
  }
  for (const f of ["measurement", "reportDataHash", "evidenceHash"] as const) {
    if (!(v[f] instanceof Uint8Array)) throw new InvalidInputError(f, "must be a Uint8Array");
  }
  if (v.reportDataHash.length !== 32) throw new InvalidInputError("reportDataHash", "must be 32 bytes");
  if (v.evidenceHash.length !== 32) throw new InvalidInputError("evidenceHash", "must be 32 bytes");
  const issued = u64Of(v.issuedMs, "issuedMs");
  const exp = u64Of(v.expiresMs, "expiresMs");
  const body = VerdictBcs.serialize({
    node_id: addressBytes(v.nodeId),
    tee_kind: v.teeKind,
    measurement: Array.from(v.measurement),
    report_data_hash: Array.from(v.reportDataHash),
    evidence_hash: Array.from(v.evidenceHash),
    issued_ms: issued,
    expires_ms: exp,
  }).toBytes();
  const domain = new TextEncoder().encode(VERDICT_DOMAIN);
  const msg = new Uint8Array(domain.length + body.length);
  msg.set(domain, 0);
  msg.set(body, domain.length);
  return msg;
}

/** Ed25519 signature (64 bytes) of the verdict message with a 32-byte secret key. */
export function signVerdict(v: AttestationVerdict, secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new InvalidInputError("secretKey", "must be a 32-byte Ed25519 secret key");
  }
  return ed25519Sign(encodeVerdictMessage(v), secretKey);
}

/** True when `sig` is `pk`'s Ed25519 signature of the verdict message. */
export function verifyVerdict(v: AttestationVerdict, sig: Uint8Array, pk: Uint8Array): boolean {
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  if (!(pk instanceof Uint8Array) || pk.length !== 32) return false;
  try {
    return ed25519Verify(sig, encodeVerdictMessage(v), pk);
  } catch {
    return false;
  }
}
