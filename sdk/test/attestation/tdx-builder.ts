/**
 * A TDX quote v5 (TDX 1.5 body) built and signed with a throwaway PKI shaped like Intel's, for
 * tests that need evidence bound to keys of their own (no genuine quote can be). Verifies with
 * `verifyTdxQuote(quote, { trustedRoots: [pki.rootPem] })` on the same code path as a genuine one.
 */
import "../../src/attestation/reflect-polyfill.js";
import { webcrypto } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509CertificateGenerator } from "@peculiar/x509";

export const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const subtle = webcrypto.subtle;

export async function keys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
}
export async function sign(k: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign(alg, k, data));
}

export interface Pki {
  rootPem: string;
  chainPem: string;
  leafKey: CryptoKey;
  caKey: CryptoKey;
  caSubject: string;
  leafSerial: string;
}

const caExt = () => [
  new BasicConstraintsExtension(true, undefined, true),
  new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
];

export async function makePki(intermediateIsCa = true): Promise<Pki> {
  const [rk, ck, lk] = [await keys(), await keys(), await keys()];
  const notBefore = new Date("2024-01-01T00:00:00Z");
  const notAfter = new Date("2030-01-01T00:00:00Z");
  const root = await X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Test SGX Root CA",
    notBefore,
    notAfter,
    keys: rk,
    signingAlgorithm: alg,
    extensions: caExt(),
  });
  const ca = await X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=Test SGX PCK Platform CA",
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: ck.publicKey,
    signingKey: rk.privateKey,
    signingAlgorithm: alg,
    extensions: intermediateIsCa ? caExt() : [],
  });
  const leaf = await X509CertificateGenerator.create({
    serialNumber: "0a0b0c",
    subject: "CN=Test SGX PCK Certificate",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: lk.publicKey,
    signingKey: ck.privateKey,
    signingAlgorithm: alg,
  });
  const pem = (c: { toString(f: "pem"): string }) => c.toString("pem").replace(/\r\n/g, "\n");
  return {
    rootPem: pem(root),
    chainPem: `${pem(leaf)}\n${pem(ca)}\n${pem(root)}\n`,
    leafKey: lk.privateKey,
    caKey: ck.privateKey,
    caSubject: ca.subject,
    leafSerial: leaf.serialNumber,
  };
}

const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

export async function makeQuoteV5(pki: Pki, body: Uint8Array): Promise<Uint8Array> {
  const ak = await keys();
  const akRaw = new Uint8Array(await subtle.exportKey("raw", ak.publicKey)).subarray(1);
  const header = new Uint8Array(48);
  header.set([...le16(5), ...le16(2), ...le32(0x81)]);
  header.set([0x93, 0x9a, 0x72, 0x33], 12);
  const signed = new Uint8Array([...header, ...le16(3), ...le32(body.length), ...body]);
  const quoteSig = await sign(ak.privateKey, signed);
  const auth = new Uint8Array(32).fill(0x42);
  const qeReport = new Uint8Array(384);
  qeReport.set(sha256(new Uint8Array([...akRaw, ...auth])), 320);
  const qeSig = await sign(pki.leafKey, qeReport);
  const pem = new TextEncoder().encode(pki.chainPem);
  const inner = [...le16(5), ...le32(pem.length), ...pem];
  const cert6 = [...qeReport, ...qeSig, ...le16(auth.length), ...auth, ...inner];
  const sigData = [...quoteSig, ...akRaw, ...le16(6), ...le32(cert6.length), ...cert6];
  return new Uint8Array([...signed, ...le32(sigData.length), ...sigData]);
}

/** A 648-byte TDX 1.5 TD report body: MRTD (48 bytes) at 136, REPORTDATA (64 bytes) at 520, not DEBUG. */
export function tdxBody(mrtd: Uint8Array, reportData: Uint8Array): Uint8Array {
  if (mrtd.length !== 48) throw new Error("tdxBody: mrtd must be 48 bytes");
  if (reportData.length > 64) throw new Error("tdxBody: reportData is at most 64 bytes");
  const body = new Uint8Array(648);
  body.set(mrtd, 136);
  body.set(reportData, 520);
  return body;
}
