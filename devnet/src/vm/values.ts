/**
 * Runtime values of the interpreter and their BCS form.
 *
 * bool → boolean; u8/u16/u32 → number; u64/u128/u256 → bigint; address/signer → "0x" + 64 hex;
 * vector → Array; struct → Array of fields in declaration order; enum → Variant; reference → Ref
 * (a container array and an index: a local slot, a struct field or a vector element).
 */
import type { MoveType } from "../bytecode.js";
import { VmFailure } from "./errors.js";
import type { Layout } from "./loader.js";

export type Value = boolean | number | bigint | string | Value[] | Variant | Ref;

export class Variant {
  constructor(
    public tag: number,
    public f: Value[],
  ) {}
}

/** A reference: `c[i]` is the referenced value. */
export class Ref {
  constructor(
    readonly c: Value[],
    readonly i: number,
  ) {}
  get(): Value {
    return this.c[this.i] as Value;
  }
  set(v: Value): void {
    this.c[this.i] = v;
  }
}

/** Deep copy (CopyLoc, ReadRef, constants). */
export function copyValue(v: Value): Value {
  if (typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) {
      const x = v[i] as Value;
      out[i] = typeof x === "object" ? copyValue(x) : x;
    }
    return out;
  }
  if (v instanceof Variant) return new Variant(v.tag, copyValue(v.f) as Value[]);
  return v;
}

/** Structural equality (Eq/Neq compare values; references compare the referenced values). */
export function equals(a: Value, b: Value): boolean {
  if (a instanceof Ref) a = a.get();
  if (b instanceof Ref) b = b.get();
  if (typeof a !== "object") return a === b;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof Variant) return b instanceof Variant && a.tag === b.tag && equals(a.f, b.f);
  return false;
}

// ---------- BCS ----------

export type LayoutOf = (t: Extract<MoveType, { kind: "struct" }>) => Layout;

class BcsWriter {
  buf = new Uint8Array(256);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(x: number): void {
    this.grow(1);
    this.buf[this.len++] = x;
  }
  uleb(n: number): void {
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      this.byte(b);
    } while (n > 0);
  }
  uint(v: bigint | number, bytes: number): void {
    this.grow(bytes);
    if (typeof v === "number" && bytes <= 4) {
      for (let i = 0; i < bytes; i++) {
        this.buf[this.len++] = v & 0xff;
        v = v >>> 8;
      }
      return;
    }
    let x = BigInt(v);
    if (bytes === 8) {
      const lo = Number(x & 0xffffffffn);
      const hi = Number((x >> 32n) & 0xffffffffn);
      for (let i = 0; i < 4; i++) this.buf[this.len++] = (lo >>> (8 * i)) & 0xff;
      for (let i = 0; i < 4; i++) this.buf[this.len++] = (hi >>> (8 * i)) & 0xff;
      return;
    }
    for (let i = 0; i < bytes; i++) {
      this.buf[this.len++] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  bytes(b: ArrayLike<number>): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  address(a: string): void {
    this.grow(32);
    const buf = this.buf;
    const at = this.len;
    for (let i = 0; i < 32; i++) {
      const c1 = a.charCodeAt(2 + i * 2);
      const c2 = a.charCodeAt(3 + i * 2);
      // A table lookup per digit (3× the branches of `nibble`); anything else goes to `nibble`, which names it.
      const hi = c1 < 128 ? HEX_VALUE[c1]! : -1;
      const lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
      buf[at + i] = (hi | lo) < 0 ? (nibble(c1) << 4) | nibble(c2) : (hi << 4) | lo;
    }
    this.len = at + 32;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A lower- or upper-case hex digit's value (addresses are 0x + 64 hex). */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  throw new RangeError(`BCS: not a hex digit: ${String.fromCharCode(c)}`);
}
/** A hex digit's value by character code below 128, -1 for any other character. */
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, c) => {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
});
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

const INT_BYTES: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, u128: 16, u256: 32 };

/** BCS-encodes a value of type `t`. */
function encodeValue(t: MoveType, v: Value, layoutOf: LayoutOf, w: BcsWriter): BcsWriter {
  if (v instanceof Ref) v = v.get();
  if (t.kind === "prim") {
    switch (t.name) {
      case "bool":
        w.byte(v ? 1 : 0);
        break;
      case "address":
      case "signer":
        w.address(v as string);
        break;
      default:
        w.uint(v as number | bigint, INT_BYTES[t.name]!);
    }
    return w;
  }
  if (t.kind === "vector") {
    const arr = v as Value[];
    w.uleb(arr.length);
    if (t.of.kind === "prim" && t.of.name === "u8") w.bytes(arr as number[]);
    else for (const x of arr) encodeValue(t.of, x, layoutOf, w);
    return w;
  }
  const l = layoutOf(t);
  if (l.kind === "struct") {
    const fields = v as Value[];
    for (let i = 0; i < l.types.length; i++) encodeValue(l.types[i]!, fields[i] as Value, layoutOf, w);
    return w;
  }
  const variant = v as Variant;
  w.uleb(variant.tag);
  const vl = l.variants[variant.tag]!;
  for (let i = 0; i < vl.types.length; i++) encodeValue(vl.types[i]!, variant.f[i] as Value, layoutOf, w);
  return w;
}

class BcsReader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.pos + n > this.b.length) throw new RangeError("BCS: unexpected end of input");
  }
  byte(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  uleb(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 35) throw new RangeError("BCS: ULEB128 too long");
    }
    return v;
  }
  uint(bytes: number): bigint {
    this.need(bytes);
    if (bytes === 8) {
      const b = this.b;
      const p = this.pos;
      const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
      this.pos += 8;
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    }
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.b[this.pos + i]!);
    this.pos += bytes;
    return v;
  }
  small(bytes: number): number {
    this.need(bytes);
    let v = 0;
    for (let i = bytes - 1; i >= 0; i--) v = v * 256 + this.b[this.pos + i]!;
    this.pos += bytes;
    return v;
  }
  address(): string {
    this.need(32);
    let s = "0x";
    for (let i = 0; i < 32; i++) s += HEX_BYTE[this.b[this.pos + i]!]!;
    this.pos += 32;
    return s;
  }
}

/** BCS-decodes a value of type `t`. */
function decodeValue(t: MoveType, r: BcsReader, layoutOf?: LayoutOf): Value {
  if (t.kind === "prim") {
    switch (t.name) {
      case "bool": {
        const b = r.byte();
        if (b > 1) throw new RangeError(`BCS: invalid bool ${b}`);
        return b === 1;
      }
      case "address":
      case "signer":
        return r.address();
      case "u8":
      case "u16":
      case "u32":
        return r.small(INT_BYTES[t.name]!);
      default:
        return r.uint(INT_BYTES[t.name]!);
    }
  }
  if (t.kind === "vector") {
    const n = r.uleb();
    if (t.of.kind === "prim" && t.of.name === "u8") {
      r.need(n);
      // A plain loop: Array.from of a typed array goes through its iterator (an object per byte).
      const out = new Array<Value>(n);
      const b = r.b;
      const at = r.pos;
      for (let i = 0; i < n; i++) out[i] = b[at + i]!;
      r.pos += n;
      return out;
    }
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(decodeValue(t.of, r, layoutOf));
    return out;
  }
  if (!layoutOf) throw new VmFailure("VMInvariantViolation", "a struct value needs a layout");
  const l = layoutOf(t);
  if (l.kind === "struct") return l.types.map((ft) => decodeValue(ft, r, layoutOf));
  const tag = r.uleb();
  const vl = l.variants[tag];
  if (!vl) throw new RangeError(`BCS: variant tag ${tag} out of range`);
  return new Variant(
    tag,
    vl.types.map((ft) => decodeValue(ft, r, layoutOf)),
  );
}

/** Decodes BCS bytes that must be consumed exactly. */
export function fromBcs(t: MoveType, bytes: Uint8Array, layoutOf?: LayoutOf): Value {
  const r = new BcsReader(bytes);
  const v = decodeValue(t, r, layoutOf);
  if (r.pos !== bytes.length) throw new RangeError(`BCS: ${bytes.length - r.pos} trailing bytes`);
  return v;
}

/**
 * One writer serves every encoding (its buffer grown once to the largest value, not from 256
 * bytes per value); an encoding that starts while another is under way (a layout callback that
 * encodes) gets its own.
 */
const shared = new BcsWriter();
let sharedBusy = false;

export function toBcs(t: MoveType, v: Value, layoutOf: LayoutOf): Uint8Array {
  if (sharedBusy) return encodeValue(t, v, layoutOf, new BcsWriter()).result();
  sharedBusy = true;
  shared.len = 0;
  try {
    return encodeValue(t, v, layoutOf, shared).result();
  } finally {
    sharedBusy = false;
    // A value that grew it past 1 MiB does not keep that much memory.
    if (shared.buf.length > 1 << 20) shared.buf = new Uint8Array(256);
  }
}

/** A constant-pool entry (primitives and vectors only). */
export function decodeConstant(t: MoveType, bytes: Uint8Array): Value {
  return fromBcs(t, bytes);
}

/** Nesting depth of a value (Sui's max_move_value_depth counts struct/vector levels). */
export function valueDepth(v: Value): number {
  if (typeof v !== "object") return 1;
  if (v instanceof Ref) return valueDepth(v.get());
  const items = v instanceof Variant ? v.f : v;
  let d = 0;
  for (const x of items) {
    if (typeof x !== "object") {
      if (d < 1) d = 1;
      continue;
    }
    const dx = valueDepth(x);
    if (dx > d) d = dx;
  }
  return d + 1;
}
