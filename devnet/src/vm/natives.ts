/**
 * The `native fun`s of move-stdlib (0x1) and sui-framework (0x2) the devnet provides. Everything
 * else in the framework runs as the framework's own bytecode. A native missing from this table
 * fails the transaction naming it (`0x2::bls12381::bls12381_min_sig_verify is not available …`).
 */

import { createHash, createHmac } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { blake2b256 } from "../blake2b.js";
import type { MoveType } from "../bytecode.js";
import { VmFailure } from "./errors.js";
import { GAS_SCHEDULE, LIMITS } from "./gas.js";
import type { NativeContext, NativeFunction } from "./interpreter.js";
import { NITRO_NATIVE, nitroNative } from "./nitro/native.js";
import { Ref, toBcs, type Value } from "./values.js";

const bytesOf = (v: Value | undefined): Uint8Array => Uint8Array.from((v instanceof Ref ? v.get() : v) as number[]);
/** Bytes as a vector<u8> value (a plain loop: Array.from goes through the iterator, an object per byte). */
function arr(b: Uint8Array): number[] {
  const out = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i]!;
  return out;
}
const deref = (v: Value | undefined): Value => (v instanceof Ref ? v.get() : (v as Value));
const vecError = (what: string): never => {
  throw new VmFailure("MovePrimitiveRuntimeError", `VECTOR_OPERATION_ERROR: ${what}`);
};

function addrBytes(a: string): Uint8Array {
  return Buffer.from(a.slice(2), "hex");
}
function bytesToAddr(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString("hex")}`;
}
function chargeBytes(ctx: NativeContext, n: number, extra = 0): void {
  ctx.gas.charge(GAS_SCHEDULE.nativeCall + n * GAS_SCHEDULE.nativeByte + extra);
}

/** Move's canonical type string (`type_name`): addresses as 64 hex digits without 0x. */
function canonicalTypeName(t: MoveType): string {
  if (t.kind === "prim") return t.name;
  if (t.kind === "vector") return `vector<${canonicalTypeName(t.of)}>`;
  const args = t.args.length ? `<${t.args.map(canonicalTypeName).join(",")}>` : "";
  return `${t.address.slice(2)}::${t.module}::${t.name}${args}`;
}

/** Type tag BCS (`TypeTag`), as dynamic-field ids hash it. */
function typeTagBcs(t: MoveType, out: number[] = []): number[] {
  if (t.kind === "prim") {
    out.push({ bool: 0, u8: 1, u64: 2, u128: 3, address: 4, signer: 5, u16: 8, u32: 9, u256: 10 }[t.name]);
    return out;
  }
  if (t.kind === "vector") {
    out.push(6);
    return typeTagBcs(t.of, out);
  }
  out.push(7);
  out.push(...addrBytes(t.address));
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    out.push(b.length, ...b);
  };
  str(t.module);
  str(t.name);
  out.push(t.args.length);
  for (const a of t.args) typeTagBcs(a, out);
  return out;
}

/** dynamic_field::hash_type_and_key: blake2b256(0xf0 ‖ parent ‖ len(k) as u64 LE ‖ bcs(k) ‖ bcs(type tag)). */
export function childId(parent: string, keyType: MoveType, keyBcs: Uint8Array): string {
  const len = new Uint8Array(8);
  let n = keyBcs.length;
  for (let i = 0; n > 0; i++, n = Math.floor(n / 256)) len[i] = n & 0xff;
  return bytesToAddr(blake2b256(Uint8Array.of(0xf0), addrBytes(parent), len, keyBcs, typeTagBytes(keyType)));
}

/** A type's `TypeTag` BCS, by type object (types are never changed; the same key types come again and again). */
const typeTags = new WeakMap<MoveType, Uint8Array>();
function typeTagBytes(t: MoveType): Uint8Array {
  let b = typeTags.get(t);
  if (b === undefined) {
    b = Uint8Array.from(typeTagBcs(t));
    typeTags.set(t, b);
  }
  return b;
}

/** The UID's address inside an object value: the first field (UID) → ID → address. */
export function objectIdOf(obj: Value): string {
  return ((obj as Value[])[0] as Value[][])[0]![0] as string;
}

function utf8Valid(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
const isCharBoundary = (b: Uint8Array, i: number): boolean =>
  i === b.length || (i < b.length && (b[i]! & 0xc0) !== 0x80);

function verifyEcdsa(
  curve: typeof p256 | typeof secp256k1,
  sig: Uint8Array,
  pk: Uint8Array,
  msg: Uint8Array,
  hash: number,
): boolean {
  if (sig.length !== 64 || pk.length !== 33) return false;
  const digest = hash === 0 ? keccak_256(msg) : hash === 1 ? sha256(msg) : undefined;
  if (!digest) return false;
  try {
    return curve.verify(sig, digest, pk, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

const TRUE_NATIVES: [string, NativeFunction][] = [
  // ---- std::vector ----
  ["0x1::vector::empty", () => [[]]],
  ["0x1::vector::length", (_c, _t, [v]) => [BigInt(((v as Ref).get() as Value[]).length)]],
  [
    "0x1::vector::borrow",
    (_c, _t, [v, i]) => {
      const vec = (v as Ref).get() as Value[];
      const k = Number(i); // past 2^53 it rounds, still ≥ any length
      if (k >= vec.length) vecError("index out of bounds");
      return [new Ref(vec, k)];
    },
  ],
  [
    "0x1::vector::borrow_mut",
    (_c, _t, [v, i]) => {
      const vec = (v as Ref).get() as Value[];
      const k = Number(i); // past 2^53 it rounds, still ≥ any length
      if (k >= vec.length) vecError("index out of bounds");
      return [new Ref(vec, k)];
    },
  ],
  [
    "0x1::vector::push_back",
    (_c, _t, [v, x]) => {
      const vec = (v as Ref).get() as Value[];
      if (vec.length >= LIMITS.maxVectorLength)
        throw new VmFailure("VectorTooLong", `vector longer than ${LIMITS.maxVectorLength} elements`);
      vec.push(x as Value);
      return [];
    },
  ],
  [
    "0x1::vector::pop_back",
    (_c, _t, [v]) => {
      const vec = (v as Ref).get() as Value[];
      if (vec.length === 0) vecError("index out of bounds");
      return [vec.pop() as Value];
    },
  ],
  [
    "0x1::vector::destroy_empty",
    (_c, _t, [v]) => {
      if ((v as Value[]).length !== 0) vecError("destroy_empty of a non-empty vector");
      return [];
    },
  ],
  [
    "0x1::vector::swap",
    (_c, _t, [v, i, j]) => {
      const vec = (v as Ref).get() as Value[];
      const n = BigInt(vec.length);
      if ((i as bigint) >= n || (j as bigint) >= n) vecError("index out of bounds");
      const a = Number(i);
      const b = Number(j);
      const tmp = vec[a] as Value;
      vec[a] = vec[b] as Value;
      vec[b] = tmp;
      return [];
    },
  ],
  // ---- std hashes, bcs, string, type_name, debug ----
  [
    "0x1::hash::sha2_256",
    (c, _t, [d]) => {
      const b = bytesOf(d);
      chargeBytes(c, b.length);
      return [arr(createHash("sha256").update(b).digest())];
    },
  ],
  [
    "0x1::hash::sha3_256",
    (c, _t, [d]) => {
      const b = bytesOf(d);
      chargeBytes(c, b.length);
      return [arr(createHash("sha3-256").update(b).digest())];
    },
  ],
  [
    "0x1::bcs::to_bytes",
    (c, [t], [v]) => {
      const b = toBcs(t!, deref(v as Value), (st) => c.loader.layout(st));
      chargeBytes(c, b.length);
      return [arr(b)];
    },
  ],
  ["0x1::string::internal_check_utf8", (_c, _t, [v]) => [utf8Valid(bytesOf(v))]],
  ["0x1::string::internal_is_char_boundary", (_c, _t, [v, i]) => [isCharBoundary(bytesOf(v), Number(i))]],
  ["0x1::string::internal_sub_string", (_c, _t, [v, i, j]) => [arr(bytesOf(v).slice(Number(i), Number(j)))]],
  [
    "0x1::string::internal_index_of",
    (_c, _t, [v, r]) => {
      const hay = Buffer.from(bytesOf(v));
      const needle = Buffer.from(bytesOf(r));
      const at = hay.indexOf(needle);
      return [BigInt(at < 0 ? hay.length : at)];
    },
  ],
  ["0x1::type_name::with_defining_ids", (_c, [t]) => [[[arr(Buffer.from(canonicalTypeName(t!)))]]]],
  ["0x1::type_name::with_original_ids", (_c, [t]) => [[[arr(Buffer.from(canonicalTypeName(t!)))]]]],
  [
    "0x1::type_name::defining_id",
    (c, [t]) => {
      if (t!.kind !== "struct") c.abort(0n);
      return [(t as Extract<MoveType, { kind: "struct" }>).address];
    },
  ],
  [
    "0x1::type_name::original_id",
    (c, [t]) => {
      if (t!.kind !== "struct") c.abort(0n);
      return [(t as Extract<MoveType, { kind: "struct" }>).address];
    },
  ],
  ["0x1::debug::print", () => []],
  ["0x1::debug::print_stack_trace", () => []],
  // ---- sui::address ----
  ["0x2::address::to_u256", (_c, _t, [a]) => [BigInt(a as string)]],
  ["0x2::address::from_u256", (_c, _t, [n]) => [`0x${(n as bigint).toString(16).padStart(64, "0")}`]],
  [
    "0x2::address::from_bytes",
    (c, _t, [b]) => {
      const bytes = bytesOf(b);
      if (bytes.length !== 32) c.abort(0n);
      return [bytesToAddr(bytes)];
    },
  ],
  // ---- sui crypto ----
  [
    "0x2::hash::blake2b256",
    (c, _t, [d]) => {
      const b = bytesOf(d);
      chargeBytes(c, b.length);
      return [arr(blake2b256(b))];
    },
  ],
  [
    "0x2::hash::keccak256",
    (c, _t, [d]) => {
      const b = bytesOf(d);
      chargeBytes(c, b.length);
      return [arr(keccak_256(b))];
    },
  ],
  [
    "0x2::hmac::hmac_sha3_256",
    (c, _t, [k, m]) => {
      const msg = bytesOf(m);
      chargeBytes(c, msg.length);
      // OpenSSL's HMAC-SHA3-256 (node:crypto): the same bytes as @noble/hashes' hmac(sha3_256), ~10× faster
      // (sui::random's generator calls it per 32 bytes it derives).
      return [arr(createHmac("sha3-256", bytesOf(k)).update(msg).digest())];
    },
  ],
  [
    "0x2::ed25519::ed25519_verify",
    (c, _t, [s, p, m]) => {
      const sig = bytesOf(s);
      const pk = bytesOf(p);
      const msg = bytesOf(m);
      chargeBytes(c, msg.length, GAS_SCHEDULE.signature);
      if (sig.length !== 64 || pk.length !== 32) return [false];
      try {
        return [ed25519.verify(sig, msg, pk)];
      } catch {
        return [false];
      }
    },
  ],
  [
    "0x2::ecdsa_r1::secp256r1_verify",
    (c, _t, [s, p, m, h]) => {
      const msg = bytesOf(m);
      chargeBytes(c, msg.length, GAS_SCHEDULE.signature);
      return [verifyEcdsa(p256, bytesOf(s), bytesOf(p), msg, h as number)];
    },
  ],
  [
    "0x2::ecdsa_k1::secp256k1_verify",
    (c, _t, [s, p, m, h]) => {
      const msg = bytesOf(m);
      chargeBytes(c, msg.length, GAS_SCHEDULE.signature);
      return [verifyEcdsa(secp256k1, bytesOf(s), bytesOf(p), msg, h as number)];
    },
  ],
  [
    "0x2::types::is_one_time_witness",
    (c, [t]) => {
      if (t?.kind !== "struct" || t.args.length > 0) return [false];
      if (t.name !== t.module.toUpperCase()) return [false];
      const l = c.loader.layout(t);
      const d = c.loader.datatype(t);
      return [
        l.kind === "struct" &&
          l.types.length === 1 &&
          l.types[0]!.kind === "prim" &&
          l.types[0]!.name === "bool" &&
          d.abilities === 2,
      ];
    },
  ],
  // ---- tx_context ----
  ["0x2::tx_context::native_sender", (c) => [c.host.sender]],
  ["0x2::tx_context::native_epoch", (c) => [c.host.epoch]],
  ["0x2::tx_context::native_epoch_timestamp_ms", (c) => [c.host.epochTimestampMs]],
  ["0x2::tx_context::fresh_id", (c) => [c.host.freshId()]],
  ["0x2::tx_context::native_rgp", (c) => [c.host.referenceGasPrice]],
  ["0x2::tx_context::native_gas_price", (c) => [c.host.gasPrice]],
  ["0x2::tx_context::native_gas_budget", (c) => [c.host.gasBudget]],
  ["0x2::tx_context::native_ids_created", (c) => [c.host.idsCreated()]],
  ["0x2::tx_context::native_sponsor", () => [[]]],
  // ---- object ----
  ["0x2::object::borrow_uid", (_c, _t, [obj]) => [new Ref((obj as Ref).get() as Value[], 0)]],
  [
    "0x2::object::delete_impl",
    (c, _t, [id]) => {
      c.host.deleteUid(id as string);
      return [];
    },
  ],
  [
    "0x2::object::record_new_uid",
    (c, _t, [id]) => {
      c.host.recordNewUid(id as string);
      return [];
    },
  ],
  // ---- transfer ----
  [
    "0x2::transfer::transfer_impl",
    (c, [t], [obj, to]) => {
      c.host.transfer(t!, obj as Value, { kind: "address", address: to as string });
      return [];
    },
  ],
  [
    "0x2::transfer::share_object_impl",
    (c, [t], [obj]) => {
      c.host.transfer(t!, obj as Value, { kind: "share" });
      return [];
    },
  ],
  [
    "0x2::transfer::freeze_object_impl",
    (c, [t], [obj]) => {
      c.host.transfer(t!, obj as Value, { kind: "freeze" });
      return [];
    },
  ],
  // ---- event ----
  [
    "0x2::event::emit",
    (c, [t], [v]) => {
      c.host.emit(t!, v as Value);
      return [];
    },
  ],
  // ---- dynamic_field ----
  [
    "0x2::dynamic_field::hash_type_and_key",
    (c, [kt], [parent, k]) => {
      const kb = toBcs(kt!, k as Value, (st) => c.loader.layout(st));
      chargeBytes(c, kb.length);
      return [childId(parent as string, kt!, kb)];
    },
  ],
  [
    "0x2::dynamic_field::add_child_object",
    (c, [t], [parent, child]) => {
      c.gas.charge(GAS_SCHEDULE.objectLoad);
      c.host.addChild(parent as string, t!, child as Value);
      return [];
    },
  ],
  [
    "0x2::dynamic_field::borrow_child_object",
    (c, [t], [uid, id]) => {
      c.gas.charge(GAS_SCHEDULE.objectLoad);
      const parent = (((uid as Ref).get() as Value[])[0] as Value[])[0] as string;
      return [c.host.borrowChild(parent, id as string, t!, false)];
    },
  ],
  [
    "0x2::dynamic_field::borrow_child_object_mut",
    (c, [t], [uid, id]) => {
      c.gas.charge(GAS_SCHEDULE.objectLoad);
      const parent = (((uid as Ref).get() as Value[])[0] as Value[])[0] as string;
      return [c.host.borrowChild(parent, id as string, t!, true)];
    },
  ],
  [
    "0x2::dynamic_field::remove_child_object",
    (c, [t], [parent, id]) => {
      c.gas.charge(GAS_SCHEDULE.objectLoad);
      return [c.host.removeChild(parent as string, id as string, t!)];
    },
  ],
  ["0x2::dynamic_field::has_child_object", (c, _t, [parent, id]) => [c.host.hasChild(parent as string, id as string)]],
  [
    "0x2::dynamic_field::has_child_object_with_ty",
    (c, [t], [parent, id]) => [c.host.hasChild(parent as string, id as string, t!)],
  ],
];

/**
 * The natives table, keyed `0x1::module::function`; `nitroRoots` are test roots the Nitro native
 * accepts besides the AWS root (a devnet start option, never the default).
 */
export function nativeTable(opts: { nitroRoots?: readonly Uint8Array[] } = {}): ReadonlyMap<string, NativeFunction> {
  return new Map([...TRUE_NATIVES, [NITRO_NATIVE, nitroNative(opts.nitroRoots ?? [])]]);
}

/** The natives table with only the AWS root for Nitro documents. */
export const NATIVES: ReadonlyMap<string, NativeFunction> = nativeTable();
