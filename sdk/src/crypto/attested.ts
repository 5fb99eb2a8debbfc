/** The check run before sealing to a node key: the key is the one bound in a valid attestation. */
import { blake2b256 } from "../attestation/binding.js";
import type { NodeData } from "../bcs/schemas.js";
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
  /**
   * The node record's `mlkem_pk_hash` on chain (`node::set_pq_key`; empty or absent: none). With
   * `mlkemPk`, it must be present and equal `mlkemKeyHash(mlkemPk)`.
   */
  mlkemPkHash?: Uint8Array | null | undefined;
  attestation?: AttestationSummary | null;
}

/**
 * The record `assertKeyAttested` / `sealForNodes` take, from a node read from chain
 * (`AtomaClient.getNode`): keys, on-chain ML-KEM key hash and attestation. `extra` adds what the
 * chain does not hold (the ML-KEM public key itself, the verifier's `mlkemKeyHash` verdict).
 */
export function attestedNodeOf(
  nodeId: string,
  n: Pick<NodeData, "sig_pk" | "enc_pk" | "attestation"> & { mlkem_pk_hash?: NodeData["mlkem_pk_hash"] },
  extra: { mlkemPk?: Uint8Array; mlkemKeyHash?: Uint8Array } = {},
): AttestedNode & { nodeId: string; attestation: AttestationSummary | null } {
  const onChainHash = n.mlkem_pk_hash && n.mlkem_pk_hash.length > 0 ? Uint8Array.from(n.mlkem_pk_hash) : null;
  return {
    nodeId,
    sigPk: Uint8Array.from(n.sig_pk),
    encPk: Uint8Array.from(n.enc_pk),
    ...(extra.mlkemPk ? { mlkemPk: extra.mlkemPk } : {}),
    mlkemPkHash: onChainHash,
    attestation: n.attestation
      ? {
          teeKind: n.attestation.tee_kind,
          reportDataHash: Uint8Array.from(n.attestation.report_data_hash),
          expiresMs: BigInt(n.attestation.expires_ms),
          revoked: n.attestation.revoked,
          ...(extra.mlkemKeyHash ? { mlkemKeyHash: extra.mlkemKeyHash } : {}),
        }
      : null,
  };
}

/**
 * Throws KeyNotAttestedError unless `node` has an attestation with teeKind != 0, not revoked,
 * `expiresMs > nowMs`, and `reportDataHash == blake2b256(sigPk ‖ encPk)`; with `node.mlkemPk`,
 * also `attestation.mlkemKeyHash == mlkemKeyHash(mlkemPk)` (the TEE binds the key) and
 * `node.mlkemPkHash == mlkemKeyHash(mlkemPk)` (the node published that key on chain); a node
 * without an on-chain ML-KEM key hash is refused for post-quantum requests.
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
    assertPqKeyPublished(node, want);
    if (!(a.mlkemKeyHash instanceof Uint8Array))
      throw new KeyNotAttestedError(id, "attestation binds no ML-KEM-768 key: refused for post-quantum requests");
    if (!equalBytes(want, a.mlkemKeyHash))
      throw new KeyNotAttestedError(
        id,
        'mlkemKeyHash != blake2b256("atoma/mlkem768-pk/v1" ‖ mlkemPk): mlkemPk is not the attested key',
      );
  }
}

/**
 * Throws KeyNotAttestedError unless the node's on-chain record carries `mlkemKeyHash(mlkemPk)`
 * (`node.mlkemPkHash`, published with `node::set_pq_key`): a node with none, or another one, is
 * refused for post-quantum requests (attestation required or not).
 */
export function assertPqKeyPublished(
  node: Pick<AttestedNode, "nodeId" | "mlkemPk" | "mlkemPkHash">,
  want = mlkemKeyHash(node.mlkemPk as Uint8Array, "node.mlkemPk"),
): void {
  const onChain = node.mlkemPkHash;
  const id = objectIdHex(node.nodeId, "node.nodeId");
  if (!(onChain instanceof Uint8Array) || onChain.length === 0)
    throw new KeyNotAttestedError(
      id,
      "node record has no ML-KEM-768 key hash on chain (node::set_pq_key): refused for post-quantum requests",
    );
  if (!equalBytes(want, onChain))
    throw new KeyNotAttestedError(
      id,
      "on-chain mlkem_pk_hash != mlkemKeyHash(mlkemPk): mlkemPk is not the key the node published",
    );
}
