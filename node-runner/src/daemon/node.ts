/**
 * One running node: AtomaClient over JSON-RPC, the SDK chain port, the journal, the daemon and
 * (optionally) the /metrics + /health server. Used by `atoma-node run` and by the demo.
 */
import path from "node:path";
import { AtomaClient } from "@atoma/sdk";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Logger } from "pino";
import type { NodeKeys } from "../config.js";
import { createMetrics, startMetricsServer } from "../metrics.js";
import { SdkChainPort } from "../sdk-port.js";
import { type Fault, NodeDaemon } from "./daemon.js";
import { type Executor, type LayeredKeys, makeExecute } from "./execute.js";
import { FileTaskJournal } from "./file-journal.js";

export interface StartNodeOptions {
  rpcUrl: string;
  packageId: string;
  registryId: string;
  nodeId: string;
  keys: NodeKeys;
  stateDir: string;
  executors: readonly Executor[];
  logger: Logger;
  fault?: Fault;
  concurrency?: number;
  pollMs?: number;
  /** null = no metrics server. */
  metricsPort?: number | null;
  onStep?: ConstructorParameters<typeof NodeDaemon>[0]["onStep"];
  /** Keys for layered (user/system/application) confidential inputs. */
  layered?: LayeredKeys;
}

export interface RunningNode {
  daemon: NodeDaemon;
  journal: FileTaskJournal;
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** Whether `rpcUrl` is an @atoma/devnet (it answers the devnet-only `devnet_getClock`). */
export async function isDevnet(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "devnet_getClock", params: [] }),
    });
    const body = (await res.json()) as { result?: unknown };
    return res.ok && typeof body.result === "string" && /^\d+$/.test(body.result);
  } catch {
    return false;
  }
}

export function atomaClientFor(rpcUrl: string, packageId: string, registryId: string): AtomaClient {
  const client = new SuiJsonRpcClient({ url: rpcUrl, network: "localnet" });
  return new AtomaClient(client, { packageId, registryId });
}

export async function startNode(o: StartNodeOptions): Promise<RunningNode> {
  const atoma = atomaClientFor(o.rpcUrl, o.packageId, o.registryId);
  const chain = new SdkChainPort({ atoma, signer: o.keys.signer, nodeId: o.nodeId });
  const journal = new FileTaskJournal(path.join(o.stateDir, "journal"));
  const metrics = createMetrics(o.nodeId);
  const daemon = new NodeDaemon({
    nodeId: o.nodeId,
    chain,
    journal,
    execute: makeExecute({
      nodeId: o.nodeId,
      encSk: o.keys.encSk,
      executors: o.executors,
      // the node's own ML-KEM key opens post-quantum node-layer / user-layer envelopes
      ...(o.layered ? { layered: o.layered } : o.keys.mlkemSk ? { layered: { mlkemSk: o.keys.mlkemSk } } : {}),
    }),
    logger: o.logger,
    stateDir: o.stateDir,
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    ...(o.fault ? { fault: o.fault } : {}),
    ...(o.onStep ? { onStep: o.onStep } : {}),
    onMetric: (name, value) => {
      metrics.record(name, value);
      metrics.pending.set(daemon.pendingTasks);
    },
  });
  let server: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  if (o.metricsPort !== null && o.metricsPort !== undefined) {
    server = await startMetricsServer(
      metrics,
      () => ({
        ok: Date.now() - daemon.lastPollOk < 30_000,
        nodeId: o.nodeId,
        pendingTasks: daemon.pendingTasks,
        lastPollOkMs: daemon.lastPollOk,
      }),
      o.metricsPort,
    );
  }
  daemon.start();
  return {
    daemon,
    journal,
    metricsUrl: server?.url ?? null,
    async stop() {
      await daemon.stop();
      await server?.app.close();
    },
  };
}
