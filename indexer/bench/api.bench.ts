/**
 * `pnpm bench api` — `GET /v1/requests/:id` (a request with its samples, commits, reveals,
 * payouts, slashes, disputes, outputs and outcome) on real PostgreSQL and on PGlite, each against
 * a bare Fastify route measured in the same run (the peer: HTTP + Fastify with no database) and
 * the database floor (a route doing one `SELECT 1` through the same pool: what any query costs).
 * Two APIs: reading the database on every request, and as `indexer run` serves it (serialized
 * details kept until the ingester's next commit; the bench ingests nothing meanwhile, so that one
 * measures the cache-hit path). Per backend and API: throughput and p50/p99 at saturation (10
 * connections, autocannon, closed loop) and p50/p99 at a fixed 1,000 req/s (open loop: each
 * request is due at its slot and its latency counts from then; see load.mjs for why not
 * autocannon's rate option). Targets (issue 17): ≥ 5,000 req/s and p99 < 5 ms at 1,000 req/s on
 * PostgreSQL.
 * The load generator is a child process (load.mjs), not a thread of the server's process; it
 * reports its own CPU per request (on a 2-core machine it still competes with the server).
 * `API_BENCH_SECONDS` (default 5) per run; `API_BENCH_SRC` = another indexer src folder to measure
 * (e.g. an older commit's, for before/after figures).
 */
import { fork } from "node:child_process";
import path from "node:path";
import { sql } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { startPgCluster } from "../../test/setup/pg-cluster.js";
import type { buildApi as BuildApi } from "../src/api.js";
import { openStorage, type Storage } from "../src/db.js";
import { hexId, longStream } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
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
const detailPath = `/v1/requests/${hexId(7, 500)}`;

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
  const apiUrl = `${await api.listen({ port: 0, host: "127.0.0.1" })}${detailPath}`;
  const cachedUrl = `${await cachedApi.listen({ port: 0, host: "127.0.0.1" })}${detailPath}`;
  const bareBase = await bare.listen({ port: 0, host: "127.0.0.1" });
  try {
    const probe = await fetch(apiUrl);
    if (probe.status !== 200) throw new Error(`${detailPath}: HTTP ${probe.status} ${await probe.text()}`);
    const cachedProbe = await fetch(cachedUrl);
    if ((await cachedProbe.text()) !== (await (await fetch(apiUrl)).text()))
      throw new Error(`${detailPath}: the cached API sends other bytes than the database path`);
    await load(apiUrl); // warm-up: prepared statements, JIT, pool
    await load(cachedUrl);
    const runs = {
      detail: { max: await load(apiUrl), at: await load(apiUrl, RATE) },
      cached: { max: await load(cachedUrl), at: await load(cachedUrl, RATE) },
      bare: { max: await load(`${bareBase}/bare`), at: await load(`${bareBase}/bare`, RATE) },
      floor: { max: await load(`${bareBase}/floor`), at: await load(`${bareBase}/floor`, RATE) },
    };
    const bad = Object.values(runs).reduce((n, r) => n + r.max.non2xx + r.max.errors + r.at.non2xx + r.at.errors, 0);
    const names = {
      detail: "GET /v1/requests/:id, database every request",
      cached: "GET /v1/requests/:id, ingester's cache (indexer run)",
      bare: "bare Fastify route (peer)",
      floor: "SELECT 1 through the same pool (DB floor)",
    } as const;
    console.log(
      `${kind}: ${CONNECTIONS} connections saturated | fixed ${RATE} req/s (open loop, latency from when each request was due)`,
    );
    for (const [k, r] of Object.entries(runs) as [keyof typeof runs, (typeof runs)["bare"]][])
      console.log(
        `  ${names[k].padEnd(54)} ${String(Math.round(r.max.rps)).padStart(6)} req/s  p50 ${ms(r.max.p50)} p99 ${ms(r.max.p99)} ms` +
          ` | at ${RATE}/s: p50 ${ms(r.at.p50)} p99 ${ms(r.at.p99)} max ${ms(r.at.max)} ms (${Math.round(r.at.rps)} served)`,
      );
    const gen = runs.bare.max;
    console.log(
      `  load generator (child process, its own CPU): ${gen.cpuUsPerReq.toFixed(0)} µs CPU per request saturated` +
        ` (${((gen.cpuUsPerReq * gen.rps) / 1e4).toFixed(0)} % of a core at the bare route's rate),` +
        ` ${runs.bare.at.cpuUsPerReq.toFixed(0)} µs per request at ${RATE}/s; non-2xx/errors ${bad}`,
    );
    const peerRps = Math.round(runs.bare.max.rps);
    const floorRps = Math.round(runs.floor.max.rps);
    for (const k of ["detail", "cached"] as const) {
      const r = runs[k];
      const rps = Math.round(r.max.rps);
      const what = k === "detail" ? "database every request" : "ingester's cache, same id, no ingest";
      line({
        bench: "indexer/api",
        figure: `GET /v1/requests/:id throughput (${what}), ${kind}`,
        value: rps,
        unit: "req/s",
        peer: `bare Fastify route, same run, same ${CONNECTIONS} connections`,
        peerValue: peerRps,
        ratio: Number((rps / peerRps).toFixed(3)),
        target: ">= 5000 req/s",
        met: rps >= 5000 && bad === 0,
      });
      line({
        bench: "indexer/api",
        figure: `GET /v1/requests/:id throughput vs the database floor (${what}), ${kind}`,
        value: rps,
        unit: "req/s",
        peer: `SELECT 1 through the same pool per request (Fastify route, same run, same ${CONNECTIONS} connections)`,
        peerValue: floorRps,
        ratio: Number((rps / floorRps).toFixed(3)),
        target: ">= 5000 req/s",
        met: rps >= 5000 && bad === 0,
      });
      line({
        bench: "indexer/api",
        figure: `GET /v1/requests/:id p50 saturated (${what}; autocannon's whole milliseconds), ${kind}`,
        value: r.max.p50,
        unit: "ms",
        peer: "bare Fastify route saturated, same run (ratio against at least 1 ms, the resolution)",
        peerValue: runs.bare.max.p50,
        ratio: Number((r.max.p50 / Math.max(runs.bare.max.p50, 1)).toFixed(3)),
        target: "none (reported)",
        met: true,
      });
      line({
        bench: "indexer/api",
        figure: `GET /v1/requests/:id p99 at ${RATE} req/s (${what}), ${kind}`,
        value: Number(r.at.p99.toFixed(3)),
        unit: "ms",
        peer: `bare Fastify route at ${RATE} req/s, same run`,
        peerValue: Number(runs.bare.at.p99.toFixed(3)),
        ratio: Number((r.at.p99 / Math.max(runs.bare.at.p99, 0.01)).toFixed(3)),
        target: "< 5 ms",
        met: r.at.p99 < 5 && r.at.rps >= RATE * 0.95 && bad === 0,
      });
    }
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
  generator.disconnect();
}
