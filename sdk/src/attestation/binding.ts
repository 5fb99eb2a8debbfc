/** Binding of a node's keys into the TEE report data. */
import { blake2b } from "@noble/hashes/blake2.js";
import { ensureBytes } from "../errors.js";
import { AttestationError, bytesEqual, toHex } from "./common.js";

/** blake2b-256 of `data`. */
export function blake2b256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}

/** The 32 bytes a node's report data must start with: blake2b256(sigPk || encPk). */
export function expectedReportData(sigPk: Uint8Array, encPk: Uint8Array): Uint8Array {
  ensureBytes(sigPk, "sigPk", 32);
  ensureBytes(encPk, "encPk", 32);
  const buf = new Uint8Array(64);
  buf.set(sigPk, 0);
  buf.set(encPk, 32);
  return blake2b256(buf);
}

/**
 * Checks that `claims.reportData` starts with blake2b256(sigPk || encPk); returns that hash
 * (the `report_data_hash` recorded on chain). Throws AttestationError("binding") otherwise.
 */
export function checkReportDataBinding(
  claims: { reportData: Uint8Array },
  sigPk: Uint8Array,
  encPk: Uint8Array,
): Uint8Array {
  const want = expectedReportData(sigPk, encPk);
  const got = claims.reportData.subarray(0, 32);
  if (claims.reportData.length < 32 || !bytesEqual(got, want)) {
    throw new AttestationError(
      "binding",
      `report data starts with ${toHex(got)}, expected blake2b256(sigPk || encPk) = ${toHex(want)}`,
    );
  }
  return want;
}

const LABEL_MLKEM_PK = new TextEncoder().encode("atoma/mlkem768-pk/v1");

/**
 * The hash of a node's ML-KEM-768 public key (1184 bytes) bound into report data bytes 32..64:
 * `blake2b256("atoma/mlkem768-pk/v1" ‖ mlkemPk)`.
 */
export function mlkemKeyHash(mlkemPk: Uint8Array, field = "mlkemPk"): Uint8Array {
  ensureBytes(mlkemPk, field, 1184);
  const buf = new Uint8Array(LABEL_MLKEM_PK.length + mlkemPk.length);
  buf.set(LABEL_MLKEM_PK, 0);
  buf.set(mlkemPk, LABEL_MLKEM_PK.length);
  return blake2b256(buf);
}

/**
 * The 64 bytes a node asks its TEE to put in the report data: blake2b256(sigPk ‖ encPk) ‖
 * (mlkemKeyHash(mlkemPk), or 32 zero bytes for a node without an ML-KEM key).
 */
export function reportDataFor(sigPk: Uint8Array, encPk: Uint8Array, mlkemPk?: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(expectedReportData(sigPk, encPk), 0);
  if (mlkemPk !== undefined) out.set(mlkemKeyHash(mlkemPk), 32);
  return out;
}

/**
 * Checks that report data bytes 32..64 equal mlkemKeyHash(mlkemPk); returns that hash (what a
 * verifier reports as the node's attested ML-KEM key). Throws AttestationError("binding").
 */
export function checkMlKemBinding(claims: { reportData: Uint8Array }, mlkemPk: Uint8Array): Uint8Array {
  const want = mlkemKeyHash(mlkemPk);
  const got = claims.reportData.subarray(32, 64);
  if (claims.reportData.length < 64 || !bytesEqual(got, want)) {
    throw new AttestationError(
      "binding",
      `report data bytes 32..64 are ${toHex(got)}, expected blake2b256("atoma/mlkem768-pk/v1" || mlkemPk) = ${toHex(want)}`,
    );
  }
  return want;
}
