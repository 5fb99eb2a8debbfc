/**
 * One running node: AtomaClient (over gRPC by default, JSON-RPC on request), the SDK chain port, the journal, the daemon and
 * (optionally) the /metrics + /health server. Used by `atoma-node run` and by the demo. Every node
 * a process starts on the same chain follows one event follower (./event-hub.ts): one checkpoint
 * stream and one read of each event page for all of them; shares the reads of request objects
 * (./request-reads.ts: the nodes sampled for a request that read it in one turn, one read); and
 * budgets its transactions from the process's gas measurements of the chain (a transaction shape
 * dry-run once for all of them).
 */
import path from "node:path";
import {
  AtomaClient,
  DEFAULT_SUI_TRANSPORT,
  GasMeasurements,
  type SuiTransport,
  suiClientFor,
  wakeOnCheckpoints,
} from "@atoma/sdk";
import type { SuiGrpcClient } from "@mysten/sui/grpc";
import type { Logger } from "pino";
import type { NodeKeys } from "../config.js";
import { createMetrics, startMetricsServer } from "../metrics.js";
import { CheckpointClock, readEventPage, readRequest, SdkChainClock, SdkChainPort } from "../sdk-port.js";
import { NodeDaemon } from "./daemon.js";
import { EventHub } from "./event-hub.js";
import { type Executor, type LayeredKeys, makeExecute } from "./execute.js";
import { FileTaskJournal } from "./file-journal.js";
import { publishPqKey } from "./pq-key.js";
import { SharedRequestReads } from "./request-reads.js";
import type { Fault } from "./task-runner.js";

export interface StartNodeOptions {
  rpcUrl: string;
  /** How to talk to `rpcUrl` (default gRPC, what current Sui nodes serve). */
  transport?: SuiTransport;
  packageId: string;
  registryId: string;
  nodeId: string;
  /** Its NodeCap's object id; omitted: looked up once among the signer's objects (`findNodeCap`). */
  nodeCapId?: string;
  keys: NodeKeys;
  stateDir: string;
  executors: readonly Executor[];
  logger: Logger;
  fault?: Fault;
  concurrency?: number;
  pollMs?: number;
  /** Batch commits and reveals due together into one PTB (SdkChainPort `batch`; default true). */
  batch?: boolean;
  /** null = no metrics server. */
  metricsPort?: number | null;
  onStep?: ConstructorParameters<typeof NodeDaemon>[0]["onStep"];
  /** Each chain read a task makes (benchmarks count reads per request). */
  onRead?: ConstructorParameters<typeof NodeDaemon>[0]["onRead"];
  /** Keys for layered (user/system/application) confidential inputs. */
  layered?: LayeredKeys;
  /**
   * The event follower this node shares (./event-hub.ts). Omitted: the process's follower of
   * this chain (`chainEventHub`), shared with every node started in the process on it; null: a
   * follower of its own (its own checkpoint stream and event reads, as before issue 17 row 4).
   */
  eventHub?: EventHub | null;
  /**
   * Where this node's tasks read their request objects (./request-reads.ts). Omitted: the
   * process's shared reads of this chain (`chainRequestReads`: the nodes that ask for the same
   * request in the same turn share one read); null: reads of its own.
   */
  requestReads?: SharedRequestReads | null;
  /**
   * Where the node's lanes keep the gas each transaction shape used (the SDK's measured budgets).
   * Omitted: the process's measurements of this chain (`chainGasMeasurements`), shared with every
   * node started in the process on it, so a shape is dry-run once for all of them; null: its own.
   */
  gasMeasurements?: GasMeasurements | null;
}

export interface RunningNode {
  daemon: NodeDaemon;
  journal: FileTaskJournal;
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Whether `rpcUrl` is an @atoma/devnet: it answers the devnet-only `devnet_getClock`, or (with
 * JSON-RPC off) its `GET /health` names a chain identifier and a checkpoint.
 */
export async function isDevnet(rpcUrl: string): Promise<boolean> {
  try {
    const h = await fetch(new URL("/health", rpcUrl));
    if (h.ok) {
      const b = (await h.json()) as { status?: unknown; chainIdentifier?: unknown; checkpoint?: unknown };
      if (b.status === "ok" && typeof b.chainIdentifier === "string" && typeof b.checkpoint === "string") return true;
    }
  } catch {
    // not a devnet health endpoint; try JSON-RPC below
  }
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

export function atomaClientFor(
  rpcUrl: string,
  packageId: string,
  registryId: string,
  transport?: SuiTransport,
  measurements?: GasMeasurements,
): AtomaClient {
  return new AtomaClient(
    suiClientFor(rpcUrl, transport),
    { packageId, registryId },
    measurements ? { measurements } : {},
  );
}

type ChainOf = Pick<StartNodeOptions, "rpcUrl" | "transport" | "packageId">;
const chainKey = (o: ChainOf) => JSON.stringify([o.transport ?? DEFAULT_SUI_TRANSPORT, o.rpcUrl, o.packageId]);

/** This process's one `T` per chain (rpc url, transport and package) in `kept`, made by `make` on first use. */
function perChain<T>(kept: Map<string, T>, o: ChainOf, make: () => T): T {
  const key = chainKey(o);
  let value = kept.get(key);
  if (value === undefined) {
    value = make();
    kept.set(key, value);
  }
  return value;
}

const measurements = new Map<string, GasMeasurements>();
const hubs = new Map<string, EventHub>();
const requestReads = new Map<string, SharedRequestReads>();

/**
 * This process's gas measurements of the chain, made on first use: every node started in the
 * process on it budgets its transactions from them (`startNode` by default).
 */
export function chainGasMeasurements(o: ChainOf): GasMeasurements {
  return perChain(measurements, o, () => new GasMeasurements());
}

/**
 * An event follower of `rpcUrl`'s atoma package: event pages read once for every caller
 * (`readEventPage`), and over gRPC one checkpoint stream (`wakeOnCheckpoints`) for every node.
 */
export function newEventHub(
  o: Pick<StartNodeOptions, "rpcUrl" | "transport" | "packageId" | "registryId" | "logger">,
): EventHub {
  const atoma = atomaClientFor(o.rpcUrl, o.packageId, o.registryId, o.transport);
  const grpc = (o.transport ?? DEFAULT_SUI_TRANSPORT) === "grpc";
  return new EventHub({
    read: (cursor, limit) => readEventPage(atoma, cursor, limit),
    ...(grpc
      ? {
          checkpoints: (sink, signal) =>
            wakeOnCheckpoints(atoma.client as SuiGrpcClient, sink, {
              signal,
              onReconnect: (err) => o.logger.debug({ err: String(err) }, "checkpoint stream reconnecting"),
              onCheckpoint: (_seq, timestampMs) => sink.observe(timestampMs),
            }),
        }
      : {}),
    onStreamError: (err) => o.logger.warn({ err: String(err) }, "checkpoint stream stopped"),
  });
}

/**
 * This process's event follower of the chain (rpc url, transport, package), made on first use:
 * every node started in the process on it follows it (`startNode` by default), whether a demo, a
 * benchmark or an operator's process runs them.
 */
export function chainEventHub(
  o: Pick<StartNodeOptions, "rpcUrl" | "transport" | "packageId" | "registryId" | "logger">,
): EventHub {
  return perChain(hubs, o, () => newEventHub(o));
}

/**
 * This process's shared reads of the chain's request objects, made on first use: the nodes
 * started in the process on it that ask for a request in the same turn share one read
 * (`startNode` by default).
 */
export function chainRequestReads(
  o: Pick<StartNodeOptions, "rpcUrl" | "transport" | "packageId" | "registryId">,
): SharedRequestReads {
  return perChain(requestReads, o, () => {
    const atoma = atomaClientFor(o.rpcUrl, o.packageId, o.registryId, o.transport);
    return new SharedRequestReads((requestId) => readRequest(atoma, requestId));
  });
}

export async function startNode(o: StartNodeOptions): Promise<RunningNode> {
  const gas = o.gasMeasurements === undefined ? chainGasMeasurements(o) : (o.gasMeasurements ?? undefined);
  const atoma = atomaClientFor(o.rpcUrl, o.packageId, o.registryId, o.transport, gas);
  const hub = o.eventHub === undefined ? chainEventHub(o) : o.eventHub === null ? newEventHub(o) : o.eventHub;
  const chain = new SdkChainPort({
    atoma,
    signer: o.keys.signer,
    nodeId: o.nodeId,
    ...(o.nodeCapId ? { nodeCap: o.nodeCapId } : {}),
    ...(o.batch !== undefined ? { batch: o.batch } : {}),
    events: hub,
    ...(o.requestReads === null ? {} : { requests: o.requestReads ?? chainRequestReads(o) }),
  });
  const journal = new FileTaskJournal(path.join(o.stateDir, "journal"));
  if (journal.recovered.truncated)
    o.logger.warn(
      { file: journal.file, ...journal.recovered.truncated },
      "task journal: torn tail of the last write cut",
    );
  if (journal.recovered.migrated)
    o.logger.info(
      { file: journal.file, records: journal.recovered.migrated },
      "task journal: old per-task files migrated",
    );
  // Deadlines on the last checkpoint's time while the stream brings them (gRPC), else on 0x6.
  const clock = new CheckpointClock(new SdkChainClock(atoma), Math.max(1_000, 2 * (o.pollMs ?? 250)));
  const metrics = createMetrics(o.nodeId);
  const daemon = new NodeDaemon({
    nodeId: o.nodeId,
    chain,
    clock,
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
    ...(o.onRead ? { onRead: o.onRead } : {}),
    metrics,
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
  if (o.keys.mlkemPk) {
    const r = await publishPqKey(atoma, {
      signer: o.keys.signer,
      nodeId: o.nodeId,
      nodeCap: await chain.nodeCap(),
      mlkemPk: o.keys.mlkemPk,
    });
    o.logger.info({ mlkemPkHash: r.mlkemPkHash, status: r.status }, "ML-KEM-768 key hash on chain");
  }
  daemon.start();
  // Over gRPC the daemon reacts to each checkpoint with events (the hub's one SubscribeCheckpoints
  // stream) instead of waiting for its poll interval, and reads deadlines on the checkpoints'
  // time; the event list with its durable cursor remains the catch-up path.
  const unsubscribe = hub.subscribe({ wake: () => daemon.wake(), observe: (ts) => clock.observe(ts) });
  return {
    daemon,
    journal,
    metricsUrl: server?.url ?? null,
    async stop() {
      const left = unsubscribe(); // the last node of the hub stops its stream
      await daemon.stop();
      await journal.close();
      await left;
      await server?.app.close();
    },
  };
}
