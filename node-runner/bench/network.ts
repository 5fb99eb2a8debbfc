/**
 * The devnet the node-runner's benchmarks share: the atoma package published, registered nodes
 * running the node-runner's own daemon in process, funded requesters (figures: ./figures.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SuiTransport } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "../../demo/src/network.js";
import type { Executor } from "../src/daemon/execute.js";
import { loadExecutors } from "../src/daemon/executors-loader.js";
import { type RunningNode, type StartNodeOptions, startNode } from "../src/daemon/node.js";

/** A forecaster input distinct per `i`. */
export const forecastInput = (i: number): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ series: ["1", "2", String(i)], horizon: 2 }));

export interface BenchNetwork {
  chain: DemoChain;
  dir: string;
  registered: RegisteredNode[];
  running: RunningNode[];
  /** Registers one more node and starts its daemon. */
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
  /** Default: the node-runner's built-in executors. */
  executors?: Executor[];
  transport?: SuiTransport;
  onStep?: StartNodeOptions["onStep"];
  onRead?: StartNodeOptions["onRead"];
}

/** A devnet with atoma published (`seed`), and `nodes` daemons serving the built-in forecaster. */
export async function startBenchNetwork(o: {
  seed: string;
  nodes?: number;
  pollMs?: number;
  batch?: boolean;
  /** Every chain read of every daemon's tasks (the request, the clock). */
  onRead?: StartNodeOptions["onRead"];
}): Promise<BenchNetwork> {
  const dir = mkdtempSync(path.join(tmpdir(), `atoma-${o.seed}-`));
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
      ...(o.onRead ? { onRead: o.onRead } : {}),
    });
  return {
    chain,
    dir,
    registered,
    running,
    addNode,
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
          const k = Ed25519Keypair.generate();
          await requestSuiFromFaucetV2({ host: chain.url, recipient: k.toSuiAddress() });
          return k;
        }),
      ),
    async close() {
      await Promise.all(running.map((n) => n.stop()));
      await chain.devnet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
