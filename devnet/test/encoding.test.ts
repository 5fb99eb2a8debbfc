import { fromBase64, toBase64 } from "@mysten/bcs";
import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { blake2b256 } from "../src/blake2b.js";
import { base64Bytes, base64Of } from "../src/runtime/primitives.js";

const noble = (...parts: Uint8Array[]) => {
  const h = blake2b.create({ dkLen: 32 });
  for (const p of parts) h.update(p);
  return h.digest();
};

describe("blake2b256 (hash-wasm)", () => {
  it("equals @noble/hashes' blake2b-256 byte for byte, one part or several, 0..2 KiB", () => {
    const rnd = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7 + ((i * i) >> 3)) & 0xff);
    for (const n of [0, 1, 31, 32, 33, 127, 128, 129, 255, 256, 1000, 2048]) {
      const a = rnd(n);
      const b = rnd((n * 7) % 300);
      expect(blake2b256(a)).toEqual(noble(a));
      expect(blake2b256(a, b)).toEqual(noble(a, b));
      expect(blake2b256(b, a, b)).toEqual(noble(b, a, b));
    }
    expect(blake2b256("TransactionData::", Uint8Array.of(1, 2))).toEqual(
      noble(new TextEncoder().encode("TransactionData::"), Uint8Array.of(1, 2)),
    );
  });

  it("returns a fresh array each call (the shared hasher does not alias earlier digests)", () => {
    const first = blake2b256(Uint8Array.of(1));
    const copy = Uint8Array.from(first);
    const second = blake2b256(Uint8Array.of(2));
    expect(first).toEqual(copy);
    expect(second).not.toEqual(first);
    expect(Buffer.from(blake2b256(new Uint8Array(0))).toString("hex")).toBe(
      "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
    );
  });
});

describe("base64 (Node's codec on the hot paths)", () => {
  const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

  it("encodes and decodes as @mysten/bcs does, 0..300 bytes, into plain Uint8Arrays", () => {
    for (let n = 0; n <= 300; n++) {
      const b = bytes(n);
      const text = base64Of(b);
      expect(text).toBe(toBase64(b));
      const back = base64Bytes(text);
      expect(back).toEqual(fromBase64(text));
      expect(Object.getPrototypeOf(back)).toBe(Uint8Array.prototype);
    }
    // a view into a larger buffer encodes only its own bytes
    expect(base64Of(bytes(10).subarray(3, 6))).toBe(toBase64(bytes(10).slice(3, 6)));
  });

  it("leaves non-canonical text to @mysten/bcs: unpadded decodes as before, garbage is rejected as before", () => {
    expect(base64Bytes("AQI")).toEqual(fromBase64("AQI"));
    expect(base64Bytes("AQ")).toEqual(Uint8Array.of(1));
    expect(() => base64Bytes("A")).toThrow();
    expect(() => base64Bytes("!!!!")).toThrow();
    expect(() => fromBase64("!!!!")).toThrow();
  });
});
