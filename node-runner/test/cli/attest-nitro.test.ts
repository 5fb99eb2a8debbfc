import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AttestationPath, buildAllowMeasurement, TeeKind } from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, startChain } from "../../../demo/src/network.js";
import { makeNitroEvidence, type NitroEvidence } from "../../../test/fixtures/nitro-evidence.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { registerConfiguredNode, spawnCli } from "./spawn-cli.js";

const _root = path.resolve(import.meta.dirname, "../../..");
const NOW = BigInt(Date.parse("2024-09-07T14:38:00Z"));

describe("atoma-node attest nitro", () => {
  let chain: DemoChain;
  let node: RegisteredNode;
  let ev: NitroEvidence;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-attest-nitro-"));
  const config = path.join(dir, "atoma-node.json");
  beforeAll(async () => {
    const rootDer = makeNitroEvidence({
      sigPk: new Uint8Array(32),
      encPk: new Uint8Array(32),
      timestampMs: 0n,
    }).rootDer;
    chain = await startChain({
      seed: "attest-nitro",
      transport: testTransport(),
      ...testDevnetOptions(),
      nitroTestRoots: [rootDer],
    });
    chain.devnet.clock.set(NOW);
    node = await registerConfiguredNode(chain, dir, config);
    ev = makeNitroEvidence({ sigPk: node.keys.sigPk, encPk: node.keys.encPk, timestampMs: NOW - 2_000n });
    const tx = new Transaction();
    tx.setSender(chain.admin.toSuiAddress());
    buildAllowMeasurement(tx, {
      packageId: chain.deployed.packageId,
      registry: chain.deployed.registryId,
      adminCap: chain.deployed.adminCapId,
      teeKind: TeeKind.Nitro,
      measurement: ev.measurement,
    });
    await chain.atoma.execute(tx, chain.admin);
  }, 90_000);
  afterAll(async () => {
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => spawnCli(config, args);

  it("records the node's document: attested on path 2 with no verifier; bad input is a usage error", async () => {
    const file = path.join(dir, "attestation.cbor");
    writeFileSync(file, ev.document);
    const r = await cli("attest", "nitro", "--document", file);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const { digest } = JSON.parse(r.stdout.trim().split("\n").pop() as string) as { digest: string };
    expect(digest.length).toBeGreaterThan(30);
    const a = (await chain.atoma.getNode(node.nodeId)).attestation;
    expect(a?.path).toBe(AttestationPath.NitroOnChain);
    expect(a?.tee_kind).toBe(TeeKind.Nitro);
    expect(Uint8Array.from(a?.measurement ?? [])).toEqual(ev.measurement);

    const missing = await cli("attest", "nitro", "--document", path.join(dir, "nope.cbor"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--document");
    // A document of another PKI: the chain refuses it (runtime failure, exit 1).
    const other = path.join(dir, "other.cbor");
    writeFileSync(
      other,
      makeNitroEvidence({ sigPk: node.keys.sigPk, encPk: node.keys.encPk, timestampMs: NOW, seed: 3 }).document,
    );
    const refused = await cli("attest", "nitro", "--document", other);
    expect(refused.status).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toContain("nitro_attestation");
  }, 120_000);
});
