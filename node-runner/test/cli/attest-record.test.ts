import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { blake2b256, concatBytes, encodeVerdictMessage, signVerdict } from "@atoma/sdk";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { registerConfiguredNode, spawnCli } from "./spawn-cli.js";

const _root = path.resolve(import.meta.dirname, "../../..");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("atoma-node attest record", () => {
  let chain: DemoChain;
  let node: RegisteredNode;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-attest-"));
  const config = path.join(dir, "atoma-node.json");
  beforeAll(async () => {
    chain = await startChain({ seed: "attest-record", transport: testTransport(), ...testDevnetOptions() });
    node = await registerConfiguredNode(chain, dir, config);
  }, 60_000);
  afterAll(async () => {
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const record = (verdictFile: string) => spawnCli(config, ["attest", "record", verdictFile]);

  it("records a signed verdict; rejects one for another node with exit 2", async () => {
    const verdict = {
      nodeId: node.nodeId,
      teeKind: 1,
      measurement: chain.measurement,
      reportDataHash: blake2b256(concatBytes(node.keys.sigPk, node.keys.encPk)),
      evidenceHash: blake2b256(new TextEncoder().encode("evidence")),
      issuedMs: chain.devnet.clock.now(),
      expiresMs: chain.devnet.clock.now() + 600_000n,
    };
    const json = {
      nodeId: verdict.nodeId,
      teeKind: verdict.teeKind,
      measurement: hex(verdict.measurement),
      reportDataHash: hex(verdict.reportDataHash),
      evidenceHash: hex(verdict.evidenceHash),
      issuedMs: verdict.issuedMs.toString(),
      expiresMs: verdict.expiresMs.toString(),
      message: Buffer.from(encodeVerdictMessage(verdict)).toString("base64"),
      signature: hex(signVerdict(verdict, chain.verifierSk)),
      verifierPublicKey: hex(ed25519.getPublicKey(chain.verifierSk)),
    };
    const file = path.join(dir, "verdict.json");
    writeFileSync(file, JSON.stringify(json));
    const r = await record(file);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const n = await chain.atoma.getNode(node.nodeId);
    expect(n.attestation?.tee_kind).toBe(1);
    expect(BigInt(n.attestation?.expires_ms ?? 0)).toBe(verdict.expiresMs);

    const other = path.join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ ...json, nodeId: `0x${"cd".repeat(32)}` }));
    const bad = await record(other);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("nodeId");
  }, 90_000);
});
