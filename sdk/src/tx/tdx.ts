/**
 * Builders for on-chain Intel TDX attestation (`registry::set_tdx_root` / `set_tdx_policy`,
 * `tdx_attestation::record_tdx_collateral` / `record_tdx_crl` / `record_tdx_attestation`): a node with a TDX TEE
 * attests with one transaction and no verifier. See docs/attestation.md.
 */
import type { Transaction, TransactionResult } from "@mysten/sui/transactions";
import { AttestationPath, TcbStatus } from "../bcs/enums.js";
import { InvalidInputError } from "../errors.js";
import { registry, tdxAttestation } from "../generated/atoma/functions.js";
import type { WithAdmin, WithNodeCap, WithRegistry } from "./builders.js";
import { bytesArg, clockArg, ownedArg, packageOf, type SharedInput, sharedArg, type U64Input, u64 } from "./inputs.js";

/** TCB statuses and attestation paths: the tables generated from `atoma::constants` (re-exported here as before). */
export { AttestationPath, TcbStatus };

/** The highest TCB status a policy may allow: every status below Revoked. */
const HIGHEST_ALLOWED_TCB = TcbStatus.Revoked - 1;

/** Pins the Intel SGX root key (33-byte compressed P-256) that on-chain TDX verification trusts. */
export function buildSetTdxRoot(tx: Transaction, a: WithAdmin & { rootKey: Uint8Array }): TransactionResult {
  if (a.rootKey instanceof Uint8Array && a.rootKey.length === 33 && a.rootKey[0] !== 2 && a.rootKey[0] !== 3)
    throw new InvalidInputError("rootKey", "must be a compressed P-256 point (prefix 0x02 or 0x03)");
  return registry.setTdxRoot(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    bytesArg(tx, a.rootKey, "rootKey", 33),
  ]);
}

/** Sets the TCB statuses (TcbStatus codes below Revoked) allowed for confidential work and the collateral grace. */
export function buildSetTdxPolicy(
  tx: Transaction,
  a: WithAdmin & { allowedTcbStatuses: number[]; graceMs: U64Input },
): TransactionResult {
  if (
    !Array.isArray(a.allowedTcbStatuses) ||
    a.allowedTcbStatuses.some((s) => !Number.isInteger(s) || s < 0 || s > HIGHEST_ALLOWED_TCB)
  )
    throw new InvalidInputError(
      "allowedTcbStatuses",
      `must be TcbStatus codes ${TcbStatus.UpToDate}..=${HIGHEST_ALLOWED_TCB} (Revoked, ${TcbStatus.Revoked}, is never allowed)`,
    );
  return registry.setTdxPolicy(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.adminCap, "adminCap"),
    tx.pure.vector("u8", a.allowedTcbStatuses),
    u64(tx, a.graceMs, "graceMs"),
  ]);
}

export interface RecordTdxCollateralArgs extends WithRegistry {
  /** Intel PCS TCB info response, byte for byte: `{"tcbInfo":{...},"signature":"<hex>"}`. */
  tcbInfo: Uint8Array;
  /** Intel PCS QE identity response: `{"enclaveIdentity":{...},"signature":"<hex>"}`. */
  qeIdentity: Uint8Array;
  /** The Intel SGX TCB Signing certificate (DER). */
  signerDer: Uint8Array;
}

/** Records Intel collateral as a shared `TdxCollateral` (permissionless; signatures checked in Move). Returns its ID. */
export function buildRecordTdxCollateral(tx: Transaction, a: RecordTdxCollateralArgs): TransactionResult {
  return tdxAttestation.recordTdxCollateral(tx, packageOf(a), [
    sharedArg(tx, a.registry, false, "registry"),
    bytesArg(tx, a.tcbInfo, "tcbInfo"),
    bytesArg(tx, a.qeIdentity, "qeIdentity"),
    bytesArg(tx, a.signerDer, "signerDer"),
    clockArg(tx),
  ]);
}

export interface RecordTdxCrlArgs extends WithRegistry {
  /** A CRL (DER) as Intel's PCS serves it: the root CA CRL or a PCK CA CRL. */
  crl: Uint8Array;
  /** The CA certificate (DER) that signed it, itself signed by the pinned root (or the root itself). */
  caDer: Uint8Array;
}

/**
 * Records a CRL on chain (permissionless; signatures checked in Move; only a newer CRL replaces
 * a recorded one). From then on attestations whose PCK leaf or PCK CA it lists are refused.
 */
export function buildRecordTdxCrl(tx: Transaction, a: RecordTdxCrlArgs): TransactionResult {
  return tdxAttestation.recordTdxCrl(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    bytesArg(tx, a.crl, "crl"),
    bytesArg(tx, a.caDer, "caDer"),
    clockArg(tx),
  ]);
}

export interface RecordTdxAttestationArgs extends WithNodeCap {
  /** A `TdxCollateral` object recorded under the currently pinned root. */
  collateral: SharedInput;
  /** The TDX DCAP quote (v4 or v5) whose report data binds the node's keys. */
  quote: Uint8Array;
}

/** The node's TDX quote verified on chain; records attestation path 1 (no verifier). */
export function buildRecordTdxAttestation(tx: Transaction, a: RecordTdxAttestationArgs): TransactionResult {
  return tdxAttestation.recordTdxAttestation(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    sharedArg(tx, a.collateral, false, "collateral"),
    bytesArg(tx, a.quote, "quote"),
    clockArg(tx),
  ]);
}
