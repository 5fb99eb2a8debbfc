/**
 * An executed transaction's effects (`{ V2: … }`, as the runtime keeps them) as BCS, written
 * directly: byte for byte what `bcs.TransactionEffects.serialize` of @mysten/sui gives
 * (`test/effects-bcs.test.ts` compares every transaction of a run), without its schema walk,
 * which validates each nested value again at every level and decodes each base58 digest twice.
 * A value outside the shapes the devnet writes for a successful transaction (a failure status,
 * an owner or a consensus kind it does not make, a digest not of 32 bytes, a u64 out of range…)
 * is left to the schema, so its bytes or its error are the schema's own.
 */
import { fromBase58 } from "@mysten/bcs";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { GrowingBytes } from "../growing-bytes.js";
import type { EffectsChangeValue, EffectsV2Value, OwnerValue } from "./types.js";

/** Thrown inside the direct writer when a value is not one of its shapes: the schema takes over. */
class NotDirect extends Error {}

const U64_MAX = (1n << 64n) - 1n;
const ADDRESS = /^0x[0-9a-f]{64}$/;
/** A lowercase hex digit's value, by char code (an address is checked against ADDRESS first). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLE["0123456789abcdef".charCodeAt(i)] = i;

class Out extends GrowingBytes {
  constructor() {
    super(1024);
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }
  uleb(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new NotDirect();
    this.room(10);
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.buf[this.n++] = b;
    } while (v > 0);
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new NotDirect();
    this.room(4);
    this.view.setUint32(this.n, v, true);
    this.n += 4;
  }
  u64(v: string | number | bigint): void {
    let x: bigint;
    try {
      x = BigInt(v);
    } catch {
      throw new NotDirect();
    }
    if (x < 0n || x > U64_MAX) throw new NotDirect();
    this.room(8);
    this.view.setBigUint64(this.n, x, true);
    this.n += 8;
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  /** `ObjectDigest`: base58 of 32 bytes, written as a byte vector. */
  digest(d: unknown): void {
    if (typeof d !== "string") throw new NotDirect();
    let b: Uint8Array;
    try {
      b = fromBase58(d);
    } catch {
      throw new NotDirect();
    }
    if (b.length !== 32) throw new NotDirect();
    this.u8(32);
    this.raw(b);
  }
  /** `Address`: 32 bytes (only canonical addresses here; others go to the schema). */
  address(a: unknown): void {
    if (typeof a !== "string" || !ADDRESS.test(a)) throw new NotDirect();
    // Straight into the buffer (fromHex: a regex split and a parseInt per byte).
    this.room(32);
    const b = this.buf;
    for (let i = 0, at = this.n; i < 32; i++)
      b[at + i] = (NIBBLE[a.charCodeAt(2 + 2 * i)]! << 4) | NIBBLE[a.charCodeAt(3 + 2 * i)]!;
    this.n += 32;
  }
  owner(o: OwnerValue): void {
    const keys = Object.keys(o);
    if (keys.length !== 1) throw new NotDirect();
    if ("AddressOwner" in o) {
      this.u8(0);
      this.address(o.AddressOwner);
    } else if ("ObjectOwner" in o) {
      this.u8(1);
      this.address(o.ObjectOwner);
    } else if ("Shared" in o) {
      this.u8(2);
      this.u64(o.Shared.initialSharedVersion);
    } else if ("Immutable" in o) this.u8(3);
    else throw new NotDirect();
  }
}

/** The single key of an enum value (the schema refuses others). */
function only(v: object): string {
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new NotDirect();
  return keys[0]!;
}

function change(out: Out, c: EffectsChangeValue): void {
  if (Object.keys(c).length !== 3) throw new NotDirect();
  const i = c.inputState;
  const ik = only(i);
  if (ik === "NotExist") out.u8(0);
  else if (ik === "Exist" && "Exist" in i) {
    const [[version, digest], owner] = i.Exist;
    out.u8(1);
    out.u64(version);
    out.digest(digest);
    out.owner(owner);
  } else throw new NotDirect();
  const o = c.outputState;
  const ok = only(o);
  if (ok === "NotExist") out.u8(0);
  else if (ok === "ObjectWrite" && "ObjectWrite" in o) {
    out.u8(1);
    out.digest(o.ObjectWrite[0]);
    out.owner(o.ObjectWrite[1]);
  } else if (ok === "PackageWrite" && "PackageWrite" in o) {
    out.u8(2);
    out.u64(o.PackageWrite[0]);
    out.digest(o.PackageWrite[1]);
  } else throw new NotDirect();
  const id = only(c.idOperation);
  const tag = id === "None" ? 0 : id === "Created" ? 1 : id === "Deleted" ? 2 : -1;
  if (tag < 0) throw new NotDirect();
  out.u8(tag);
}

const CONSENSUS_U64 = ["MutateConsensusStreamEnded", "ReadConsensusStreamEnded", "Cancelled"];

function direct(effects: { V2: EffectsV2Value }): Uint8Array {
  if (only(effects) !== "V2") throw new NotDirect();
  const e = effects.V2;
  const out = new Out();
  out.u8(1); // V2
  if (only(e.status) !== "Success") throw new NotDirect();
  out.u8(0);
  out.u64(e.executedEpoch);
  const g = e.gasUsed;
  out.u64(g.computationCost);
  out.u64(g.storageCost);
  out.u64(g.storageRebate);
  out.u64(g.nonRefundableStorageFee);
  out.digest(e.transactionDigest);
  if (e.gasObjectIndex === null || e.gasObjectIndex === undefined) out.u8(0);
  else {
    out.u8(1);
    out.u32(e.gasObjectIndex);
  }
  if (e.eventsDigest === null || e.eventsDigest === undefined) out.u8(0);
  else {
    out.u8(1);
    out.digest(e.eventsDigest);
  }
  out.uleb(e.dependencies.length);
  for (const d of e.dependencies) out.digest(d);
  out.u64(e.lamportVersion);
  out.uleb(e.changedObjects.length);
  for (const [id, c] of e.changedObjects) {
    out.address(id);
    change(out, c);
  }
  out.uleb(e.unchangedConsensusObjects.length);
  for (const [id, kind] of e.unchangedConsensusObjects) {
    out.address(id);
    const k = only(kind);
    if (k === "ReadOnlyRoot") {
      const [version, digest] = kind[k] as [string, string];
      out.u8(0);
      out.u64(version);
      out.digest(digest);
    } else if (CONSENSUS_U64.includes(k)) {
      out.u8(1 + CONSENSUS_U64.indexOf(k));
      out.u64(kind[k] as string);
    } else if (k === "PerEpochConfig") out.u8(4);
    else throw new NotDirect();
  }
  if (e.auxDataDigest !== null && e.auxDataDigest !== undefined) throw new NotDirect();
  out.u8(0);
  return out.copy();
}

/** `bcs.TransactionEffects.serialize(effects).toBytes()`, written directly where it can be. */
export function effectsBcs(effects: { V2: EffectsV2Value }): Uint8Array {
  try {
    return direct(effects);
  } catch (e) {
    if (!(e instanceof NotDirect)) throw e;
    return suiBcs.TransactionEffects.serialize(effects as never).toBytes();
  }
}

/** The schema's bytes, always (the peer of `effectsBcs` in tests). */
export function effectsBcsBySchema(effects: { V2: EffectsV2Value }): Uint8Array {
  return suiBcs.TransactionEffects.serialize(effects as never).toBytes();
}
