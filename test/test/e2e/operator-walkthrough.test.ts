/**
 * The operator walkthrough of node-runner/README.md, run line by line in one real bash session
 * (exactly the documented commands; only the ports 9000/8000/9184 are replaced by free ones and
 * HOME is a temporary folder): `atoma-devnet` (devnet/src/cli.ts) in the background, `atoma-node
 * deploy` (publishes loadBuiltPackage("atoma")), init, faucet, register, stake, run with an
 * OpenAI-compatible backend, status. A user then sends a request through the SDK; the node
 * serves it through the backend and is paid, as `atoma-node status --json` shows.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { AtomaClient, deploymentConfig, parseDeployment, RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterAll, describe, expect, it } from "vitest";
import { type FakeBackend, fakeReply, startOpenAiBackend } from "../../../node-runner/test/support/openai-backend.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** The shell lines between the walkthrough markers of node-runner/README.md. */
function walkthrough(): string[] {
  const md = readFileSync(path.join(ROOT, "node-runner/README.md"), "utf8");
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(md);
  if (!block?.[1]) throw new Error("node-runner/README.md has no walkthrough block");
  return block[1].split("\n").filter((l) => l.trim() !== "");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One bash session fed line by line; each line's exit status is read back through a marker. */
class Shell {
  readonly child: ChildProcess;
  private out = "";
  private n = 0;
  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn("bash", ["--noprofile", "--norc"], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.out += d.toString();
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.out += d.toString();
    });
  }
  async run(line: string, timeoutMs = 120_000): Promise<{ code: number; output: string }> {
    const marker = `__walkthrough_${++this.n}__`;
    const start = this.out.length;
    this.child.stdin?.write(`${line}\necho "${marker}$?"\n`);
    const t0 = Date.now();
    for (;;) {
      const m = new RegExp(`${marker}(\\d+)\\n`).exec(this.out.slice(start));
      if (m) return { code: Number(m[1]), output: this.out.slice(start, start + m.index) };
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out: ${line}\n${this.out.slice(start)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** Ends the shell and everything it started in the background (its process group). */
  kill(): void {
    if (this.child.pid) {
      try {
        process.kill(-this.child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}

describe("operator walkthrough (node-runner/README.md)", () => {
  const home = mkdtempSync(path.join(tmpdir(), "atoma-walkthrough-"));
  let shell: Shell | undefined;
  let backend: FakeBackend | undefined;
  afterAll(async () => {
    shell?.kill();
    await backend?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("deploys, registers, stakes, serves a model through an OpenAI-compatible backend and gets paid", async () => {
    const [rpcPort, backendPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    backend = await startOpenAiBackend(["my-model"], backendPort);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const k of ["ATOMA_NODE_HOME", "ATOMA_NODE_CONFIG", "XDG_DATA_HOME", "INIT_CWD", "npm_lifecycle_event"])
      delete env[k];
    shell = new Shell(ROOT, env);
    const outputs: string[] = [];
    for (const doc of walkthrough()) {
      const line = doc
        .replaceAll(":9000", `:${rpcPort}`)
        .replaceAll("--port 9000", `--port ${rpcPort}`)
        .replaceAll(":8000", `:${backendPort}`)
        .replaceAll("9184", String(metricsPort));
      const r = await shell.run(line);
      expect(r.code, `${line}\n${r.output}`).toBe(0);
      outputs.push(r.output);
    }
    // A second daemon on the same config is refused while the first runs (one journal, one cursor).
    const second = await shell.run("atoma-node run --metrics-port off");
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/another atoma-node run \(pid \d+\) is using this state folder/);
    const work = path.join(home, "atoma-operator");
    // The deployment file has full ids, and the SDK reads it.
    const deployment = parseDeployment(readFileSync(path.join(work, "deployment.json"), "utf8"));
    expect(deployment.packageId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(statSync(path.join(work, "admin-keystore.json")).mode & 0o777).toBe(0o600);
    // State went to the data folder under HOME, not the repository or the working folder.
    const dataDir = path.join(home, ".local/share/atoma-node");
    expect(statSync(path.join(dataDir, "keystore.json")).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(ROOT, "atoma-node.json"))).toBe(false);
    expect(existsSync(path.join(work, "atoma-node.json"))).toBe(false);
    const config = readFileSync(path.join(dataDir, "atoma-node.json"), "utf8");
    expect(config).toContain(deployment.registryId);
    const nodeId = /"nodeId": "(0x[0-9a-f]{64})"/.exec(config)?.[1];
    expect(nodeId).toBeDefined();

    // A user sends a request for the node's model.
    const sui = new SuiJsonRpcClient({ url: deployment.rpcUrl, network: "localnet" });
    const atoma = new AtomaClient(sui, deploymentConfig(deployment));
    const user = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: deployment.rpcUrl, recipient: user.toSuiAddress() });
    const { requestId, nodes } = await atoma.createRequest(user, {
      kind: RequestKind.Inference,
      capability: "llm:my-model",
      input: new TextEncoder().encode("pay the operator"),
      sampleSize: 1,
      maxPrice: 2000n,
    });
    expect(nodes).toEqual([nodeId]);
    const settled = await atoma.waitForSettlement(requestId, { timeoutMs: 90_000, pollMs: 200 });
    expect(settled.status).toBe(RequestStatus.Settled);
    expect(backend.calls.map((c) => c.prompt)).toEqual(["pay the operator"]);
    for (let i = 0; i < 100 && (await atoma.getRequest(requestId)).output.length === 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(new TextDecoder().decode((await atoma.fetchOutput(requestId)).plaintext)).toBe(
      fakeReply("pay the operator"),
    );

    // The documented `status --json` line, run again: paid 1000 MIST for one request; stake
    // = 100 SUI at registration + 1 SUI staked.
    const last = walkthrough().at(-1) ?? "";
    expect(last).toBe("atoma-node status --json");
    const st = await shell.run(last);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.output.trim().split("\n").at(-1) ?? "{}") as Record<string, string>;
    expect(status).toMatchObject({ nodeId, served: "1", earned: "1000", stake: "101000000000", status: "Active" });
  }, 600_000);
});
