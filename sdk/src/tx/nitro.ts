/**
 * Builder for on-chain AWS Nitro attestation: one PTB with two commands, Sui's own
 * `0x2::nitro_attestation::load_nitro_attestation(document, clock)` (an `entry` function: it
 * verifies the COSE_Sign1 signature and the certificate chain to the AWS root and returns the
 * parsed document) then `nitro_enclave::record_nitro_attestation` (atoma) (PCRs, binding, freshness).
 * A node with a Nitro enclave attests with one transaction and no verifier. See
 * docs/attestation.md.
 */
import type { Transaction, TransactionResult } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { InvalidInputError } from "../errors.js";
import { nitroEnclave } from "../generated/atoma/functions.js";
import type { WithNodeCap } from "./builders.js";
import { bytesArg, clockArg, ownedArg, packageOf, sharedArg } from "./inputs.js";

/** Sui's limit on a document's COSE payload (bytes); the whole document must also fit a 16 KiB pure argument. */
const MAX_DOCUMENT_BYTES = 16 * 1024;

export interface RecordNitroAttestationArgs extends WithNodeCap {
  /**
   * The Nitro attestation document (COSE_Sign1, CBOR) whose user_data starts with
   * blake2b256(sig_pk ‖ enc_pk): the node asks its NSM for `user_data = reportDataFor(sigPk, encPk, mlkemPk?)`
   * (`@atoma/sdk/attestation`), the same 64 bytes as TDX / SEV-SNP report data.
   */
  document: Uint8Array;
}

/** The node's Nitro document verified on chain; records attestation path 2 (no verifier). */
export function buildRecordNitroAttestation(tx: Transaction, a: RecordNitroAttestationArgs): TransactionResult {
  if (a.document instanceof Uint8Array && (a.document.length === 0 || a.document.length > MAX_DOCUMENT_BYTES))
    throw new InvalidInputError("document", `must be 1..${MAX_DOCUMENT_BYTES} bytes, got ${a.document.length}`);
  const document = tx.moveCall({
    target: "0x2::nitro_attestation::load_nitro_attestation",
    arguments: [bytesArg(tx, a.document, "document"), clockArg(tx)],
  });
  return nitroEnclave.recordNitroAttestation(tx, packageOf(a), [
    sharedArg(tx, a.registry, true, "registry"),
    ownedArg(tx, a.nodeCap, "nodeCap"),
    document,
    clockArg(tx),
  ]);
}

/** The measurement the registry allow-lists for tee_kind 4 (Nitro): blake2b256(PCR0 ‖ PCR1 ‖ PCR2). */
export function nitroMeasurement(pcr0: Uint8Array, pcr1: Uint8Array, pcr2: Uint8Array): Uint8Array {
  for (const [name, p] of [
    ["pcr0", pcr0],
    ["pcr1", pcr1],
    ["pcr2", pcr2],
  ] as const)
    if (!(p instanceof Uint8Array) || ![32, 48, 64].includes(p.length))
      throw new InvalidInputError(name, "must be a 32, 48 or 64-byte PCR value");
  return blake2b(Uint8Array.from([...pcr0, ...pcr1, ...pcr2]), { dkLen: 32 });
}
