import { describe, expect, it } from "vitest";
import { AttestationError, verifySevSnpReport } from "../../src/attestation/index.js";
import { flip, haveVectors, NOW, type Region, samplePositions, vec, vecText } from "./vectors.js";

describe.skipIf(!haveVectors)("verifySevSnpReport with the genuine Milan report (v2)", () => {
  const report = haveVectors ? vec("sev-snp/attestation.bin") : new Uint8Array();
  const vcek = haveVectors ? vec("sev-snp/vcek.der") : new Uint8Array();
  const milan = haveVectors ? vecText("sev-snp/ask_ark_milan.pem") : "";
  const genoa = haveVectors ? vecText("sev-snp/ask_ark_genoa.pem") : "";
  const arkOf = (bundle: string) =>
    `-----BEGIN CERTIFICATE-----${bundle.split("-----BEGIN CERTIFICATE-----")[2]}`.trim();
  // This test report was produced with the DEBUG policy bit set, so the positive path allows it.
  const opts = {
    vcek,
    chain: milan,
    trustedRoots: haveVectors ? [arkOf(milan)] : [],
    now: NOW,
    policy: { allowDebug: true },
  };

  it("verifies and returns claims", async () => {
    const c = await verifySevSnpReport(report, opts);
    expect(c.teeKind).toBe("sev-snp");
    expect(c.version).toBe(2);
    expect(Buffer.from(c.measurement)).toEqual(Buffer.from(report.subarray(0x90, 0xc0)));
    expect(Buffer.from(c.reportData)).toEqual(Buffer.from(report.subarray(0x50, 0x90)));
    expect(Buffer.from(c.chipId)).toEqual(Buffer.from(report.subarray(0x1a0, 0x1e0)));
    expect(c.policy.debug).toBe(true);
    expect(c.rootPinned).toBe(true);
    expect(c.signedByVlek).toBe(false);
    expect(c.vcekSubject).toContain("SEV-VCEK");
  });

  it("takes the chain as an array of certificates and no pinned root", async () => {
    const parts = milan.split(/(?=-----BEGIN CERTIFICATE-----)/).map((s) => s.trim());
    const c = await verifySevSnpReport(report, { ...opts, chain: parts, trustedRoots: undefined } as never);
    expect(c.rootPinned).toBe(false);
  });

  it("rejects debug guests by default", async () => {
    await expect(verifySevSnpReport(report, { ...opts, policy: {} })).rejects.toMatchObject({ check: "policy_debug" });
  });

  it("enforces minimum TCB and allowed measurements", async () => {
    const c = await verifySevSnpReport(report, opts);
    await expect(
      verifySevSnpReport(report, {
        ...opts,
        policy: { allowDebug: true, minimumTcb: { snp: c.tcb.reported.snp + 1 } },
      }),
    ).rejects.toMatchObject({ check: "policy_tcb" });
    await expect(
      verifySevSnpReport(report, { ...opts, policy: { allowDebug: true, minimumTcb: { ...c.tcb.reported } } }),
    ).resolves.toBeTruthy();
    await expect(
      verifySevSnpReport(report, { ...opts, policy: { allowDebug: true, allowedMeasurements: [new Uint8Array(48)] } }),
    ).rejects.toMatchObject({ check: "policy_measurement" });
    await expect(
      verifySevSnpReport(report, { ...opts, policy: { allowDebug: true, allowedMeasurements: [c.measurement] } }),
    ).resolves.toBeTruthy();
  });

  it("rejects a wrong root (Genoa ARK pinned, or the Genoa chain)", async () => {
    await expect(verifySevSnpReport(report, { ...opts, trustedRoots: [arkOf(genoa)] })).rejects.toMatchObject({
      check: "trusted_root",
    });
    await expect(
      verifySevSnpReport(report, { ...opts, chain: genoa, trustedRoots: [arkOf(genoa)] }),
    ).rejects.toBeInstanceOf(AttestationError);
  });

  it("rejects a time outside the VCEK's validity", async () => {
    await expect(verifySevSnpReport(report, { ...opts, now: new Date("2030-01-01T00:00:00Z") })).rejects.toMatchObject({
      check: "cert_validity",
    });
    await expect(verifySevSnpReport(report, { ...opts, now: new Date("2022-01-01T00:00:00Z") })).rejects.toMatchObject({
      check: "cert_validity",
    });
  });

  it("rejects wrong sizes and versions", async () => {
    await expect(verifySevSnpReport(report.subarray(0, 1000), opts)).rejects.toMatchObject({ check: "parse" });
    const v1 = report.slice();
    v1[0] = 1;
    await expect(verifySevSnpReport(v1, opts)).rejects.toMatchObject({ check: "version" });
  });

  const regions: Region[] = [
    { name: "header (version..platform info)", start: 0, end: 0x50 },
    { name: "report data", start: 0x50, end: 0x90 },
    { name: "measurement", start: 0x90, end: 0xc0 },
    { name: "host data .. report id", start: 0xc0, end: 0x180 },
    { name: "reported tcb .. chip id", start: 0x180, end: 0x1e0 },
    { name: "committed/launch tcb + reserved", start: 0x1e0, end: 0x2a0 },
    { name: "signature r", start: 0x2a0, end: 0x2e8 },
    { name: "signature s", start: 0x2e8, end: 0x330 },
    { name: "reserved after signature", start: 0x330, end: 0x4a0 },
  ];
  const positions = samplePositions(regions, 50);

  it(`rejects every sampled single-bit flip in the report (${positions.length} positions)`, async () => {
    const accepted: string[] = [];
    for (const p of positions) {
      try {
        await verifySevSnpReport(flip(report, p.byte, p.bit), opts);
        accepted.push(`${p.region}@${p.byte}.${p.bit}`);
      } catch (e) {
        expect(e).toBeInstanceOf(AttestationError);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("rejects sampled single-bit flips in the VCEK, ASK and ARK certificates", async () => {
    const pems = milan.split(/(?=-----BEGIN CERTIFICATE-----)/).map((s) => s.trim());
    const derOf = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    const certs = [vcek, derOf(pems[0] as string), derOf(pems[1] as string)];
    for (const [ci, der] of certs.entries()) {
      for (const p of samplePositions([{ name: `cert${ci}`, start: 0, end: der.length }], 30, 200 + ci)) {
        const bad = flip(der, p.byte, p.bit);
        const chain = [certs[1] as Uint8Array, certs[2] as Uint8Array];
        let o = { ...opts, chain: chain as Uint8Array[] };
        if (ci === 0) o = { ...o, vcek: bad };
        else {
          const c2 = chain.slice();
          c2[ci - 1] = bad;
          o = { ...o, chain: c2 };
        }
        const r = verifySevSnpReport(report, o);
        await expect(r, `cert${ci} byte ${p.byte} bit ${p.bit}`).rejects.toBeInstanceOf(Error);
        await r.catch((e) => expect(["ATTESTATION_INVALID", "INVALID_INPUT"]).toContain(e.code));
      }
    }
  });
});
