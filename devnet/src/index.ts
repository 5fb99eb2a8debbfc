/**
 * @atoma/devnet — a local simulation of a Sui network for development and CI (not a Sui node).
 * Real deployments use Sui localnet, testnet or mainnet.
 */
import { Devnet, type DevnetOptions } from "./server.js";

export * from "./bytecode.js";
export * from "./errors.js";
export { type Checkpoint, Journal, JournalCorruptError, type ReplayOptions } from "./journal.js";
export {
  CLOCK_ID,
  decodeTx,
  type EventRecord,
  GAS_COIN_TYPE,
  hashBytes,
  RANDOM_ID,
  Runtime,
  SUI_TYPE,
  type TxRecord,
  verifySignatures,
  type WriteSet,
} from "./runtime.js";
export { Devnet, type DevnetOptions } from "./server.js";
export type * from "./types.js";

export interface RunningDevnet {
  /** JSON-RPC URL (the faucet is `POST <url>/v2/gas`). */
  url: string;
  faucetUrl: string;
  devnet: Devnet;
  runtime: Devnet["runtime"];
  /** Clock controls (also over JSON-RPC: devnet_advanceClock, devnet_setClock). */
  clock: { now(): bigint; advance(ms: bigint | number): bigint; set(ms: bigint | number): bigint; wall(): void };
  cutCheckpoint(): void;
  close(): Promise<void>;
}

/**
 * Starts a devnet in this process. `port` 0 (default) picks a free port. The `atoma` package
 * binding and the example consumer's (`atoma_consumer`) are always included: publishing
 * `loadBuiltPackage("atoma")` runs `registry::init` and binds every public/entry function.
 */
export async function startDevnet(opts: DevnetOptions = {}): Promise<RunningDevnet> {
  const devnet = new Devnet(opts);
  const url = await devnet.listen();
  return {
    url,
    faucetUrl: url,
    devnet,
    runtime: devnet.runtime,
    clock: {
      now: () => devnet.nowMs(),
      advance: (ms) => devnet.advanceClock(BigInt(ms)),
      set: (ms) => devnet.setClock(BigInt(ms)),
      wall: () => devnet.useWallClock(),
    },
    cutCheckpoint: () => void devnet.cutCheckpoint(true),
    close: () => devnet.close(),
  };
}
