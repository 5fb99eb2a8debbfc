/**
 * The devnet started as a child process (`atoma-devnet --port 0`): the atoma binding is on by
 * default; publish, one request end to end through the SDK, restart from --state-dir, and the
 * published package keeps working.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { AtomaClient, hashOutput, RequestStatus } from "@atoma/sdk";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, describe, expect, it } from "vitest";
import { funded, publishAtoma } from "./harness.js";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../src/cli.ts");
const SUI = 1_000_000_000n;

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const j = JSON.parse(line) as { event?: string; url?: string };
        if (j.event === "ready" && j.url) resolve({ child, url: j.url });
      } catch {
        // pino lines
      }
    });
    child.on("exit", (code) => reject(new Error(`atoma-devnet exited with ${code}: ${stderr}`)));
  });
}
function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

async function oneRequest(
  atoma: AtomaClient,
  url: string,
  node: { kp: Ed25519Keypair; nodeId: string; nodeCap: string },
) {
  const requester = await funded(url);
  const created = await atoma.createRequest(requester, {
    kind: 0,
    capability: "llama",
    input: new TextEncoder().encode("hi"),
    sampleSize: 1,
    maxPrice: SUI,
  });
  expect(created.nodes).toEqual([node.nodeId]);
  const outputHash = hashOutput(new TextEncoder().encode("hello"));
  const { salt } = await atoma.commit(node.kp, {
    requestId: created.requestId,
    nodeCap: node.nodeCap,
    nodeId: node.nodeId,
    outputHash,
    round: 0,
  });
  await atoma.reveal(node.kp, { requestId: created.requestId, nodeCap: node.nodeCap, outputHash, round: 0, salt });
  const settled = await atoma.settle(requester, created.requestId);
  expect(settled.events.map((e) => e.name)).toEqual(["NodePaid", "RequestSettled"]);
  const r = await atoma.getRequest(created.requestId);
  expect(r.status).toBe(RequestStatus.Settled);
  return created.requestId;
}

describe("atoma-devnet child process with the atoma binding", () => {
  const children: ChildProcess[] = [];
  const stateDir = mkdtempSync(path.join(tmpdir(), "atoma-devnet-cli-"));
  afterAll(async () => {
    for (const c of children) await stop(c);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("publishes atoma, runs a request end to end, and keeps working after a restart", async () => {
    const first = await start(["--seed", "cli-atoma", "--state-dir", stateDir, "--checkpoint-interval-ms", "50"]);
    children.push(first.child);
    const sui = new SuiJsonRpcClient({ url: first.url, network: "localnet" });
    const admin = await funded(first.url, "cli:admin");
    const deployed = await publishAtoma(sui, first.url, admin);
    const config = {
      packageId: deployed.packageId,
      registryId: deployed.registryId,
      registryInitialSharedVersion: deployed.registryInitialSharedVersion,
    };
    const atoma = new AtomaClient(sui, config);
    const kp = await funded(first.url, "cli:operator");
    const reg = await atoma.registerNode(kp, {
      stake: 100n * SUI,
      sigPk: kp.getPublicKey().toRawBytes(),
      encPk: new Uint8Array(32).fill(7),
      capabilities: ["llama"],
      price: SUI / 10n,
    });
    const node = { kp, nodeId: reg.nodeId, nodeCap: reg.nodeCapId };
    const requestId = await oneRequest(atoma, first.url, node);
    expect((await atoma.getNode(node.nodeId)).served).toBe("1");
    expect(await stop(first.child)).toBe(0);

    const second = await start(["--seed", "cli-atoma", "--state-dir", stateDir]);
    children.push(second.child);
    const sui2 = new SuiJsonRpcClient({ url: second.url, network: "localnet" });
    const atoma2 = new AtomaClient(sui2, config);
    expect((await atoma2.getRequest(requestId)).status).toBe(RequestStatus.Settled);
    expect((await atoma2.getNode(node.nodeId)).served).toBe("1");
    await oneRequest(atoma2, second.url, node);
    expect((await atoma2.getNode(node.nodeId)).served).toBe("2");
  });
});
