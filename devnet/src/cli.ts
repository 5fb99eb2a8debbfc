#!/usr/bin/env node
/** atoma-devnet: a local Sui JSON-RPC simulation for development and CI. */
import { Command, InvalidArgumentError } from "commander";
import { pino } from "pino";
import { startDevnet } from "./index.js";

const int =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };

const program = new Command()
  .name("atoma-devnet")
  .description(
    "Local simulation of a Sui network (sui.rpc.v2 over gRPC-web, JSON-RPC subset, faucet) for development and CI.\nReal deployments use Sui localnet, testnet or mainnet.",
  )
  .option("--port <port>", "TCP port (0 = any free port)", int("--port"), 9000)
  .option("--host <host>", "interface to bind", "127.0.0.1")
  .option("--seed <seed>", "seed for Random (0x8) and ids; same seed + same txs = same results", "atoma-devnet")
  .option("--state-dir <dir>", "persist state here (journal.jsonl); survives restarts")
  .option("--checkpoint-interval-ms <ms>", "cut a checkpoint this often", int("--checkpoint-interval-ms"), 1000)
  .option("--faucet-amount <mist>", "MIST per faucet request", "1000000000000")
  .option("--no-jsonrpc", "serve only gRPC (sui.rpc.v2 over gRPC-web) and the faucet, as current Sui nodes do")
  .option("--json", "log JSON lines (default: JSON too; this flag also prints the ready line as JSON)")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse();
const o = program.opts<{
  port: number;
  host: string;
  seed: string;
  stateDir?: string;
  checkpointIntervalMs: number;
  faucetAmount: string;
  jsonrpc: boolean;
  json?: boolean;
}>();
const log = pino({ name: "atoma-devnet" });

try {
  const d = await startDevnet({
    port: o.port,
    host: o.host,
    seed: o.seed,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    checkpointIntervalMs: o.checkpointIntervalMs,
    faucetAmount: BigInt(o.faucetAmount),
    jsonRpc: o.jsonrpc,
    log,
  });
  if (o.json)
    process.stdout.write(
      `${JSON.stringify({ event: "ready", url: d.url, grpc: d.url, jsonRpc: o.jsonrpc ? d.url : null, faucet: `${d.url}/v2/gas`, chainIdentifier: d.devnet.chainIdentifier })}\n`,
    );
  else
    log.info(
      { url: d.url, faucet: `${d.url}/v2/gas`, stateDir: o.stateDir ?? null },
      `devnet RPC listening on ${d.url}`,
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
  log.error({ err: (e as Error).message }, "devnet failed to start");
  process.exit(1);
}
