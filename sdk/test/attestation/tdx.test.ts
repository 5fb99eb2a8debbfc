import { describe, expect, it } from "vitest";
import { AttestationError, verifyTdxQuote } from "../../src/attestation/index.js";
import { flip, haveVectors, NOW, type Region, samplePositions, vec, vecText } from "./vectors.js";

describe.skipIf(!haveVectors)("verifyTdxQuote with the genuine SPR quote (v4)", () => {
  const quote = haveVectors ? vec("tdx/tdx_prod_quote_SPR_E4.dat") : new Uint8Array();
  const root = haveVectors ? vecText("tdx/intel_sgx_root_ca.pem") : "";
  const opts = { trustedRoots: [root], now: NOW };

  it("verifies and returns the TD claims", async () => {
    const c = await verifyTdxQuote(quote, opts);
    expect(c.teeKind).toBe("tdx");
    expect(c.version).toBe(4);
    expect(Buffer.from(c.measurement).toString("hex")).toBe(
      Buffer.from(quote.subarray(48 + 136, 48 + 184)).toString("hex"),
    );
    expect(c.measurement.length).toBe(48);
    expect(c.rtmrs.map((r) => r.length)).toEqual([48, 48, 48, 48]);
    expect(Buffer.from(c.reportData)).toEqual(Buffer.from(quote.subarray(48 + 520, 48 + 584)));
    expect(c.tcb.teeTcbSvn).toBe("03000400000000000000000000000000");
    expect(c.tcb.fmspc).toBe("50806f000000");
    expect(c.tcb.pceSvn).toBe(11);
    expect(c.tcb.qeIsvSvn).toBe(4);
    expect(c.debug).toBe(false);
    expect(c.pckSubject).toContain("Intel SGX PCK Certificate");
    // The vector carries 39 bytes of test padding after the signature data (covered by nothing).
    expect(c.trailingBytes).toBe(39);
  });

  it("accepts DER roots and epoch-ms time", async () => {
    const der = Buffer.from(root.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const c = await verifyTdxQuote(quote, { trustedRoots: [new Uint8Array(der)], now: NOW.getTime() });
    expect(c.version).toBe(4);
  });

  it("checks the CRLs and the QE identity collateral", async () => {
    const c = await verifyTdxQuote(quote, {
      ...opts,
      collateral: {
        rootCrl: vec("tdx/rootcrl.der"),
        pckCrl: vec("tdx/pckcrl"),
        qeIdentity: vecText("tdx/sample_qeIdentity_response"),
      },
    });
    expect(c.tcb.qeTcbStatus).toBe("UpToDate");
  });

  it("rejects the sample TCB info: the platform's CPUSVN is below every level it lists", async () => {
    await expect(
      verifyTdxQuote(quote, { ...opts, collateral: { tcbInfo: vecText("tdx/sample_tcbInfo_response") } }),
    ).rejects.toMatchObject({ check: "tcb_info", message: expect.stringContaining("no TCB level") });
  });

  it("evaluates TCB levels: a level at or below the platform matches, with its status", async () => {
    const info = JSON.parse(vecText("tdx/sample_tcbInfo_response"));
    const level = info.tcbInfo.tcbLevels[1];
    level.tcb.sgxtcbcomponents.forEach((c: { svn: number }, i: number) => {
      c.svn = [3, 3, 2, 2, 2, 1, 0, 2][i] ?? 0;
    });
    level.tcb.tdxtcbcomponents.forEach((c: { svn: number }, i: number) => {
      c.svn = [3, 0, 4][i] ?? 0;
    });
    const c = await verifyTdxQuote(quote, { ...opts, collateral: { tcbInfo: info } });
    expect(c.tcb.tcbStatus).toBe("OutOfDate");
    info.tcbInfo.fmspc = "00906ea10000";
    await expect(verifyTdxQuote(quote, { ...opts, collateral: { tcbInfo: info } })).rejects.toMatchObject({
      check: "tcb_info",
    });
  });

  it("rejects collateral outside its window", async () => {
    await expect(
      verifyTdxQuote(quote, {
        ...opts,
        now: new Date("2024-01-01T00:00:00Z"),
        collateral: { pckCrl: vec("tdx/pckcrl") },
      }),
    ).rejects.toMatchObject({ check: "crl" });
    await expect(
      verifyTdxQuote(quote, {
        ...opts,
        now: new Date("2023-08-01T00:00:00Z"),
        collateral: { qeIdentity: vecText("tdx/sample_qeIdentity_response") },
      }),
    ).rejects.toMatchObject({ check: "qe_identity" });
  });

  it("rejects a CRL from the wrong issuer (root CRL given as the PCK CRL)", async () => {
    await expect(
      verifyTdxQuote(quote, { ...opts, collateral: { pckCrl: vec("tdx/rootcrl.der") } }),
    ).rejects.toMatchObject({
      check: "crl",
    });
  });

  it("rejects a wrong trusted root", async () => {
    const amdArk = `${vecText("sev-snp/ask_ark_milan.pem").split("-----END CERTIFICATE-----")[1]}-----END CERTIFICATE-----`;
    await expect(verifyTdxQuote(quote, { ...opts, trustedRoots: [amdArk.trim()] })).rejects.toMatchObject({
      check: "trusted_root",
    });
  });

  it("rejects a time outside the certificates' validity", async () => {
    await expect(verifyTdxQuote(quote, { ...opts, now: new Date("2030-01-01T00:00:00Z") })).rejects.toMatchObject({
      check: "cert_validity",
    });
    await expect(verifyTdxQuote(quote, { ...opts, now: new Date("2022-01-01T00:00:00Z") })).rejects.toMatchObject({
      check: "cert_validity",
    });
  });

  it("rejects bad input and truncation", async () => {
    await expect(verifyTdxQuote(quote.subarray(0, 1000), opts)).rejects.toBeInstanceOf(AttestationError);
    await expect(verifyTdxQuote(quote, { ...opts, now: new Date("nope") })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    const v3 = quote.slice();
    v3[0] = 3;
    await expect(verifyTdxQuote(v3, opts)).rejects.toMatchObject({ check: "version" });
  });

  // Layout of this quote (v4): header, body, then the signature data; the certification data
  // (type 6) carries the QE report, its signature, the QE auth data and the PEM chain (type 5).
  const pemStart = 1258;
  const sigEnd = quote.length - 39;
  const regions: Region[] = [
    { name: "header", start: 0, end: 48 },
    { name: "td report body", start: 48, end: 632 },
    { name: "signature data length", start: 632, end: 636 },
    { name: "quote signature", start: 636, end: 700 },
    { name: "attestation key", start: 700, end: 764 },
    { name: "cert data type+size", start: 764, end: 770 },
    { name: "QE report", start: 770, end: 1154 },
    { name: "QE report signature", start: 1154, end: 1218 },
    { name: "QE auth data (size+data)", start: 1218, end: 1252 },
    { name: "PCK cert data type+size", start: 1252, end: 1258 },
    { name: "PCK chain PEM", start: pemStart, end: sigEnd },
  ];
  const positions = samplePositions(regions, 60);

  it(`rejects every sampled single-bit flip (${positions.length} positions over ${regions.length} regions)`, async () => {
    const accepted: string[] = [];
    const checks = new Set<string>();
    for (const p of positions) {
      try {
        await verifyTdxQuote(flip(quote, p.byte, p.bit), opts);
        accepted.push(`${p.region}@${p.byte}.${p.bit}`);
      } catch (e) {
        expect(e).toBeInstanceOf(AttestationError);
        checks.add((e as AttestationError).check);
      }
    }
    expect(accepted).toEqual([]);
    expect(checks).toContain("quote_signature");
    expect(checks).toContain("qe_report_signature");
    expect(checks).toContain("qe_report_data");
  });

  it("rejects a flip that only changes the DER framing of the PCK leaf's ECDSA signature", async () => {
    // Found by a 3000-flip sweep: 'F' -> 'D' turns SEQUENCE length 0x45 into 0x43; r and s stay
    // the same, so only the strict-DER check on the signature value catches it.
    await expect(verifyTdxQuote(flip(quote, 2909, 1), opts)).rejects.toMatchObject({ check: "cert_chain" });
  });

  it("rejects flipped bits inside the DER of each certificate of the chain", async () => {
    const text = new TextDecoder().decode(quote.subarray(pemStart, sigEnd));
    const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----\n([\s\S]+?)-----END CERTIFICATE-----/g)];
    expect(blocks.length).toBe(3);
    for (const [bi, m] of blocks.entries()) {
      const der = new Uint8Array(Buffer.from((m[1] as string).replace(/\n/g, ""), "base64"));
      const next = samplePositions([{ name: `cert${bi}`, start: 0, end: der.length }], 30, 100 + bi);
      const rebuild = (certDer: Uint8Array): Uint8Array => {
        const b64 = Buffer.from(certDer)
          .toString("base64")
          .replace(/(.{64})/g, "$1\n");
        const newText = text.replace(
          m[0],
          `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, "")}\n-----END CERTIFICATE-----`,
        );
        const enc = new TextEncoder().encode(newText);
        const q = new Uint8Array(pemStart + enc.length);
        q.set(quote.subarray(0, pemStart));
        q.set(enc, pemStart);
        const dv = new DataView(q.buffer);
        dv.setUint32(632, q.length - 636, true);
        dv.setUint32(766, q.length - 770, true);
        dv.setUint32(1254, q.length - 1258, true);
        return q;
      };
      // The re-encoding itself is sound: the unflipped certificate still verifies.
      await expect(verifyTdxQuote(rebuild(der), opts)).resolves.toMatchObject({ teeKind: "tdx" });
      for (const p of next) {
        const q = rebuild(flip(der, p.byte, p.bit));
        await expect(verifyTdxQuote(q, opts), `cert${bi} byte ${p.byte} bit ${p.bit}`).rejects.toBeInstanceOf(
          AttestationError,
        );
      }
    }
  });
});
