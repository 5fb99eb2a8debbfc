import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { afterEach, describe, expect, it } from "vitest";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../src/cli.ts");

function start(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    rl.on("line", (line) => {
      try {
        const j = JSON.parse(line) as { event?: string; url?: string };
        if (j.event === "ready" && j.url) resolve({ child, url: j.url });
      } catch {
        // pino lines and others
      }
    });
    child.on("exit", (code) => reject(new Error(`cli exited with ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("atoma-devnet CLI", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("answers /health, serves the faucet and keeps state across a restart", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-cli-"));
    dirs.push(stateDir);
    const kp = Ed25519Keypair.generate();
    let { child, url } = await start(["--state-dir", stateDir, "--seed", "cli"]);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; chainIdentifier: string };
    expect(health.status).toBe("ok");
    await requestSuiFromFaucetV2({ host: url, recipient: kp.toSuiAddress() });
    expect(await stop(child)).toBe(0);

    ({ child, url } = await start(["--state-dir", stateDir, "--seed", "cli"]));
    const client = new SuiJsonRpcClient({ url, network: "localnet" });
    const bal = await client.getBalance({ owner: kp.toSuiAddress() });
    expect(bal.totalBalance).toBe("1000000000000");
    const health2 = (await (await fetch(`${url}/health`)).json()) as { chainIdentifier: string };
    expect(health2.chainIdentifier).toBe(health.chainIdentifier);
    expect(await stop(child)).toBe(0);
  });

  it("exits 2 on a bad option and prints help", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        c.stdout.on("data", (b: Buffer) => {
          out += b.toString();
        });
        c.stderr.on("data", (b: Buffer) => {
          out += b.toString();
        });
        c.on("exit", (code) => resolve({ code, out }));
      });
    const bad = await run(["--port", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--port must be an integer 0\.\.65535/);
    for (const [args, msg] of [
      [["--port", "70000"], /--port must be an integer 0\.\.65535/],
      [["--faucet-amount", "abc"], /--faucet-amount must be a whole number of MIST/],
      [["--faucet-amount", "-5"], /--faucet-amount must be a whole number of MIST/],
      [["--state-dir", "/proc/nope"], /--state-dir \/proc\/nope is not a writable folder/],
      [["--nitro-test-root", "/nonexistent.der"], /--nitro-test-root \/nonexistent\.der cannot be read/],
      [["--nitro-test-root", CLI], /is not a DER certificate/],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.out).toMatch(msg);
      expect(r.out).not.toMatch(/node:internal| {4}at /);
    }
    const version = await run(["--version"]);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe("0.1.0");
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--state-dir/);
    expect(help.out).toMatch(/--nitro-test-root <der>/);
  });
});
