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
