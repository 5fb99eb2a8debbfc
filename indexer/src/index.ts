/**
 * @atoma/indexer: follows the `atoma` package's events into Postgres (PGlite or a server) and
 * serves them over HTTP. `startIndexer` runs both in-process (demo, e2e tests).
 */

import { type SuiTransport, suiClientFor } from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import type { Logger } from "pino";
import { type CheckpointSource, GrpcCheckpointSource } from "./checkpoints.js";
import { type Db, openStorage, type Storage } from "./db.js";
import { Ingester } from "./ingester.js";
import { CoreEventSource, type EventSource } from "./source.js";

export {
  type ApiAttestation,
  type ApiCommit,
  type ApiDispute,
  type ApiHistory,
  type ApiNode,
  type ApiOutput,
  type ApiPayout,
  type ApiRequest,
  type ApiReveal,
  type ApiRotation,
  type ApiSample,
  type ApiSlash,
  buildApi,
  encodeCursor,
} from "./api.js";
export {
  CHECKPOINT_READ_MASK,
  type CheckpointBatch,
  type CheckpointSource,
  checkpointEvents,
  GrpcCheckpointSource,
} from "./checkpoints.js";
export { type Db, openStorage, type Storage } from "./db.js";
export { decode, eventNameOf } from "./decode.js";
export { applyBatch, readCursor, setCursor } from "./ingest.js";
export { Ingester } from "./ingester.js";
export { foldReputation, REPUTATION } from "./reputation.js";
export * as schema from "./schema.js";
export { ArrayEventSource, CoreEventSource, type EventPage, type EventSource, type RawEvent } from "./source.js";

export interface StartIndexerOptions {
  /** A Sui client (core API); or rpcUrl to make one (over `transport`); or a custom source. */
  client?: ClientWithCoreApi;
  rpcUrl?: string;
  /** Transport for `rpcUrl` (default gRPC, what current Sui nodes serve). */
  transport?: SuiTransport;
  source?: EventSource;
  /**
   * Ingest by checkpoint from this source (`source` is then the catch-up path). Default: a
   * `GrpcCheckpointSource` when the client is a `SuiGrpcClient` and no `source` is given; `false`: poll.
   */
  checkpoints?: CheckpointSource | false;
  /** The original (first-version) package id: events of every upgraded version are followed. */
  packageId?: string;
  databaseUrl?: string;
  /** PGlite data directory (default: in-memory PGlite). */
  dataDir?: string;
  /** API port (0 = any free port; default 0). Use `api: false` for no API. */
  port?: number;
  host?: string;
  api?: boolean;
  batchSize?: number;
  pageSize?: number;
  pollMs?: number;
  rateLimit?: number | false;
  /** CORS origins allowed to read the API (true = any); default none. */
  corsOrigin?: string[] | boolean;
  logger?: Logger;
  /** Serve the explorer at `/` (built first when missing or stale; see explorer/build.ts). */
  explorer?: boolean;
  /** The verifier's blob store, served at `/v1/evidence/:hash`. */
  evidenceDir?: string;
}

export interface RunningIndexer {
  /** Base URL of the API (e.g. http://127.0.0.1:4123), or null without one. */
  url: string | null;
  db: Db;
  storage: Storage;
  ingester: Ingester;
  /** Resolves once at least `events` events are committed (or, with no argument, when caught up). */
  waitForCursor(opts?: {
    events?: number | bigint;
    timeoutMs?: number;
  }): Promise<{ cursor: string | null; checkpoint: bigint | null; events: bigint }>;
  stop(): Promise<void>;
}

/** The explorer's bundle folder (built when missing or stale); the API still starts when the build fails. */
async function explorerBundle(logger?: Logger): Promise<string | undefined> {
  try {
    const { ensureExplorerBuilt } = await import("@atoma/explorer/build");
    return await ensureExplorerBuilt({ log: (line) => logger?.info(line) });
  } catch (err) {
    const msg = `explorer: not served (${(err as Error).message})`;
    if (logger) logger.error(msg);
    else process.stderr.write(`${msg}\n`);
    return undefined;
  }
}

export async function startIndexer(opts: StartIndexerOptions): Promise<RunningIndexer> {
  let source = opts.source;
  let checkpoints = opts.checkpoints === false ? undefined : opts.checkpoints;
  const client = opts.client ?? (opts.rpcUrl ? suiClientFor(opts.rpcUrl, opts.transport) : undefined);
  if (!source) {
    if (!opts.packageId) throw new TypeError("packageId: required unless a source is given");
    if (!client) throw new TypeError("client or rpcUrl: one is required");
    source = new CoreEventSource(client, opts.packageId, "events", opts.rpcUrl ?? "the chain RPC");
    if (opts.checkpoints === undefined && client instanceof SuiGrpcClient)
      checkpoints = new GrpcCheckpointSource(client, opts.packageId);
  }
  const explorerDir = opts.explorer ? await explorerBundle(opts.logger) : undefined;
  const storage = await openStorage({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const ingester = new Ingester({
    db: storage.db,
    source,
    batchSize: opts.batchSize,
    pageSize: opts.pageSize,
    pollMs: opts.pollMs ?? 200,
    logger: opts.logger,
    ...(checkpoints ? { checkpoints } : {}),
  });
  const ac = new AbortController();
  const running = ingester.run(ac.signal).catch((e: Error) => {
    ingester.lastError = e;
    opts.logger?.error({ err: e.message }, "ingester stopped");
  });
  let url: string | null = null;
  const app =
    opts.api === false
      ? null
      : await (await import("./api.js")).buildApi({
          storage,
          registry: ingester.metrics.registry,
          health: () => ({ caughtUp: ingester.caughtUp, lastError: ingester.lastError?.message ?? null }),
          rateLimit: opts.rateLimit,
          ...(client ? { chain: client } : {}),
          ...(opts.evidenceDir ? { evidenceDir: opts.evidenceDir } : {}),
          ...(explorerDir ? { explorerDir } : {}),
          onCommit: (listener) => ingester.onCommit(listener),
          ...(opts.corsOrigin !== undefined ? { corsOrigin: opts.corsOrigin } : {}),
        });
  if (app) url = await app.listen({ port: opts.port ?? 0, host: opts.host ?? "127.0.0.1" });
  let stopped = false;
  return {
    url,
    db: storage.db,
    storage,
    ingester,
    waitForCursor: ({ events, timeoutMs = 30_000 } = {}) =>
      new Promise((resolve, reject) => {
        const done = () => (events === undefined ? ingester.caughtUp : ingester.position.events >= BigInt(events));
        if (done()) return resolve(ingester.position);
        const timer = setTimeout(() => {
          off();
          reject(new Error(`waitForCursor: timed out after ${timeoutMs} ms at ${ingester.position.events} events`));
        }, timeoutMs);
        const off = ingester.onCommit(() => {
          if (!done()) return;
          clearTimeout(timer);
          off();
          resolve(ingester.position);
        });
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      ac.abort();
      await running;
      await app?.close();
      await storage.close();
    },
  };
}
