/** Known-answer tests of the primitives the envelopes are built from. */
import { gcm } from "@noble/ciphers/aes.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  blake2b256,
  bytesToHex,
  canonicalJson,
  computeCommitment,
  hashOutput,
  hexToBytes,
  objectIdBytes,
  randomSalt,
  x25519PublicKey,
} from "../../src/crypto/index.js";
import { InvalidInputError } from "../../src/errors.js";

const h = (s: string) => hexToBytes(s);
const range = (a: number, b: number) => Uint8Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("RFC 7748 X25519", () => {
  it("§5.2 single-step vectors", () => {
    expect(
      bytesToHex(
        x25519.scalarMult(
          h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
          h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
        ),
      ),
    ).toBe("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    expect(
      bytesToHex(
        x25519.scalarMult(
          h("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
          h("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
        ),
      ),
    ).toBe("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
  });
  it("§6.1 Diffie-Hellman", () => {
    const aSk = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const bSk = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    const aPk = x25519PublicKey(aSk);
    const bPk = x25519PublicKey(bSk);
    expect(bytesToHex(aPk)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    expect(bytesToHex(bPk)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    expect(bytesToHex(x25519.getSharedSecret(aSk, bPk))).toBe(k);
    expect(bytesToHex(x25519.getSharedSecret(bSk, aPk))).toBe(k);
  });
});

describe("RFC 5869 HKDF-SHA256", () => {
  it("test case 1", () => {
    const okm = hkdf(sha256, new Uint8Array(22).fill(0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42);
    expect(bytesToHex(okm)).toBe(
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
  });
  it("test case 2", () => {
    const okm = hkdf(sha256, range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    expect(bytesToHex(okm)).toBe(
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    );
  });
  it("test case 3", () => {
    const okm = hkdf(sha256, new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(bytesToHex(okm)).toBe(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });
});

describe("AEADs", () => {
  it("AES-256-GCM, McGrew-Viega test case 16", () => {
    const key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = h("cafebabefacedbaddecaf888");
    const aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const pt = h(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    const ct =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
    const tag = "76fc6ece0f4e1768cddf8853bb2d551b";
    const out = gcm(key, iv, aad).encrypt(pt);
    expect(bytesToHex(out)).toBe(ct + tag);
    expect(bytesToHex(gcm(key, iv, aad).decrypt(out))).toBe(bytesToHex(pt));
  });
  it("XChaCha20-Poly1305, draft-irtf-cfrg-xchacha-03 §A.3.1", () => {
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const aad = h("50515253c0c1c2c3c4c5c6c7");
    const key = range(0x80, 0x9f);
    const iv = range(0x40, 0x57);
    const out = xchacha20poly1305(key, iv, aad).encrypt(pt);
    expect(bytesToHex(out)).toBe(
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e" +
        "c0875924c1c7987947deafd8780acf49",
    );
  });
});

describe("BLAKE2b-256 and commitments", () => {
  it("BLAKE2b-256 published vectors", () => {
    expect(bytesToHex(blake2b256(new Uint8Array(0)))).toBe(
      "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
    );
    expect(bytesToHex(blake2b256(new TextEncoder().encode("abc")))).toBe(
      "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
    );
  });
  const outputHash = range(0x00, 0x1f);
  const nodeId = "0x00000000000000000000000000000000000000000000000000000000000000a7";
  const salt = new Uint8Array(32).fill(0x5a);
  // Also checked against Move: atoma::request::commitment_of(x"00..1f", object::id_from_address(@0xa7),
  // 32 × 0x5a) == this value (a #[test] run with the WASM Move compiler passed, and failed for a changed byte).
  const EXPECTED = "0ac6da0f141490712bbf4b08db5d0831a44bd078086dfc2655ebbe769f3c2d7f";
  it("commitment = blake2b256(output_hash ‖ node_id ‖ salt): fixed answer, checked by streaming hash", () => {
    const c = computeCommitment(outputHash, nodeId, salt);
    const streamed = blake2b
      .create({ dkLen: 32 })
      .update(outputHash)
      .update(objectIdBytes(nodeId))
      .update(salt)
      .digest();
    expect(bytesToHex(c)).toBe(bytesToHex(streamed));
    expect(bytesToHex(c)).toBe(EXPECTED);
    expect(bytesToHex(computeCommitment(outputHash, "0xa7", salt))).toBe(EXPECTED);
    expect(bytesToHex(computeCommitment(outputHash, objectIdBytes(nodeId), salt))).toBe(EXPECTED);
  });
  it("commitment depends on every input", () => {
    const c = bytesToHex(computeCommitment(outputHash, nodeId, salt));
    expect(bytesToHex(computeCommitment(outputHash, "0xa8", salt))).not.toBe(c);
    expect(bytesToHex(computeCommitment(outputHash, nodeId, new Uint8Array(32)))).not.toBe(c);
    expect(bytesToHex(computeCommitment(new Uint8Array(32), nodeId, salt))).not.toBe(c);
  });
  it("rejects bad lengths, naming the field", () => {
    expect(() => computeCommitment(new Uint8Array(31), nodeId, salt)).toThrow(/outputHash: must be 32 bytes/);
    expect(() => computeCommitment(outputHash, nodeId, new Uint8Array(33))).toThrow(InvalidInputError);
    expect(() => computeCommitment(outputHash, "0xzz", salt)).toThrow(/nodeId/);
    expect(() => computeCommitment(outputHash, new Uint8Array(20), salt)).toThrow(/nodeId: must be 32 bytes/);
  });
  it("randomSalt gives distinct 32-byte salts", () => {
    const a = randomSalt();
    expect(a.length).toBe(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(randomSalt()));
  });
  it("canonicalJson sorts keys, strips whitespace, encodes UTF-8", () => {
    const a = canonicalJson({ b: [1, { z: true, a: null }], a: "é", c: 1.5 });
    expect(new TextDecoder().decode(a)).toBe('{"a":"é","b":[1,{"a":null,"z":true}],"c":1.5}');
    expect(Array.from(a.slice(6, 8))).toEqual([0xc3, 0xa9]);
    expect(bytesToHex(hashOutput(a))).toBe(
      bytesToHex(hashOutput(canonicalJson({ c: 1.5, a: "é", b: [1, { a: null, z: true }] }))),
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/value\.x: numbers must be finite/);
  });
});
