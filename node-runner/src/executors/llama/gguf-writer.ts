/**
 * A minimal GGUF v3 writer (the file format llama.cpp loads): typed metadata key/values and F32
 * tensors, each tensor's data aligned to `general.alignment` (32). Output is a pure function of
 * the inputs, so the same model description always gives the same bytes (and digest).
 *
 * Format: "GGUF" | version u32 | tensor count u64 | kv count u64 | kvs | tensor infos | pad |
 * tensor data. Strings are u64 length + UTF-8 bytes; integers little-endian.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** ggml tensor types used here (ggml.h `enum ggml_type`). */
export const GGML_TYPE_F32 = 0;

export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "f32[]"; value: ArrayLike<number> }
  | { type: "i32[]"; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: readonly number[];
  data: Float32Array;
}

export class GgufWriteError extends Error {
  override name = "GgufWriteError";
}

const enc = new TextEncoder();

/** Growable little-endian byte sink. */
class Sink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = enc.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(align: number): void {
    while (this.length % align !== 0) this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function u32Checked(key: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new GgufWriteError(`${key}: ${v} is not a u32`);
  return v;
}

function writeValue(s: Sink, key: string, v: GgufValue): void {
  switch (v.type) {
    case "u32":
      s.u32(GgufType.UINT32);
      s.u32(u32Checked(key, v.value));
      return;
    case "i32":
      s.u32(GgufType.INT32);
      s.i32(v.value);
      return;
    case "f32":
      s.u32(GgufType.FLOAT32);
      s.f32(v.value);
      return;
    case "bool":
      s.u32(GgufType.BOOL);
      s.u8(v.value ? 1 : 0);
      return;
    case "string":
      s.u32(GgufType.STRING);
      s.str(v.value);
      return;
    case "string[]":
      s.u32(GgufType.ARRAY);
      s.u32(GgufType.STRING);
      s.u64(v.value.length);
      for (const x of v.value) s.str(x);
      return;
    case "f32[]":
      s.u32(GgufType.ARRAY);
      s.u32(GgufType.FLOAT32);
      s.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) s.f32(v.value[i] as number);
      return;
    case "i32[]":
      s.u32(GgufType.ARRAY);
      s.u32(GgufType.INT32);
      s.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) s.i32(v.value[i] as number);
      return;
  }
}

/** Serializes a GGUF v3 file. Metadata keys are written in the order given. */
export function writeGguf(
  metadata: ReadonlyArray<readonly [string, GgufValue]>,
  tensors: readonly GgufTensor[],
): Uint8Array {
  const seen = new Set<string>();
  for (const [k] of metadata) {
    if (seen.has(k)) throw new GgufWriteError(`duplicate metadata key ${k}`);
    seen.add(k);
  }
  const names = new Set<string>();
  const offsets: number[] = [];
  let dataLen = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new GgufWriteError(`duplicate tensor ${t.name}`);
    names.add(t.name);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new GgufWriteError(`tensor ${t.name}: dims ${t.dims.join("x")} need ${n} values, got ${t.data.length}`);
    offsets.push(dataLen);
    dataLen += t.data.byteLength;
    dataLen = Math.ceil(dataLen / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }

  const s = new Sink();
  s.u32(GGUF_MAGIC);
  s.u32(GGUF_VERSION);
  s.u64(tensors.length);
  s.u64(metadata.length);
  for (const [k, v] of metadata) {
    s.str(k);
    writeValue(s, k, v);
  }
  tensors.forEach((t, i) => {
    s.str(t.name);
    s.u32(t.dims.length);
    for (const d of t.dims) s.u64(d);
    s.u32(GGML_TYPE_F32);
    s.u64(offsets[i] as number);
  });
  s.pad(GGUF_ALIGNMENT);
  for (const t of tensors) {
    // Float32Array is host-endian; every supported host (x64, arm64) is little-endian, as GGUF is.
    s.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    s.pad(GGUF_ALIGNMENT);
  }
  return s.result();
}
