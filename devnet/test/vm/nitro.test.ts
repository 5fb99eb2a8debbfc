/**
 * The devnet's `sui::nitro_attestation` native (src/vm/nitro/): the genuine AWS document of
 * ../shared/vectors/attestation/nitro (7,539 bytes, 2024-09-07T14:37:39.545Z) and documents under
 * a self-made P-384 test root (test/fixtures/nitro-evidence.ts). Abort codes as Sui's native:
 * 1 parse, 2 verify, 3 PCRs.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeNitroEvidence } from "../../../test/fixtures/nitro-evidence.js";
import { requireVectors, VECTORS_DIR } from "../../../test/setup/prerequisites.js";
import {
  loadNitroAttestation,
  NITRO_LIMITS,
  NitroAttestationError,
  parseCoseSign1,
} from "../../src/vm/nitro/attestation.js";
import { AWS_NITRO_ROOT_G1_DER } from "../../src/vm/nitro/aws-root.js";
import { CertificateError, parseCertificate, verifyCertChain } from "../../src/vm/nitro/x509.js";

const GENUINE_TS = 1_725_719_859_545n;
/** Raises only the user_data/nonce limit (the genuine document carries 1,024 bytes of each). */
const RELAXED = { maxUserData: 1024 };
const keys = { sigPk: new Uint8Array(32).fill(7), encPk: new Uint8Array(32).fill(9) };
const T = 1_725_000_000_000n;

function code(f: () => unknown): bigint | "ok" {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof NitroAttestationError) return e.code;
    throw e;
  }
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("Nitro native: test-root documents", () => {
  const ev = makeNitroEvidence({ ...keys, timestampMs: T });

  it("the built-in root is AWS Nitro Enclaves Root-G1 (SHA-256 fingerprint)", () => {
    expect(createHash("sha256").update(AWS_NITRO_ROOT_G1_DER).digest("hex")).toBe(
      "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b",
    );
  });

  it("a document under the test root verifies when that root is given, with PCRs 0-4 and 8 in order", () => {
    const doc = loadNitroAttestation(ev.document, T, [ev.rootDer]);
    expect(doc.pcrs.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 8]);
    expect(doc.pcrs[0]!.value).toEqual(ev.pcrs[0]);
    expect(doc.userData).toEqual(ev.userData);
    expect(doc.digest).toBe("SHA384");
    expect(doc.timestamp).toBe(T);
    expect(doc.publicKey).toBeUndefined();
  });

  it("without the test root (the default) it is refused with code 2", () => {
    expect(code(() => loadNitroAttestation(ev.document, T))).toBe(2n);
    // Another PKI's root does not help either.
    const other = makeNitroEvidence({ ...keys, timestampMs: T, seed: 2 });
    expect(code(() => loadNitroAttestation(ev.document, T, [other.rootDer]))).toBe(2n);
  });

  it("an expired or not-yet-valid leaf is refused with code 2", () => {
    const short = makeNitroEvidence({
      ...keys,
      timestampMs: T,
      leafNotBefore: "240826000000Z",
      leafNotAfter: "240827000000Z",
    });
    const inside = BigInt(Date.parse("2024-08-26T12:00:00Z"));
    expect(code(() => loadNitroAttestation(short.document, inside, [short.rootDer]))).toBe("ok");
    expect(code(() => loadNitroAttestation(short.document, inside + 86_400_000n, [short.rootDer]))).toBe(2n);
    expect(code(() => loadNitroAttestation(short.document, inside - 86_400_000n, [short.rootDer]))).toBe(2n);
  });

  it("a document without PCR8 is refused with code 3; user_data over 512 bytes with code 1", () => {
    const noPcr8 = makeNitroEvidence({ ...keys, timestampMs: T, omitPcrs: [8] });
    expect(code(() => loadNitroAttestation(noPcr8.document, T, [noPcr8.rootDer]))).toBe(3n);
    const big = makeNitroEvidence({ ...keys, timestampMs: T, userData: new Uint8Array(513).fill(1) });
    expect(code(() => loadNitroAttestation(big.document, T, [big.rootDer]))).toBe(1n);
    expect(NITRO_LIMITS.maxUserData).toBe(512);
  });

  it("every sampled single-bit flip is refused (code 1 or 2)", () => {
    const r = rng(14);
    const n = ev.document.length;
    const positions = new Set<number>([0, 1, 2, 3, n - 1, n - 48, n - 96]);
    while (positions.size < 60) positions.add(Math.floor(r() * n));
    for (const p of positions)
      for (const bit of [0, 7]) {
        const b = Uint8Array.from(ev.document);
        b[p] = (b[p] as number) ^ (1 << bit);
        const c = code(() => loadNitroAttestation(b, T, [ev.rootDer]));
        expect([p, bit, c === 1n || c === 2n || c === 3n]).toEqual([p, bit, true]);
      }
  });
});

const haveVectors = requireVectors("the Nitro native's genuine-document tests");
const nitroVec = (f: string) => new Uint8Array(readFileSync(path.join(VECTORS_DIR, "nitro", f)));

describe.skipIf(!haveVectors)("Nitro native: the genuine AWS document", () => {
  const doc = haveVectors ? nitroVec("attestation.cbor") : new Uint8Array();

  it("the shared AWS root file is the built-in one", () => {
    expect(nitroVec("aws_nitro_root_g1.der")).toEqual(AWS_NITRO_ROOT_G1_DER);
  });

  it("Sui's parser refuses it (code 1): its user_data and nonce are 1,024 bytes, over the 512-byte limit", () => {
    expect(doc.length).toBe(7539);
    expect(code(() => loadNitroAttestation(doc, GENUINE_TS))).toBe(1n);
  });

  it("with that one limit raised it passes every other check: ES384 signature, chain to the AWS root at its timestamp", () => {
    const d = loadNitroAttestation(doc, GENUINE_TS, [], RELAXED);
    expect(d.moduleId).toBe("i-0a22e5c5f24d22174-enc0191cceb4289903f");
    expect(d.timestamp).toBe(GENUINE_TS);
    expect(d.pcrs.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 8]);
    expect(d.pcrs[0]!.value.some((x) => x !== 0)).toBe(true);
    expect(d.userData).toEqual(new Uint8Array(1024).fill(1));
    expect(d.cabundle.length).toBe(4);
  });

  it("its leaf is valid for hours only: a day later (expired) and a day earlier (not yet valid) are code 2", () => {
    expect(code(() => loadNitroAttestation(doc, GENUINE_TS + 86_400_000n, [], RELAXED))).toBe(2n);
    expect(code(() => loadNitroAttestation(doc, GENUINE_TS - 86_400_000n, [], RELAXED))).toBe(2n);
  });

  it("every sampled single-bit flip in the protected header, payload (certificates included) and signature is refused", () => {
    const cose = parseCoseSign1(doc);
    const at = (part: Uint8Array) => Buffer.from(doc).indexOf(Buffer.from(part));
    const regions = [
      { name: "protected", start: at(cose.protected), len: cose.protected.length },
      { name: "payload", start: at(cose.payload), len: cose.payload.length },
      { name: "signature", start: at(cose.signature), len: cose.signature.length },
    ];
    const r = rng(1725);
    let flips = 0;
    for (const g of regions) {
      expect(g.start).toBeGreaterThan(0);
      const picks = new Set<number>([0, g.len - 1, g.len >> 1]);
      while (picks.size < Math.min(g.len, g.name === "payload" ? 100 : 30)) picks.add(Math.floor(r() * g.len));
      for (const i of picks) {
        const b = Uint8Array.from(doc);
        const p = g.start + i;
        b[p] = (b[p] as number) ^ (1 << Math.floor(r() * 8));
        const c = code(() => loadNitroAttestation(b, GENUINE_TS, [], RELAXED));
        expect([g.name, i, c === 1n || c === 2n || c === 3n]).toEqual([g.name, i, true]);
        flips++;
      }
    }
    expect(flips).toBe(134); // 4 (all of the protected header) + 100 + 30
  });

  it("its chain ends at the AWS root only: against another root it is refused", () => {
    const d = loadNitroAttestation(doc, GENUINE_TS, [], RELAXED);
    const chain = [d.certificate, ...[...d.cabundle].reverse()];
    expect(() => verifyCertChain(chain, GENUINE_TS, parseCertificate(AWS_NITRO_ROOT_G1_DER))).not.toThrow();
    const testRoot = parseCertificate(makeNitroEvidence({ ...keys, timestampMs: T }).rootDer);
    expect(() => verifyCertChain(chain, GENUINE_TS, testRoot)).toThrow(CertificateError);
  });
});
