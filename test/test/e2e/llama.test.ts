/**
 * Real LLM inference end to end: the project's tiny GGUF model (generated here), three
 * `atoma-node run --model` processes running llama.cpp in process on a devnet (child process),
 * one inference request: all three reveal the same output hash and the request settles. A node
 * whose engine settings differ from the manifest refuses the capability.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { blindedHash, bytesToHex, hashOutput, RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel, LlamaExecutor, type LlamaManifest } from "../../../node-runner/src/executors/llama/index.js";
import {
  type CliNode,
  cli,
  cliNode,
  type DevnetInfo,
  type Proc,
  runNode,
  startDevnetChild,
  stopProc,
  waitForLine,
  waitRunning,
} from "./harness.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("llama.cpp inference on the devnet (3 node-runner processes)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-e2e-llama-"));
  const procs: Proc[] = [];
  let dev: { proc: Proc; info: DevnetInfo; atoma: import("@atoma/sdk").AtomaClient };
  let nodes: CliNode[] = [];
  let model = { path: "", digest: "" };
  let cap = "";
  let manifest: LlamaManifest;
  const manifestFile = path.join(dir, "manifest.json");
  const llamaArgs = () => ["--model", model.path, "--llama-context", "512", "--llama-manifest", manifestFile];

  beforeAll(async () => {
    model = await ensureTinyModel({ cacheDir: path.join(dir, "models") });
    const mc = await cli(["--json", "model-capability", "--model", model.path, "--llama-context", "512"]);
    expect(mc.code).toBe(0);
    ({ capability: cap, manifest } = JSON.parse(mc.out) as { capability: string; manifest: LlamaManifest });
    writeFileSync(manifestFile, JSON.stringify(manifest));
    dev = await startDevnetChild("e2e-llama");
    procs.push(dev.proc);
    nodes = await Promise.all(
      [0, 1, 2].map((i) => cliNode(dev, path.join(dir, `node-${i}`), { capabilities: [cap], price: 1_000_000n })),
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.slice(1).map(stopProc));
    if (dev) await stopProc(dev.proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a node whose engine settings differ from the manifest refuses the capability", async () => {
    const mc = await cli(["--json", "model-capability", ...llamaArgs(), "--llama-threads", "2"]);
    expect(mc.code).toBe(1);
    const body = JSON.parse(mc.out) as { capability: string; refusal: string };
    expect(body.refusal).toMatch(/threads: manifest wants 1, this node has 2/);
    expect(body.capability).not.toBe(cap);
    // `run` says so and serves nothing for it (stopped again: the real nodes start below)
    const run = runNode(nodes[0] as CliNode, [...llamaArgs(), "--llama-batch-size", "1"]);
    procs.push(run);
    const line = await waitForLine(run, (l) => l.includes('"event":"capability-refused"'), 240_000);
    expect(JSON.parse(line).reason).toMatch(/batchSize: manifest wants 8, this node has 1/);
    await stopProc(run);
  }, 300_000);

  it("three nodes run the generated model, reveal the same hash, and the request settles", async () => {
    const runs = nodes.map((n) => runNode(n, llamaArgs()));
    procs.push(...runs);
    await Promise.all(runs.map((r) => waitRunning(r, 240_000)));

    const prompt = enc.encode("the honest node will commit the output of the model");
    const local = await LlamaExecutor.create({ modelPath: model.path, contextSize: 512, manifest });
    const expected = await local.execute({ capability: cap, input: prompt, params: { maxTokens: 48 } });
    await local.close();
    expect(expected.status).toBe("ok");

    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: dev.info.url, recipient: user.toSuiAddress() });
    const r0 = await dev.atoma.createRequest(user, {
      kind: RequestKind.Inference,
      capability: cap,
      input: prompt,
      inputHash: hashOutput(prompt),
      maxTokens: 48,
      maxPrice: 2_000_000n,
    });
    expect(r0.nodes).toHaveLength(3);
    const r = await dev.atoma.waitForSettlement(r0.requestId, { timeoutMs: 180_000, pollMs: 250 });
    expect(r.status).toBe(RequestStatus.Settled);
    expect(r.round).toBe(0);
    const hashes = r.assignments.map((a) => bytesToHex(Uint8Array.from(a.output_hash)));
    expect(r.assignments.every((a) => a.committed && a.revealed)).toBe(true);
    expect(new Set(hashes).size).toBe(1);
    // round 0 reveals the blinded t = blake2b256(output_hash ‖ request_id) (docs/protocol.md)
    expect(hashes[0]).toBe(bytesToHex(blindedHash(hashOutput(expected.output), r0.requestId)));

    for (let i = 0; i < 100 && (await dev.atoma.getRequest(r0.requestId)).output.length === 0; i++)
      await new Promise((res) => setTimeout(res, 100));
    const out = JSON.parse(dec.decode((await dev.atoma.fetchOutput(r0.requestId)).plaintext)) as {
      finish: string;
      tokens: number[];
      text: string;
    };
    expect(out.finish).toBe("length");
    expect(out.tokens).toHaveLength(48);
    expect(dec.decode(expected.output)).toBe(JSON.stringify(out));
    for (const n of nodes) expect(await dev.atoma.earnedBy(n.nodeId)).toBe(1_000_000n);
  }, 420_000);
});
