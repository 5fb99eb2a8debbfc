/**
 * TDX quote v5 (TDX 1.5 body) and PCK revocation on a quote we build and sign ourselves with a
 * throwaway PKI shaped like Intel's (no genuine v5 quote is available; Intel's CRLs cannot be
 * forged). Same verifier code path as the genuine quote.
 */
import "../../src/attestation/reflect-polyfill.js";
import { webcrypto } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509CertificateGenerator,
  X509CrlGenerator,
  X509CrlReason,
} from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { AttestationError, verifyTdxQuote } from "../../src/attestation/index.js";

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const subtle = webcrypto.subtle;
const now = new Date("2025-01-01T00:00:00Z");

async function keys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
}
async function sign(k: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign(alg, k, data));
}

interface Pki {
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

async function makePki(intermediateIsCa = true): Promise<Pki> {
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

async function makeQuoteV5(pki: Pki, body: Uint8Array): Promise<Uint8Array> {
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

describe("verifyTdxQuote on a self-built v5 quote (TDX 1.5 body)", () => {
  let pki: Pki;
  let quote: Uint8Array;
  const body = new Uint8Array(648).map((_, i) => (i * 7) & 0xff);
  beforeAll(async () => {
    pki = await makePki();
    quote = await makeQuoteV5(pki, body);
  });

  it("parses and verifies v5 with the 1.5 body fields", async () => {
    const c = await verifyTdxQuote(quote, { trustedRoots: [pki.rootPem], now });
    expect(c.version).toBe(5);
    expect(c.measurement).toEqual(body.subarray(136, 184));
    expect(c.reportData).toEqual(body.subarray(520, 584));
    expect(c.tcb.teeTcbSvn2).toBe(Buffer.from(body.subarray(584, 600)).toString("hex"));
    expect(c.mrServiceTd).toEqual(body.subarray(600, 648));
    expect(c.trailingBytes).toBe(0);
  });

  it("covers the body descriptor and body by the quote signature", async () => {
    for (const at of [48, 50, 54, 54 + 300, 54 + 647]) {
      const q = quote.slice();
      q[at] = (q[at] as number) ^ 1;
      await expect(verifyTdxQuote(q, { trustedRoots: [pki.rootPem], now })).rejects.toBeInstanceOf(AttestationError);
    }
  });

  it("rejects a chain whose intermediate is not a CA", async () => {
    const bad = await makePki(false);
    await expect(
      verifyTdxQuote(await makeQuoteV5(bad, body), { trustedRoots: [bad.rootPem], now }),
    ).rejects.toMatchObject({
      check: "cert_chain",
      message: expect.stringContaining("not a CA"),
    });
  });

  it("rejects a PCK certificate revoked by the PCK CA's CRL", async () => {
    const mkCrl = async (serials: string[]) =>
      new Uint8Array(
        (
          await X509CrlGenerator.create({
            issuer: pki.caSubject,
            thisUpdate: new Date("2024-12-01T00:00:00Z"),
            nextUpdate: new Date("2025-02-01T00:00:00Z"),
            entries: serials.map((s) => ({
              serialNumber: s,
              revocationDate: new Date("2024-12-01T00:00:00Z"),
              reason: X509CrlReason.keyCompromise,
            })),
            signingKey: pki.caKey,
            signingAlgorithm: alg,
          })
        ).rawData,
      );
    await expect(
      verifyTdxQuote(quote, { trustedRoots: [pki.rootPem], now, collateral: { pckCrl: await mkCrl(["ffee"]) } }),
    ).resolves.toMatchObject({ version: 5 });
    await expect(
      verifyTdxQuote(quote, {
        trustedRoots: [pki.rootPem],
        now,
        collateral: { pckCrl: await mkCrl(["ffee", pki.leafSerial]) },
      }),
    ).rejects.toMatchObject({ check: "revocation" });
  });
});
