/**
 * TDX quote v5 (TDX 1.5 body) and PCK revocation on a quote we build and sign ourselves with a
 * throwaway PKI shaped like Intel's (no genuine v5 quote is available; Intel's CRLs cannot be
 * forged). Same verifier code path as the genuine quote.
 */
import "../../src/attestation/reflect-polyfill.js";
import { X509CrlGenerator, X509CrlReason } from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { AttestationError, verifyTdxQuote } from "../../src/attestation/index.js";
import { alg, makePki, makeQuoteV5, type Pki } from "./tdx-builder.js";

const now = new Date("2025-01-01T00:00:00Z");

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
