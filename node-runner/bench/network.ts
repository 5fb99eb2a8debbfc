/**
 * The devnet the node-runner's benchmarks share: the atoma package published, registered nodes
 * running the node-runner's own daemon, funded requesters (figures: ./figures.ts). By default the
 * devnet and the daemons run in the bench's process; `processes: P` runs the devnet in a process
 * of its own and the daemons in P more (./procs.ts), as a real network and its operators would.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SuiTransport } from "@atoma/sdk";
import { AtomaClient, PreparedEd25519Keypair, suiClientFor } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import {
  DEMO_MEASUREMENT,
  type DemoChain,
  type RegisteredNode,
  registerNode,
  startChain,
} from "../../demo/src/network.js";
import type { Executor } from "../src/daemon/execute.js";
import { loadExecutors } from "../src/daemon/executors-loader.js";
import { type RunningNode, type StartNodeOptions, startNode } from "../src/daemon/node.js";
import { type DaemonProcess, type DevnetProcess, startDaemonProcess, startDevnetProcess } from "./procs.js";
import { type TxStats, txStats } from "./tx-stats.js";

/** The chain as the bench sees it: `devnet` only when the devnet runs in this process. */
export type BenchChain = Pick<DemoChain, "atoma" | "url" | "verifierSk" | "measurement" | "deployed"> & {
  devnet?: DemoChain["devnet"];
};

/** A forecaster input distinct per `i`. */
export const forecastInput = (i: number): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ series: ["1", "2", String(i)], horizon: 2 }));

export interface BenchNetwork {
  chain: BenchChain;
  dir: string;
  registered: RegisteredNode[];
  /** The daemons running in this process (none with `processes`). */
  running: RunningNode[];
  /** Transactions the devnet executed so far. */
  txCount(): Promise<number>;
  /** What the devnet's transactions from the `from`-th on were. */
  txStats(from: number): Promise<TxStats>;
  /**
   * CPU time so far (ms) of the devnet's process, the daemons' processes and this one; with
   * everything in this process, all of it is `bench` (the others null).
   */
  cpuMs(): Promise<{ devnet: number | null; daemons: number | null; bench: number }>;
  /** Registers one more node and starts its daemon (in this process). */
  addNode(o: NodeSpec): Promise<RunningNode>;
  /** `runs` sequential no-op transactions (the first node's operator stakes 1 MIST): each round trip, ms. */
  noopRoundTrips(runs: number): Promise<number[]>;
  /** `count` requesters, each funded from the faucet. */
  requesters(count: number): Promise<Ed25519Keypair[]>;
  /** Stops every daemon and the devnet, removes the folder. */
  close(): Promise<void>;
}

export interface NodeSpec {
  /** Folder name under the bench folder. */
  name: string;
  capabilities?: string[];
  price?: bigint;
  pollMs: number;
  /** Commits and reveals due together in one PTB (the daemon's default: on). */
  batch?: boolean;
  /** false: the node follows the events alone (`startNode`'s `eventHub: null`), not the process's shared follower. */
  sharedEvents?: boolean;
  /** Default: the node-runner's built-in executors. */
  executors?: Executor[];
  transport?: SuiTransport;
  onStep?: StartNodeOptions["onStep"];
  onRead?: StartNodeOptions["onRead"];
}

/** What `startBenchNetwork` builds. */
export interface BenchNetworkOptions {
  seed: string;
  nodes?: number;
  pollMs?: number;
  batch?: boolean;
  /** false: each daemon follows the events alone (the A side of the shared follower's A/B). */
  sharedEvents?: boolean;
  /** Every chain read of every daemon's tasks (the request, the clock). */
  onRead?: StartNodeOptions["onRead"];
  /** Devnet in its own process, the `nodes` daemons split over this many processes (0: all in this one). */
  processes?: number;
}

/** A devnet with atoma published (`seed`), and `nodes` daemons serving the built-in forecaster. */
export async function startBenchNetwork(o: BenchNetworkOptions): Promise<BenchNetwork> {
  const dir = mkdtempSync(path.join(tmpdir(), `atoma-${o.seed}-`));
  if (o.processes) return startProcessNetwork({ ...o, processes: o.processes }, dir);
  const chain = await startChain({ seed: o.seed });
  const builtin = await loadExecutors();
  const registered: RegisteredNode[] = [];
  const running: RunningNode[] = [];
  const addNode = async (s: NodeSpec): Promise<RunningNode> => {
    const capabilities = s.capabilities ?? ["builtin:forecast-v1"];
    const n = await registerNode(chain, path.join(dir, s.name), { capabilities, price: s.price ?? 1000n });
    registered.push(n);
    const node = await startNode({
      rpcUrl: chain.url,
      ...(s.transport ? { transport: s.transport } : {}),
      packageId: chain.deployed.packageId,
      registryId: chain.deployed.registryId,
      nodeId: n.nodeId,
      keys: n.keys,
      stateDir: n.stateDir,
      executors: s.executors ?? builtin,
      logger: pino({ level: "silent" }),
      pollMs: s.pollMs,
      ...(s.batch === undefined ? {} : { batch: s.batch }),
      ...(s.sharedEvents === false ? { eventHub: null } : {}),
      metricsPort: null,
      ...(s.onStep ? { onStep: s.onStep } : {}),
      ...(s.onRead ? { onRead: s.onRead } : {}),
    });
    running.push(node);
    return node;
  };
  for (let i = 0; i < (o.nodes ?? 0); i++)
    await addNode({
      name: `n${i}`,
      pollMs: o.pollMs ?? 250,
      ...(o.batch === undefined ? {} : { batch: o.batch }),
      ...(o.sharedEvents === undefined ? {} : { sharedEvents: o.sharedEvents }),
      ...(o.onRead ? { onRead: o.onRead } : {}),
    });
  const txs = () => [...chain.devnet.runtime.txs.values()];
  return {
    chain,
    dir,
    registered,
    running,
    addNode,
    txCount: async () => chain.devnet.runtime.txs.size,
    txStats: async (from) => txStats(txs().slice(from)),
    cpuMs: async () => ({ devnet: null, daemons: null, bench: cpuNow() }),
    ...clients(chain, registered),
    async close() {
      await Promise.all(running.map((n) => n.stop()));
      await chain.devnet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The no-op round trips and the requesters, from this process's client. */
function clients(chain: BenchChain, registered: RegisteredNode[]): Pick<BenchNetwork, "noopRoundTrips" | "requesters"> {
  return {
    async noopRoundTrips(runs) {
      const op = registered[0];
      if (!op) throw new Error("noopRoundTrips: no node registered");
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await chain.atoma.addStake(op.keys.signer, op.nodeCapId, 1n);
        ms.push(performance.now() - t);
      }
      return ms;
    },
    requesters: (count) =>
      Promise.all(
        Array.from({ length: count }, async () => {
          // A requester signs many transactions: its key prepared once (node:crypto), the
          // signatures byte for byte Ed25519Keypair's.
          const k = PreparedEd25519Keypair.fromSeed(randomBytes(32));
          await requestSuiFromFaucetV2({ host: chain.url, recipient: k.toSuiAddress() });
          return k;
        }),
      ),
  };
}

/**
 * The devnet in its own process, the nodes registered from here and their daemons split over
 * `processes` child processes (each a few `startNode`s, as `atoma-node run` would run them).
 */
async function startProcessNetwork(o: BenchNetworkOptions & { processes: number }, dir: string): Promise<BenchNetwork> {
  const devnet: DevnetProcess = await startDevnetProcess(o.seed);
  const atoma = new AtomaClient(suiClientFor(devnet.url), {
    packageId: devnet.deployed.packageId,
    registryId: devnet.deployed.registryId,
    registryInitialSharedVersion: devnet.deployed.registryInitialSharedVersion,
  });
  // No attestation here (it needs the devnet's clock): the verifier key is never used.
  const chain: BenchChain = {
    atoma,
    url: devnet.url,
    deployed: devnet.deployed,
    verifierSk: new Uint8Array(32),
    measurement: DEMO_MEASUREMENT,
  };
  const registered: RegisteredNode[] = [];
  for (let i = 0; i < (o.nodes ?? 0); i++)
    registered.push(
      await registerNode(chain, path.join(dir, `n${i}`), { capabilities: ["builtin:forecast-v1"], price: 1000n }),
    );
  const groups = Array.from({ length: Math.min(o.processes, registered.length) }, (_, g) =>
    registered.filter((_n, i) => i % o.processes === g),
  );
  const daemons: DaemonProcess[] = await Promise.all(
    groups.map((nodes) =>
      startDaemonProcess(
        {
          rpcUrl: devnet.url,
          packageId: devnet.deployed.packageId,
          registryId: devnet.deployed.registryId,
          pollMs: o.pollMs ?? 250,
          ...(o.batch === undefined ? {} : { batch: o.batch }),
          ...(o.sharedEvents === undefined ? {} : { sharedEvents: o.sharedEvents }),
          nodes: nodes.map((n) => ({
            nodeId: n.nodeId,
            nodeCapId: n.nodeCapId,
            keystore: path.join(path.dirname(n.stateDir), "keystore.json"),
            stateDir: n.stateDir,
          })),
        },
        o.onRead,
      ),
    ),
  );
  return {
    chain,
    dir,
    registered,
    running: [],
    addNode: () => Promise.reject(new Error("addNode: not with processes (the daemons run in child processes)")),
    txCount: () => devnet.txCount(),
    txStats: (from) => devnet.txStats(from),
    async cpuMs() {
      const [d, ds] = await Promise.all([devnet.cpuMs(), Promise.all(daemons.map((p) => p.cpuMs()))]);
      return { devnet: d, daemons: ds.reduce((a, b) => a + b, 0), bench: cpuNow() };
    },
    ...clients(chain, registered),
    async close() {
      await Promise.all(daemons.map((d) => d.stop()));
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
