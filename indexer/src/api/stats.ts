/** `/v1/stats` (network totals, latency percentiles, top nodes) and `/v1/timeseries` (the explorer's charts). */
import { Type } from "@fastify/type-provider-typebox";
import { type SQL, sql } from "drizzle-orm";
import type { ResourcePlugin } from "./plugin.js";
import { int, shape } from "./query.js";
import { errors, nullable, strict } from "./schemas.js";

export const statsPlugin: ResourcePlugin = async (app, { q }) => {
  const StatsT = Type.Object({
    events: Type.String(),
    deadLetters: Type.String(),
    nodes: Type.String(),
    requestsByStatus: Type.Record(Type.String(), Type.String()),
    settlementLatencyMs: Type.Object({
      count: Type.String(),
      p50: nullable(Type.Number()),
      p90: nullable(Type.Number()),
      p99: nullable(Type.Number()),
    }),
    slashes: Type.Object({ count: Type.String(), total: Type.String() }),
    topNodes: Type.Array(
      Type.Object({
        nodeId: Type.String(),
        paidTotal: Type.String(),
        reveals: Type.String(),
        stake: nullable(Type.String()),
      }),
    ),
  });
  app.get(
    "/v1/stats",
    {
      schema: {
        querystring: strict({ top: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        response: { 200: StatsT, ...errors },
      },
    },
    async (req) => {
      const top = int(req.query.top, "top", 1, 100, 10);
      const [byStatus, lat, sl, topNodes, counts] = await Promise.all([
        q<{ status: string | null; n: string }>(sql`select status, count(*)::text as n from requests group by status`),
        q<{
          count: string;
          p50: number | null;
          p90: number | null;
          p99: number | null;
        }>(sql`select count(*)::text as count,
          percentile_cont(0.5) within group (order by (settled_ms - created_ms)) as p50,
          percentile_cont(0.9) within group (order by (settled_ms - created_ms)) as p90,
          percentile_cont(0.99) within group (order by (settled_ms - created_ms)) as p99
          from requests where status = 'settled' and settled_ms is not null and created_ms is not null`),
        q<{ count: string; total: string }>(
          sql`select count(*)::text as count, coalesce(sum(amount), 0)::text as total from slashes`,
        ),
        q(
          sql`select node_id, paid_total, reveals, stake from nodes order by paid_total desc nulls last, node_id limit ${top}`,
        ),
        q<{ events: string; dead: string; nodes: string }>(sql`select (select count(*) from raw_events)::text as events,
          (select count(*) from dead_letters)::text as dead, (select count(*) from nodes)::text as nodes`),
      ]);
      const l = lat[0]!;
      // Percentiles are interpolated: whole milliseconds are the precision that means something.
      const num = (x: number | string | null) => (x === null ? null : Math.round(Number(x)));
      return {
        events: counts[0]!.events,
        deadLetters: counts[0]!.dead,
        nodes: counts[0]!.nodes,
        requestsByStatus: Object.fromEntries(byStatus.map((r) => [r.status ?? "unknown", r.n])),
        settlementLatencyMs: { count: l.count, p50: num(l.p50), p90: num(l.p90), p99: num(l.p99) },
        slashes: sl[0]!,
        topNodes: topNodes.map((r) => {
          const s = shape<{ nodeId: string; paidTotal: string | null; reveals: string | null; stake: string | null }>(
            r,
          );
          return { nodeId: s.nodeId, paidTotal: s.paidTotal ?? "0", reveals: s.reveals ?? "0", stake: s.stake ?? null };
        }),
      };
    },
  );

  // ---- time series for the explorer's charts ----
  const TimeseriesT = Type.Object({
    bucketMs: Type.Integer(),
    fromMs: Type.String(),
    toMs: Type.String(),
    buckets: Type.Array(
      Type.Object({
        startMs: Type.String(),
        created: Type.Integer(),
        settled: Type.Integer(),
        failed: Type.Integer(),
        latencyP50Ms: nullable(Type.Number()),
        slashes: Type.Integer(),
        slashedAmount: Type.String(),
      }),
    ),
  });
  app.get(
    "/v1/timeseries",
    {
      schema: {
        description:
          "Requests created / settled / failed, median settlement latency and slashes per time bucket (chain clock), ending at the latest event",
        querystring: strict({
          bucketMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 60_000 })),
          buckets: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 30 })),
          toMs: Type.Optional(
            Type.String({
              pattern: "^[0-9]{1,18}$",
              description: "last instant to include (default: the latest event)",
            }),
          ),
        }),
        response: { 200: TimeseriesT, ...errors },
      },
    },
    async (req) => {
      const bucketMs = int(req.query.bucketMs, "bucketMs", 1000, 86_400_000, 60_000);
      const n = int(req.query.buckets, "buckets", 1, 500, 30);
      const [latest] = await q<{ t: string | null }>(sql`select greatest(
          (select max(created_ms) from requests), (select max(settled_ms) from requests),
          (select max(timestamp_ms) from raw_events))::text as t`);
      const last = BigInt(req.query.toMs ?? latest?.t ?? "0");
      const toMs = (last / BigInt(bucketMs) + 1n) * BigInt(bucketMs);
      const fromMs = toMs - BigInt(bucketMs) * BigInt(n);
      const b = (col: SQL) => sql`floor((${col} - ${fromMs.toString()}::bigint) / ${bucketMs}::float8)::int`;
      const [created, settled, slashed] = await Promise.all([
        q<{ b: number; n: number }>(
          sql`select ${b(sql`created_ms`)} as b, count(*)::int as n from requests where created_ms >= ${fromMs.toString()}::bigint group by 1`,
        ),
        q<{ b: number; settled: number; failed: number; p50: number | null }>(
          sql`select ${b(sql`settled_ms`)} as b, count(*) filter (where status = 'settled')::int as settled,
            count(*) filter (where status = 'failed')::int as failed,
            percentile_cont(0.5) within group (order by (settled_ms - created_ms)) filter (where status = 'settled' and created_ms is not null) as p50
            from requests where settled_ms >= ${fromMs.toString()}::bigint and status in ('settled', 'failed') group by 1`,
        ),
        q<{ b: number; n: number; amount: string }>(
          // Slashes happen while settling (or escalating) a request: counted at the request's settlement
          // time (the same Move clock as the other series), else at the event's checkpoint time.
          sql`select ${b(sql`coalesce(q.settled_ms, r.timestamp_ms)`)} as b, count(*)::int as n, sum(s.amount)::text as amount
            from slashes s join raw_events r using (tx_digest, event_seq) left join requests q on q.request_id = s.request_id
            where coalesce(q.settled_ms, r.timestamp_ms) >= ${fromMs.toString()}::bigint group by 1`,
        ),
      ]);
      const buckets = Array.from({ length: n }, (_, i) => ({
        startMs: (fromMs + BigInt(i) * BigInt(bucketMs)).toString(),
        created: 0,
        settled: 0,
        failed: 0,
        latencyP50Ms: null as number | null,
        slashes: 0,
        slashedAmount: "0",
      }));
      const at = (i: number) => (i >= 0 && i < n ? buckets[i] : undefined);
      for (const r of created) {
        const x = at(Number(r.b));
        if (x) x.created = Number(r.n);
      }
      for (const r of settled) {
        const x = at(Number(r.b));
        if (!x) continue;
        x.settled = Number(r.settled);
        x.failed = Number(r.failed);
        x.latencyP50Ms = r.p50 === null ? null : Number(r.p50);
      }
      for (const r of slashed) {
        const x = at(Number(r.b));
        if (!x) continue;
        x.slashes = Number(r.n);
        x.slashedAmount = r.amount;
      }
      return { bucketMs, fromMs: fromMs.toString(), toMs: toMs.toString(), buckets };
    },
  );
};
