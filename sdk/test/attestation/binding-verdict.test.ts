import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import {
  type AttestationVerdict,
  blake2b256,
  checkReportDataBinding,
  encodeVerdictMessage,
  expectedReportData,
  signVerdict,
  TeeKind,
  verifyVerdict,
} from "../../src/attestation/index.js";

const sigPk = new Uint8Array(32).fill(1);
const encPk = new Uint8Array(32).fill(2);

describe("report-data binding", () => {
  it("is blake2b-256(sigPk || encPk) and must prefix the report data", () => {
    const want = blake2b(new Uint8Array([...sigPk, ...encPk]), { dkLen: 32 });
    expect(expectedReportData(sigPk, encPk)).toEqual(want);
    const reportData = new Uint8Array(64);
    reportData.set(want);
    reportData[40] = 7; // the rest is free
    expect(checkReportDataBinding({ reportData }, sigPk, encPk)).toEqual(want);
    expect(() => checkReportDataBinding({ reportData }, encPk, sigPk)).toThrow(/binding/);
    const bad = reportData.slice();
    bad[31] = (bad[31] as number) ^ 1;
    expect(() => checkReportDataBinding({ reportData: bad }, sigPk, encPk)).toThrowError(
      expect.objectContaining({ code: "ATTESTATION_INVALID", check: "binding" }),
    );
    expect(() => expectedReportData(sigPk.subarray(0, 31), encPk)).toThrow(/sigPk: must be 32 bytes/);
  });
});

describe("attestation verdicts", () => {
  const sk = new Uint8Array(32).fill(9);
  const pk = ed25519.getPublicKey(sk);
  const v: AttestationVerdict = {
    nodeId: "0xabc",
    teeKind: TeeKind.Tdx,
    measurement: new Uint8Array(48).fill(0x5a),
    reportDataHash: expectedReportData(sigPk, encPk),
    evidenceHash: blake2b256(new Uint8Array([1, 2, 3])),
    issuedMs: 1_699_999_000_000n,
    expiresMs: 1_700_000_000_000n,
  };

  it("encodes the documented message byte for byte", () => {
    const msg = encodeVerdictMessage(v);
    const domain = new TextEncoder().encode("ATOMA_ATTESTATION_V2");
    const addr = new Uint8Array(32);
    addr[30] = 0x0a;
    addr[31] = 0xbc;
    const u64 = new Uint8Array(8);
    new DataView(u64.buffer).setBigUint64(0, 1_700_000_000_000n, true);
    const issued = new Uint8Array(8);
    new DataView(issued.buffer).setBigUint64(0, 1_699_999_000_000n, true);
    const expected = new Uint8Array([
      ...domain,
      ...addr,
      1,
      48,
      ...v.measurement,
      32,
      ...v.reportDataHash,
      32,
      ...v.evidenceHash,
      ...issued,
      ...u64,
    ]);
    expect(Buffer.from(msg).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    // ULEB128 length for long vectors (200 = 0xc8 0x01).
    const long = encodeVerdictMessage({ ...v, measurement: new Uint8Array(200) });
    expect([long[20 + 33], long[20 + 34]]).toEqual([0xc8, 0x01]);
  });

  it("round-trips and rejects tampering", () => {
    const sig = signVerdict(v, sk);
    expect(sig.length).toBe(64);
    expect(verifyVerdict(v, sig, pk)).toBe(true);
    expect(ed25519.verify(sig, encodeVerdictMessage(v), pk)).toBe(true);
    expect(verifyVerdict({ ...v, teeKind: TeeKind.SevSnp }, sig, pk)).toBe(false);
    expect(verifyVerdict({ ...v, expiresMs: 1_700_000_000_001n }, sig, pk)).toBe(false);
    // the issue time is signed: a replayed verdict cannot be re-dated past a revocation
    expect(verifyVerdict({ ...v, issuedMs: 1_699_999_000_001n }, sig, pk)).toBe(false);
    expect(() => encodeVerdictMessage({ ...v, issuedMs: -1n })).toThrow(/issuedMs: must fit in a u64/);
    expect(verifyVerdict({ ...v, nodeId: "0xabd" }, sig, pk)).toBe(false);
    const m = v.measurement.slice();
    m[0] = 0;
    expect(verifyVerdict({ ...v, measurement: m }, sig, pk)).toBe(false);
    const s2 = sig.slice();
    s2[10] = (s2[10] as number) ^ 1;
    expect(verifyVerdict(v, s2, pk)).toBe(false);
    expect(verifyVerdict(v, sig, ed25519.getPublicKey(new Uint8Array(32).fill(8)))).toBe(false);
  });

  it("rejects bad fields by name", () => {
    expect(() => encodeVerdictMessage({ ...v, teeKind: 9 })).toThrow(/teeKind/);
    expect(() => encodeVerdictMessage({ ...v, nodeId: "abc" })).toThrow(/nodeId/);
    expect(() => encodeVerdictMessage({ ...v, evidenceHash: new Uint8Array(31) })).toThrow(
      /evidenceHash: must be 32 bytes/,
    );
    expect(() => encodeVerdictMessage({ ...v, expiresMs: -1 })).toThrow(/expiresMs/);
    expect(() => signVerdict(v, new Uint8Array(31))).toThrow(/secretKey/);
  });
});
