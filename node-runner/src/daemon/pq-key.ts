/**
 * Publishes the node's ML-KEM-768 key hash on its on-chain record (`node::set_pq_key`) when the
 * record does not already carry it: requesters refuse to seal post-quantum to a node whose
 * recorded hash is missing or differs from the key they are given.
 */
import { type AtomaClient, bytesToHex, equalBytes, mlkemKeyHash } from "@atoma/sdk";
import type { Signer } from "@mysten/sui/cryptography";

export type PqKeyChain = Pick<AtomaClient, "getNode" | "setNodePqKey">;

/** Returns "published" when a transaction was sent, "unchanged" when the record already held the hash. */
export async function publishPqKey(
  chain: PqKeyChain,
  o: { signer: Signer; nodeId: string; nodeCap: string; mlkemPk: Uint8Array },
): Promise<{ status: "published" | "unchanged"; mlkemPkHash: string }> {
  const want = mlkemKeyHash(o.mlkemPk, "keys.mlkemPk");
  const n = await chain.getNode(o.nodeId);
  const have = Uint8Array.from(n.mlkem_pk_hash ?? []);
  if (equalBytes(have, want)) return { status: "unchanged", mlkemPkHash: bytesToHex(want) };
  await chain.setNodePqKey(o.signer, o.nodeCap, want);
  return { status: "published", mlkemPkHash: bytesToHex(want) };
}
