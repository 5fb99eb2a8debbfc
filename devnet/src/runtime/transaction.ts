/** Transaction bytes: BCS decoding, Ed25519 signature checks and the SenderSignedData envelope. */
import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { normalizeAddress } from "../bytecode.js";
import { RpcError } from "../errors.js";
import { base64Bytes, hashBytes, toHex } from "./primitives.js";
import type { ParsedTx } from "./types.js";

const ULEB128 = suiBcs.uleb128();
const uleb = (n: number): Uint8Array => ULEB128.serialize(n).toBytes();

/** BCS SenderSignedData = vector[ { IntentMessage{ intent [0,0,0], TransactionData }, vector<sig bytes> } ], base64. */
export function senderSignedData(txBytes: Uint8Array, signatures: string[]): string {
  const sigs = signatures.map((s) => base64Bytes(s));
  const parts: Uint8Array[] = [new Uint8Array([1, 0, 0, 0]), txBytes, uleb(sigs.length)];
  for (const sig of sigs) parts.push(uleb(sig.length), sig);
  return Buffer.concat(parts).toString("base64");
}

export function decodeTx(txBytes: Uint8Array): ParsedTx {
  try {
    const data = suiBcs.TransactionData.parse(txBytes) as unknown as { V1: ParsedTx };
    return data.V1;
  } catch (e) {
    throw new RpcError(-32602, `Invalid params: tx_bytes is not a BCS TransactionData: ${(e as Error).message}`);
  }
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keyCache = new Map<string, KeyObject>();

/** Ed25519 with intent [0,0,0]; the address must be blake2b256(0x00 ‖ pk) and equal the sender. */
export function verifySignatures(txBytes: Uint8Array, signatures: string[], sender: string): void {
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
  const msg = hashBytes(new Uint8Array([0, 0, 0]), txBytes);
  // Native Ed25519 (OpenSSL via node:crypto): ~40x faster than a pure-JS verify.
  const pkHex = Buffer.from(pk).toString("hex");
  let key = keyCache.get(pkHex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, pk]), format: "der", type: "spki" });
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(pkHex, key);
  }
  if (!nodeVerify(null, msg, key, sig.subarray(1, 65)))
    throw new RpcError(-32602, "Invalid user signature: Ed25519 signature verification failed");
}
