/**
 * `--inference-url`: the OpenAI-compatible backend is loaded as an executor, validated at
 * start-up, and serves a request end to end on a devnet (sampled → backend call → commit →
 * reveal → settle → paid).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, registerNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { loadExecutors } from "../../src/daemon/executors-loader.js";
import { type RunningNode, startNode } from "../../src/daemon/node.js";
import { InferenceBackendError, InferenceUrlError } from "../../src/executors/openai.js";
import { type FakeBackend, fakeReply, startOpenAiBackend } from "../support/openai-backend.js";

describe("--inference-url", () => {
  let backend: FakeBackend;
  let chain: DemoChain;
  let node: RunningNode | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-inference-"));
  beforeAll(async () => {
    backend = await startOpenAiBackend(["tiny-chat"]);
    chain = await startChain({ seed: "inference", transport: testTransport(), ...testDevnetOptions() });
  }, 60_000);
  afterAll(async () => {
    await node?.stop();
    await chain?.devnet.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a malformed URL and names an unreachable one at start-up", async () => {
    await expect(loadExecutors({ inferenceUrl: "notaurl" })).rejects.toThrow(InferenceUrlError);
    await expect(loadExecutors({ inferenceUrl: "ftp://x/v1" })).rejects.toThrow(/must be http\(s\)/);
    const dead = "http://127.0.0.1:9/v1";
    await expect(loadExecutors({ inferenceUrl: dead })).rejects.toThrow(InferenceBackendError);
    await expect(loadExecutors({ inferenceUrl: dead })).rejects.toThrow(
      /cannot reach inference backend at http:\/\/127\.0\.0\.1:9\/v1\/models/,
    );
  });

  it("serves llm:<model> through the backend, and the node is paid", async () => {
    const executors = await loadExecutors({ inferenceUrl: `${backend.url}/v1` });
    expect(executors.flatMap((e) => e.capabilities)).toContain("llm:tiny-chat");
    const n = await registerNode(chain, path.join(dir, "n1"), { capabilities: ["llm:tiny-chat"], price: 1000n });
    node = await startNode({
      rpcUrl: chain.url,
      packageId: chain.deployed.packageId,
      registryId: chain.deployed.registryId,
      nodeId: n.nodeId,
      keys: n.keys,
      stateDir: n.stateDir,
      executors,
      logger: pino({ level: "silent" }),
      pollMs: 50,
      metricsPort: null,
    });
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
    const { requestId } = await chain.atoma.createRequest(user, {
      kind: RequestKind.Inference,
      capability: "llm:tiny-chat",
      input: new TextEncoder().encode("hello model"),
      sampleSize: 1,
      maxPrice: 2000n,
    });
    const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 30_000, pollMs: 100 });
    expect(r.status).toBe(RequestStatus.Settled);
    expect(backend.calls).toEqual([{ model: "tiny-chat", prompt: "hello model", temperature: 0, seed: 0 }]);
    for (let i = 0; i < 100 && (await chain.atoma.getRequest(requestId)).output.length === 0; i++)
      await new Promise((res) => setTimeout(res, 100));
    const out = await chain.atoma.fetchOutput(requestId);
    expect(new TextDecoder().decode(out.plaintext)).toBe(fakeReply("hello model"));
    expect(await chain.atoma.earnedBy(n.nodeId)).toBe(1000n);
  }, 60_000);
});
