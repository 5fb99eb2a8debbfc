/**
 * BCS bytes remembered per runtime value, so a value is not encoded again when its bytes are
 * already known: a stored object's value (its `bcs`), a value decoded from the interpreter's
 * bytes, an event. Keyed by the value object itself (a WeakMap) and the schema it was encoded
 * with. Values of the type the runtime changes in place (Coin balances: gas smashing and
 * charging, SplitCoins, MergeCoins) are never remembered; every other value is replaced as a
 * whole when it changes (the Clock's live timestamp too), so remembered bytes never go stale.
 */
import type { BcsType } from "@mysten/bcs";
import { bcsFor, isStruct, type MoveType, type StructResolver } from "../bytecode.js";

interface Known {
  schema: BcsType<unknown, unknown>;
  bytes: Uint8Array;
}
const known = new WeakMap<object, Known>();

/** Whether values of type `t` are changed in place by the runtime (so never shared or remembered). */
export const changedInPlace = (t: MoveType): boolean => isStruct(t, "0x2", "coin", "Coin");

/**
 * A Coin's BCS (its UID, then its Balance's u64: 40 bytes), written directly: coins are the one
 * kind of value that is never remembered (the gas coin changes in every transaction).
 */
function coinBytes(value: unknown): Uint8Array | undefined {
  const c = value as { id?: { id?: unknown }; balance?: { value?: unknown } } | null;
  const id = c?.id?.id;
  const amount = c?.balance?.value;
  if (typeof id !== "string" || !COIN_ID.test(id) || typeof amount !== "bigint") return undefined;
  if (amount < 0n || amount > 0xffff_ffff_ffff_ffffn) return undefined;
  const out = new Uint8Array(40);
  out.set(Buffer.from(id.slice(2), "hex"));
  new DataView(out.buffer).setBigUint64(32, amount, true);
  return out;
}
const COIN_ID = /^0x[0-9a-fA-F]{64}$/;

/** Records that `value` (of type `t`) encodes to `bytes`. */
export function rememberBcs(t: MoveType, value: unknown, bytes: Uint8Array, resolve: StructResolver): void {
  if (typeof value !== "object" || value === null || changedInPlace(t)) return;
  known.set(value, { schema: bcsFor(t, resolve), bytes });
}

/** The BCS bytes of `value` as type `t`: the remembered ones, else encoded (and remembered). */
export function encodeBcs(t: MoveType, value: unknown, resolve: StructResolver): Uint8Array {
  const schema = bcsFor(t, resolve);
  const isObj = typeof value === "object" && value !== null;
  if (isObj) {
    const k = known.get(value);
    if (k !== undefined && k.schema === schema) return k.bytes;
  }
  if (changedInPlace(t)) return coinBytes(value) ?? schema.serialize(value).toBytes();
  const bytes = schema.serialize(value).toBytes();
  if (isObj) known.set(value, { schema, bytes });
  return bytes;
}

/** `bytes` decoded as type `t`, the value remembering its bytes. */
export function decodeBcs(t: MoveType, bytes: Uint8Array, resolve: StructResolver): unknown {
  const schema = bcsFor(t, resolve);
  const value = schema.parse(bytes);
  if (typeof value === "object" && value !== null && !changedInPlace(t)) known.set(value, { schema, bytes });
  return value;
}
