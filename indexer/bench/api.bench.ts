/**
 * `pnpm bench api` — `GET /v1/requests/:id` (a request with its samples, commits, reveals,
 * payouts, slashes, disputes, outputs and outcome) on real PostgreSQL and on PGlite, each against
 * a bare Fastify route measured in the same run (the peer: HTTP + Fastify with no database) and
 * the database floor (a route doing one `SELECT 1` through the same pool: what any query costs).
 * Routes: the API reading its read model (`request_details`, one row by primary key) on every
 * request; as `indexer run` serves it (those bytes kept until the ingester's next commit; the
 * bench ingests nothing meanwhile, so that one measures the cache-hit path); the read-time
 * aggregation the route did before the read model (same query, same serializer: the "before" of
 * the same run); and the stored row read as text and as bytea (which column type serves faster).
 * Throughput and p50/p99 at saturation (10 connections, autocannon, closed loop) and p50/p99 at a
 * fixed 1,000 req/s (open loop: each request is due at its slot and its latency counts from then;
 * see load.mjs for why not autocannon's rate option). On PostgreSQL `API_BENCH_ROUNDS` (default 2)
 * rounds, each route in every round, the order reversed every other round, so load changes on the
 * shared machine fall on all routes alike; one JSON line per figure and round. Targets (issue 17):
 * ≥ 5,000 req/s and p99 < 5 ms at 1,000 req/s on PostgreSQL.
 * The load generator is a child process (load.mjs), not a thread of the server's process; it
 * reports its own CPU per request (on a 2-core machine it still competes with the server).
 * `API_BENCH_SECONDS` (default 5) per run; `API_BENCH_SRC` = another indexer src folder to measure
 * (e.g. an older commit's, for before/after figures).
 */
import { fork } from "node:child_process";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { startPgCluster } from "../../test/setup/pg-cluster.js";
import type { buildApi as BuildApi } from "../src/api.js";
import { openStorage, type Storage } from "../src/db.js";
import { hexId, longStream } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import { type Detail, detailDocument, entityTag, serializeDetail } from "../src/request-details.js";
import * as s from "../src/schema.js";
import { freshDatabase } from "../test/helpers.js";

/** One run's figures, from the load generator (load.mjs): latencies in ms. */
interface Load {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  sent: number;
  non2xx: number;
  errors: number;
  /** The generator's own CPU time per response (µs), in its own process. */
  cpuUsPerReq: number;
}

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const RATE = 1000;
const src = process.env.API_BENCH_SRC ? path.resolve(process.env.API_BENCH_SRC) : "../src";
const { buildApi } = (await import(`${src}/api.ts`)) as { buildApi: typeof BuildApi };
const REQUESTS = 1000;
const detailId = hexId(7, 500);
const detailPath = `/v1/requests/${detailId}`;
const ROUNDS = Number(process.env.API_BENCH_ROUNDS ?? 2);

// The load generator is a child process (not a thread of this one), started once for every run.
const generator = fork(new URL("./load.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
let queue: Promise<unknown> = Promise.resolve();
function load(url: string, rate?: number): Promise<Load> {
  const run = queue.then(
    () =>
      new Promise<Load>((resolve, reject) => {
        generator.once("message", (m: { ok: boolean; result?: Load; error?: string }) =>
          m.ok && m.result ? resolve(m.result) : reject(new Error(`load generator: ${m.error}`)),
        );
        generator.send(
          rate
            ? { mode: "rate", url, rate, connections: CONNECTIONS, seconds: SECONDS }
            : { mode: "max", url, connections: CONNECTIONS, seconds: SECONDS },
        );
      }),
  );
  queue = run.catch(() => {});
  return run;
}
const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** A route's runs: saturated, and at the fixed rate when measured. */
interface Runs {
  max: Load;
  at?: Load;
}

async function measure(kind: "postgres" | "pglite", storage: Storage, rounds: number): Promise<void> {
  const events = longStream(REQUESTS, 32);
  for (let i = 0; i < events.length; i += 2000) await applyBatch(storage.db, events.slice(i, i + 2000), String(i));
  // The read model: one row of request_details by primary key per request.
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
  // Before the read model: the detail aggregated by the database on every request (nine
  // json_agg sub-plans), serialized and tagged as the route did (the same query, the same serializer).
  const aggregate = storage.db
    .select({ doc: sql<Detail>`${detailDocument}` })
    .from(s.requests)
    .where(eq(s.requests.requestId, sql.placeholder("id")))
    .prepare("bench_aggregate");
  bare.get("/aggregate", async (_req, reply) => {
    const doc = (await aggregate.execute({ id: detailId }))[0]!.doc;
    const body = serializeDetail(doc);
    reply.header("etag", entityTag(body)).type("application/json; charset=utf-8");
    return body;
  });
  // The stored document as text (what the API does) and as bytea (convert_to), same route shape.
  const asText = storage.db
    .select({ body: s.requestDetails.body, etag: s.requestDetails.etag })
    .from(s.requestDetails)
    .where(eq(s.requestDetails.requestId, sql.placeholder("id")))
    .prepare("bench_text");
  const asBytes = storage.db
    .select({ body: sql<Uint8Array>`convert_to(${s.requestDetails.body}, 'UTF8')`, etag: s.requestDetails.etag })
    .from(s.requestDetails)
    .where(eq(s.requestDetails.requestId, sql.placeholder("id")))
    .prepare("bench_bytea");
  bare.get("/text", async (_req, reply) => {
    const r = (await asText.execute({ id: detailId }))[0]!;
    reply.header("etag", r.etag).type("application/json; charset=utf-8");
    return r.body;
  });
  bare.get("/bytea", async (_req, reply) => {
    const r = (await asBytes.execute({ id: detailId }))[0]!;
    reply.header("etag", r.etag).type("application/json; charset=utf-8");
    return Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  });
  const apiUrl = `${await api.listen({ port: 0, host: "127.0.0.1" })}${detailPath}`;
  const cachedUrl = `${await cachedApi.listen({ port: 0, host: "127.0.0.1" })}${detailPath}`;
  const bareBase = await bare.listen({ port: 0, host: "127.0.0.1" });
  const urls = {
    detail: apiUrl,
    floor: `${bareBase}/floor`,
    bare: `${bareBase}/bare`,
    aggregate: `${bareBase}/aggregate`,
    cached: cachedUrl,
    text: `${bareBase}/text`,
    bytea: `${bareBase}/bytea`,
  } as const;
  type Route = keyof typeof urls;
  const names: Record<Route, string> = {
    detail: "GET /v1/requests/:id, read model (database every request)",
    floor: "SELECT 1 through the same pool (DB floor)",
    bare: "bare Fastify route (peer)",
    aggregate: "read-time aggregation (before: 9 json_agg sub-plans)",
    cached: "GET /v1/requests/:id, ingester's cache (indexer run)",
    text: "stored document as text, bare route",
    bytea: "stored document as bytea, bare route",
  };
  /** Routes also measured at the fixed rate (text/bytea only compare the column type, saturated). */
  const atRate: readonly Route[] = ["detail", "floor", "bare", "aggregate", "cached"];
  try {
    const bodies = await Promise.all(
      Object.values(urls)
        .slice(3)
        .concat(apiUrl)
        .map((u) => fetch(u)),
    );
    const texts = await Promise.all(bodies.map((r) => r.text()));
    if (bodies.some((r) => r.status !== 200) || new Set(texts).size !== 1)
      throw new Error(`${detailPath}: the routes do not all send the same document (${bodies.map((r) => r.status)})`);
    for (const u of Object.values(urls)) await load(u); // warm-up: prepared statements, JIT, pool
    console.log(
      `${kind}: ${CONNECTIONS} connections saturated | fixed ${RATE} req/s (open loop, latency from when each request was due); ${rounds} round(s), the order alternating`,
    );
    for (let round = 1; round <= rounds; round++) {
      const order = Object.keys(urls) as Route[];
      if (round % 2 === 0) order.reverse();
      const runs = {} as Record<Route, Runs>;
      for (const k of order) runs[k] = { max: await load(urls[k]) };
      for (const k of order) if (atRate.includes(k)) runs[k].at = await load(urls[k], RATE);
      report(kind, round, runs, names);
    }
  } finally {
    await cachedApi.close();
    await api.close();
    await bare.close();
  }
}

function report(kind: string, round: number, runs: Record<string, Runs>, names: Record<string, string>): void {
  const all = Object.values(runs).flatMap((r) => (r.at ? [r.max, r.at] : [r.max]));
  const bad = all.reduce((n, r) => n + r.non2xx + r.errors, 0);
  console.log(`  round ${round}:`);
  for (const [k, r] of Object.entries(runs))
    console.log(
      `    ${names[k]!.padEnd(60)} ${String(Math.round(r.max.rps)).padStart(6)} req/s  p50 ${ms(r.max.p50)} p99 ${ms(r.max.p99)} ms` +
        (r.at
          ? ` | at ${RATE}/s: p50 ${ms(r.at.p50)} p99 ${ms(r.at.p99)} max ${ms(r.at.max)} ms (${Math.round(r.at.rps)} served)`
          : ""),
    );
  const bareRuns = runs.bare!;
  const gen = bareRuns.max;
  console.log(
    `    load generator (child process, its own CPU): ${gen.cpuUsPerReq.toFixed(0)} µs CPU per request saturated` +
      ` (${((gen.cpuUsPerReq * gen.rps) / 1e4).toFixed(0)} % of a core at the bare route's rate); non-2xx/errors ${bad}`,
  );
  const tag = `${kind}, round ${round}`;
  const rps = (k: string) => Math.round(runs[k]!.max.rps);
  const peerRps = rps("bare");
  const floorRps = rps("floor");
  const at = (k: string) => runs[k]!.at!;
  const figures: [string, string][] = [
    ["detail", "read model, database every request"],
    ["cached", "ingester's cache, same id, no ingest"],
    ["aggregate", "read-time aggregation, database every request (before)"],
  ];
  for (const [k, what] of figures) {
    const v = rps(k);
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id throughput (${what}), ${tag}`,
      value: v,
      unit: "req/s",
      peer: `bare Fastify route, same run, same ${CONNECTIONS} connections`,
      peerValue: peerRps,
      ratio: Number((v / peerRps).toFixed(3)),
      target: ">= 5000 req/s",
      met: v >= 5000 && bad === 0,
    });
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id throughput vs the database floor (${what}), ${tag}`,
      value: v,
      unit: "req/s",
      peer: `SELECT 1 through the same pool per request (Fastify route, same run, same ${CONNECTIONS} connections)`,
      peerValue: floorRps,
      ratio: Number((v / floorRps).toFixed(3)),
      target: ">= 5000 req/s",
      met: v >= 5000 && bad === 0,
    });
    for (const q of ["p50", "p99"] as const)
      line({
        bench: "indexer/api",
        figure: `GET /v1/requests/:id ${q} saturated (${what}; autocannon's whole milliseconds), ${tag}`,
        value: runs[k]!.max[q],
        unit: "ms",
        peer: "bare Fastify route saturated, same run (ratio against at least 1 ms, the resolution)",
        peerValue: bareRuns.max[q],
        ratio: Number((runs[k]!.max[q] / Math.max(bareRuns.max[q], 1)).toFixed(3)),
        target: "none (reported)",
        met: true,
      });
    line({
      bench: "indexer/api",
      figure: `GET /v1/requests/:id p99 at ${RATE} req/s (${what}), ${tag}`,
      value: Number(at(k).p99.toFixed(3)),
      unit: "ms",
      peer: `bare Fastify route at ${RATE} req/s, same run`,
      peerValue: Number(at("bare").p99.toFixed(3)),
      ratio: Number((at(k).p99 / Math.max(at("bare").p99, 0.01)).toFixed(3)),
      target: "< 5 ms",
      met: at(k).p99 < 5 && at(k).rps >= RATE * 0.95 && bad === 0,
    });
  }
  line({
    bench: "indexer/api",
    figure: `GET /v1/requests/:id throughput, read model vs read-time aggregation, ${tag}`,
    value: rps("detail"),
    unit: "req/s",
    peer: "the same document aggregated by the database per request (the route before the read model), same run",
    peerValue: rps("aggregate"),
    ratio: Number((rps("detail") / rps("aggregate")).toFixed(3)),
    target: "none (reported)",
    met: true,
  });
  line({
    bench: "indexer/api",
    figure: `stored detail read as a text column, bare route, ${tag}`,
    value: rps("text"),
    unit: "req/s",
    peer: "the same row read as bytea (convert_to), bare route, same run",
    peerValue: rps("bytea"),
    ratio: Number((rps("text") / rps("bytea")).toFixed(3)),
    target: "none (text chosen if ratio >= 1)",
    met: true,
  });
}

const cluster = await startPgCluster();
try {
  if (cluster.unavailable) console.log(`postgres part skipped: ${cluster.unavailable}`);
  else {
    const db = await freshDatabase(cluster.url);
    const pg = await openStorage({ databaseUrl: db.url });
    try {
      await measure("postgres", pg, ROUNDS);
    } finally {
      await pg.close();
      await db.drop();
    }
  }
  const lite = await openStorage({});
  try {
    await measure("pglite", lite, 1);
  } finally {
    await lite.close();
  }
} finally {
  cluster.stop();
  generator.disconnect();
}
