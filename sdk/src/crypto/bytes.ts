/** Byte helpers: hex, object ids, constant-time comparison. */
import { InvalidInputError } from "../errors.js";

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Lower-case hex of `bytes`, without a 0x prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string (an optional 0x prefix is allowed). `field` names it in errors. */
export function hexToBytes(hex: string, field = "hex"): Uint8Array {
  if (typeof hex !== "string") throw new InvalidInputError(field, "must be a hex string");
  const h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0) throw new InvalidInputError(field, "hex must have an even number of digits");
  if (!HEX_RE.test(h)) throw new InvalidInputError(field, "must contain only hex digits");
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * A 32-byte Sui object id from `0x`-hex (short forms like `0x2` are left-padded, as Sui does)
 * or from 32 bytes.
 */
export function objectIdBytes(id: string | Uint8Array, field = "id"): Uint8Array {
  if (id instanceof Uint8Array) {
    if (id.length !== 32) throw new InvalidInputError(field, `must be 32 bytes, got ${id.length}`);
    return id;
  }
  if (typeof id !== "string") throw new InvalidInputError(field, "must be a 0x-hex string or 32 bytes");
  const h = id.startsWith("0x") || id.startsWith("0X") ? id.slice(2) : id;
  if (h.length === 0 || h.length > 64) throw new InvalidInputError(field, "must be 1..64 hex digits");
  if (!HEX_RE.test(h)) throw new InvalidInputError(field, "must contain only hex digits");
  return hexToBytes(h.padStart(64, "0"), field);
}

/** `0x` + 64 lower-case hex digits of an object id. */
export function objectIdHex(id: string | Uint8Array, field = "id"): string {
  return `0x${bytesToHex(objectIdBytes(id, field))}`;
}

/** Constant-time (for equal lengths) byte equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
