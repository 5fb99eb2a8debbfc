/**
 * The X.509 certificate chain check of Sui's Nitro native (fastcrypto `verify_cert_chain`, read
 * from MystenLabs/fastcrypto `nitro_attestation.rs`): for each certificate from the leaf up to
 * the pinned root — key usage present (leaf: digitalSignature; CAs: keyCertSign), CA basic
 * constraints critical with cA true and the path length respected, a leaf without cA or path
 * length, valid at the clock's second, issuer name byte-equal to the next certificate's subject
 * (the pinned root's after the last), signature verified with the issuer's key (ECDSA with
 * SHA-256/384/512, OpenSSL through node:crypto). DER is walked here (raw TBS and name bytes);
 * any malformed certificate fails the chain.
 */
import { createPublicKey, verify } from "node:crypto";

/** A certificate or chain the native refuses (Sui: `InvalidCertificate`, abort code 2). */
export class CertificateError extends Error {
  override readonly name = "CertificateError";
}

interface Tlv {
  tag: number;
  /** Start of the header. */
  start: number;
  /** Start of the content. */
  body: number;
  end: number;
}

function fail(what: string): never {
  throw new CertificateError(what);
}

function tlv(b: Uint8Array, at: number, limit = b.length): Tlv {
  if (at + 2 > limit) fail("DER: truncated header");
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) fail("DER: multi-byte tags are not used in certificates");
  let len = b[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) fail("DER: indefinite or oversized length");
    if (body + n > limit) fail("DER: truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[body + i]!;
    if (len < 0x80 || (n > 1 && b[body] === 0)) fail("DER: non-minimal length");
    body += n;
  }
  const end = body + len;
  if (end > limit) fail("DER: length past the end");
  return { tag, start: at, body, end };
}

function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.body; p < t.end; ) {
    const c = tlv(b, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

const hex = (b: Uint8Array, t: Tlv): string => Buffer.from(b.subarray(t.body, t.end)).toString("hex");
const OID = {
  keyUsage: "551d0f",
  basicConstraints: "551d13",
  ecdsaSha256: "2a8648ce3d040302",
  ecdsaSha384: "2a8648ce3d040303",
  ecdsaSha512: "2a8648ce3d040304",
} as const;
const HASH_BY_SIG_OID: Record<string, string> = {
  [OID.ecdsaSha256]: "sha256",
  [OID.ecdsaSha384]: "sha384",
  [OID.ecdsaSha512]: "sha512",
};

export interface ParsedCertificate {
  der: Uint8Array;
  tbs: Uint8Array;
  /** Raw DER of the issuer and subject names (compared byte for byte). */
  issuer: string;
  subject: string;
  notBeforeS: number;
  notAfterS: number;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Outer signatureAlgorithm OID (hex of its content). */
  sigAlg: string;
  /** DER ECDSA-Sig-Value. */
  signature: Uint8Array;
  keyUsage?: { digitalSignature: boolean; keyCertSign: boolean };
  basicConstraints?: { critical: boolean; ca: boolean; pathLen?: number };
}

function time(b: Uint8Array, t: Tlv): number {
  const s = Buffer.from(b.subarray(t.body, t.end)).toString("latin1");
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m || (t.tag !== 0x17 && t.tag !== 0x18)) fail("validity: not a UTCTime/GeneralizedTime in Z form");
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (!Number.isFinite(ms)) fail("validity: bad date");
  return ms / 1000;
}

function bool(b: Uint8Array, t: Tlv): boolean {
  if (t.tag !== 0x01 || t.end - t.body !== 1) fail("BOOLEAN expected");
  return b[t.body] !== 0;
}

/** Parses one DER certificate (trailing bytes after it are ignored, as `X509Certificate::from_der`). */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const cert = tlv(der, 0);
  if (cert.tag !== 0x30) fail("certificate: not a SEQUENCE");
  const [tbsT, algT, sigT, ...rest] = children(der, cert);
  if (!tbsT || !algT || !sigT || rest.length || tbsT.tag !== 0x30 || algT.tag !== 0x30 || sigT.tag !== 0x03)
    fail("certificate: expected tbsCertificate, signatureAlgorithm, signatureValue");
  const algOid = children(der, algT)[0];
  if (algOid?.tag !== 0x06) fail("signatureAlgorithm: no OID");
  if (der[sigT.body] !== 0) fail("signatureValue: unused bits");
  const f = children(der, tbsT);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++;
  const [serial, tbsAlg, issuer, validity, subject, spki] = f.slice(i, i + 6);
  if (serial?.tag !== 0x02 || tbsAlg?.tag !== 0x30 || issuer?.tag !== 0x30) fail("tbsCertificate: layout");
  if (validity?.tag !== 0x30 || subject?.tag !== 0x30 || spki?.tag !== 0x30) fail("tbsCertificate: layout");
  const [nb, na, ...vx] = children(der, validity);
  if (!nb || !na || vx.length) fail("validity: two times expected");
  const out: ParsedCertificate = {
    der,
    tbs: der.subarray(tbsT.start, tbsT.end),
    issuer: hex(der, issuer),
    subject: hex(der, subject),
    notBeforeS: time(der, nb),
    notAfterS: time(der, na),
    spki: der.subarray(spki.start, spki.end),
    sigAlg: hex(der, algOid),
    signature: der.subarray(sigT.body + 1, sigT.end),
  };
  const seen = new Set<string>();
  for (const opt of f.slice(i + 6)) {
    if (opt.tag !== 0xa3) continue;
    const [exts, ...more] = children(der, opt);
    if (!exts || more.length || exts.tag !== 0x30) fail("extensions: layout");
    for (const e of children(der, exts)) {
      const parts = children(der, e);
      const oid = parts[0];
      if (oid?.tag !== 0x06) fail("extension: no OID");
      const id = hex(der, oid);
      if (seen.has(id)) fail(`extension ${id} twice`);
      seen.add(id);
      const critical = parts.length === 3 ? bool(der, parts[1]!) : false;
      const value = parts[parts.length - 1]!;
      if (value.tag !== 0x04 || parts.length < 2 || parts.length > 3) fail("extension: layout");
      const inner = tlv(der, value.body, value.end);
      if (id === OID.keyUsage) {
        if (inner.tag !== 0x03 || inner.end - inner.body < 1) fail("keyUsage: BIT STRING expected");
        const first = inner.end - inner.body > 1 ? der[inner.body + 1]! : 0;
        out.keyUsage = { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
      } else if (id === OID.basicConstraints) {
        if (inner.tag !== 0x30) fail("basicConstraints: SEQUENCE expected");
        const bc: { critical: boolean; ca: boolean; pathLen?: number } = { critical, ca: false };
        for (const c of children(der, inner)) {
          if (c.tag === 0x01) bc.ca = bool(der, c);
          else if (c.tag === 0x02) {
            if (c.end - c.body > 4 || der[c.body]! & 0x80) fail("basicConstraints: pathLen out of range");
            bc.pathLen = Number.parseInt(hex(der, c), 16);
          } else fail("basicConstraints: unexpected field");
        }
        out.basicConstraints = bc;
      }
    }
  }
  return out;
}

function verifySignedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const hash = HASH_BY_SIG_OID[cert.sigAlg];
  if (!hash) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(issuer.spki), format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "ec") return false;
    return verify(hash, cert.tbs, { key, dsaEncoding: "der" }, cert.signature);
  } catch {
    return false;
  }
}

/**
 * `chain[0]` is the leaf, then the cabundle from its last entry (closest to the leaf) to its
 * first (the root copy); the last one must be issued by `root`. Throws CertificateError.
 */
export function verifyCertChain(chain: readonly Uint8Array[], nowMs: bigint, root: ParsedCertificate): void {
  const nowS = Number(nowMs / 1000n);
  const parsed = chain.map((c) => parseCertificate(c));
  for (const [i, cert] of parsed.entries()) {
    const ku = cert.keyUsage ?? fail("missing key usage extension");
    if (i === 0 && !ku.digitalSignature) fail("target certificate missing digitalSignature key usage");
    if (i !== 0 && !ku.keyCertSign) fail("CA certificate missing keyCertSign key usage");
    const bc = cert.basicConstraints;
    if (i !== 0) {
      if (!bc) fail("missing basic constraint");
      if (!bc.critical || !bc.ca) fail("CA certificate invalid");
      if (bc.pathLen !== undefined && i - 1 > bc.pathLen) fail("cert chain exceeds pathLenConstraint");
    } else if (bc && (bc.pathLen !== undefined || bc.ca)) fail("leaf certificate is a CA");
    if (!(nowS >= cert.notBeforeS && nowS <= cert.notAfterS)) fail("certificate timestamp not valid");
    const issuer = i < parsed.length - 1 ? parsed[i + 1]! : root;
    if (cert.issuer !== issuer.subject) fail("certificate chain issuer mismatch");
    if (!verifySignedBy(cert, issuer)) fail("certificate fails to verify");
  }
}

/** The EC public key (uncompressed SEC1 point) of a certificate, with its curve OID (hex). */
export function ecPublicKey(cert: ParsedCertificate): { curve: string; point: Uint8Array } {
  const spki = tlv(cert.spki, 0);
  const [alg, bits] = children(cert.spki, spki);
  if (!alg || !bits || bits.tag !== 0x03) fail("subjectPublicKeyInfo: layout");
  const [kind, curve] = children(cert.spki, alg);
  if (!kind || hex(cert.spki, kind) !== "2a8648ce3d0201" || !curve || curve.tag !== 0x06) fail("not an EC public key");
  if (cert.spki[bits.body] !== 0) fail("subjectPublicKey: unused bits");
  return { curve: hex(cert.spki, curve), point: cert.spki.subarray(bits.body + 1, bits.end) };
}

export const SECP384R1_OID = "2b81040022";
