/**
 * Ingestion by checkpoint over gRPC-web (SubscribeCheckpoints through @atoma/sdk's
 * checkpointStream): a fresh database catches up with ListEvents up to the tip, then follows the
 * checkpoints, each batch committed with the checkpoint watermark in one transaction. The node is
 * restarted several times mid-stream (every connection dropped) while checkpoints flow; the
 * tables equal those of an uninterrupted run, on PGlite and on PostgreSQL.
 */
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { GrpcCheckpointSource } from "../src/checkpoints.js";
import type { Storage } from "../src/db.js";
import { longStream, scriptedEvents, TEST_PACKAGE, TEST_PACKAGE_V2 } from "../src/fixtures.js";
import { readCursor } from "../src/ingest.js";
import { Ingester } from "../src/ingester.js";
import { CoreEventSource } from "../src/source.js";
import { type GrpcNode, startGrpcNode } from "./grpc-node.js";
import { type Backend, dump, openTestStorage } from "./helpers.js";

const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the indexer's checkpoint ingestion on PostgreSQL");

const events = [...scriptedEvents(), ...longStream(600, 8)];
const FIRST_TIP = 6; // released before the indexer starts: read by the ListEvents catch-up

function ingester(node: GrpcNode, st: Storage): Ingester {
  const client = new SuiGrpcClient({ baseUrl: node.url, network: "localnet" });
  return new Ingester({
    db: st.db,
    source: new CoreEventSource(client, TEST_PACKAGE, "events", node.url),
    checkpoints: new GrpcCheckpointSource(client, [TEST_PACKAGE, TEST_PACKAGE_V2]),
    batchSize: 200,
    pollMs: 20,
  });
}

const until = (ing: Ingester, ok: () => boolean, what: string, ms = 120_000) =>
  new Promise<void>((resolve, reject) => {
    if (ok()) return resolve();
    const t = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what} (at checkpoint ${ing.position.checkpoint})`));
    }, ms);
    const off = ing.onCommit(() => {
      if (!ok()) return;
      clearTimeout(t);
      off();
      resolve();
    });
  });

/** Runs an ingester against a fresh node; `interrupt` restarts the node at chosen points. */
async function ingest(st: Storage, restarts: number): Promise<{ node: GrpcNode; at: bigint[]; errors: number }> {
  const node = await startGrpcNode(events, { tip: FIRST_TIP, seed: 3 });
  const last = BigInt(node.checkpoints - 1);
  const ing = ingester(node, st);
  const ac = new AbortController();
  const run = ing.run(ac.signal);
  const at: bigint[] = [];
  let errors = 0;
  const off = ing.onCommit(() => {
    if (ing.lastError) errors++;
  });
  try {
    await until(ing, () => ing.position.checkpoint === BigInt(FIRST_TIP) && ing.caughtUp, "the catch-up");
    const step = Math.ceil(node.checkpoints / (restarts + 2));
    for (let k = 1; node.tip < last; k++) {
      node.release(FIRST_TIP + k * step);
      if (k <= restarts) {
        // mid-stream: some of the released checkpoints are committed, not all
        const from = ing.position.checkpoint ?? 0n;
        await until(ing, () => (ing.position.checkpoint ?? 0n) > from, "a commit after the release");
        at.push(ing.position.checkpoint ?? -1n);
        await node.restart(50 + k * 20);
      }
    }
    await until(ing, () => ing.position.checkpoint === last, `checkpoint ${last}`);
  } finally {
    off();
    ac.abort();
    await run;
  }
  return { node, at, errors };
}

describe.each(["pglite", "postgres"] as const)("ingestion by checkpoint on %s", (backend: Backend) => {
  it.skipIf(backend === "postgres" && !pgAvailable)(
    "node restarted 4 times mid-stream: tables equal an uninterrupted run, watermark at the last checkpoint",
    async () => {
      const clean = await openTestStorage(backend, pgUrl);
      const cut = await openTestStorage(backend, pgUrl);
      try {
        const a = await ingest(clean, 0);
        await a.node.close();
        const b = await ingest(cut, 4);
        await b.node.close();
        expect(b.node.checkpoints).toBeGreaterThan(1500);
        // each restart landed before the end, at a different point, and the stream was reopened
        expect(b.at).toHaveLength(4);
        expect(new Set(b.at).size).toBe(4);
        for (const c of b.at) expect(c).toBeLessThan(BigInt(b.node.checkpoints - 1));
        expect(b.node.subscriptions).toBeGreaterThanOrEqual(5);
        const [x, y] = [await dump(clean), await dump(cut)];
        expect(y.raw_events).toHaveLength(events.length);
        for (const t of Object.keys(x)) expect(y[t], t).toEqual(x[t]);
        const w = await readCursor(cut.db);
        expect(w?.checkpointHi).toBe(BigInt(b.node.checkpoints - 1));
        expect(w?.events).toBe(BigInt(events.length));
        // events after the first tip came from checkpoints: they carry its number and timestamp
        const [row] = await cut.rows<{ n: string; ts: string }>(
          (await import("drizzle-orm"))
            .sql`select count(*)::text as n, count(timestamp_ms)::text as ts from raw_events where checkpoint > ${FIRST_TIP}`,
        );
        expect(Number(row!.n)).toBeGreaterThan(events.length - 100);
        expect(row!.ts).toBe(row!.n);
      } finally {
        await clean.close();
        await cut.close();
      }
    },
    600_000,
  );
});
