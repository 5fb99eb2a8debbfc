/**
 * Intel TDX quote verification (quote versions 4 and 5, ECDSA-P256 attestation key, QE report
 * certification data carrying the PCK certificate chain). See docs/attestation.md.
 */
import "./reflect-polyfill.js";
import { fromBase64, toBase64 } from "@mysten/bcs";
import type { X509Certificate } from "@peculiar/x509";
import { hexToBytes } from "../crypto/bytes.js";
import { ecdsaVerify, sha256 } from "../crypto/primitives.js";
import { InvalidInputError } from "../errors.js";
import { cached, cacheKey, countSignatureCheck } from "./cache.js";
import {
  AttestationError,
  bytesEqual,
  type CertInput,
  checkCrl,
  derDigest,
  ensureDate,
  intValue,
  oidToString,
  readTlvs,
  toCert,
  toCrl,
  toHex,
  verifyChain,
} from "./common.js";

/** Caller-supplied collateral (Intel PCS responses). Every part is optional. */
export interface TdxCollateral {
  /** CRL of the Intel SGX Root CA (`rootcrl.der`), checked against the PCK platform/processor CA. */
  rootCrl?: CertInput;
  /** CRL of the PCK Platform/Processor CA (`pckcrl`), checked against the PCK leaf. */
  pckCrl?: CertInput;
  /** TCB info response JSON (`{"tcbInfo":{...},"signature":"..."}`), string or parsed object. */
  tcbInfo?: string | object;
  /** QE identity response JSON (`{"enclaveIdentity":{...},"signature":"..."}`). */
  qeIdentity?: string | object;
  /**
   * TCB signing certificate: when given, the signatures of `tcbInfo` and `qeIdentity` are
   * verified with it (and it must chain to a trusted root). Without it their contents are
   * checked but their signatures are not.
   */
  tcbSigningCert?: CertInput;
}

export interface VerifyTdxOptions {
  /** Trust anchors for the PCK chain (Intel SGX Root CA), PEM strings or DER bytes. */
  trustedRoots: CertInput[];
  /** Verification time (certificates and collateral must be valid then). */
  now: Date | number;
  collateral?: TdxCollateral;
}

export interface TdxTcb {
  /** TEE_TCB_SVN of the TD report (16 bytes, hex). */
  teeTcbSvn: string;
  /** TEE_TCB_SVN2 (TDX 1.5 bodies only). */
  teeTcbSvn2?: string;
  /** CPUSVN components 1..16 from the PCK certificate's SGX extension. */
  cpuSvn?: number[];
  /** PCESVN from the PCK certificate. */
  pceSvn?: number;
  /** ISVSVN of the quoting enclave (from the QE report). */
  qeIsvSvn: number;
  /** FMSPC from the PCK certificate (hex), when present. */
  fmspc?: string;
  /** TCB status from the TCB info collateral, when given (e.g. "UpToDate", "OutOfDate"). */
  tcbStatus?: string;
  /** QE identity TCB status, when QE identity collateral was given. */
  qeTcbStatus?: string;
}

export interface TdxClaims {
  teeKind: "tdx";
  /** Quote version (4 or 5). */
  version: number;
  /** MRTD, 48 bytes. */
  measurement: Uint8Array;
  mrSeam: Uint8Array;
  mrSignerSeam: Uint8Array;
  seamAttributes: Uint8Array;
  tdAttributes: Uint8Array;
  xfam: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  /** RTMR0..3, 48 bytes each. */
  rtmrs: [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  /** REPORTDATA, 64 bytes. */
  reportData: Uint8Array;
  /** MRSERVICETD (TDX 1.5 bodies only). */
  mrServiceTd?: Uint8Array;
  /** True when bit 0 of TDATTRIBUTES (DEBUG) is set. */
  debug: boolean;
  tcb: TdxTcb;
  /** QE vendor id (16 bytes, hex). */
  qeVendorId: string;
  /** Attestation public key (uncompressed SEC1, 65 bytes). */
  attestationKey: Uint8Array;
  /** PCK leaf certificate subject. */
  pckSubject: string;
  /** Bytes after the declared signature data; not covered by any signature. */
  trailingBytes: number;
}

const HEADER_LEN = 48;
const BODY_V4_LEN = 584;
const BODY_15_LEN = 648;
const QE_REPORT_LEN = 384;
const TEE_TDX = 0x81;
const SGX_EXT_OID = "1.2.840.113741.1.13.1";

class Reader {
  constructor(
    readonly b: Uint8Array,
    public o = 0,
    readonly end = b.length,
  ) {}
  take(n: number, what: string): Uint8Array {
    if (n < 0 || this.o + n > this.end) {
      throw new AttestationError("parse", `${what} at offset ${this.o}: needs ${n} bytes, ${this.end - this.o} left`);
    }
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u16(what: string): number {
    const s = this.take(2, what);
    return (s[0] as number) | ((s[1] as number) << 8);
  }
  u32(what: string): number {
    const s = this.take(4, what);
    return ((s[0] as number) | ((s[1] as number) << 8) | ((s[2] as number) << 16) | ((s[3] as number) << 24)) >>> 0;
  }
}

interface ParsedBody {
  raw: Uint8Array;
  fields: Omit<
    TdxClaims,
    "teeKind" | "version" | "tcb" | "qeVendorId" | "attestationKey" | "pckSubject" | "trailingBytes"
  >;
  teeTcbSvn: Uint8Array;
  teeTcbSvn2?: Uint8Array;
}

function parseBody(raw: Uint8Array): ParsedBody {
  const r = new Reader(raw);
  const teeTcbSvn = r.take(16, "TEE_TCB_SVN");
  const mrSeam = r.take(48, "MRSEAM");
  const mrSignerSeam = r.take(48, "MRSIGNERSEAM");
  const seamAttributes = r.take(8, "SEAMATTRIBUTES");
  const tdAttributes = r.take(8, "TDATTRIBUTES");
  const xfam = r.take(8, "XFAM");
  const measurement = r.take(48, "MRTD");
  const mrConfigId = r.take(48, "MRCONFIGID");
  const mrOwner = r.take(48, "MROWNER");
  const mrOwnerConfig = r.take(48, "MROWNERCONFIG");
  const rtmrs: [Uint8Array, Uint8Array, Uint8Array, Uint8Array] = [
    r.take(48, "RTMR0"),
    r.take(48, "RTMR1"),
    r.take(48, "RTMR2"),
    r.take(48, "RTMR3"),
  ];
  const reportData = r.take(64, "REPORTDATA");
  let teeTcbSvn2: Uint8Array | undefined;
  let mrServiceTd: Uint8Array | undefined;
  if (raw.length === BODY_15_LEN) {
    teeTcbSvn2 = r.take(16, "TEE_TCB_SVN2");
    mrServiceTd = r.take(48, "MRSERVICETD");
  }
  const c = (x: Uint8Array) => x.slice();
  return {
    raw,
    teeTcbSvn,
    ...(teeTcbSvn2 ? { teeTcbSvn2 } : {}),
    fields: {
      measurement: c(measurement),
      mrSeam: c(mrSeam),
      mrSignerSeam: c(mrSignerSeam),
      seamAttributes: c(seamAttributes),
      tdAttributes: c(tdAttributes),
      xfam: c(xfam),
      mrConfigId: c(mrConfigId),
      mrOwner: c(mrOwner),
      mrOwnerConfig: c(mrOwnerConfig),
      rtmrs: [c(rtmrs[0]), c(rtmrs[1]), c(rtmrs[2]), c(rtmrs[3])],
      reportData: c(reportData),
      ...(mrServiceTd ? { mrServiceTd: c(mrServiceTd) } : {}),
      debug: ((tdAttributes[0] as number) & 1) === 1,
    },
  };
}

/** Decodes the PEM chain of certification data type 5 strictly (canonical base64 only). */
function parsePemChain(data: Uint8Array): X509Certificate[] {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(data.subarray(0, end));
  const re = /-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=\n]+?)\n?-----END CERTIFICATE-----\n?/y;
  const certs: X509Certificate[] = [];
  let m: RegExpExecArray | null = re.exec(text);
  let last = 0;
  while (m) {
    const b64 = (m[1] as string).replace(/\n/g, "");
    // Browser-safe (no Buffer): atob rejects characters outside the alphabet; the round trip rejects
    // non-canonical padding bits.
    let der: Uint8Array;
    try {
      der = fromBase64(b64);
    } catch {
      throw new AttestationError("parse", `PCK chain PEM block ${certs.length}: base64 is not valid`);
    }
    if (toBase64(der) !== b64) {
      throw new AttestationError("parse", `PCK chain PEM block ${certs.length}: base64 is not canonical`);
    }
    try {
      certs.push(toCert(der, `PCK chain certificate ${certs.length}`));
    } catch (cause) {
      throw new AttestationError("parse", `PCK chain certificate ${certs.length} is not a valid X.509 certificate`, {
        cause,
      });
    }
    last = re.lastIndex;
    m = re.exec(text);
  }
  if (certs.length === 0 || last !== text.length) {
    throw new AttestationError("parse", `PCK chain: malformed PEM at character ${last}`);
  }
  return certs;
}

/** ECDSA-P256/SHA-256 with a raw r ‖ s signature (node:crypto in Node, noble elsewhere). */
function ecdsaP256Verify(sigRaw: Uint8Array, msg: Uint8Array, pubUncompressed: Uint8Array): boolean {
  countSignatureCheck();
  return ecdsaVerify("P-256", sigRaw, msg, pubUncompressed);
}

/**
 * The same check, remembered when it succeeds, keyed by the digests of the signature, the message
 * and the key: for signatures that repeat across quotes of one platform (the QE report's, the
 * collateral's). The quote's own signature is unique per quote and is never looked up.
 */
function ecdsaP256VerifyCached(sigRaw: Uint8Array, msg: Uint8Array, pubUncompressed: Uint8Array): boolean {
  const key = cacheKey("p256", sigRaw, msg, pubUncompressed);
  try {
    return cached(key, () => {
      if (!ecdsaP256Verify(sigRaw, msg, pubUncompressed)) throw new BadSignature();
      return true;
    });
  } catch (e) {
    if (e instanceof BadSignature) return false;
    throw e;
  }
}
class BadSignature extends Error {}

function spkiToRawP256(cert: X509Certificate): Uint8Array {
  // SubjectPublicKeyInfo for P-256 ends with the 65-byte uncompressed point.
  const spki = new Uint8Array(cert.publicKey.rawData);
  const pt = spki.subarray(spki.length - 65);
  if (pt[0] !== 4) throw new AttestationError("cert_chain", "PCK certificate key is not an uncompressed P-256 point");
  return pt;
}

/** Verifies an Intel TDX quote (v4 or v5) and returns its claims; throws AttestationError. */
export async function verifyTdxQuote(quote: Uint8Array, opts: VerifyTdxOptions): Promise<TdxClaims> {
  if (!(quote instanceof Uint8Array)) throw new InvalidInputError("quote", "must be a Uint8Array");
  if (!opts || !Array.isArray(opts.trustedRoots)) throw new InvalidInputError("trustedRoots", "must be an array");
  const now = ensureDate(opts.now, "now");
  const roots = opts.trustedRoots.map((r, i) => toCert(r, `trustedRoots[${i}]`));

  const r = new Reader(quote);
  const header = r.take(HEADER_LEN, "quote header");
  const version = (header[0] as number) | ((header[1] as number) << 8);
  const akType = (header[2] as number) | ((header[3] as number) << 8);
  const teeType = new DataView(header.buffer, header.byteOffset).getUint32(4, true);
  if (version !== 4 && version !== 5) throw new AttestationError("version", `quote version ${version} is not 4 or 5`);
  if (akType !== 2) throw new AttestationError("parse", `attestation key type ${akType} is not 2 (ECDSA-256 P-256)`);
  if (teeType !== TEE_TDX) throw new AttestationError("parse", `TEE type 0x${teeType.toString(16)} is not TDX (0x81)`);
  const qeVendorId = toHex(header.subarray(12, 28));

  let bodyRaw: Uint8Array;
  if (version === 4) {
    bodyRaw = r.take(BODY_V4_LEN, "TD report body");
  } else {
    const bodyType = r.u16("body type");
    const bodySize = r.u32("body size");
    const expected = bodyType === 2 ? BODY_V4_LEN : bodyType === 3 ? BODY_15_LEN : -1;
    if (expected < 0) throw new AttestationError("parse", `v5 body type ${bodyType} is not 2 (TDX 1.0) or 3 (TDX 1.5)`);
    if (bodySize !== expected) throw new AttestationError("parse", `v5 body size ${bodySize} is not ${expected}`);
    bodyRaw = r.take(bodySize, "TD report body");
  }
  const signedEnd = r.o;
  const body = parseBody(bodyRaw);

  const sigDataLen = r.u32("signature data length");
  const sigEnd = r.o + sigDataLen;
  if (sigEnd > quote.length)
    throw new AttestationError("parse", `signature data length ${sigDataLen} exceeds the quote`);
  const s = new Reader(quote, r.o, sigEnd);
  const quoteSig = s.take(64, "quote signature");
  const akRaw = s.take(64, "attestation key");
  const certType = s.u16("certification data type");
  const certSize = s.u32("certification data size");
  if (certType !== 6) throw new AttestationError("parse", `certification data type ${certType} is not 6 (QE report)`);
  if (s.o + certSize !== sigEnd) {
    throw new AttestationError("parse", `certification data size ${certSize} does not match the signature data length`);
  }
  const qeReport = s.take(QE_REPORT_LEN, "QE report");
  const qeReportSig = s.take(64, "QE report signature");
  const authLen = s.u16("QE auth data size");
  const qeAuth = s.take(authLen, "QE auth data");
  const innerType = s.u16("PCK certification data type");
  const innerSize = s.u32("PCK certification data size");
  if (innerType !== 5)
    throw new AttestationError("parse", `inner certification data type ${innerType} is not 5 (PCK chain)`);
  if (s.o + innerSize !== sigEnd) {
    throw new AttestationError("parse", `PCK certification data size ${innerSize} does not match the outer size`);
  }
  const pem = s.take(innerSize, "PCK certificate chain");

  // 1. Quote signature by the attestation key over header || body.
  const ak = new Uint8Array(65);
  ak[0] = 4;
  ak.set(akRaw, 1);
  if (!ecdsaP256Verify(quoteSig, quote.subarray(0, signedEnd), ak)) {
    throw new AttestationError("quote_signature", "quote signature does not verify with the attestation key");
  }
  // 2. QE report data binds the attestation key and the QE auth data.
  const akAuth = new Uint8Array(akRaw.length + qeAuth.length);
  akAuth.set(akRaw, 0);
  akAuth.set(qeAuth, akRaw.length);
  const binding = sha256(akAuth);
  const qeReportData = qeReport.subarray(320, 384);
  if (!bytesEqual(qeReportData.subarray(0, 32), binding) || qeReportData.subarray(32).some((x) => x !== 0)) {
    throw new AttestationError(
      "qe_report_data",
      "QE report data is not SHA-256(attestation key || QE auth data) || zeros",
    );
  }
  // 3. PCK chain up to a trusted root, valid at `now`.
  const chain = cached(cacheKey("pck-pem", pem), () => parsePemChain(pem));
  const path = await verifyChain(chain, roots, now, "PCK chain");
  const pck = path[0] as X509Certificate;
  // 4. QE report signed by the PCK key.
  if (!ecdsaP256VerifyCached(qeReportSig, qeReport, spkiToRawP256(pck))) {
    throw new AttestationError(
      "qe_report_signature",
      "QE report signature does not verify with the PCK certificate key",
    );
  }

  const sgx = cached(cacheKey("sgx-ext", derDigest(pck)), () => ({ ext: parseSgxExtension(pck) })).ext;
  const tcb: TdxTcb = {
    teeTcbSvn: toHex(body.teeTcbSvn),
    ...(body.teeTcbSvn2 ? { teeTcbSvn2: toHex(body.teeTcbSvn2) } : {}),
    qeIsvSvn: (qeReport[258] as number) | ((qeReport[259] as number) << 8),
    ...(sgx ? { cpuSvn: [...sgx.cpuSvn], pceSvn: sgx.pceSvn } : {}), // a copy: sgx is cached
    ...(sgx?.fmspc ? { fmspc: sgx.fmspc } : {}),
  };

  // 5. Optional collateral.
  const col = opts.collateral;
  if (col) {
    if (col.rootCrl !== undefined) {
      const rootCert = path[path.length - 1] as X509Certificate;
      await checkCrl(toCrl(col.rootCrl, "collateral.rootCrl"), rootCert, path.slice(1, -1), now, "collateral.rootCrl");
    }
    if (col.pckCrl !== undefined) {
      const ca = path[1];
      if (!ca) throw new AttestationError("crl", "PCK chain has no issuing CA to check collateral.pckCrl against");
      await checkCrl(toCrl(col.pckCrl, "collateral.pckCrl"), ca, [pck], now, "collateral.pckCrl");
    }
    let signer: X509Certificate | undefined;
    if (col.tcbSigningCert !== undefined) {
      signer = toCert(col.tcbSigningCert, "collateral.tcbSigningCert");
      await verifyChain([signer], roots, now, "TCB signing chain");
    }
    if (col.tcbInfo !== undefined) {
      if (!sgx) throw new AttestationError("tcb_info", "PCK certificate carries no SGX extension (FMSPC, TCB)");
      tcb.tcbStatus = checkTcbInfo(col.tcbInfo, sgx, body.teeTcbSvn, now, signer);
    }
    if (col.qeIdentity !== undefined) {
      tcb.qeTcbStatus = checkQeIdentity(col.qeIdentity, qeReport, now, signer);
    }
  }

  return {
    teeKind: "tdx",
    version,
    ...body.fields,
    tcb,
    qeVendorId,
    attestationKey: ak,
    pckSubject: pck.subject,
    trailingBytes: quote.length - sigEnd,
  };
}

// ---- SGX extension of the PCK certificate (minimal DER walk over one extension's value) ----

interface SgxExt {
  fmspc?: string;
  cpuSvn: number[];
  pceSvn: number;
}

function parseSgxExtension(cert: X509Certificate): SgxExt | undefined {
  const ext = cert.getExtension(SGX_EXT_OID);
  if (!ext) return undefined;
  const [outer] = readTlvs(new Uint8Array(ext.value));
  if (outer === undefined || outer.tag !== 0x30)
    throw new AttestationError("parse", "PCK SGX extension is not a SEQUENCE");
  const res: SgxExt = { cpuSvn: [], pceSvn: 0 };
  for (const item of readTlvs(outer.value)) {
    const [oid, val] = readTlvs(item.value);
    if (!oid || !val) continue;
    const name = oidToString(oid.value);
    if (name === `${SGX_EXT_OID}.4`) res.fmspc = toHex(val.value);
    if (name === `${SGX_EXT_OID}.2`) {
      for (const comp of readTlvs(val.value)) {
        const [coid, cval] = readTlvs(comp.value);
        if (!coid || !cval) continue;
        const idx = Number(oidToString(coid.value).split(".").pop());
        if (idx >= 1 && idx <= 16) res.cpuSvn[idx - 1] = intValue(cval.value);
        if (idx === 17) res.pceSvn = intValue(cval.value);
      }
    }
  }
  return res;
}

// ---- Collateral (Intel PCS JSON) ----

interface SignedJson {
  body: Record<string, unknown>;
  raw?: string;
  signature?: string;
}

function parseSignedJson(input: string | object, key: string, field: string): SignedJson {
  let obj: unknown;
  let raw: string | undefined;
  if (typeof input === "string") {
    try {
      obj = JSON.parse(input);
    } catch (cause) {
      throw new InvalidInputError(field, "must be JSON", { cause });
    }
    // The signature covers the exact bytes of the inner object as served.
    const start = input.indexOf(`"${key}":`);
    const end = input.lastIndexOf(`,"signature"`);
    if (start >= 0 && end > start) raw = input.slice(start + key.length + 3, end);
  } else obj = input;
  const body = (obj as Record<string, unknown> | null)?.[key];
  if (!body || typeof body !== "object") throw new InvalidInputError(field, `must hold a "${key}" object`);
  const signature = (obj as Record<string, unknown>).signature;
  return {
    body: body as Record<string, unknown>,
    ...(raw ? { raw } : {}),
    ...(typeof signature === "string" ? { signature } : {}),
  };
}

function checkCollateralSignature(
  j: SignedJson,
  signer: X509Certificate | undefined,
  check: "tcb_info" | "qe_identity",
) {
  if (!signer) return;
  if (!j.raw || !j.signature || !/^[0-9a-fA-F]{128}$/.test(j.signature)) {
    throw new AttestationError(
      check,
      "collateral must be the raw PCS JSON string with a 64-byte hex signature to verify it",
    );
  }
  const sig = hexToBytes(j.signature, "collateral signature");
  if (!ecdsaP256VerifyCached(sig, new TextEncoder().encode(j.raw), spkiToRawP256(signer))) {
    throw new AttestationError(check, "collateral signature does not verify with the TCB signing certificate");
  }
}

function checkWindow(body: Record<string, unknown>, now: Date, check: "tcb_info" | "qe_identity") {
  const issue = Date.parse(String(body.issueDate));
  const next = Date.parse(String(body.nextUpdate));
  if (!(issue <= now.getTime() && now.getTime() <= next)) {
    throw new AttestationError(
      check,
      `collateral not current at ${now.toISOString()} (issued ${body.issueDate}, next update ${body.nextUpdate})`,
    );
  }
}

function checkTcbInfo(
  input: string | object,
  sgx: SgxExt,
  teeTcbSvn: Uint8Array,
  now: Date,
  signer?: X509Certificate,
): string {
  const j = parseSignedJson(input, "tcbInfo", "collateral.tcbInfo");
  checkCollateralSignature(j, signer, "tcb_info");
  const info = j.body;
  if (info.id !== "TDX") throw new AttestationError("tcb_info", `TCB info id ${String(info.id)} is not TDX`);
  checkWindow(info, now, "tcb_info");
  if (String(info.fmspc).toLowerCase() !== sgx.fmspc) {
    throw new AttestationError(
      "tcb_info",
      `TCB info FMSPC ${String(info.fmspc)} does not match the PCK certificate's ${sgx.fmspc}`,
    );
  }
  const levels = Array.isArray(info.tcbLevels) ? (info.tcbLevels as Record<string, unknown>[]) : [];
  for (const lvl of levels) {
    const t = lvl.tcb as {
      sgxtcbcomponents?: { svn: number }[];
      tdxtcbcomponents?: { svn: number }[];
      pcesvn?: number;
    };
    const sgxOk = (t.sgxtcbcomponents ?? []).every((c, i) => (sgx.cpuSvn[i] ?? 0) >= c.svn);
    const pceOk = sgx.pceSvn >= (t.pcesvn ?? 0);
    const tdxOk = (t.tdxtcbcomponents ?? []).every((c, i) => (teeTcbSvn[i] ?? 0) >= c.svn);
    if (sgxOk && pceOk && tdxOk) {
      const status = String(lvl.tcbStatus);
      if (status === "Revoked") throw new AttestationError("tcb_info", "platform TCB level is Revoked");
      return status;
    }
  }
  throw new AttestationError("tcb_info", "no TCB level of the TCB info matches the platform");
}

function checkQeIdentity(input: string | object, qeReport: Uint8Array, now: Date, signer?: X509Certificate): string {
  const j = parseSignedJson(input, "enclaveIdentity", "collateral.qeIdentity");
  checkCollateralSignature(j, signer, "qe_identity");
  const id = j.body;
  checkWindow(id, now, "qe_identity");
  const hex = (v: unknown) => {
    if (typeof v !== "string" || !/^([0-9a-fA-F]{2})*$/.test(v))
      throw new AttestationError("qe_identity", `QE identity field ${JSON.stringify(v)} is not hex`);
    return hexToBytes(v);
  };
  const masked = (val: Uint8Array, mask: Uint8Array) => val.map((x, i) => x & (mask[i] ?? 0));
  const miscselect = qeReport.subarray(16, 20);
  const attributes = qeReport.subarray(48, 64);
  const mrSigner = qeReport.subarray(128, 160);
  const isvProdId = (qeReport[256] as number) | ((qeReport[257] as number) << 8);
  const isvSvn = (qeReport[258] as number) | ((qeReport[259] as number) << 8);
  // MISCSELECT is a little-endian u32 in the report, big-endian hex in the JSON.
  const miscLe = hex(id.miscselect).reverse();
  const miscMaskLe = hex(id.miscselectMask).reverse();
  if (!bytesEqual(masked(miscselect, miscMaskLe), miscLe))
    throw new AttestationError("qe_identity", "QE MISCSELECT mismatch");
  if (!bytesEqual(masked(attributes, hex(id.attributesMask)), hex(id.attributes))) {
    throw new AttestationError("qe_identity", "QE ATTRIBUTES mismatch");
  }
  if (!bytesEqual(mrSigner, hex(id.mrsigner))) throw new AttestationError("qe_identity", "QE MRSIGNER mismatch");
  if (isvProdId !== Number(id.isvprodid)) throw new AttestationError("qe_identity", "QE ISVPRODID mismatch");
  const levels = Array.isArray(id.tcbLevels) ? (id.tcbLevels as { tcb: { isvsvn: number }; tcbStatus: string }[]) : [];
  const lvl = levels.find((l) => isvSvn >= l.tcb.isvsvn);
  if (!lvl) throw new AttestationError("qe_identity", `no QE TCB level matches ISVSVN ${isvSvn}`);
  if (lvl.tcbStatus === "Revoked") throw new AttestationError("qe_identity", "QE TCB level is Revoked");
  return lvl.tcbStatus;
}
