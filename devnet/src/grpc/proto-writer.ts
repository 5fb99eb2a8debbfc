/**
 * A protobuf wire-format byte writer for the direct message writers (`direct.ts`): one growing
 * buffer per answer, embedded messages written in place with their length patched after (moved
 * over when it needs more than one byte), instead of protobuf-ts's `BinaryWriter`, which keeps a
 * chunk list per nesting level, copies each level again on `join` and allocates per double.
 * Each method writes what the `BinaryWriter` method of the same name writes.
 */
import { GrowingBytes } from "../growing-bytes.js";

/** Thrown by a direct writer for a value it does not write itself: the caller takes protobuf-ts's path. */
export class NotDirect extends Error {}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const TWO_32 = 0x1_0000_0000;

const textEncoder = new TextEncoder();

export const WIRE_VARINT = 0;
export const WIRE_BIT64 = 1;
export const WIRE_LEN = 2;

export class ProtoWriter extends GrowingBytes {
  constructor() {
    super(4096);
  }

  /** Starts a new message (the buffer is reused). */
  reset(): this {
    this.n = 0;
    return this;
  }

  /** A copy of the bytes written since `reset`. */
  finish(): Uint8Array {
    return this.copy();
  }

  /** Bytes written since `reset`. */
  get length(): number {
    return this.n;
  }

  /** A varint of a non-negative safe integer (tags, lengths, uint32). */
  varint(v: number): void {
    this.room(10);
    const b = this.buf;
    let n = this.n;
    while (v > 0x7f) {
      b[n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[n++] = v;
    this.n = n;
  }

  tag(no: number, wire: number): void {
    this.varint(no * 8 + wire);
  }

  uint32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new NotDirect();
    this.varint(v);
  }

  /** int32 (enums too): a negative value takes ten bytes, sign-extended to 64 bits. */
  int32(v: number): void {
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new NotDirect();
    if (v >= 0) this.varint(v);
    else this.varint64(BigInt.asUintN(64, BigInt(v)));
  }

  bool(v: boolean): void {
    this.room(1);
    this.buf[this.n++] = v ? 1 : 0;
  }

  /** uint64 of a bigint (the messages the devnet builds hold bigints; anything else goes to protobuf-ts). */
  uint64(v: unknown): void {
    if (typeof v !== "bigint" || v < 0n || v > U64_MAX) throw new NotDirect();
    this.varint64(v);
  }

  /** int64 of a bigint (two's complement for a negative value). */
  int64(v: unknown): void {
    if (typeof v !== "bigint" || v < I64_MIN || v > I64_MAX) throw new NotDirect();
    this.varint64(BigInt.asUintN(64, v));
  }

  private varint64(v: bigint): void {
    if (v <= 0x1f_ffff_ffff_ffffn) {
      this.varint(Number(v));
      return;
    }
    this.room(10);
    while (v > 0x7fn) {
      this.buf[this.n++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.n++] = Number(v);
  }

  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.n, v, true);
    this.n += 8;
  }

  /** Length-delimited UTF-8 (as TextEncoder encodes it: a lone surrogate becomes U+FFFD). */
  string(s: string): void {
    const len = s.length;
    this.room(len + 10);
    // ASCII (addresses, digests, type names): written as they are, the length known up front.
    const start = this.n;
    this.varint(len);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.n = start;
        this.bytes(textEncoder.encode(s));
        return;
      }
      b[n++] = c;
    }
    this.n = n;
  }

  bytes(v: Uint8Array): void {
    if (!(v instanceof Uint8Array)) throw new NotDirect();
    this.varint(v.length);
    this.raw(v);
  }

  /** Bytes as they are (an already encoded message's body). */
  raw(v: Uint8Array): void {
    this.room(v.length);
    this.buf.set(v, this.n);
    this.n += v.length;
  }

  /** Opens an embedded message (after its tag); `join` with the returned mark writes its length. */
  fork(): number {
    this.room(1);
    return this.n++;
  }

  join(mark: number): void {
    const len = this.n - mark - 1;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    let extra = 1;
    for (let v = len >>> 14; v > 0; v >>>= 7) extra++;
    this.room(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.n);
    this.n = mark;
    this.varint(len);
    this.n += len;
  }
}
