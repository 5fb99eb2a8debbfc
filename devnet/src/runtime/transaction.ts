/** Transaction bytes: BCS decoding, Ed25519 signature checks and the SenderSignedData envelope. */
import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { normalizeAddress } from "../bytecode.js";
import { RpcError } from "../errors.js";
import { base64Bytes, hashBytes, toHex } from "./primitives.js";
import { decodeCommonTransactionData } from "./tx-decode.js";
import type { ParsedTx } from "./types.js";

const ULEB128 = suiBcs.uleb128();
const uleb = (n: number): Uint8Array => ULEB128.serialize(n).toBytes();

/** BCS SenderSignedData = vector[ { IntentMessage{ intent [0,0,0], TransactionData }, vector<sig bytes> } ], base64. */
export function senderSignedData(txBytes: Uint8Array, signatures: readonly string[]): string {
  const sigs = signatures.map((s) => base64Bytes(s));
  const parts: Uint8Array[] = [new Uint8Array([1, 0, 0, 0]), txBytes, uleb(sigs.length)];
  for (const sig of sigs) parts.push(uleb(sig.length), sig);
  return Buffer.concat(parts).toString("base64");
}

/** `TransactionData` V1: the common shape decoded directly (`tx-decode.ts`), anything else by @mysten/sui's schema. */
export function decodeTx(txBytes: Uint8Array): ParsedTx {
  const common = decodeCommonTransactionData(txBytes);
  if (common) return common;
  try {
    const data = suiBcs.TransactionData.parse(txBytes) as unknown as { V1: ParsedTx };
    return data.V1;
  } catch (e) {
    throw new RpcError(-32602, `Invalid params: tx_bytes is not a BCS TransactionData: ${(e as Error).message}`);
  }
}

/** DER SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 public key (also the verify workers'). */
export const ED25519_SPKI_PREFIX_HEX = "302a300506032b6570032100";
const ED25519_SPKI_PREFIX = Buffer.from(ED25519_SPKI_PREFIX_HEX, "hex");
const keyCache = new Map<string, KeyObject>();

/** What is left to check of a transaction's signature once its form and signer are: the Ed25519 equation. */
export interface Ed25519Check {
  /** blake2b-256 of intent [0,0,0] ‖ tx bytes. */
  message: Uint8Array;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/**
 * Every check of `signatures` but the Ed25519 verification itself, in the order and with the
 * errors of `verifySignatures`: one signature, base64, Ed25519 (flag 0x00, 97 bytes), the
 * address blake2b256(0x00 ‖ pk) equal to the sender.
 */
export function checkSignatureForm(txBytes: Uint8Array, signatures: string[], sender: string): Ed25519Check {
  if (signatures.length !== 1)
    throw new RpcError(-32602, `Invalid user signature: expected 1 signature, got ${signatures.length}`);
  let sig: Uint8Array;
  try {
    sig = base64Bytes(signatures[0]!);
  } catch {
    throw new RpcError(-32602, "Invalid user signature: not base64");
  }
  if (sig[0] !== 0 || sig.length !== 97)
    throw new RpcError(
      -32602,
      `Invalid user signature: only Ed25519 (flag 0x00, 97 bytes) is supported, got flag ${sig[0]} and ${sig.length} bytes`,
    );
  const pk = sig.subarray(65, 97);
  const addr = toHex(hashBytes(new Uint8Array([0]), pk));
  if (addr !== normalizeAddress(sender))
    throw new RpcError(
      -32602,
      `Invalid user signature: signer ${addr} is not the transaction sender ${normalizeAddress(sender)}`,
    );
  return { message: hashBytes(new Uint8Array([0, 0, 0]), txBytes), publicKey: pk, signature: sig.subarray(1, 65) };
}

/** The Ed25519 verification of `c` on this thread (native Ed25519, OpenSSL via node:crypto: ~40x a pure-JS verify). */
export function ed25519Verify(c: Ed25519Check): boolean {
  const pkHex = Buffer.from(c.publicKey).toString("hex");
  let key = keyCache.get(pkHex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, c.publicKey]), format: "der", type: "spki" });
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(pkHex, key);
  }
  return nodeVerify(null, c.message, key, c.signature);
}

/** The error of a signature that fails the Ed25519 verification (wherever it ran). */
export const signatureFailed = (): RpcError =>
  new RpcError(-32602, "Invalid user signature: Ed25519 signature verification failed");

/** Ed25519 with intent [0,0,0]; the address must be blake2b256(0x00 ‖ pk) and equal the sender. */
export function verifySignatures(txBytes: Uint8Array, signatures: string[], sender: string): void {
  if (!ed25519Verify(checkSignatureForm(txBytes, signatures, sender))) throw signatureFailed();
}
