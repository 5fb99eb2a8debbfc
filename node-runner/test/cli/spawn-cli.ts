/**
 * Runs `atoma-node -c <config> --json <args>` as a child process, asynchronously: the devnet of
 * the calling test runs in the test's own process and must keep answering while the CLI runs.
 */
import { spawn } from "node:child_process";
import path from "node:path";

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
