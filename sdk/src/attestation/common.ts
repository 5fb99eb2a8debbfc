/**
 * Shared pieces of the attestation verifiers: the typed error, certificate input handling and
 * the TEE kind numbering that the Move package uses.
 */
import "./reflect-polyfill.js";
import { fromBase64, toBase64 } from "@mysten/bcs";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate, X509Crl } from "@peculiar/x509";
import { TeeKind } from "../bcs/enums.js";
import { nativeCertSignatureValid } from "../crypto/native.js";
import { AtomaError, InvalidInputError } from "../errors.js";
import { cached, cachedAsync, cacheKey, countSignatureCheck, digestHex } from "./cache.js";

/** Names of the individual checks; `AttestationError.check` says which one failed. */
export type AttestationCheck =
  | "parse"
  | "version"
  | "quote_signature"
  | "qe_report_signature"
  | "qe_report_data"
  | "report_signature"
  | "cert_chain"
  | "cert_validity"
  | "trusted_root"
  | "revocation"
  | "crl"
  | "tcb_info"
  | "qe_identity"
  | "policy_debug"
  | "policy_tcb"
  | "policy_measurement"
  | "binding";

/** A remote-attestation check failed. `check` names the failed check. */
export class AttestationError extends AtomaError {
  override name = "AttestationError";
  constructor(
    readonly check: AttestationCheck,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("ATTESTATION_INVALID", `${check}: ${message}`, options);
  }
}

/** TEE kinds, numbered as in the Move package (one definition: `bcs/enums.ts`). */
export { TeeKind };
export type TeeKindName = keyof typeof TeeKind;
export type TeeKindCode = TeeKind;

/** A certificate (or CRL) given as a PEM string or DER bytes. */
export type CertInput = string | Uint8Array;

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The DER of a string holding exactly one PEM certificate (canonical base64), else null. */
function singlePemDer(pem: string): Uint8Array | null {
  const m = /^\s*-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END CERTIFICATE-----\s*$/.exec(pem);
  if (!m) return null;
  const b64 = (m[1] as string).replace(/[\r\n]/g, "");
  try {
    const der = fromBase64(b64);
    return toBase64(der) === b64 ? der : null;
  } catch {
    return null;
  }
}

/** SHA-256 (hex) of each parsed certificate's / CRL's DER, computed once per object. */
const derDigests = new WeakMap<object, string>();
export function derDigest(x: X509Certificate | X509Crl): string {
  let d = derDigests.get(x);
  if (d === undefined) {
    d = digestHex(new Uint8Array(x.rawData));
    derDigests.set(x, d);
  }
  return d;
}

/** Parses a certificate; the parse of the same bytes is remembered (attestation cache). */
export function toCert(input: CertInput, field: string): X509Certificate {
  try {
    if (typeof input === "string") {
      // One PEM certificate is keyed by its DER, so a root given as PEM and the same root inside
      // a quote's chain share one parse; anything else by the text itself.
      const der = singlePemDer(input);
      if (der) return cached(cacheKey("cert-der", der), () => new X509Certificate(input));
      return cached(cacheKey("cert-pem", utf8(input)), () => new X509Certificate(input));
    }
    if (input instanceof Uint8Array)
      return cached(cacheKey("cert-der", input), () => new X509Certificate(copyBuffer(input)));
  } catch (cause) {
    throw new InvalidInputError(field, "must be an X.509 certificate (PEM string or DER bytes)", { cause });
  }
  throw new InvalidInputError(field, "must be a PEM string or DER bytes");
}

/** Splits a PEM bundle (several certificates) into certificates, in order. */
export function certsFromPemBundle(pem: string, field: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new InvalidInputError(field, "must contain at least one PEM certificate");
  return blocks.map((b, i) => toCert(b, `${field}[${i}]`));
}

/** Parses a CRL; the parse of the same bytes is remembered (attestation cache). */
export function toCrl(input: CertInput, field: string): X509Crl {
  try {
    if (typeof input === "string") return cached(cacheKey("crl-pem", utf8(input)), () => new X509Crl(input));
    if (input instanceof Uint8Array) return cached(cacheKey("crl-der", input), () => new X509Crl(copyBuffer(input)));
  } catch (cause) {
    throw new InvalidInputError(field, "must be an X.509 CRL (PEM string or DER bytes)", { cause });
  }
  throw new InvalidInputError(field, "must be a PEM string or DER bytes");
}

export function copyBuffer(b: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(b.length);
  new Uint8Array(out).set(b);
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

export function ensureDate(now: unknown, field: string): Date {
  const d = now instanceof Date ? now : typeof now === "number" ? new Date(now) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new InvalidInputError(field, "must be a Date or epoch milliseconds");
  return d;
}

/**
 * Verifies that `chain[0]` (leaf) chains through `chain[1..]` up to one of `roots`, every link's
 * signature valid and every certificate (and the root) valid at `now`. `chain` may or may not
 * include the root itself; the anchor is always taken from `roots`, matched by exact DER.
 */
export async function verifyChain(
  chain: X509Certificate[],
  roots: X509Certificate[],
  now: Date,
  what: string,
): Promise<X509Certificate[]> {
  if (chain.length === 0) throw new AttestationError("cert_chain", `${what}: empty certificate chain`);
  if (roots.length === 0) throw new InvalidInputError("trustedRoots", "must hold at least one root certificate");
  // Everything but the validity windows depends on the bytes alone: a chain of the same
  // certificates under the same roots that verified before is only re-checked against `now`.
  const key = cacheKey("chain", what, chain.map(derDigest).join(","), roots.map(derDigest).join(","));
  const path = await cachedAsync(key, () => verifyChainUncached(chain, roots, now, what));
  for (const cert of path) checkValidity(cert, now, what); // a remembered chain: only the windows can fail
  return path;
}

function checkValidity(cert: X509Certificate, now: Date, what: string): void {
  if (cert.notBefore.getTime() > now.getTime() || cert.notAfter.getTime() < now.getTime()) {
    throw new AttestationError(
      "cert_validity",
      `${what}: certificate ${cert.subject} is not valid at ${now.toISOString()} (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
    );
  }
}

/**
 * Signature of `cert` by `issuer`: OpenSSL (node:crypto X509Certificate.verify) in Node, WebCrypto
 * through @peculiar/x509 elsewhere. Remembered per (certificate, issuer) digest pair.
 */
async function certSignatureValid(cert: X509Certificate, issuer: X509Certificate): Promise<boolean> {
  const key = cacheKey("cert-sig", derDigest(cert), derDigest(issuer));
  try {
    return await cachedAsync(key, async () => {
      countSignatureCheck();
      const native = nativeCertSignatureValid(new Uint8Array(cert.rawData), new Uint8Array(issuer.rawData));
      const ok = native ?? (await cert.verify({ publicKey: issuer, signatureOnly: true }));
      if (!ok) throw new BadSignature();
      return true;
    });
  } catch (e) {
    if (e instanceof BadSignature) return false;
    throw e;
  }
}

/** A signature that does not verify (thrown inside a cached computation so that it is not remembered). */
class BadSignature extends Error {}

/** Every check of verifyChain, in order (windows, names, algorithm identifiers, signatures, CA constraints). */
async function verifyChainUncached(
  chain: X509Certificate[],
  roots: X509Certificate[],
  now: Date,
  what: string,
): Promise<X509Certificate[]> {
  const path = [...chain];
  const top = path[path.length - 1] as X509Certificate;
  const isRoot = (c: X509Certificate) =>
    roots.some((r) => bytesEqual(new Uint8Array(r.rawData), new Uint8Array(c.rawData)));
  if (!isRoot(top)) {
    // The chain may stop below the root, or carry its own copy of a root: either way the
    // anchor must be a trusted root that signs the top certificate (checked below).
    const issuerRoot = roots.find((r) => r.subject === top.issuer);
    if (!issuerRoot) {
      throw new AttestationError("trusted_root", `${what}: chain does not end at a trusted root (top: ${top.subject})`);
    }
    path.push(issuerRoot);
  }
  try {
    for (let i = 0; i < path.length; i++) {
      const cert = path[i] as X509Certificate;
      const issuer = (path[i + 1] ?? cert) as X509Certificate;
      checkValidity(cert, now, what);
      if (cert.issuer !== issuer.subject) {
        throw new AttestationError("cert_chain", `${what}: ${cert.subject} is not issued by ${issuer.subject}`);
      }
      try {
        checkAlgorithmIdentifiers(cert, what);
      } catch (cause) {
        if (cause instanceof AttestationError && cause.check === "cert_chain") throw cause;
        throw new AttestationError("cert_chain", `${what}: ${cert.subject}: malformed DER`, { cause });
      }
      let ok = false;
      try {
        ok = await certSignatureValid(cert, issuer);
      } catch (cause) {
        throw new AttestationError("cert_chain", `${what}: signature of ${cert.subject} could not be checked`, {
          cause,
        });
      }
      if (!ok) throw new AttestationError("cert_chain", `${what}: signature of ${cert.subject} does not verify`);
    }
  } catch (cause) {
    if (cause instanceof AttestationError) throw cause;
    throw new AttestationError("cert_chain", `${what}: a certificate does not parse`, { cause });
  }
  // Constraints are read only after every signature verified (so their bytes are authentic).
  for (let i = 1; i < path.length; i++) {
    try {
      checkIssuerIsCa(path[i] as X509Certificate, i - 1, what);
    } catch (cause) {
      if (cause instanceof AttestationError) throw cause;
      throw new AttestationError("cert_chain", `${what}: extensions of ${path[i]?.subject} do not parse`, { cause });
    }
  }
  return path;
}

/**
 * RFC 5280 4.1.1.2: the outer signatureAlgorithm must equal the signed tbsCertificate.signature
 * (the outer one is not covered by the signature, so a difference means tampering).
 */
function checkAlgorithmIdentifiers(cert: X509Certificate, what: string): void {
  const [outer] = readTlvs(new Uint8Array(cert.rawData));
  const parts = outer ? readTlvs(outer.value) : [];
  const tbs = parts[0];
  const outerAlg = parts[1];
  const tbsParts = tbs ? readTlvs(tbs.value) : [];
  const tbsAlg = tbsParts[0]?.tag === 0xa0 ? tbsParts[2] : tbsParts[1];
  if (!outerAlg || !tbsAlg || outerAlg.tag !== 0x30 || !bytesEqual(outerAlg.value, tbsAlg.value)) {
    throw new AttestationError(
      "cert_chain",
      `${what}: ${cert.subject}: signatureAlgorithm differs from the signed one`,
    );
  }
  // ECDSA signatures: the BIT STRING must hold exactly one DER Ecdsa-Sig-Value (two minimal
  // INTEGERs), so the certificate's bytes cannot change while r and s stay the same.
  const [algOid] = readTlvs(outerAlg.value);
  const sigBits = parts[2];
  if (algOid && oidToString(algOid.value).startsWith("1.2.840.10045.4.") && sigBits) {
    const seq = sigBits.value[0] === 0 ? readTlvs(sigBits.value.subarray(1)) : [];
    const ints = seq.length === 1 && seq[0]?.tag === 0x30 ? readTlvs(seq[0].value) : [];
    const minimal = (v: Uint8Array) =>
      v.length > 0 &&
      !(v[0] === 0 && (v.length === 1 || ((v[1] as number) & 0x80) === 0)) &&
      ((v[0] as number) & 0x80) === 0;
    if (ints.length !== 2 || !ints.every((t) => t.tag === 0x02 && minimal(t.value))) {
      throw new AttestationError("cert_chain", `${what}: ${cert.subject}: ECDSA signature is not strict DER`);
    }
  }
}

/** An issuing certificate must be a CA (basicConstraints cA, path length) allowed to sign certificates. */
function checkIssuerIsCa(issuer: X509Certificate, casBelow: number, what: string): void {
  const bc = issuer.getExtension(BasicConstraintsExtension);
  if (!bc?.ca)
    throw new AttestationError("cert_chain", `${what}: issuer ${issuer.subject} is not a CA (basicConstraints)`);
  // casBelow = number of certificates below the issuer in the path, minus the leaf.
  if (bc.pathLength !== undefined && casBelow > bc.pathLength) {
    throw new AttestationError("cert_chain", `${what}: path length constraint of ${issuer.subject} exceeded`);
  }
  const ku = issuer.getExtension(KeyUsagesExtension);
  if (ku && (ku.usages & KeyUsageFlags.keyCertSign) === 0) {
    throw new AttestationError("cert_chain", `${what}: issuer ${issuer.subject} may not sign certificates (keyUsage)`);
  }
}

/** A CRL's signature by `issuer` (WebCrypto through @peculiar/x509), remembered per (CRL, issuer) digest pair. */
async function crlSignatureValid(crl: X509Crl, issuer: X509Certificate): Promise<boolean> {
  try {
    return await cachedAsync(cacheKey("crl-sig", derDigest(crl), derDigest(issuer)), async () => {
      countSignatureCheck();
      if (!(await crl.verify({ publicKey: issuer }))) throw new BadSignature();
      return true;
    });
  } catch (e) {
    if (e instanceof BadSignature) return false;
    throw e;
  }
}

/** Checks a CRL's issuer signature and validity window, then that none of `certs` is listed. */
export async function checkCrl(
  crl: X509Crl,
  issuer: X509Certificate,
  certs: X509Certificate[],
  now: Date,
  field: string,
): Promise<void> {
  let ok = false;
  try {
    ok = await crlSignatureValid(crl, issuer);
  } catch (cause) {
    throw new AttestationError("crl", `${field}: signature could not be checked`, { cause });
  }
  if (!ok) throw new AttestationError("crl", `${field}: not signed by ${issuer.subject}`);
  if (crl.thisUpdate.getTime() > now.getTime() || (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime())) {
    throw new AttestationError("crl", `${field}: not current at ${now.toISOString()}`);
  }
  for (const c of certs) {
    if (c.issuer !== crl.issuer) continue;
    if (crl.findRevoked(c)) {
      throw new AttestationError(
        "revocation",
        `certificate ${c.subject} (serial ${c.serialNumber}) is revoked by ${field}`,
      );
    }
  }
}

// ---- Minimal DER walk over one certificate extension value (certificates themselves are parsed by @peculiar/x509) ----

export interface Tlv {
  tag: number;
  value: Uint8Array;
}

export function readTlvs(b: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let o = 0;
  while (o < b.length) {
    const tag = b[o++] as number;
    let len = b[o++] as number;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new AttestationError("parse", "DER: unsupported length form");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (b[o++] as number);
      if (len < 0x80 || (n > 1 && len < 256 ** (n - 1))) throw new AttestationError("parse", "DER: non-minimal length");
    }
    if (o + len > b.length) throw new AttestationError("parse", "certificate extension: truncated DER");
    out.push({ tag, value: b.subarray(o, o + len) });
    o += len;
  }
  return out;
}

export function oidToString(v: Uint8Array): string {
  const parts: number[] = [];
  let acc = 0;
  for (const x of v) {
    acc = acc * 128 + (x & 0x7f);
    if (!(x & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  const first = parts.shift() ?? 0;
  return [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40)), ...parts].join(".");
}

export function intValue(v: Uint8Array): number {
  let n = 0;
  for (const x of v) n = n * 256 + x;
  return n;
}
