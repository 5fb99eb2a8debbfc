/** Constants, hashing and small conversions shared by the runtime's modules. */
import { fromBase64, toBase58 } from "@mysten/bcs";
import { blake2b256 } from "../blake2b.js";
import { normalizeAddress, parseType } from "../bytecode.js";
import type { Owner, StoredObject } from "../types.js";

const enc = new TextEncoder();
export const SUI_TYPE = "0x2::sui::SUI";
export const GAS_COIN_TYPE = parseType("0x2::coin::Coin<0x2::sui::SUI>");
export const CLOCK_ID = normalizeAddress("0x6");
export const RANDOM_ID = normalizeAddress("0x8");
export const ZERO_ADDR = normalizeAddress("0x0");
export const DELETED_DIGEST = toBase58(new Uint8Array(32).fill(99));
export const WRAPPED_DIGEST = toBase58(new Uint8Array(32).fill(88));

/** blake2b-256 of the concatenation of `parts` (strings as UTF-8). */
export const hashBytes = blake2b256;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * Base64 to bytes: canonical (padded) base64 through Node's decoder, several times faster than
 * `fromBase64` of @mysten/bcs (atob, a char at a time); anything else goes to `fromBase64`, which
 * decodes or rejects it as before.
 */
export function base64Bytes(s: string): Uint8Array {
  if (!CANONICAL_BASE64.test(s)) return fromBase64(s);
  return new Uint8Array(Buffer.from(s, "base64"));
}
/** Bytes to (padded) base64: the same text as `toBase64` of @mysten/bcs, through Node's encoder. */
export function base64Of(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}
export function hexToBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
}
export function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
/**
 * A deep copy of a runtime value (plain objects, arrays, bigints, strings, numbers, booleans,
 * null, byte arrays): what `structuredClone` gives for these, several times faster; anything
 * else (a Map, a class instance) goes to `structuredClone`.
 */
export function deepClone<T>(v: T): T {
  return cloneValue(v) as T;
}
function cloneValue(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i]);
    return out;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = cloneValue((v as Record<string, unknown>)[k]);
  return out;
}
export function ownerToBcs(o: Owner): Record<string, unknown> {
  if (o === "Immutable") return { Immutable: true };
  if ("AddressOwner" in o) return { AddressOwner: o.AddressOwner };
  if ("ObjectOwner" in o) return { ObjectOwner: o.ObjectOwner };
  return { Shared: { initialSharedVersion: o.Shared.initial_shared_version } };
}
export function toHex(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString("hex")}`;
}
export function ref(o: StoredObject): { objectId: string; version: string; digest: string } {
  return { objectId: o.id, version: o.version.toString(), digest: o.digest };
}
/** The digest string as bytes (the seed of the ids a transaction creates). */
export function fromBase58Digest(d: string): Uint8Array {
  return enc.encode(d);
}
