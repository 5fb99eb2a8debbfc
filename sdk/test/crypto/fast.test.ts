/** The fast bulk paths (node:crypto AES-256-GCM, hash-wasm BLAKE2b-256) give the reference bytes. */
import { blake2b } from "@noble/hashes/blake2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  nobleAesGcmDecrypt,
  nobleAesGcmEncrypt,
  nobleBlake2b256,
  nobleXchachaDecrypt,
  nobleXchachaEncrypt,
} from "../../src/crypto/fast.js";
import {
  aesGcmBackend,
  aesGcmDecrypt,
  aesGcmEncrypt,
  BLAKE2B_WASM_MIN,
  blake2b256,
  blake2bBackend,
  bytesToHex,
  DecryptError,
  decodeEnvelope,
  encodeEnvelope,
  equalBytes,
  fastBlake2b256,
  generateEncryptionKeyPair,
  hashOutput,
  hexToBytes,
  openAsNode,
  openAsUser,
  Suite,
  sealForNodes,
  sealForUser,
  xchachaBackend,
  xchachaDecrypt,
  xchachaEncrypt,
} from "../../src/crypto/index.js";

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);

describe("backends in this runtime", () => {
  it("Node uses node:crypto for AES-GCM and hash-wasm for large BLAKE2b inputs", () => {
    expect(aesGcmBackend).toBe("node:crypto");
    expect(xchachaBackend).toBe("node:crypto");
    expect(blake2bBackend).toBe("hash-wasm");
    expect(BLAKE2B_WASM_MIN).toBe(65536);
  });
});

describe("AES-256-GCM: node:crypto path = noble path", () => {
  const key = hexToBytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const nonce = hexToBytes("cafebabefacedbaddecaf888");
  const aad = new TextEncoder().encode("atoma/enc/v1/payload header");

  it("McGrew-Viega test case 16 known answer, and it opens", () => {
    const k = hexToBytes("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const ad = hexToBytes("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const pt = hexToBytes(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const out = aesGcmEncrypt(k, nonce, ad, pt);
    expect(bytesToHex(out)).toBe(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" +
        "76fc6ece0f4e1768cddf8853bb2d551b",
    );
    expect(bytesToHex(aesGcmDecrypt(k, nonce, ad, out))).toBe(bytesToHex(pt));
  });

  it("NIST-style known answer: empty plaintext, empty AAD, zero key/IV (GCM spec test case 13)", () => {
    const ct = aesGcmEncrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0));
    expect(bytesToHex(ct)).toBe("530f8afbc74536b9a963b4f1c4cb738b");
  });

  for (const n of [0, 1, 15, 16, 17, 1000, 65536 + 3, 1 << 20]) {
    it(`identical ciphertext for ${n} bytes, both directions decrypt`, () => {
      const pt = pattern(n);
      const fast = aesGcmEncrypt(key, nonce, aad, pt);
      const ref = nobleAesGcmEncrypt(key, nonce, aad, pt);
      expect(fast.length).toBe(n + 16);
      expect(fast.constructor).toBe(Uint8Array);
      expect(equalBytes(fast, ref)).toBe(true);
      const opened = aesGcmDecrypt(key, nonce, aad, ref);
      expect(opened.constructor).toBe(Uint8Array);
      expect(equalBytes(opened, pt)).toBe(true);
      expect(equalBytes(nobleAesGcmDecrypt(key, nonce, aad, fast), pt)).toBe(true);
    });
  }

  it("tampering (ciphertext, tag, AAD, nonce, truncation) is rejected by both paths", () => {
    const pt = pattern(4096);
    const ct = aesGcmEncrypt(key, nonce, aad, pt);
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i] = (c[i] as number) ^ 1;
      return c;
    };
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [nonce, aad, flip(ct, 0)],
      [nonce, aad, flip(ct, ct.length - 1)],
      [nonce, flip(aad, 3), ct],
      [flip(nonce, 11), aad, ct],
      [nonce, aad, ct.subarray(0, ct.length - 1)],
      [nonce, aad, ct.subarray(0, 8)],
    ];
    for (const [nc, ad, c] of cases) {
      expect(() => aesGcmDecrypt(key, nc, ad, c)).toThrow();
      expect(() => nobleAesGcmDecrypt(key, nc, ad, c)).toThrow();
    }
  });

  it("an envelope sealed via node:crypto opens with noble and vice versa; tampering → DecryptError", () => {
    const node = generateEncryptionKeyPair();
    const user = generateEncryptionKeyPair();
    const requestId = `0x${"cd".repeat(32)}`;
    const payload = pattern(200_000);
    const sealed = sealForNodes({
      requestId,
      payload,
      recipients: [{ nodeId: "0x7", encPk: node.publicKey }],
      requireAttestation: false,
    });
    const env = decodeEnvelope(sealed.envelope);
    expect(env.suite).toBe(Suite.Aes256Gcm);
    const opened = openAsNode({ requestId, envelope: sealed.envelope, nodeId: "0x7", encSk: node.secretKey });
    expect(equalBytes(opened, payload)).toBe(true);
    for (const i of [0, 100_000, env.ciphertext.length - 1]) {
      const bad = { ...env, ciphertext: env.ciphertext.slice() };
      bad.ciphertext[i] = (bad.ciphertext[i] as number) ^ 0x80;
      expect(() =>
        openAsNode({ requestId, envelope: encodeEnvelope(bad), nodeId: "0x7", encSk: node.secretKey }),
      ).toThrow(DecryptError);
    }
    const u = sealForUser({ requestId, payload, userPk: user.publicKey });
    const ue = decodeEnvelope(u);
    const tampered = u.slice();
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 1;
    expect(() => openAsUser({ requestId, envelope: tampered, userSk: user.secretKey })).toThrow(DecryptError);
    expect(equalBytes(openAsUser({ requestId, envelope: ue, userSk: user.secretKey }), payload)).toBe(true);
  });

  it("random keys/nonces/AAD: identical bytes (20 trials)", () => {
    for (let t = 0; t < 20; t++) {
      const k = randomBytes(32);
      const nc = randomBytes(12);
      const ad = randomBytes(t * 7);
      const pt = randomBytes(t * 977);
      expect(bytesToHex(aesGcmEncrypt(k, nc, ad, pt))).toBe(bytesToHex(nobleAesGcmEncrypt(k, nc, ad, pt)));
    }
  });
});

describe("XChaCha20-Poly1305: node:crypto (HChaCha20 + IETF ChaCha20-Poly1305) path = noble path", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
  const aad = hexToBytes("50515253c0c1c2c3c4c5c6c7");

  it("draft-irtf-cfrg-xchacha-03 §A.3.1 known answer, and it opens", () => {
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const out = xchachaEncrypt(key, nonce, aad, pt);
    expect(bytesToHex(out)).toBe(
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e" +
        "c0875924c1c7987947deafd8780acf49",
    );
    expect(new TextDecoder().decode(xchachaDecrypt(key, nonce, aad, out))).toBe(new TextDecoder().decode(pt));
  });

  for (const n of [0, 1, 63, 64, 65, 1000, 65536 + 3, 1 << 20]) {
    it(`identical ciphertext for ${n} bytes, both directions decrypt`, () => {
      const pt = pattern(n);
      const fast = xchachaEncrypt(key, nonce, aad, pt);
      const ref = nobleXchachaEncrypt(key, nonce, aad, pt);
      expect(fast.length).toBe(n + 16);
      expect(fast.constructor).toBe(Uint8Array);
      expect(equalBytes(fast, ref)).toBe(true);
      expect(equalBytes(xchachaDecrypt(key, nonce, aad, ref), pt)).toBe(true);
      expect(equalBytes(nobleXchachaDecrypt(key, nonce, aad, fast), pt)).toBe(true);
    });
  }

  it("random keys/nonces/AAD: identical bytes (20 trials); the key and nonce inputs are left untouched", () => {
    for (let t = 0; t < 20; t++) {
      const k = randomBytes(32);
      const nc = randomBytes(24);
      const k0 = bytesToHex(k);
      const n0 = bytesToHex(nc);
      const ad = randomBytes(t * 7);
      const pt = randomBytes(t * 977);
      expect(bytesToHex(xchachaEncrypt(k, nc, ad, pt))).toBe(bytesToHex(nobleXchachaEncrypt(k, nc, ad, pt)));
      expect(bytesToHex(k)).toBe(k0);
      expect(bytesToHex(nc)).toBe(n0);
    }
  });

  it("tampering (ciphertext, tag, AAD, each nonce half, truncation) is rejected by both paths", () => {
    const ct = xchachaEncrypt(key, nonce, aad, pattern(4096));
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice();
      c[i] = (c[i] as number) ^ 1;
      return c;
    };
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [nonce, aad, flip(ct, 0)],
      [nonce, aad, flip(ct, ct.length - 1)],
      [nonce, flip(aad, 3), ct],
      [flip(nonce, 2), aad, ct],
      [flip(nonce, 20), aad, ct],
      [nonce, aad, ct.subarray(0, ct.length - 1)],
      [nonce, aad, ct.subarray(0, 8)],
    ];
    for (const [nc, ad, c] of cases) {
      expect(() => xchachaDecrypt(key, nc, ad, c)).toThrow();
      expect(() => nobleXchachaDecrypt(key, nc, ad, c)).toThrow();
    }
  });

  it("an XChaCha envelope round-trips and a flipped ciphertext byte → DecryptError", () => {
    const node = generateEncryptionKeyPair();
    const requestId = `0x${"ef".repeat(32)}`;
    const payload = pattern(150_000);
    const sealed = sealForNodes({
      requestId,
      payload,
      suite: Suite.XChaCha20Poly1305,
      recipients: [{ nodeId: "0x9", encPk: node.publicKey }],
      requireAttestation: false,
    });
    const env = decodeEnvelope(sealed.envelope);
    expect(env.suite).toBe(Suite.XChaCha20Poly1305);
    const opened = openAsNode({ requestId, envelope: sealed.envelope, nodeId: "0x9", encSk: node.secretKey });
    expect(equalBytes(opened, payload)).toBe(true);
    const bad = { ...env, ciphertext: env.ciphertext.slice() };
    bad.ciphertext[77_777] = (bad.ciphertext[77_777] as number) ^ 4;
    expect(() =>
      openAsNode({ requestId, envelope: encodeEnvelope(bad), nodeId: "0x9", encSk: node.secretKey }),
    ).toThrow(DecryptError);
  });
});

describe("BLAKE2b-256: hash-wasm path = noble path", () => {
  const sizes = [0, 1, BLAKE2B_WASM_MIN - 1, BLAKE2B_WASM_MIN, BLAKE2B_WASM_MIN + 1, 1 << 20, (1 << 20) + 129];
  for (const n of sizes) {
    it(`identical digest for ${n} bytes (fastBlake2b256, hashOutput, noble)`, () => {
      const data = pattern(n);
      const ref = bytesToHex(blake2b(data, { dkLen: 32 }));
      expect(bytesToHex(fastBlake2b256(data))).toBe(ref);
      expect(bytesToHex(blake2b256(data))).toBe(ref);
      expect(bytesToHex(hashOutput(data))).toBe(ref);
      expect(bytesToHex(nobleBlake2b256(data))).toBe(ref);
    });
  }

  it("hashes a subarray view of a larger buffer correctly, and twice in a row the same", () => {
    const big = pattern(300_000);
    const view = big.subarray(1234, 1234 + 200_000);
    const ref = bytesToHex(blake2b(view.slice(), { dkLen: 32 }));
    expect(bytesToHex(fastBlake2b256(view))).toBe(ref);
    expect(bytesToHex(fastBlake2b256(view))).toBe(ref);
    const d = fastBlake2b256(view);
    expect(d.constructor).toBe(Uint8Array);
    expect(d.length).toBe(32);
  });

  it("published BLAKE2b-256 vectors", () => {
    expect(bytesToHex(fastBlake2b256(new Uint8Array(0)))).toBe(
      "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
    );
    expect(bytesToHex(fastBlake2b256(new TextEncoder().encode("abc")))).toBe(
      "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
    );
    expect(bytesToHex(fastBlake2b256(new TextEncoder().encode("The quick brown fox jumps over the lazy dog")))).toBe(
      "01718cec35cd3d796dd00020e0bfecb473ad23457d063b75eff29c0ffa2e58a9",
    );
  });
});

describe("hash-wasm itself on the published vectors (the path large inputs take)", () => {
  it("empty, abc, quick brown fox", async () => {
    const { createBLAKE2b } = await import("hash-wasm");
    const h = await createBLAKE2b(256);
    const d = (s: string) => bytesToHex(h.init().update(new TextEncoder().encode(s)).digest("binary"));
    expect(d("")).toBe("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    expect(d("abc")).toBe("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    expect(d("The quick brown fox jumps over the lazy dog")).toBe(
      "01718cec35cd3d796dd00020e0bfecb473ad23457d063b75eff29c0ffa2e58a9",
    );
  });
});
