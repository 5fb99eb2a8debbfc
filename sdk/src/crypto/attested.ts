/** The check run before sealing to a node key: the key is the one bound in a valid attestation. */
import { blake2b256 } from "../attestation/binding.js";
import { ensureBytes } from "../errors.js";
import { concatBytes, equalBytes, objectIdHex } from "./bytes.js";
import { KeyNotAttestedError } from "./errors.js";
import { mlkemKeyHash } from "./hybrid.js";

export interface AttestationSummary {
  /** TEE kind: None=0, Tdx=1, SevSnp=2, NvidiaCc=3, Nitro=4. */
  teeKind: number;
  /** Must equal blake2b256(sigPk ‖ encPk). */
  reportDataHash: Uint8Array;
  /** Expiry, clock ms. */
  expiresMs: bigint | number;
  revoked?: boolean;
  /**
   * Report data bytes 32..64 as checked by the verifier: `mlkemKeyHash(mlkemPk)` for a node with
   * an ML-KEM-768 key (see docs/attestation.md, "Binding"). Absent: the node has no attested
   * ML-KEM key and is refused for post-quantum requests.
   */
  mlkemKeyHash?: Uint8Array | null;
}

export interface AttestedNode {
  nodeId: string | Uint8Array;
  sigPk: Uint8Array;
  encPk: Uint8Array;
  /** Given: the ML-KEM-768 key must be the one bound in the attestation too (post-quantum sealing). */
  mlkemPk?: Uint8Array | undefined;
  attestation?: AttestationSummary | null;
}

/**
 * Throws KeyNotAttestedError unless `node` has an attestation with teeKind != 0, not revoked,
 * `expiresMs > nowMs`, and `reportDataHash == blake2b256(sigPk ‖ encPk)`; with `node.mlkemPk`,
 * also `attestation.mlkemKeyHash == mlkemKeyHash(mlkemPk)`.
 */
export function assertKeyAttested(node: AttestedNode, nowMs: bigint | number): void {
  const id = objectIdHex(node.nodeId, "node.nodeId");
  ensureBytes(node.sigPk, "node.sigPk", 32);
  ensureBytes(node.encPk, "node.encPk", 32);
  const a = node.attestation;
  if (!a) throw new KeyNotAttestedError(id, "has no attestation");
  if (!Number.isInteger(a.teeKind) || a.teeKind === 0) {
    throw new KeyNotAttestedError(id, `attestation teeKind ${a.teeKind} is not a TEE (None=0)`);
  }
  if (a.revoked) throw new KeyNotAttestedError(id, "attestation is revoked");
  if (BigInt(a.expiresMs) <= BigInt(nowMs)) {
    throw new KeyNotAttestedError(id, `attestation expired at ${a.expiresMs} ms (now ${nowMs} ms)`);
  }
  ensureBytes(a.reportDataHash, "node.attestation.reportDataHash", 32);
  const expected = blake2b256(concatBytes(node.sigPk, node.encPk));
  if (!equalBytes(expected, a.reportDataHash)) {
    throw new KeyNotAttestedError(id, "reportDataHash != blake2b256(sigPk ‖ encPk): encPk is not the attested key");
  }
  if (node.mlkemPk !== undefined) {
    const want = mlkemKeyHash(node.mlkemPk, "node.mlkemPk");
    if (!(a.mlkemKeyHash instanceof Uint8Array))
      throw new KeyNotAttestedError(id, "attestation binds no ML-KEM-768 key: refused for post-quantum requests");
    if (!equalBytes(want, a.mlkemKeyHash))
      throw new KeyNotAttestedError(
        id,
        'mlkemKeyHash != blake2b256("atoma/mlkem768-pk/v1" ‖ mlkemPk): mlkemPk is not the attested key',
      );
  }
}
