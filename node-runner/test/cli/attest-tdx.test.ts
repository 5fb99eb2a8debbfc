import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AttestationPath, buildAllowMeasurement, buildSetTdxRoot, TeeKind } from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, startChain } from "../../../demo/src/network.js";
import { makeTdxEvidence, type TdxEvidence } from "../../../test/fixtures/tdx-evidence.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { registerConfiguredNode, spawnCli } from "./spawn-cli.js";

const _root = path.resolve(import.meta.dirname, "../../..");

describe("atoma-node attest collateral / attest crl / attest tdx", () => {
  let chain: DemoChain;
  let node: RegisteredNode;
  let ev: TdxEvidence;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-attest-tdx-"));
  const config = path.join(dir, "atoma-node.json");
  beforeAll(async () => {
    chain = await startChain({ seed: "attest-tdx", transport: testTransport(), ...testDevnetOptions() });
    chain.devnet.clock.set(BigInt(Date.parse("2024-06-15T00:00:00Z")));
    node = await registerConfiguredNode(chain, dir, config);
    ev = makeTdxEvidence({ sigPk: node.keys.sigPk, encPk: node.keys.encPk });
    const admin = {
      packageId: chain.deployed.packageId,
      registry: chain.deployed.registryId,
      adminCap: chain.deployed.adminCapId,
    };
    const tx = new Transaction();
    tx.setSender(chain.admin.toSuiAddress());
    buildSetTdxRoot(tx, { ...admin, rootKey: ev.rootKey });
    buildAllowMeasurement(tx, { ...admin, teeKind: TeeKind.Tdx, measurement: ev.mrtd });
    await chain.atoma.execute(tx, chain.admin);
  }, 90_000);
  afterAll(async () => {
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => spawnCli(config, args);

  it("records the collateral, then the node's quote: attested on path 1 with no verifier", async () => {
    const files = {
      tcb: path.join(dir, "tcb.json"),
      qe: path.join(dir, "qe.json"),
      signer: path.join(dir, "signer.der"),
      quote: path.join(dir, "quote.dat"),
    };
    writeFileSync(files.tcb, Buffer.concat([ev.tcbInfoResponse, Buffer.from("\n")]));
    writeFileSync(files.qe, ev.qeIdentityResponse);
    writeFileSync(files.signer, ev.signerDer);
    writeFileSync(files.quote, ev.quote);
    const crlFiles = { crl: path.join(dir, "pck.crl"), ca: path.join(dir, "pck-ca.der") };
    writeFileSync(crlFiles.crl, ev.pckCrlDer);
    writeFileSync(crlFiles.ca, ev.pckCaDer);
    // The PCK CA's CRL (revoking nothing yet), its signatures checked in Move.
    const crl = await cli("attest", "crl", "--crl", crlFiles.crl, "--ca", crlFiles.ca);
    expect(crl.status, `${crl.stdout}\n${crl.stderr}`).toBe(0);
    const c = await cli(
      "attest",
      "collateral",
      "--tcb-info",
      files.tcb,
      "--qe-identity",
      files.qe,
      "--signer",
      files.signer,
    );
    expect(c.status, `${c.stdout}\n${c.stderr}`).toBe(0);
    const { collateralId } = JSON.parse(c.stdout.trim().split("\n").pop() as string) as { collateralId: string };
    expect(collateralId).toMatch(/^0x[0-9a-f]{64}$/);

    const r = await cli("attest", "tdx", files.quote, "--collateral", collateralId);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const a = (await chain.atoma.getNode(node.nodeId)).attestation;
    expect(a?.path).toBe(AttestationPath.TdxOnChain);
    expect(a?.tee_kind).toBe(TeeKind.Tdx);
    expect(a?.verifier).toBe(`0x${"0".repeat(64)}`);

    // A newer CRL listing this node's PCK certificate (serial 3): its quote is refused from now on.
    const revoking = makeTdxEvidence({
      sigPk: node.keys.sigPk,
      encPk: node.keys.encPk,
      pckCrlRevoked: [3],
      crlThisUpdate: "240602000000Z",
    });
    writeFileSync(crlFiles.crl, revoking.pckCrlDer);
    const crl2 = await cli("attest", "crl", "--crl", crlFiles.crl, "--ca", crlFiles.ca);
    expect(crl2.status, `${crl2.stdout}\n${crl2.stderr}`).toBe(0);
    const refused = await cli("attest", "tdx", files.quote, "--collateral", collateralId);
    expect(refused.status).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("EPckRevoked");

    // A missing quote file is a usage error naming the argument.
    const missing = await cli("attest", "tdx", path.join(dir, "nope.dat"), "--collateral", collateralId);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("quote");
  }, 120_000);
});
