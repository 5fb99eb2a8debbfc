/**
 * `pnpm bench api` — `GET /v1/requests/:id` (a request with its samples, commits, reveals,
 * payouts, slashes, disputes, outputs and outcome) on real PostgreSQL and on PGlite, each against
 * a bare Fastify route measured in the same run (the peer: HTTP + Fastify with no database).
 * Figures per backend: throughput at saturation (10 connections) and p99 latency at a fixed
 * 1,000 req/s, against the bare route and against the database floor (a route doing one
 * `SELECT 1` through the same pool: what any query costs), for the API reading the database on
 * every request and for the API as `indexer run` serves it (details cached until the ingester's
 * next commit; the bench ingests nothing meanwhile, so that figure is the cache-hit path). Targets (issue 17): ≥ 5,000 req/s and p99 < 5 ms at 1,000 req/s on PostgreSQL.
 * The load generator runs in a worker thread (autocannon `workers: 1`), not on the server's loop.
 * `API_BENCH_SECONDS` (default 5) per run; `API_BENCH_SRC` = another indexer src folder to measure
 * (e.g. an older commit's, for before/after figures).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { sql } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { startPgCluster } from "../../test/setup/pg-cluster.js";
import type { buildApi as BuildApi } from "../src/api.js";
import { openStorage, type Storage } from "../src/db.js";
import { hexId, longStream } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import { freshDatabase } from "../test/helpers.js";

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
  workers?: number;
  overallRate?: number;
}) => Promise<CannonResult>;

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 5);
const src = process.env.API_BENCH_SRC ? path.resolve(process.env.API_BENCH_SRC) : "../src";
const { buildApi } = (await import(`${src}/api.ts`)) as { buildApi: typeof BuildApi };
const REQUESTS = 1000;
const detailPath = `/v1/requests/${hexId(7, 500)}`;

const load = (url: string, rate?: number) =>
  autocannon({ url, connections: 10, duration: SECONDS, workers: 1, ...(rate ? { overallRate: rate } : {}) });
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

async function measure(kind: "postgres" | "pglite", storage: Storage): Promise<void> {
  const events = longStream(REQUESTS, 32);
  for (let i = 0; i < events.length; i += 2000) await applyBatch(storage.db, events.slice(i, i + 2000), String(i));
  const api = await buildApi({ storage, rateLimit: false });
  // As `indexer run` serves it: with the in-process ingester's onCommit, details are kept in
  // memory until the next commit (no ingest runs during the bench, so every read after the first hits).
  const cachedApi = await buildApi({ storage, rateLimit: false, onCommit: () => () => {} });
  const bare: FastifyInstance = Fastify();
  bare.get("/bare", async () => ({ items: [], nextCursor: null }));
  // The database floor: one `SELECT 1` through the same storage (same pool) per request, no JSON.
  bare.get("/floor", async () => {
    await storage.rows(sql`select 1`);
    return { items: [], nextCursor: null };
  });
  const apiUrl = await api.listen({ port: 0, host: "127.0.0.1" });
  const bareUrl = await bare.listen({ port: 0, host: "127.0.0.1" });
  const cachedUrl = await cachedApi.listen({ port: 0, host: "127.0.0.1" });
  try {
    const probe = await fetch(`${apiUrl}${detailPath}`);
    if (probe.status !== 200) throw new Error(`${detailPath}: HTTP ${probe.status} ${await probe.text()}`);
    await load(`${apiUrl}${detailPath}`); // warm-up: prepared statements, JIT, pool
    const peerMax = await load(`${bareUrl}/bare`);
    const floorMax = await load(`${bareUrl}/floor`);
    const max = await load(`${apiUrl}${detailPath}`);
    const peerAt = await load(`${bareUrl}/bare`, 1000);
    const floorAt = await load(`${bareUrl}/floor`, 1000);
    const at = await load(`${apiUrl}${detailPath}`, 1000);
    const cachedMax = await load(`${cachedUrl}${detailPath}`);
    const cachedAt = await load(`${cachedUrl}${detailPath}`, 1000);
    const bad =
      max.non2xx +
      max.errors +
      at.non2xx +
      at.errors +
      floorMax.non2xx +
      floorMax.errors +
      cachedMax.non2xx +
      cachedMax.errors;
    console.log(
      `${kind}: GET /v1/requests/:id  saturated (10 conn): ${Math.round(max.requests.average)} req/s, p50 ${max.latency.p50} ms, p99 ${max.latency.p99} ms` +
        ` | bare route ${Math.round(peerMax.requests.average)} req/s, p99 ${peerMax.latency.p99} ms`,
    );
    console.log(
      `${kind}: at 1,000 req/s: p50 ${at.latency.p50} ms, p99 ${at.latency.p99} ms (${Math.round(at.requests.average)} req/s served)` +
        ` | bare route p99 ${peerAt.latency.p99} ms; non-2xx/errors ${bad}`,
    );
    console.log(
      `${kind}: floor (a route doing one SELECT 1 through the same pool): ${Math.round(floorMax.requests.average)} req/s saturated, p99 ${floorMax.latency.p99} ms;` +
        ` at 1,000 req/s p99 ${floorAt.latency.p99} ms`,
    );
    console.log(
      `${kind}: with the ingester's cache (indexer run): ${Math.round(cachedMax.requests.average)} req/s saturated, p99 ${cachedMax.latency.p99} ms;` +
        ` at 1,000 req/s p99 ${cachedAt.latency.p99} ms`,
    );
    const rps = Math.round(max.requests.average);
    const peerRps = Math.round(peerMax.requests.average);
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id throughput, ${kind}`,
      value: rps,
      unit: "req/s",
      peer: "bare Fastify route, same run",
      peerValue: peerRps,
      ratio: Number((rps / peerRps).toFixed(3)),
      target: ">= 5000 req/s",
      met: rps >= 5000 && bad === 0,
    });
    const floorRps = Math.round(floorMax.requests.average);
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id throughput vs the database floor, ${kind}`,
      value: rps,
      unit: "req/s",
      peer: "SELECT 1 through the same pool per request (Fastify route, same run, same 10 connections)",
      peerValue: floorRps,
      ratio: Number((rps / floorRps).toFixed(3)),
      target: ">= 5000 req/s",
      met: rps >= 5000 && bad === 0,
    });
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id p99 at 1000 req/s, ${kind}`,
      value: at.latency.p99,
      unit: "ms",
      peer: "bare Fastify route at 1000 req/s, same run",
      peerValue: peerAt.latency.p99,
      ratio: Number((at.latency.p99 / Math.max(peerAt.latency.p99, 1)).toFixed(3)),
      target: "< 5 ms",
      met: at.latency.p99 < 5 && at.requests.average >= 950 && bad === 0,
    });
    const cachedRps = Math.round(cachedMax.requests.average);
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id throughput with the ingester's cache (same id, no ingest), ${kind}`,
      value: cachedRps,
      unit: "req/s",
      peer: "bare Fastify route, same run",
      peerValue: peerRps,
      ratio: Number((cachedRps / peerRps).toFixed(3)),
      target: ">= 5000 req/s",
      met: cachedRps >= 5000 && bad === 0,
    });
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id p99 at 1000 req/s with the ingester's cache, ${kind}`,
      value: cachedAt.latency.p99,
      unit: "ms",
      peer: "bare Fastify route at 1000 req/s, same run",
      peerValue: peerAt.latency.p99,
      ratio: Number((cachedAt.latency.p99 / Math.max(peerAt.latency.p99, 1)).toFixed(3)),
      target: "< 5 ms",
      met: cachedAt.latency.p99 < 5 && cachedAt.requests.average >= 950 && bad === 0,
    });
  } finally {
    await cachedApi.close();
    await api.close();
    await bare.close();
  }
}

const cluster = await startPgCluster();
try {
  if (cluster.unavailable) console.log(`postgres part skipped: ${cluster.unavailable}`);
  else {
    const db = await freshDatabase(cluster.url);
    const pg = await openStorage({ databaseUrl: db.url });
    try {
      await measure("postgres", pg);
    } finally {
      await pg.close();
      await db.drop();
    }
  }
  const lite = await openStorage({});
  try {
    await measure("pglite", lite);
  } finally {
    await lite.close();
  }
} finally {
  cluster.stop();
}
