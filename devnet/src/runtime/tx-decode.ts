/**
 * `TransactionData` decoded without walking @mysten/bcs schemas, for the common shape only: V1, a
 * ProgrammableTransaction whose inputs are pure values and owned or shared objects and whose
 * commands are MoveCall (no type arguments), TransferObjects, SplitCoins, MergeCoins and
 * MakeMoveVec (no type), no expiration, nothing after it. The result is what
 * `bcs.TransactionData.parse(bytes).V1` gives, field for field and in the same key order (`$kind`
 * included); anything else — another shape, a length out of bounds, a bool that is not 0 or 1,
 * a non-ASCII identifier, a digest that is not 32 bytes, trailing bytes — answers `undefined`, and
 * the caller decodes with the full schema (which gives the error, if there is one).
 * `test/tx-decode.test.ts` compares both on every shape and on mutated bytes.
 */
import { toBase58 } from "@mysten/bcs";
import type { ArgT, CallArgT, CommandT, ParsedTx } from "./types.js";

class NotCommon extends Error {}
const NOT_COMMON = new NotCommon();

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.pos + n > this.b.length) throw NOT_COMMON;
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.b[this.pos]! | (this.b[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u64(): string {
    this.need(8);
    const b = this.b;
    const p = this.pos;
    this.pos += 8;
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    // Below 2^53 a Number is exact; above, BigInt.
    if (hi < 0x200000) return String(hi * 0x100000000 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }
  /** A view of the next `n` bytes as a Buffer (no copy), for hex/latin1/base64 text. */
  text(n: number, encoding: "hex" | "latin1" | "base64"): string {
    this.need(n);
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, n).toString(encoding);
    this.pos += n;
    return s;
  }
  /** ULEB128 as @mysten/bcs reads it (lengths and enum tags); non-canonical or over 4 bytes is not common. */
  uleb(): number {
    let v = 0;
    let shift = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8();
      v |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw NOT_COMMON;
        return v >>> 0;
      }
      shift += 7;
    }
    throw NOT_COMMON;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw NOT_COMMON;
    return v === 1;
  }
  address(): string {
    return `0x${this.text(32, "hex")}`;
  }
  digest(): string {
    if (this.uleb() !== 32) throw NOT_COMMON;
    return toBase58(new Uint8Array(this.bytes(32)));
  }
  ident(): string {
    const n = this.uleb();
    this.need(n);
    for (let i = this.pos; i < this.pos + n; i++) if (this.b[i]! >= 0x80) throw NOT_COMMON;
    return this.text(n, "latin1");
  }
  objectRef(): { objectId: string; version: string; digest: string } {
    return { objectId: this.address(), version: this.u64(), digest: this.digest() };
  }
  vec<T>(item: (r: Reader) => T): T[] {
    const n = this.uleb();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
}

function argument(r: Reader): ArgT {
  switch (r.uleb()) {
    case 0:
      return { GasCoin: true, $kind: "GasCoin" } as ArgT;
    case 1:
      return { Input: r.u16(), $kind: "Input" } as ArgT;
    case 2:
      return { Result: r.u16(), $kind: "Result" } as ArgT;
    case 3:
      return { NestedResult: [r.u16(), r.u16()], $kind: "NestedResult" } as ArgT;
    default:
      throw NOT_COMMON;
  }
}

function callArg(r: Reader): CallArgT {
  const tag = r.uleb();
  if (tag === 0) return { Pure: { bytes: r.text(r.uleb(), "base64") }, $kind: "Pure" } as CallArgT;
  if (tag !== 1) throw NOT_COMMON;
  const obj = r.uleb();
  if (obj === 0)
    return { Object: { ImmOrOwnedObject: r.objectRef(), $kind: "ImmOrOwnedObject" }, $kind: "Object" } as CallArgT;
  if (obj === 1) {
    const shared = { objectId: r.address(), initialSharedVersion: r.u64(), mutable: r.bool() };
    return { Object: { SharedObject: shared, $kind: "SharedObject" }, $kind: "Object" } as CallArgT;
  }
  throw NOT_COMMON;
}

function command(r: Reader): CommandT {
  switch (r.uleb()) {
    case 0: {
      const call = { package: r.address(), module: r.ident(), function: r.ident(), typeArguments: [] as string[] };
      if (r.uleb() !== 0) throw NOT_COMMON;
      return { MoveCall: { ...call, arguments: r.vec(argument) }, $kind: "MoveCall" } as CommandT;
    }
    case 1:
      return {
        TransferObjects: { objects: r.vec(argument), address: argument(r) },
        $kind: "TransferObjects",
      } as CommandT;
    case 2:
      return { SplitCoins: { coin: argument(r), amounts: r.vec(argument) }, $kind: "SplitCoins" } as CommandT;
    case 3:
      return { MergeCoins: { destination: argument(r), sources: r.vec(argument) }, $kind: "MergeCoins" } as CommandT;
    case 5:
      if (r.uleb() !== 0) throw NOT_COMMON; // Option<TypeTag>::None
      return { MakeMoveVec: { type: null, elements: r.vec(argument) }, $kind: "MakeMoveVec" } as CommandT;
    default:
      throw NOT_COMMON;
  }
}

/** The common shape of `TransactionData` decoded directly, or `undefined` (decode with the full schema). */
export function decodeCommonTransactionData(bytes: Uint8Array): ParsedTx | undefined {
  try {
    const r = new Reader(bytes);
    if (r.uleb() !== 0) return undefined; // TransactionData::V1
    if (r.uleb() !== 0) return undefined; // TransactionKind::ProgrammableTransaction
    const inputs = r.vec(callArg);
    const commands = r.vec(command);
    const sender = r.address();
    const gasData = { payment: r.vec((x) => x.objectRef()), owner: r.address(), price: r.u64(), budget: r.u64() };
    if (r.uleb() !== 0) return undefined; // TransactionExpiration::None
    if (r.pos !== bytes.length) return undefined;
    return {
      kind: { ProgrammableTransaction: { inputs, commands }, $kind: "ProgrammableTransaction" },
      sender,
      gasData,
      expiration: { None: true, $kind: "None" },
    };
  } catch (e) {
    if (e instanceof NotCommon) return undefined;
    throw e;
  }
}
