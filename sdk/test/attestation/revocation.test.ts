import "../../src/attestation/reflect-polyfill.js";
import { webcrypto } from "node:crypto";
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509CertificateGenerator,
  X509Crl,
  X509CrlGenerator,
  X509CrlReason,
} from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { checkCrl, toCrl, verifyChain } from "../../src/attestation/common.js";
import { haveVectors, NOW, vec } from "./vectors.js";

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/**
 * Intel's CRLs in the vectors revoke nothing in the quote's chain and we cannot sign a CRL as
 * Intel, so revocation is shown on a chain we issue ourselves (same code path: checkCrl is what
 * verifyTdxQuote runs for collateral.rootCrl / collateral.pckCrl) and, on the genuine pckcrl, by
 * looking up serials it lists.
 */
describe("certificate revocation", () => {
  it("rejects a certificate listed in a CRL signed by its issuer", async () => {
    const caKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
    const leafKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
    const notBefore = new Date("2023-01-01T00:00:00Z");
    const notAfter = new Date("2030-01-01T00:00:00Z");
    const ca = await X509CertificateGenerator.createSelfSigned({
      serialNumber: "01",
      name: "CN=Test Root",
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: alg,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    });
    const mkLeaf = (serial: string) =>
      X509CertificateGenerator.create({
        serialNumber: serial,
        subject: `CN=Test Leaf ${serial}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        publicKey: leafKeys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: alg,
      });
    const revoked = await mkLeaf("0badc0de");
    const good = await mkLeaf("0600d0");
    const crl = await X509CrlGenerator.create({
      issuer: ca.subject,
      thisUpdate: new Date("2023-06-01T00:00:00Z"),
      nextUpdate: new Date("2023-07-01T00:00:00Z"),
      entries: [
        {
          serialNumber: "0badc0de",
          revocationDate: new Date("2023-06-01T00:00:00Z"),
          reason: X509CrlReason.keyCompromise,
        },
      ],
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
    });
    const der = new Uint8Array(crl.rawData);
    await expect(verifyChain([revoked], [ca], NOW, "test")).resolves.toHaveLength(2);
    await expect(checkCrl(toCrl(der, "crl"), ca, [revoked], NOW, "crl")).rejects.toMatchObject({ check: "revocation" });
    await expect(checkCrl(toCrl(der, "crl"), ca, [good], NOW, "crl")).resolves.toBeUndefined();
    // A CRL signed by someone else is refused, and so is a stale one.
    await expect(checkCrl(toCrl(der, "crl"), good, [revoked], NOW, "crl")).rejects.toMatchObject({ check: "crl" });
    await expect(
      checkCrl(toCrl(der, "crl"), ca, [good], new Date("2023-08-01T00:00:00Z"), "crl"),
    ).rejects.toMatchObject({
      check: "crl",
    });
  });

  it.skipIf(!haveVectors)("finds the serials Intel's genuine pckcrl revokes, and not the quote's PCK leaf", () => {
    const crl = new X509Crl(vec("tdx/pckcrl").buffer as ArrayBuffer);
    expect(crl.issuer).toContain("Intel SGX PCK Platform CA");
    expect(crl.entries.length).toBeGreaterThan(5);
    expect(crl.findRevoked("6fc34e5023e728923435d61aa4b83c618166ad35")).not.toBeNull();
    expect(crl.findRevoked("bba6c175d838b8df3900cc3411f24f512d104102")).toBeNull();
  });
});
