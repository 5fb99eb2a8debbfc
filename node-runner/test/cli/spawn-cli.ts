/**
 * CLI test helpers. `spawnCli` runs `atoma-node -c <config> --json <args>` as a child process,
 * asynchronously: the devnet of the calling test runs in the test's own process and must keep
 * answering while the CLI runs. `registerConfiguredNode` registers a node on the test chain and
 * writes the `atoma-node` config that names it.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { type DemoChain, type RegisteredNode, registerNode } from "../../../demo/src/network.js";
import { DEFAULT_CONFIG, saveConfig } from "../../src/config.js";

const root = path.resolve(import.meta.dirname, "../../..");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(config: string, args: string[]): Promise<CliResult> {
  const child = spawn(path.join(root, "node_modules/.bin/tsx"), [
    path.join(root, "node-runner/src/cli.ts"),
    "-c",
    config,
    "--json",
    ...args,
  ]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once("exit", (status) => resolve({ status, stdout, stderr })));
}

/** Registers a `builtin:textgen-v1` node under `dir` and writes the config (`config`) that names it. */
export async function registerConfiguredNode(chain: DemoChain, dir: string, config: string): Promise<RegisteredNode> {
  const node = await registerNode(chain, dir, { capabilities: ["builtin:textgen-v1"], price: 10n });
  saveConfig(config, {
    ...DEFAULT_CONFIG,
    rpcUrl: chain.url,
    packageId: chain.deployed.packageId,
    registryId: chain.deployed.registryId,
    nodeId: node.nodeId,
  });
  return node;
}
