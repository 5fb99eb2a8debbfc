#!/usr/bin/env node
/** atoma-devnet: a local Sui JSON-RPC simulation for development and CI. */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { pino } from "pino";
import { JournalCorruptError, startDevnet } from "./index.js";

const int =
  (name: string, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > max) throw new InvalidArgumentError(`${name} must be an integer 0..${max}`);
    return n;
  };
const U64_MAX = (1n << 64n) - 1n;
const mist = (v: string): bigint => {
  if (!/^\d+$/.test(v) || BigInt(v) === 0n || BigInt(v) > U64_MAX)
    throw new InvalidArgumentError("--faucet-amount must be a whole number of MIST, 1..2^64-1");
  return BigInt(v);
};
/** Creates the state folder now and checks it is writable, so a bad path is a usage error, not a hang. */
const stateDir = (v: string): string => {
  try {
    // One level at a time: Node's recursive mkdir loops forever under /proc.
    const missing: string[] = [];
    for (let p = path.resolve(v); !existsSync(p); p = path.dirname(p)) missing.unshift(p);
    for (const p of missing) mkdirSync(p);
    accessSync(v, constants.W_OK);
  } catch (e) {
    throw new InvalidArgumentError(`--state-dir ${v} is not a writable folder (${(e as NodeJS.ErrnoException).code})`);
  }
  return v;
};
/** A DER certificate file, read now so a bad path is a usage error. */
const derFile = (v: string, prev: Uint8Array[] = []): Uint8Array[] => {
  let b: Uint8Array;
  try {
    b = new Uint8Array(readFileSync(v));
  } catch (e) {
    throw new InvalidArgumentError(`--nitro-test-root ${v} cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  if (b[0] !== 0x30) throw new InvalidArgumentError(`--nitro-test-root ${v} is not a DER certificate`);
  return [...prev, b];
};

const program = new Command()
  .name("atoma-devnet")
  .description(
    "Local simulation of a Sui network (sui.rpc.v2 over gRPC-web, JSON-RPC subset, faucet) for development and CI.\nReal deployments use Sui localnet, testnet or mainnet.",
  )
  .version("0.1.0", "--version", "print the version")
  .option("--port <port>", "TCP port (0 = any free port)", int("--port", 65535), 9000)
  .option("--host <host>", "interface to bind", "127.0.0.1")
  .option("--seed <seed>", "seed for Random (0x8) and ids; same seed + same txs = same results", "atoma-devnet")
  .option("--state-dir <dir>", "persist state here (journal.jsonl); survives restarts", stateDir)
  .option("--repair", "cut a corrupt journal at its first bad line (the original is kept as journal.jsonl.bak-<ms>)")
  .option("--checkpoint-interval-ms <ms>", "cut a checkpoint this often", int("--checkpoint-interval-ms"), 1000)
  .option("--faucet-amount <mist>", "MIST per faucet request (default: 1000000000000)", mist)
  .option("--no-jsonrpc", "serve only gRPC (sui.rpc.v2 over gRPC-web) and the faucet, as current Sui nodes do")
  .option(
    "--nitro-test-root <der>",
    "TEST ONLY: a DER root certificate the Nitro attestation native accepts besides the AWS root (repeatable)",
    derFile,
  )
  .option("--json", "print the ready line on stdout as JSON (logs are JSON lines on stderr either way)")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse();
const o = program.opts<{
  port: number;
  host: string;
  seed: string;
  stateDir?: string;
  checkpointIntervalMs: number;
  faucetAmount?: bigint;
  repair?: boolean;
  jsonrpc: boolean;
  json?: boolean;
  nitroTestRoot?: Uint8Array[];
}>();
// Logs go to stderr so stdout carries only the ready line (JSON with --json): pipes to jq work.
const log = pino({ name: "atoma-devnet" }, pino.destination(2));

try {
  const d = await startDevnet({
    port: o.port,
    host: o.host,
    seed: o.seed,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    ...(o.repair ? { repair: true } : {}),
    checkpointIntervalMs: o.checkpointIntervalMs,
    faucetAmount: o.faucetAmount ?? 1_000_000_000_000n,
    jsonRpc: o.jsonrpc,
    ...(o.nitroTestRoot ? { nitroTestRoots: o.nitroTestRoot } : {}),
    log,
  });
  if (o.json)
    process.stdout.write(
      `${JSON.stringify({ event: "ready", url: d.url, grpc: d.url, jsonRpc: o.jsonrpc ? d.url : null, faucet: `${d.url}/v2/gas`, chainIdentifier: d.devnet.chainIdentifier })}\n`,
    );
  else process.stdout.write(`devnet RPC listening on ${d.url} (faucet POST ${d.url}/v2/gas)\n`);
  log.info({ url: d.url, faucet: `${d.url}/v2/gas`, stateDir: o.stateDir ?? null }, "listening");
  if (o.nitroTestRoot?.length)
    log.warn(
      { nitroTestRoots: o.nitroTestRoot.length },
      "TEST ONLY: Nitro documents under the given test roots are accepted",
    );
  let closing = false;
  const stop = (sig: string): void => {
    if (closing) return;
    closing = true;
    log.info({ sig }, "shutting down");
    d.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: (e as Error).message }, "close failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  log.error({ err: err.message }, "devnet failed to start");
  if (!(e instanceof JournalCorruptError) && (err.code === "EADDRINUSE" || err.code === "EACCES"))
    process.stderr.write(`atoma-devnet: cannot listen on ${o.host}:${o.port} (${err.code})\n`);
  else process.stderr.write(`atoma-devnet: ${err.message}\n`);
  process.exit(1);
}
