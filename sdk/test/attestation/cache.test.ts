/**
 * The verified-collateral cache (sdk/src/attestation/cache.ts): a second quote from the same
 * platform re-verifies only its own signature; a cached verdict is never reused for bytes that
 * differ (a certificate, a QE report or a CRL with one byte changed is checked afresh and
 * refused); what depends on the time is re-checked on every call.
 */
import "../../src/attestation/reflect-polyfill.js";
import { X509Certificate, X509CrlGenerator } from "@peculiar/x509";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cached, cacheKey } from "../../src/attestation/cache.js";
import { attestationCache, verifyTdxQuote } from "../../src/attestation/index.js";
import { alg, makePki, makeQuoteV5, type Pki } from "./tdx-builder.js";

const now = new Date("2025-01-01T00:00:00Z");
const body = new Uint8Array(648).map((_, i) => (i * 13) & 0xff);
/** The chain PEM with the last byte of the leaf's DER (inside its signature's s) flipped. */
function tamperLeafSignature(chainPem: string): string {
  const block = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] as string;
  const bad = new Uint8Array(new X509Certificate(block).rawData);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
  const b64 = Buffer.from(bad)
    .toString("base64")
    .match(/.{1,64}/g)
    ?.join("\n");
  return chainPem.replace(block, `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`);
}

describe("attestation cache", () => {
  let pki: Pki;
  let quote: Uint8Array;
  beforeAll(async () => {
    pki = await makePki();
    quote = await makeQuoteV5(pki, body);
  });
  beforeEach(() => attestationCache.clear());

  it("a second quote of the same platform verifies only the quote's own signature", async () => {
    const opts = { trustedRoots: [pki.rootPem], now };
    const first = await verifyTdxQuote(quote, opts);
    const cold = attestationCache.stats().signatureChecks;
    // quote + QE report + leaf, CA and self-signed root certificate signatures
    expect(cold).toBe(5);
    const other = await makeQuoteV5(
      pki,
      body.map((x) => x ^ 0x5a),
    ); // another quote, same PCK chain
    const second = await verifyTdxQuote(other, opts);
    const s = attestationCache.stats();
    expect(s.signatureChecks - cold).toBe(2); // its quote signature and its (new AK's) QE report
    expect(s.hits).toBeGreaterThan(0);
    const third = await verifyTdxQuote(quote, opts);
    expect(attestationCache.stats().signatureChecks - s.signatureChecks).toBe(1); // the quote signature only
    expect(third).toEqual(first);
    expect(second.pckSubject).toBe(first.pckSubject);
  });

  it("a certificate differing in one signature byte is checked afresh and refused, though its names match", async () => {
    const opts = { trustedRoots: [pki.rootPem], now };
    await verifyTdxQuote(quote, opts); // the genuine chain is now cached
    const bad = await makeQuoteV5({ ...pki, chainPem: tamperLeafSignature(pki.chainPem) }, body);
    await expect(verifyTdxQuote(bad, opts)).rejects.toMatchObject({
      check: "cert_chain",
      message: expect.stringContaining("does not verify"),
    });
    // and again (a failure is never remembered as a success, nor the success reused)
    await expect(verifyTdxQuote(bad, opts)).rejects.toMatchObject({ check: "cert_chain" });
    await expect(verifyTdxQuote(quote, opts)).resolves.toMatchObject({ version: 5 });
  });

  it("a QE report differing in one byte is refused after the original's signature was cached", async () => {
    const opts = { trustedRoots: [pki.rootPem], now };
    await verifyTdxQuote(quote, opts);
    // QE report starts after header (48) + body descriptor (6) + body (648) + sig length (4) +
    // quote signature (64) + AK (64) + cert type (2) + size (4); byte 10 is outside its report data.
    const at = 48 + 6 + 648 + 4 + 64 + 64 + 2 + 4 + 10;
    const q = quote.slice();
    q[at] = (q[at] as number) ^ 1;
    await expect(verifyTdxQuote(q, opts)).rejects.toMatchObject({ check: "qe_report_signature" });
  });

  it("validity windows are re-checked on every call: a cached chain is refused once expired", async () => {
    await verifyTdxQuote(quote, { trustedRoots: [pki.rootPem], now });
    await expect(
      verifyTdxQuote(quote, { trustedRoots: [pki.rootPem], now: new Date("2031-01-01T00:00:00Z") }),
    ).rejects.toMatchObject({ check: "cert_validity" });
  });

  it("a CRL differing in one byte is checked afresh and refused after the original was cached", async () => {
    const crl = await X509CrlGenerator.create({
      issuer: pki.caSubject,
      thisUpdate: new Date("2024-12-01T00:00:00Z"),
      nextUpdate: new Date("2025-02-01T00:00:00Z"),
      entries: [],
      signingKey: pki.caKey,
      signingAlgorithm: alg,
    });
    const der = new Uint8Array(crl.rawData);
    const opts = (pckCrl: Uint8Array) => ({ trustedRoots: [pki.rootPem], now, collateral: { pckCrl } });
    await expect(verifyTdxQuote(quote, opts(der))).resolves.toMatchObject({ version: 5 });
    const bad = der.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    await expect(verifyTdxQuote(quote, opts(bad))).rejects.toMatchObject({ check: "crl" });
    // a cached CRL is still re-checked against the time
    await expect(verifyTdxQuote(quote, { ...opts(der), now: new Date("2025-03-01T00:00:00Z") })).rejects.toMatchObject({
      check: "crl",
      message: expect.stringContaining("not current"),
    });
  });

  it("is bounded: the least recently used entries go first", () => {
    for (let i = 0; i < attestationCache.maxEntries + 100; i++)
      cached(cacheKey("test", new Uint8Array([i & 0xff, i >> 8])), () => i);
    expect(attestationCache.stats().size).toBe(attestationCache.maxEntries);
    let made = false;
    cached(cacheKey("test", new Uint8Array([0, 0])), () => {
      made = true;
      return 0;
    });
    expect(made).toBe(true); // the first entry was evicted
  });
});
