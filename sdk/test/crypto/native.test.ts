/**
 * node:crypto (OpenSSL) primitives = @noble primitives: the same bytes and the same accept/refuse
 * decisions on random inputs and on edge cases (low-order X25519 points, non-canonical and
 * tampered Ed25519 signatures, high-S and out-of-range ECDSA signatures, off-curve keys).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../src/crypto/bytes.js";
import { nativeBackend, nativeCrypto } from "../../src/crypto/native.js";
import {
  ecdsaVerify,
  ed25519GetPublicKey,
  ed25519Sign,
  ed25519Signer,
  ed25519Verify,
  hkdfSha256,
  noblePrimitives as noble,
  sha256,
  sha384,
  x25519GetPublicKey,
  x25519GetSharedSecret,
} from "../../src/crypto/primitives.js";

const hex = bytesToHex;
/** Outcome of a call as comparable text: the bytes, or that it threw. */
function outcome(f: () => Uint8Array | boolean): string {
  try {
    const r = f();
    return typeof r === "boolean" ? String(r) : hex(r);
  } catch {
    return "throws";
  }
}

// RFC 7748 §5.2 low-order points (u = 0, 1, the order-8 points, and p - 1, p, p + 1 encodings).
const LOW_ORDER = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

describe("runtime choice", () => {
  it("Node has node:crypto: the native path is what these tests compare against noble", () => {
    expect(nativeCrypto).not.toBeNull();
    expect(nativeBackend).toBe("node:crypto");
  });
});

describe("X25519: node:crypto = noble", () => {
  it("RFC 7748 §6.1 known answer (Alice/Bob)", () => {
    const a = hexToBytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const b = hexToBytes("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    expect(hex(x25519GetPublicKey(a))).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    const k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    expect(hex(x25519GetSharedSecret(a, x25519GetPublicKey(b)))).toBe(k);
    expect(hex(x25519GetSharedSecret(b, x25519GetPublicKey(a)))).toBe(k);
  });

  it("random secrets and public keys (including non-clamped bytes and u ≥ p with the top bit set)", () => {
    for (let i = 0; i < 40; i++) {
      const sk = randomBytes(32);
      const pk = randomBytes(32);
      if (i % 4 === 0) pk[31] = (pk[31] as number) | 0x80; // top bit: masked by both (RFC 7748)
      expect(hex(x25519GetPublicKey(sk))).toBe(hex(noble.x25519GetPublicKey(sk)));
      expect(outcome(() => x25519GetSharedSecret(sk, pk))).toBe(outcome(() => noble.x25519GetSharedSecret(sk, pk)));
    }
  });

  it("low-order public keys: both refuse (all-zero shared secret)", () => {
    const sk = randomBytes(32);
    for (const p of LOW_ORDER) {
      const pk = hexToBytes(p);
      const n = outcome(() => noble.x25519GetSharedSecret(sk, pk));
      expect(
        outcome(() => x25519GetSharedSecret(sk, pk)),
        p,
      ).toBe(n);
    }
    expect(outcome(() => x25519GetSharedSecret(sk, hexToBytes(LOW_ORDER[0] as string)))).toBe("throws");
  });

  it("wrong lengths throw on both paths", () => {
    expect(outcome(() => x25519GetSharedSecret(randomBytes(31), randomBytes(32)))).toBe("throws");
    expect(outcome(() => x25519GetSharedSecret(randomBytes(32), randomBytes(33)))).toBe("throws");
    expect(outcome(() => x25519GetPublicKey(randomBytes(16)))).toBe("throws");
  });
});

describe("Ed25519: node:crypto = noble", () => {
  it("RFC 8032 §7.1 test 1 known answer", () => {
    const sk = hexToBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    expect(hex(ed25519GetPublicKey(sk))).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(hex(ed25519Sign(new Uint8Array(0), sk))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });

  it("random keys and messages (0..2000 bytes): same public keys, same signatures, both verify", () => {
    for (let i = 0; i < 30; i++) {
      const sk = randomBytes(32);
      const msg = randomBytes((i * 67) % 2001);
      const pk = ed25519GetPublicKey(sk);
      expect(hex(pk)).toBe(hex(noble.ed25519GetPublicKey(sk)));
      const sig = ed25519Sign(msg, sk);
      expect(hex(sig)).toBe(hex(noble.ed25519Sign(msg, sk)));
      expect(ed25519Verify(sig, msg, pk)).toBe(true);
      expect(noble.ed25519Verify(sig, msg, pk)).toBe(true);
    }
  });

  it("a prepared signer (the key imported once) signs as the one-shot path and noble, key after key", () => {
    for (let i = 0; i < 10; i++) {
      const sk = randomBytes(32);
      const sign = ed25519Signer(sk);
      for (const len of [0, 33, (i * 131) % 1500]) {
        const msg = randomBytes(len);
        const sig = hex(sign(msg));
        expect(sig).toBe(hex(ed25519Sign(msg, sk)));
        expect(sig).toBe(hex(noble.ed25519Sign(msg, sk)));
      }
    }
    expect(() => ed25519Signer(randomBytes(31))(new Uint8Array(1))).toThrow();
  });

  it("tampered, non-canonical and small-order cases: the same verdict as noble (ZIP-215)", () => {
    const sk = randomBytes(32);
    const pk = ed25519GetPublicKey(sk);
    const msg = randomBytes(100);
    const sig = ed25519Sign(msg, sk);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const sPlusL = sig.slice();
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i] as number);
    sPlusL.set(le(s + L), 32); // non-canonical S: refused by both
    const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
      ["good", sig, msg, pk],
      ["flipped R bit", Uint8Array.from(sig, (x, i) => (i === 3 ? x ^ 1 : x)), msg, pk],
      ["flipped S bit", Uint8Array.from(sig, (x, i) => (i === 40 ? x ^ 1 : x)), msg, pk],
      ["other message", sig, randomBytes(100), pk],
      ["S + L", sPlusL, msg, pk],
      ["other key", sig, msg, ed25519GetPublicKey(randomBytes(32))],
      // ZIP-215: identity A and R with S = 0 verify for any message under cofactored checks.
      [
        "small-order A and R, S = 0",
        hexToBytes(`0100000000000000000000000000000000000000000000000000000000000000${"00".repeat(32)}`),
        msg,
        hexToBytes("0100000000000000000000000000000000000000000000000000000000000000"),
      ],
      ["all-zero key", sig, msg, new Uint8Array(32)],
    ];
    for (const [name, sg, m, k] of cases) {
      expect(
        outcome(() => ed25519Verify(sg, m, k)),
        name,
      ).toBe(outcome(() => noble.ed25519Verify(sg, m, k)));
    }
    expect(ed25519Verify(cases[1]?.[1] as Uint8Array, msg, pk)).toBe(false);
  });
});

describe("HKDF-SHA-256 and SHA-2: node:crypto = noble", () => {
  it("RFC 5869 test case 1 known answer", () => {
    const okm = hkdfSha256(
      hexToBytes("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
      hexToBytes("000102030405060708090a0b0c"),
      hexToBytes("f0f1f2f3f4f5f6f7f8f9"),
      42,
    );
    expect(hex(okm)).toBe("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  });

  it("random inputs, empty salt/info/ikm, lengths 1..255×32, info past node:crypto's 1024-byte limit", () => {
    const shapes: [number, number, number, number][] = [
      [32, 12, 100, 44],
      [0, 0, 0, 32],
      [32, 0, 0, 1],
      [64, 32, 37, 8160],
      [32, 16, 1500, 56],
      [1, 1, 1024, 64],
    ];
    for (const [ikmN, saltN, infoN, len] of shapes) {
      const a = [randomBytes(ikmN), randomBytes(saltN), randomBytes(infoN)] as const;
      expect(hex(hkdfSha256(...a, len))).toBe(hex(noble.hkdfSha256(...a, len)));
    }
    expect(outcome(() => hkdfSha256(randomBytes(32), randomBytes(8), randomBytes(8), 8161))).toBe(
      outcome(() => noble.hkdfSha256(randomBytes(32), randomBytes(8), randomBytes(8), 8161)),
    );
  });

  it("SHA-256 / SHA-384 of 0..4096 random bytes", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 111, 112, 127, 128, 4096]) {
      const d = randomBytes(n);
      expect(hex(sha256(d))).toBe(hex(noble.sha256(d)));
      expect(hex(sha384(d))).toBe(hex(noble.sha384(d)));
    }
  });
});

describe("ECDSA P-256 / P-384 verification: node:crypto = noble", () => {
  for (const [curve, c, n] of [
    ["P-256", p256, 32],
    ["P-384", p384, 48],
  ] as const) {
    it(`${curve}: good, high-S, tampered, out-of-range and off-curve cases give noble's verdict`, () => {
      const order = c.Point.CURVE().n;
      const be = (x: bigint) =>
        Uint8Array.from({ length: n }, (_, i) => Number((x >> BigInt(8 * (n - 1 - i))) & 0xffn));
      for (let i = 0; i < 6; i++) {
        const sk = c.utils.randomSecretKey();
        const pk = c.getPublicKey(sk, false);
        const msg = randomBytes(20 + i * 150);
        const sig = c.sign(msg, sk, { prehash: true, format: "compact" });
        let s = 0n;
        for (const x of sig.subarray(n)) s = (s << 8n) | BigInt(x);
        const highS = sig.slice();
        highS.set(be(order - s), n);
        const offCurve = pk.slice();
        offCurve[2 * n] = (offCurve[2 * n] as number) ^ 1;
        const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
          ["good", sig, msg, pk],
          ["high S", highS, msg, pk],
          ["flipped r", Uint8Array.from(sig, (x, j) => (j === 5 ? x ^ 0x10 : x)), msg, pk],
          ["flipped message", sig, Uint8Array.from(msg, (x, j) => (j === 0 ? x ^ 1 : x)), pk],
          ["r = 0", Uint8Array.from(sig, (x, j) => (j < n ? 0 : x)), msg, pk],
          ["s = n", Uint8Array.from([...sig.subarray(0, n), ...be(order)]), msg, pk],
          ["off-curve key", sig, msg, offCurve],
          ["compressed key", sig, msg, c.getPublicKey(sk, true)],
          ["short signature", sig.subarray(1), msg, pk],
        ];
        for (const [name, sg, m, k] of cases) {
          const want = noble.ecdsaVerify(curve, sg, m, k);
          expect(ecdsaVerify(curve, sg, m, k), `${curve} ${name}`).toBe(want);
          if (["good", "high S", "compressed key"].includes(name)) expect(want, name).toBe(true);
          else expect(want, name).toBe(false);
        }
      }
    });
  }
});

describe("ed25519 from @noble is still what browsers get", () => {
  it("the noble reference is the real noble (not the native path)", () => {
    expect(noble.ed25519Sign).not.toBe(ed25519Sign);
    expect(hex(noble.ed25519GetPublicKey(new Uint8Array(32).fill(7)))).toBe(
      hex(ed25519.getPublicKey(new Uint8Array(32).fill(7))),
    );
  });
});
