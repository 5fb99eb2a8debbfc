import { fromBase64, toBase64 } from "@mysten/bcs";
import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { blake2b256 } from "../src/blake2b.js";
import { normalizeAddress } from "../src/bytecode.js";
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

  it("gathers parts in one buffer as streaming them would: around and past the 16 KiB scratch, strings cached or not", () => {
    const rnd = (n: number, seed: number) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 5)) & 0xff);
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const K = 16 * 1024;
    for (const [x, y, z] of [
      [0, 0, 0],
      [K - 1, 1, 0],
      [K, 0, 1],
      [K - 10, 20, 5],
      [1, K + 1, 3],
      [3 * K + 7, 100, K],
    ] as const) {
      const a = rnd(x, 1);
      const b = rnd(y, 2);
      const c = rnd(z, 3);
      expect(blake2b256(a, b, c), `${x},${y},${z}`).toEqual(noble(a, b, c));
      expect(blake2b256("Object::", a, "ü ✓", b, c), `${x},${y},${z} strings`).toEqual(
        noble(utf8("Object::"), a, utf8("ü ✓"), b, c),
      );
    }
    // The same string again (its cached UTF-8), a long one (never cached), then another short one.
    const long = "é".repeat(300);
    for (let i = 0; i < 3; i++) {
      expect(blake2b256("Object::", Uint8Array.of(i))).toEqual(noble(utf8("Object::"), Uint8Array.of(i)));
      expect(blake2b256(long, Uint8Array.of(i), long)).toEqual(noble(utf8(long), Uint8Array.of(i), utf8(long)));
    }
    // More distinct strings than the cache holds: still right after it is cleared.
    for (let i = 0; i < 5000; i += 997)
      for (let j = 0; j < 5; j++) expect(blake2b256(`s${i + j}`)).toEqual(noble(utf8(`s${i + j}`)));
    for (let i = 0; i < 4200; i++) blake2b256(`fill${i}`);
    expect(blake2b256("Object::", "s0")).toEqual(noble(utf8("Object::"), utf8("s0")));
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

describe("normalizeAddress (canonical ids returned as given)", () => {
  it("gives 0x + 64 lower-case hex for every form, and the same string back for the canonical one", () => {
    const canonical = `0x${"0".repeat(60)}abcd`;
    expect(normalizeAddress(canonical)).toBe(canonical);
    for (const form of [
      "0xabcd",
      "abcd",
      "0xABCD",
      `0X${"0".repeat(60)}ABCD`,
      `0x${"0".repeat(60)}ABCD`,
      `${"0".repeat(60)}abcd`,
    ])
      expect(normalizeAddress(form), form).toBe(canonical);
    for (const bad of ["", "0x", "0xg", `0x${"a".repeat(65)}`, `0x${"a".repeat(63)}g`])
      expect(() => normalizeAddress(bad), bad).toThrow(/must be hex of at most 32 bytes/);
  });
  it("answers as the regex form did for a character near the hex ranges (or past ASCII) in every place", () => {
    // The former implementation: the canonical form by /^0x[0-9a-f]{64}$/, else lower-cased and padded.
    const reference = (a: string): string => {
      if (a.length === 66 && /^0x[0-9a-f]{64}$/.test(a)) return a;
      const h = a.toLowerCase().replace(/^0x/, "");
      if (!/^[0-9a-f]{1,64}$/.test(h)) throw new Error("must be hex of at most 32 bytes");
      return `0x${h.padStart(64, "0")}`;
    };
    const base = `0x${"0123456789abcdef".repeat(4)}`;
    let checked = 0;
    for (let i = 0; i < base.length; i++)
      for (const c of [
        "/",
        "0",
        "9",
        ":",
        "@",
        "A",
        "F",
        "G",
        "`",
        "a",
        "f",
        "g",
        "x",
        "X",
        "\n",
        "é",
        "\u0130",
        "\uff10",
      ]) {
        const a = base.slice(0, i) + c + base.slice(i + 1);
        let want: string | Error;
        try {
          want = reference(a);
        } catch (e) {
          want = e as Error;
        }
        if (typeof want === "string") expect(normalizeAddress(a), JSON.stringify(a)).toBe(want);
        else expect(() => normalizeAddress(a), JSON.stringify(a)).toThrow(/must be hex of at most 32 bytes/);
        checked++;
      }
    expect(checked).toBe(66 * 18);
  });
});
