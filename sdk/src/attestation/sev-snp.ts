/**
 * AMD SEV-SNP attestation report verification (report versions 2 and 3, ECDSA-P384 with the
 * VCEK or VLEK, VCEK -> ASK -> ARK chain with RSA-PSS). See docs/attestation.md.
 */
import "./reflect-polyfill.js";
import type { X509Certificate } from "@peculiar/x509";
import { ecdsaVerify } from "../crypto/primitives.js";
import { InvalidInputError } from "../errors.js";
import { countSignatureCheck } from "./cache.js";
import {
  AttestationError,
  bytesEqual,
  type CertInput,
  certsFromPemBundle,
  ensureDate,
  intValue,
  readTlvs,
  toCert,
  toHex,
  verifyChain,
} from "./common.js";

export const SNP_REPORT_LEN = 1184;
const SIGNED_LEN = 0x2a0;

/** Security version numbers packed in an SNP TCB_VERSION (Milan/Genoa layout). */
export interface SnpTcb {
  bootLoader: number;
  tee: number;
  snp: number;
  microcode: number;
}

export interface SnpPolicy {
  /** Allow the DEBUG policy bit (default false: debug guests are rejected). */
  allowDebug?: boolean;
  /** Every component of REPORTED_TCB must be at least this. */
  minimumTcb?: Partial<SnpTcb>;
  /** Allowed launch measurements (48 bytes each); when given, the measurement must be one. */
  allowedMeasurements?: Uint8Array[];
  /** Minimum report version (default 2). */
  minimumVersion?: number;
}

export interface VerifySevSnpOptions {
  /** The VCEK (or VLEK) certificate that signed the report, PEM or DER. */
  vcek: CertInput;
  /** The ASK (or ASVK) and ARK: a PEM bundle, or certificates in order ASK, ARK. */
  chain: string | CertInput[];
  /**
   * Pinned AMD root keys (ARK). When given, the chain must end at one of them. When absent,
   * the chain's self-signed ARK is the anchor and `rootPinned` in the claims is false.
   */
  trustedRoots?: CertInput[];
  now: Date | number;
  policy?: SnpPolicy;
}

export interface SevSnpClaims {
  teeKind: "sev-snp";
  version: number;
  guestSvn: number;
  /** Guest policy (u64) and its decoded flags. */
  policy: {
    raw: bigint;
    debug: boolean;
    smt: boolean;
    migrateMa: boolean;
    singleSocket: boolean;
    abiMajor: number;
    abiMinor: number;
  };
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  signatureAlgo: number;
  platformInfo: bigint;
  /** Launch measurement, 48 bytes. */
  measurement: Uint8Array;
  /** REPORT_DATA, 64 bytes. */
  reportData: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  chipId: Uint8Array;
  tcb: { current: SnpTcb; reported: SnpTcb; committed: SnpTcb; launch: SnpTcb };
  /** Signed by a VLEK (key selection bits) rather than a VCEK. */
  signedByVlek: boolean;
  rootPinned: boolean;
  vcekSubject: string;
}

function tcbOf(b: Uint8Array, o: number): SnpTcb {
  return {
    bootLoader: b[o] as number,
    tee: b[o + 1] as number,
    snp: b[o + 6] as number,
    microcode: b[o + 7] as number,
  };
}

function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
}
function u64(b: Uint8Array, o: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o, true);
}

/** AMD writes r and s as 72-byte little-endian fields; noble wants 48-byte big-endian r||s. */
function amdSigToCompact(sig: Uint8Array): Uint8Array {
  for (const off of [0, 72]) {
    if (sig.subarray(off + 48, off + 72).some((x) => x !== 0)) {
      throw new AttestationError("report_signature", "signature component has non-zero high bytes");
    }
  }
  const out = new Uint8Array(96);
  out.set(sig.subarray(0, 48).slice().reverse(), 0);
  out.set(sig.subarray(72, 120).slice().reverse(), 48);
  return out;
}

/** AMD VCEK extension OIDs (SPL values). */
const OID = {
  bl: "1.3.6.1.4.1.3704.1.3.1",
  tee: "1.3.6.1.4.1.3704.1.3.2",
  snp: "1.3.6.1.4.1.3704.1.3.3",
  ucode: "1.3.6.1.4.1.3704.1.3.8",
  hwid: "1.3.6.1.4.1.3704.1.4",
} as const;

function extInt(cert: X509Certificate, oid: string): number | undefined {
  const e = cert.getExtension(oid);
  if (!e) return undefined;
  const [t] = readTlvs(new Uint8Array(e.value));
  return t && t.tag === 0x02 ? intValue(t.value) : undefined;
}

/** Verifies an SEV-SNP attestation report and returns its claims; throws AttestationError. */
export async function verifySevSnpReport(report: Uint8Array, opts: VerifySevSnpOptions): Promise<SevSnpClaims> {
  if (!(report instanceof Uint8Array)) throw new InvalidInputError("report", "must be a Uint8Array");
  if (report.length !== SNP_REPORT_LEN) {
    throw new AttestationError("parse", `report is ${report.length} bytes, expected ${SNP_REPORT_LEN}`);
  }
  if (!opts) throw new InvalidInputError("options", "required");
  const now = ensureDate(opts.now, "now");
  const policyOpt = opts.policy ?? {};
  const vcek = toCert(opts.vcek, "vcek");
  const chain =
    typeof opts.chain === "string"
      ? certsFromPemBundle(opts.chain, "chain")
      : Array.isArray(opts.chain)
        ? opts.chain.map((c, i) => toCert(c, `chain[${i}]`))
        : [];
  if (chain.length === 0) throw new InvalidInputError("chain", "must hold the ASK and ARK certificates");

  const version = u32(report, 0);
  if (version !== 2 && version !== 3) throw new AttestationError("version", `report version ${version} is not 2 or 3`);
  if (version < (policyOpt.minimumVersion ?? 2)) {
    throw new AttestationError("version", `report version ${version} is below the minimum ${policyOpt.minimumVersion}`);
  }
  const sigAlgo = u32(report, 0x34);
  if (sigAlgo !== 1)
    throw new AttestationError("parse", `signature algorithm ${sigAlgo} is not 1 (ECDSA P-384 SHA-384)`);
  if (report.subarray(0x2a0 + 144, SNP_REPORT_LEN).some((x) => x !== 0)) {
    throw new AttestationError("parse", "reserved bytes after the signature are not zero");
  }

  // 1. Certificate chain VCEK -> ASK -> ARK (RSA-PSS), valid at `now`.
  const anchors = opts.trustedRoots
    ? opts.trustedRoots.map((r, i) => toCert(r, `trustedRoots[${i}]`))
    : chain.filter((c) => c.subject === c.issuer);
  await verifyChain([vcek, ...chain], anchors, now, "VCEK chain");

  // 2. Report signature with the VCEK key over bytes 0..0x2A0.
  const spki = new Uint8Array(vcek.publicKey.rawData);
  const pub = spki.subarray(spki.length - 97);
  if (pub[0] !== 4) throw new AttestationError("cert_chain", "VCEK key is not an uncompressed P-384 point");
  const sig = amdSigToCompact(report.subarray(0x2a0, 0x2a0 + 144));
  countSignatureCheck();
  const ok = ecdsaVerify("P-384", sig, report.subarray(0, SIGNED_LEN), pub); // node:crypto in Node, noble elsewhere
  if (!ok) throw new AttestationError("report_signature", "report signature does not verify with the VCEK key");

  const policyRaw = u64(report, 0x08);
  const bit = (n: number) => ((policyRaw >> BigInt(n)) & 1n) === 1n;
  const tcb = {
    current: tcbOf(report, 0x38),
    reported: tcbOf(report, 0x180),
    committed: tcbOf(report, 0x1e0),
    launch: tcbOf(report, 0x1f0),
  };
  const keyInfo = u32(report, 0x48);
  const signedByVlek = ((keyInfo >> 2) & 7) === 1;
  const chipId = report.slice(0x1a0, 0x1e0);

  // 3. The VCEK must be the one for this chip and reported TCB (when its extensions say so).
  if (!signedByVlek) {
    const hw = vcek.getExtension(OID.hwid);
    if (hw) {
      // AMD puts the 64 raw bytes in the extension value; accept an OCTET STRING wrapping too.
      const raw = new Uint8Array(hw.value);
      const hwId = raw.length === 64 ? raw : (readTlvs(raw).find((t) => t.tag === 0x04)?.value ?? raw);
      if (!bytesEqual(hwId, chipId))
        throw new AttestationError("cert_chain", "VCEK hwID does not match the report's CHIP_ID");
    }
  }
  const spl: [keyof SnpTcb, string][] = [
    ["bootLoader", OID.bl],
    ["tee", OID.tee],
    ["snp", OID.snp],
    ["microcode", OID.ucode],
  ];
  for (const [k, oid] of spl) {
    const v = extInt(vcek, oid);
    if (v !== undefined && v !== tcb.reported[k]) {
      throw new AttestationError("policy_tcb", `VCEK ${k} SPL ${v} does not match REPORTED_TCB ${tcb.reported[k]}`);
    }
  }

  const claims: SevSnpClaims = {
    teeKind: "sev-snp",
    version,
    guestSvn: u32(report, 0x04),
    policy: {
      raw: policyRaw,
      debug: bit(19),
      smt: bit(16),
      migrateMa: bit(18),
      singleSocket: bit(20),
      abiMajor: Number((policyRaw >> 8n) & 0xffn),
      abiMinor: Number(policyRaw & 0xffn),
    },
    familyId: report.slice(0x10, 0x20),
    imageId: report.slice(0x20, 0x30),
    vmpl: u32(report, 0x30),
    signatureAlgo: sigAlgo,
    platformInfo: u64(report, 0x40),
    reportData: report.slice(0x50, 0x90),
    measurement: report.slice(0x90, 0xc0),
    hostData: report.slice(0xc0, 0xe0),
    idKeyDigest: report.slice(0xe0, 0x110),
    authorKeyDigest: report.slice(0x110, 0x140),
    reportId: report.slice(0x140, 0x160),
    chipId,
    tcb,
    signedByVlek,
    rootPinned: opts.trustedRoots !== undefined,
    vcekSubject: vcek.subject,
  };

  // 4. Policy.
  if (claims.policy.debug && !policyOpt.allowDebug) {
    throw new AttestationError("policy_debug", "guest policy allows debugging (DEBUG bit 19 set)");
  }
  if (policyOpt.minimumTcb) {
    for (const [k, min] of Object.entries(policyOpt.minimumTcb) as [keyof SnpTcb, number][]) {
      if (tcb.reported[k] < min) {
        throw new AttestationError("policy_tcb", `REPORTED_TCB ${k} ${tcb.reported[k]} is below the minimum ${min}`);
      }
    }
  }
  if (policyOpt.allowedMeasurements) {
    if (!policyOpt.allowedMeasurements.some((m) => bytesEqual(m, claims.measurement))) {
      throw new AttestationError("policy_measurement", `measurement ${toHex(claims.measurement)} is not allowed`);
    }
  }
  return claims;
}
