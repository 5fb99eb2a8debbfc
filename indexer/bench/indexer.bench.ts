/**
 * pnpm bench indexer: (1) bulk ingest events/s into PostgreSQL (batched transactions, multi-row
 * inserts) vs a row-by-row baseline (one event per transaction) in the same run; (2) API latency
 * p50/p99 under load (autocannon) vs a bare Fastify route in the same run.
 * Targets: ≥ 20 000 events/s and ≥ 10× the baseline. With INDEXER_BENCH_BEFORE (below), also the
 * bulk rate of this source against an older one in the same run (what a change costs ingestion).
 */
import { createRequire } from "node:module";
import path from "node:path";
import Fastify from "fastify";
import { startPgCluster } from "../../test/setup/pg-cluster.js";
import { buildApi } from "../src/api.js";
import { openStorage } from "../src/db.js";
import { longStream } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import { freshDatabase } from "../test/helpers.js";

/** What a bulk pass needs from an indexer source tree. */
interface Impl {
  openStorage: typeof openStorage;
  applyBatch: typeof applyBatch;
}
const current: Impl = { openStorage, applyBatch };
// INDEXER_BENCH_BEFORE=<folder with an older indexer's src/ and drizzle/> (e.g. `git archive <commit>
// indexer/src indexer/drizzle`, with a node_modules link to indexer/node_modules): bulk ingest of
// both, alternating, in the same run.
const beforeDir = process.env.INDEXER_BENCH_BEFORE ? path.resolve(process.env.INDEXER_BENCH_BEFORE) : undefined;
const before: Impl | undefined = beforeDir
  ? {
      openStorage: ((await import(`${beforeDir}/src/db.ts`)) as Impl).openStorage,
      applyBatch: ((await import(`${beforeDir}/src/ingest.ts`)) as Impl).applyBatch,
    }
  : undefined;

interface CannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (o: {
  url: string;
  connections: number;
  duration: number;
}) => Promise<CannonResult>;

const cluster = await startPgCluster();
if (cluster.unavailable) {
  console.log(`indexer bench skipped: ${cluster.unavailable}`);
  process.exit(0);
}
const dbA = await freshDatabase(cluster.url);
const dbB = await freshDatabase(cluster.url);
const extra: { drop(): Promise<void> }[] = [];
try {
  const events = longStream(3000, 32); // 36 032 events
  const BATCH = 2000;
  /** One bulk pass into a fresh database: events/s (the first batch includes the node registrations). */
  const pass = async (impl: Impl): Promise<number> => {
    const db = await freshDatabase(cluster.url);
    extra.push(db);
    const st = await impl.openStorage({ databaseUrl: db.url });
    try {
      const t = performance.now();
      for (let i = 0; i < events.length; i += BATCH)
        await impl.applyBatch(st.db, events.slice(i, i + BATCH), String(Math.min(i + BATCH, events.length) - 1));
      return events.length / ((performance.now() - t) / 1000);
    } finally {
      await st.close();
    }
  };
  if (before) {
    // this source against an older one (INDEXER_BENCH_BEFORE), passes alternating: after, before, before, after
    const rates = { after: [] as number[], before: [] as number[] };
    for (const k of ["after", "before", "before", "after"] as const)
      rates[k].push(await pass(k === "after" ? current : before));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [a, b] = [mean(rates.after), mean(rates.before)];
    const msPerBatch = (BATCH / a - BATCH / b) * 1000;
    console.log(
      `bulk ingest, this source: ${rates.after.map(Math.round).join(", ")} events/s; before (${beforeDir}): ${rates.before.map(Math.round).join(", ")} events/s` +
        ` → ${(a / b).toFixed(3)}×, ${msPerBatch.toFixed(1)} ms more per batch of ${BATCH} events`,
    );
    console.log(
      JSON.stringify({
        bench: "indexer/ingest",
        figure: `bulk ingest events/s, batches of ${BATCH} (mean of 2 passes, alternating)`,
        value: Math.round(a),
        unit: "events/s",
        peer: `the indexer source in ${beforeDir}, same run, same events`,
        peerValue: Math.round(b),
        ratio: Number((a / b).toFixed(3)),
        target: ">= 20000 events/s",
        met: a >= 20_000,
      }),
    );
  }
  const bulk = await openStorage({ databaseUrl: dbA.url });
  // warm-up not counted: nothing (first batch includes the node registrations)
  let t0 = performance.now();
  for (let i = 0; i < events.length; i += BATCH)
    await applyBatch(bulk.db, events.slice(i, i + BATCH), String(Math.min(i + BATCH, events.length) - 1));
  const bulkSecs = (performance.now() - t0) / 1000;
  const bulkRate = events.length / bulkSecs;

  const rowByRow = await openStorage({ databaseUrl: dbB.url });
  const N = 3000;
  t0 = performance.now();
  for (let i = 0; i < N; i++) await applyBatch(rowByRow.db, [events[i]!], String(i));
  const rowRate = N / ((performance.now() - t0) / 1000);
  await rowByRow.close();

  console.log(`bulk ingest (batches of ${BATCH}, ${events.length} events): ${Math.round(bulkRate)} events/s`);
  console.log(`row-by-row baseline (1 event per transaction, ${N} events): ${Math.round(rowRate)} events/s`);
  console.log(
    `ratio: ${(bulkRate / rowRate).toFixed(1)}× (target ≥ 10×); absolute ${bulkRate >= 20_000 ? "meets" : "MISSES"} ≥ 20 000 events/s`,
  );

  // API latency under load vs a bare Fastify route
  const api = await buildApi({ storage: bulk, rateLimit: false });
  const apiUrl = await api.listen({ port: 0, host: "127.0.0.1" });
  const bare = Fastify();
  bare.get("/bare", async () => ({ items: [], nextCursor: null }));
  const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });
  const duration = Number(process.env.BENCH_SECONDS ?? 5);
  const runs: [string, string][] = [
    ["bare Fastify route", `${bareUrl}/bare`],
    ["GET /v1/requests?limit=20", `${apiUrl}/v1/requests?limit=20`],
    ["GET /v1/requests/:id", `${apiUrl}/v1/requests/0x07${"0".repeat(59)}abc`],
    ["GET /v1/stats", `${apiUrl}/v1/stats`],
  ];
  let base: CannonResult | undefined;
  for (const [name, url] of runs) {
    const r = await autocannon({ url, connections: 10, duration });
    base ??= r;
    console.log(
      `${name}: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s` +
        ` (p50 ×${(r.latency.p50 / Math.max(base.latency.p50, 1)).toFixed(1)}, p99 ×${(r.latency.p99 / Math.max(base.latency.p99, 1)).toFixed(1)} vs bare; non-2xx ${r.non2xx}, errors ${r.errors})`,
    );
  }
  await api.close();
  await bare.close();
  await bulk.close();
} finally {
  await dbA.drop();
  await dbB.drop();
  for (const db of extra) await db.drop();
  cluster.stop();
}
