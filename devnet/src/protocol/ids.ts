/**
 * Object ids as Sui derives them: `derive_id(tx_digest, n) = blake2b256(0xf1 ‖ tx_digest ‖ u64le(n))`,
 * and the tx digests Move's `test_scenario` uses (`dummy_tx_hash_with_hint(txn_number)`), so a
 * TypeScript run can reproduce the ids, and therefore the randomness, of a Move test.
 */
import { blake2b } from "@noble/hashes/blake2.js";
import type { ProtocolContext } from "./machine.js";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function deriveId(txDigest: Uint8Array, n: bigint): string {
  const buf = new Uint8Array(1 + txDigest.length + 8);
  buf[0] = 0xf1;
  buf.set(txDigest, 1);
  new DataView(buf.buffer).setBigUint64(1 + txDigest.length, n, true);
  return `0x${hex(blake2b(buf, { dkLen: 32 }))}`;
}

/** `tx_context::dummy_tx_hash_with_hint(hint)`: bcs(u64 hint) padded with zeros to 32 bytes. */
export function dummyTxHash(hint: bigint): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setBigUint64(0, hint, true);
  return out;
}

/** A context whose fresh ids follow `derive_id(txDigest, 0, 1, …)`. */
export function contextFor(
  sender: string,
  txDigest: Uint8Array,
  nowMs: bigint,
  randomBytes?: Uint8Array,
): ProtocolContext & { idsCreated(): bigint } {
  let n = 0n;
  return {
    sender,
    nowMs,
    randomBytes,
    freshId: () => deriveId(txDigest, n++),
    idsCreated: () => n,
  };
}
