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

const changedInPlace = (t: MoveType): boolean => isStruct(t, "0x2", "coin", "Coin");

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
  const bytes = schema.serialize(value).toBytes();
  if (isObj && !changedInPlace(t)) known.set(value, { schema, bytes });
  return bytes;
}

/** `bytes` decoded as type `t`, the value remembering its bytes. */
export function decodeBcs(t: MoveType, bytes: Uint8Array, resolve: StructResolver): unknown {
  const schema = bcsFor(t, resolve);
  const value = schema.parse(bytes);
  if (typeof value === "object" && value !== null && !changedInPlace(t)) known.set(value, { schema, bytes });
  return value;
}
