/**
 * The read API (Fastify 5 + TypeBox): nodes, requests, attestations, key rotations, disputes,
 * network stats; opaque cursor pagination; OpenAPI at /docs/json and UI at /docs; /health, /metrics.
 * Bad input is a 4xx `{ error, message, field? }`, never a 500.
 */

import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { blake2b256, bytesToHex } from "@atoma/sdk";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { type Static, type TSchema, Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { type SQL, sql } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Storage } from "./db.js";
import { readCursor } from "./ingest.js";
import { foldReputation } from "./reputation.js";

export interface ApiOptions {
  storage: Storage;
  registry?: Registry;
  /** Health details from the running ingester, when there is one. */
  health?: () => { caughtUp: boolean; lastError: string | null };
  logger?: Logger | false;
  /** Requests per minute per client (default 6000); false disables the limit. */
  rateLimit?: number | false;
  /**
   * Origins allowed by CORS (browser apps reading the API): a list of origins, or true for any.
   * Default: none (no CORS headers, so other sites' pages cannot read it). Only GET/HEAD are
   * ever allowed cross-origin: the API has no writes.
   */
  corsOrigin?: string[] | boolean;
  /** A chain client: enables `GET /v1/requests/:id/object` (the live Request object's BCS). */
  chain?: ClientWithCoreApi;
  /** The verifier's blob store (files named by blake2b-256 hex): enables `GET /v1/evidence/:hash`. */
  evidenceDir?: string;
  /** A built explorer bundle (index.html + assets), served at `/`. */
  explorerDir?: string;
  /** Subscribes to committed batches: enables the server-sent events of `GET /v1/stream`. */
  onCommit?: (listener: () => void) => () => void;
}

/** Messages never echo more than this much of the input (a 10 KB URL is not repeated back). */
const MAX_MESSAGE = 300;
const clip = (m: string) => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}…` : m);

export class BadInputError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}
export class BadCursorError extends BadInputError {
  constructor(rule: string) {
    super("cursor", rule);
  }
}

const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const hex = Type.String({ pattern: "^0x[0-9a-fA-F]{1,64}$", maxLength: 66 });
const Cursor = Type.String({ pattern: "^[A-Za-z0-9_-]{1,200}$", description: "opaque cursor from nextCursor" });
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
const ErrorBody = Type.Object({ error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) });
const page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: nullable(Type.String()) });
const HealthBody = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("error")]),
  events: Type.String(),
  cursor: nullable(Type.String()),
  caughtUp: nullable(Type.Boolean()),
  lastError: nullable(Type.String()),
});
const errors = { 400: ErrorBody, 404: ErrorBody, 429: ErrorBody };
const strict = <P extends Record<string, TSchema>>(p: P) => Type.Object(p, { additionalProperties: false });

const NodeT = Type.Object({
  nodeId: Type.String(),
  operator: nullable(Type.String()),
  stake: nullable(Type.String()),
  sigPk: nullable(Type.String()),
  encPk: nullable(Type.String()),
  capabilities: nullable(Type.Array(Type.String())),
  price: nullable(Type.String()),
  status: nullable(Type.Integer()),
  unbondingUntilMs: nullable(Type.String()),
  teeKind: nullable(Type.Integer()),
  attestedUntilMs: nullable(Type.String()),
  paidTotal: nullable(Type.String()),
  slashedTotal: nullable(Type.String()),
  reveals: nullable(Type.String()),
  reputation: Type.String({ description: "derived from NodePaid / NodeSlashed events (see reputation.ts)" }),
  attestation: nullable(
    Type.Object({
      teeKind: nullable(Type.Integer()),
      measurement: nullable(Type.String()),
      verifier: nullable(Type.String()),
      evidenceHash: nullable(Type.String()),
      reportDataHash: nullable(Type.String()),
      recordedMs: nullable(Type.String()),
      expiresMs: nullable(Type.String()),
      revoked: Type.Boolean(),
    }),
  ),
});
const RequestT = Type.Object({
  requestId: Type.String(),
  requester: nullable(Type.String()),
  kind: nullable(Type.Integer()),
  capability: nullable(Type.String()),
  inputHash: nullable(Type.String()),
  sampleSize: nullable(Type.String()),
  quorumBps: nullable(Type.String()),
  confidential: nullable(Type.Boolean()),
  maxPrice: nullable(Type.String()),
  escrow: nullable(Type.String()),
  createdMs: nullable(Type.String()),
  status: nullable(Type.String()),
  round: nullable(Type.Integer()),
  outputHash: nullable(Type.String()),
  agreeing: nullable(Type.Array(Type.String())),
  paidTotal: nullable(Type.String()),
  slashedTotal: nullable(Type.String()),
  margin: nullable(Type.String()),
  refund: nullable(Type.String()),
  rounds: nullable(Type.Integer()),
  settledMs: nullable(Type.String()),
  failReason: nullable(Type.Integer()),
});
const EventRef = { txDigest: Type.String(), eventSeq: Type.Integer() };
const SampleT = Type.Object({
  ...EventRef,
  round: Type.Integer(),
  nodes: Type.Array(Type.String()),
  commitDeadlineMs: Type.String(),
  revealDeadlineMs: Type.String(),
});
const CommitT = Type.Object({ ...EventRef, nodeId: Type.String(), round: Type.Integer(), commitment: Type.String() });
const RevealT = Type.Object({ ...EventRef, nodeId: Type.String(), round: Type.Integer(), outputHash: Type.String() });
const PayoutT = Type.Object({ ...EventRef, nodeId: Type.String(), amount: Type.String() });
const SlashT = Type.Object({
  ...EventRef,
  requestId: Type.String(),
  nodeId: Type.String(),
  amount: Type.String(),
  reason: Type.Integer(),
  remainingStake: Type.String(),
});
const DisputeT = Type.Object({
  ...EventRef,
  requestId: Type.String(),
  outputHashes: Type.Array(Type.String()),
  escalationSize: Type.String(),
});
const OutputT = Type.Object({ ...EventRef, nodeId: Type.String(), size: Type.String() });
const AttestationT = Type.Object({
  ...EventRef,
  nodeId: Type.String(),
  event: Type.String(),
  teeKind: nullable(Type.Integer()),
  measurement: nullable(Type.String()),
  reportDataHash: nullable(Type.String()),
  evidenceHash: nullable(Type.String()),
  verifier: nullable(Type.String()),
  recordedMs: nullable(Type.String()),
  expiresMs: nullable(Type.String()),
  revokedBy: nullable(Type.String()),
});
const RotationT = Type.Object({
  clusterId: Type.String(),
  epoch: Type.String(),
  status: nullable(Type.String()),
  commitment: nullable(Type.String()),
  previousCommitment: nullable(Type.String()),
  deadlineMs: nullable(Type.String()),
  ackQuorum: nullable(Type.String()),
  acks: nullable(Type.String()),
  graceUntilMs: nullable(Type.String()),
  ackedBy: Type.Array(Type.String()),
});
const HistoryT = Type.Object({ ...EventRef, event: Type.String(), data: Type.Unknown() });

/** Response item types, for typed clients such as the explorer (`import type`). */
export type ApiNode = Static<typeof NodeT>;
export type ApiRequest = Static<typeof RequestT>;
export type ApiSample = Static<typeof SampleT>;
export type ApiCommit = Static<typeof CommitT>;
export type ApiReveal = Static<typeof RevealT>;
export type ApiPayout = Static<typeof PayoutT>;
export type ApiSlash = Static<typeof SlashT>;
export type ApiDispute = Static<typeof DisputeT>;
export type ApiOutput = Static<typeof OutputT>;
export type ApiAttestation = Static<typeof AttestationT>;
export type ApiRotation = Static<typeof RotationT>;
export type ApiHistory = Static<typeof HistoryT>;

// ---- cursors: base64url(JSON array of key parts) ----
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}
function decodeCursor(c: string, shape: ("u64" | "id")[]): string[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
  } catch {
    throw new BadCursorError("not a cursor this API issued");
  }
  if (!Array.isArray(v) || v.length !== shape.length) throw new BadCursorError("not a cursor this API issued");
  return shape.map((k, i) => {
    const x = v[i];
    if (k === "u64" && typeof x === "string" && /^[0-9]{1,20}$/.test(x) && BigInt(x) < 2n ** 63n) return x;
    if (k === "id" && typeof x === "string" && /^0x[0-9a-f]{1,64}$/.test(x)) return x;
    throw new BadCursorError("not a cursor this API issued");
  });
}

const U64_COLS = new Set([
  "stake",
  "price",
  "unbonding_until_ms",
  "attested_until_ms",
  "paid_total",
  "slashed_total",
  "reveals",
  "sample_size",
  "quorum_bps",
  "max_price",
  "escrow",
  "created_ms",
  "margin",
  "refund",
  "settled_ms",
  "commit_deadline_ms",
  "reveal_deadline_ms",
  "amount",
  "remaining_stake",
  "escalation_size",
  "size",
  "recorded_ms",
  "expires_ms",
  "epoch",
  "deadline_ms",
  "ack_quorum",
  "acks",
  "grace_until_ms",
  "pos",
  "created_pos",
  "last_pos",
]);
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** snake_case row → camelCase, u64 columns as decimal strings. */
function shape(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[camel(k)] = U64_COLS.has(k) && v !== null && v !== undefined ? String(v) : v;
  return out;
}
const normId = (x: string) => x.toLowerCase();
/** Belt and braces over the schema: an integer query value in [min, max] or a 400 naming it. */
function int(x: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (x === undefined && dflt !== undefined) return dflt;
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min || x > max)
    throw new BadInputError(field, `must be an integer in [${min}, ${max}]`);
  return x;
}
const cond = (parts: (SQL | undefined)[]) => {
  const p = parts.filter((x): x is SQL => x !== undefined);
  return p.length ? sql`where ${sql.join(p, sql` and `)}` : sql``;
};

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const st = opts.storage;
  const q = <T = Record<string, unknown>>(s: SQL) => st.rows<T>(s);
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // Errors Fastify raises before routing (a malformed URL, a bad content type) in our shape,
    // without echoing the URL.
    frameworkErrors: (err, _req, reply) => {
      const r = reply as unknown as { status(n: number): { send(b: unknown): void } };
      r.status(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send({
        error: "bad_request",
        message: clip(err.message.replace(/'[^']*'/g, "the URL")),
      });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(
    (
      err: Error & { statusCode?: number; validation?: unknown; field?: string; validationContext?: string },
      _req,
      reply,
    ) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (err.validation) {
        const v = (
          err.validation as {
            instancePath?: string;
            params?: { additionalProperty?: string; missingProperty?: string };
          }[]
        )[0];
        const field =
          v?.params?.additionalProperty ??
          v?.params?.missingProperty ??
          v?.instancePath?.replace(/^\//, "") ??
          undefined;
        const all = err.validation as { keyword?: string; params?: { allowedValue?: unknown } }[];
        const allowed = all.filter((x) => x.keyword === "const").map((x) => String(x.params?.allowedValue));
        // A union of literals fails once per literal ("must be equal to constant" ×5): say it once, with the values.
        const rule = allowed.length > 0 ? `must be one of ${allowed.join(", ")}` : (v as { message?: string })?.message;
        return reply.status(400).send({
          error: "bad_request",
          message: clip(`${err.validationContext ?? "input"}${field ? `.${field}` : ""}: ${rule ?? err.message}`),
          ...(field ? { field } : {}),
        });
      }
      if (status < 500)
        return reply.status(status).send({
          error: status === 429 ? "rate_limited" : status === 404 ? "not_found" : "bad_request",
          message: clip(err.message),
          ...(err.field ? { field: err.field } : {}),
        });
      if (opts.logger) opts.logger.error({ err: err.message }, "request failed");
      if (process.env.ATOMA_INDEXER_DEBUG) console.error(err);
      return reply.status(500).send({ error: "internal", message: "internal error" });
    },
  );
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: "not_found", message: clip(`no route ${req.method} ${req.url.slice(0, 200)}`) }),
  );

  const origins = opts.corsOrigin ?? false;
  if (origins !== false)
    await app.register(cors, { origin: origins, methods: ["GET", "HEAD"], strictPreflight: false });
  if (opts.rateLimit !== false)
    await app.register(rateLimit, {
      max: opts.rateLimit ?? 6000,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        error: "rate_limited",
        message: `rate limit: at most ${ctx.max} requests per ${ctx.after}`,
      }),
    });
  await app.register(swagger, {
    openapi: { info: { title: "Atoma indexer API", version: "0.1.0" } },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get(
    "/health",
    {
      schema: {
        response: {
          200: HealthBody,
          503: HealthBody,
        },
      },
    },
    async (_req, reply) => {
      const c = await readCursor(st.db);
      const h = opts.health?.();
      // Unhealthy while the last attempt failed (RPC unreachable, package missing): 503.
      if (h?.lastError) reply.code(503);
      return {
        status: h?.lastError ? ("error" as const) : ("ok" as const),
        events: (c?.events ?? 0n).toString(),
        cursor: c?.cursor ?? null,
        caughtUp: h ? h.caughtUp : null,
        lastError: h ? h.lastError : null,
      };
    },
  );
  app.get(
    "/metrics",
    {
      schema: {
        description: "Prometheus metrics (text exposition format)",
        produces: ["text/plain"],
        response: { 200: Type.String({ description: "Prometheus text format" }) },
      },
    },
    async (_req, reply) => {
      const reg = opts.registry;
      reply.header("content-type", reg?.contentType ?? "text/plain");
      return reg ? reg.metrics() : "";
    },
  );

  /** Adds the derived reputation and the latest attestation (recorded or revoked) to node rows. */
  const enrichNodes = async (items: Record<string, unknown>[]): Promise<Record<string, unknown>[]> => {
    const ids = items.map((n) => String(n.nodeId));
    if (ids.length === 0) return items;
    const inIds = sql`(${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`;
    const [evs, atts] = await Promise.all([
      q<{
        node_id: string;
        kind: "paid" | "slashed";
        reason: number | null;
      }>(sql`select x.node_id, x.kind, x.reason from (
          select p.node_id, 'paid' as kind, null::smallint as reason, r.pos from payouts p join raw_events r using (tx_digest, event_seq) where p.node_id in ${inIds}
          union all
          select s.node_id, 'slashed' as kind, s.reason, r.pos from slashes s join raw_events r using (tx_digest, event_seq) where s.node_id in ${inIds}
        ) x order by x.pos`),
      q(sql`select distinct on (a.node_id) a.*, r.pos from attestations a join raw_events r using (tx_digest, event_seq)
          where a.node_id in ${inIds} order by a.node_id, r.pos desc`),
    ]);
    const byNode = new Map<string, { kind: "paid" | "slashed"; reason: number | null }[]>();
    for (const e of evs) {
      const l = byNode.get(e.node_id) ?? [];
      l.push(e);
      byNode.set(e.node_id, l);
    }
    // The latest recorded attestation stays visible after a revocation, marked revoked.
    const recorded =
      await q(sql`select distinct on (a.node_id) a.* from attestations a join raw_events r using (tx_digest, event_seq)
          where a.node_id in ${inIds} and a.event = 'recorded' order by a.node_id, r.pos desc`);
    const latest = new Map(atts.map((a) => [String(a.node_id), a]));
    const rec = new Map(recorded.map((a) => [String(a.node_id), shape(a)]));
    return items.map((n) => {
      const id = String(n.nodeId);
      const r = rec.get(id);
      return {
        ...n,
        reputation: foldReputation(byNode.get(id) ?? []).toString(),
        attestation: r
          ? {
              teeKind: r.teeKind ?? null,
              measurement: r.measurement ?? null,
              verifier: r.verifier ?? null,
              evidenceHash: r.evidenceHash ?? null,
              reportDataHash: r.reportDataHash ?? null,
              recordedMs: r.recordedMs ?? null,
              expiresMs: r.expiresMs ?? null,
              revoked: latest.get(id)?.event === "revoked",
            }
          : null,
      };
    });
  };

  // ---- nodes ----
  const NodesQuery = strict({
    status: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
    operator: Type.Optional(hex),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  });
  app.get(
    "/v1/nodes",
    { schema: { querystring: NodesQuery, response: { 200: page(NodeT), ...errors } } },
    async (req) => {
      const { operator, cursor } = req.query;
      const status = req.query.status === undefined ? undefined : int(req.query.status, "status", 0, 255);
      const limit = int(req.query.limit, "limit", 1, 200, 50);
      const after = cursor ? decodeCursor(cursor, ["id"])[0] : undefined;
      const rows = await q(
        sql`select * from nodes ${cond([
          status !== undefined ? sql`status = ${status}` : undefined,
          operator ? sql`operator = ${normId(operator)}` : undefined,
          after ? sql`node_id > ${after}` : undefined,
        ])} order by node_id limit ${limit + 1}`,
      );
      const items = await enrichNodes(rows.slice(0, limit).map(shape));
      return { items, nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.nodeId)]) : null } as never;
    },
  );
  const IdParam = (name: string) => strict({ [name]: hex });
  app.get(
    "/v1/nodes/:nodeId",
    {
      schema: {
        params: IdParam("nodeId"),
        response: { 200: Type.Object({ node: NodeT, history: Type.Array(HistoryT) }), ...errors },
      },
    },
    async (req, reply) => {
      const id = normId(req.params.nodeId as string);
      const [node] = await q(sql`select * from nodes where node_id = ${id}`);
      if (!node)
        return reply.status(404).send({ error: "not_found", message: `nodeId: no node ${id}`, field: "nodeId" });
      const history = await q(
        sql`select h.tx_digest, h.event_seq, h.event, h.data from node_history h join raw_events r using (tx_digest, event_seq) where h.node_id = ${id} order by r.pos desc limit 100`,
      );
      const [enriched] = await enrichNodes([shape(node)]);
      return { node: enriched, history: history.map(shape) } as never;
    },
  );

  // ---- requests ----
  const RequestsQuery = strict({
    status: Type.Optional(Type.Union(["open", "sampled", "disputed", "settled", "failed"].map((s) => Type.Literal(s)))),
    requester: Type.Optional(hex),
    node: Type.Optional(hex),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  });
  app.get(
    "/v1/requests",
    { schema: { querystring: RequestsQuery, response: { 200: page(RequestT), ...errors } } },
    async (req) => {
      const { status, requester, node, cursor } = req.query;
      const limit = int(req.query.limit, "limit", 1, 200, 50);
      const before = cursor ? decodeCursor(cursor, ["u64"])[0] : undefined;
      const rows = await q(
        sql`select * from requests ${cond([
          status ? sql`status = ${status}` : undefined,
          requester ? sql`requester = ${normId(requester)}` : undefined,
          node
            ? sql`request_id in (select request_id from request_samples where nodes @> ${JSON.stringify([normId(node)])}::jsonb)`
            : undefined,
          before !== undefined ? sql`coalesce(created_pos, last_pos) < ${before}` : undefined,
        ])} order by coalesce(created_pos, last_pos) desc limit ${limit + 1}`,
      );
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(shape),
        nextCursor: rows.length > limit && last ? encodeCursor([String(last.created_pos ?? last.last_pos)]) : null,
      } as never;
    },
  );
  const RequestDetail = Type.Object({
    request: RequestT,
    samples: Type.Array(SampleT),
    commits: Type.Array(CommitT),
    reveals: Type.Array(RevealT),
    payouts: Type.Array(PayoutT),
    slashes: Type.Array(SlashT),
    disputes: Type.Array(DisputeT),
    outputs: Type.Array(OutputT),
    outcome: nullable(
      Type.Object({
        outcome: Type.String(),
        outputHash: nullable(Type.String()),
        refund: Type.String(),
        failReason: nullable(Type.Integer()),
        settledMs: nullable(Type.String()),
      }),
    ),
  });
  app.get(
    "/v1/requests/:requestId",
    { schema: { params: IdParam("requestId"), response: { 200: RequestDetail, ...errors } } },
    async (req, reply) => {
      const id = normId(req.params.requestId as string);
      const [request] = await q(sql`select * from requests where request_id = ${id}`);
      if (!request)
        return reply
          .status(404)
          .send({ error: "not_found", message: `requestId: no request ${id}`, field: "requestId" });
      const of = (table: string) =>
        q(
          sql`select t.* from ${sql.raw(table)} t join raw_events r using (tx_digest, event_seq) where t.request_id = ${id} order by r.pos`,
        ).then((r) => r.map(shape));
      const [samples, commits, reveals, payouts, slashes, disputes, outputs, settlements] = await Promise.all(
        ["request_samples", "commits", "reveals", "payouts", "slashes", "disputes", "outputs", "settlements"].map(of),
      );
      return {
        request: shape(request),
        samples,
        commits,
        reveals,
        payouts,
        slashes,
        disputes,
        outputs,
        outcome: settlements?.at(-1) ?? null,
      } as never;
    },
  );

  // ---- attestations, disputes (event lists ordered by ingestion position, newest first) ----
  const eventList = (table: string, filterCol: string, item: TSchema, path: string) => {
    const Query = strict({
      [camel(filterCol)]: Type.Optional(hex),
      limit: Type.Optional(Limit),
      cursor: Type.Optional(Cursor),
    });
    app.get(path, { schema: { querystring: Query, response: { 200: page(item), ...errors } } }, async (req) => {
      const qs = req.query as Record<string, string | number | undefined>;
      const limit = int(qs.limit, "limit", 1, 200, 50);
      const f = qs[camel(filterCol)] as string | undefined;
      const before = qs.cursor ? decodeCursor(String(qs.cursor), ["u64"])[0] : undefined;
      const rows = await q(
        sql`select t.*, r.pos from ${sql.raw(table)} t join raw_events r using (tx_digest, event_seq) ${cond([
          f ? sql`t.${sql.raw(filterCol)} = ${normId(f)}` : undefined,
          before !== undefined ? sql`r.pos < ${before}` : undefined,
        ])} order by r.pos desc limit ${limit + 1}`,
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map(shape),
        nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.pos)]) : null,
      } as never;
    });
  };
  eventList("attestations", "node_id", AttestationT, "/v1/attestations");
  eventList("disputes", "request_id", DisputeT, "/v1/disputes");
  eventList("slashes", "node_id", SlashT, "/v1/slashes");

  // ---- key rotations ----
  const RotQuery = strict({
    cluster: Type.Optional(hex),
    status: Type.Optional(Type.Union(["started", "completed", "aborted"].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  });
  app.get(
    "/v1/key-rotations",
    { schema: { querystring: RotQuery, response: { 200: page(RotationT), ...errors } } },
    async (req) => {
      const { cluster, status, cursor } = req.query;
      const limit = int(req.query.limit, "limit", 1, 200, 50);
      const after = cursor ? decodeCursor(cursor, ["id", "u64"]) : undefined;
      const rows =
        await q(sql`select k.*, coalesce((select jsonb_agg(a.node_id order by a.acks) from key_rotation_acks a where a.cluster_id = k.cluster_id and a.epoch = k.epoch), '[]'::jsonb) as acked_by
        from key_rotations k ${cond([
          cluster ? sql`k.cluster_id = ${normId(cluster)}` : undefined,
          status ? sql`k.status = ${status}` : undefined,
          after ? sql`(k.cluster_id, k.epoch) > (${after[0]}, ${after[1]}::bigint)` : undefined,
        ])} order by k.cluster_id, k.epoch limit ${limit + 1}`);
      const items = rows.slice(0, limit).map(shape);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor([String(last.clusterId), String(last.epoch)]) : null,
      } as never;
    },
  );

  // ---- stats ----
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
          const s = shape(r);
          return { nodeId: s.nodeId, paidTotal: s.paidTotal ?? "0", reveals: s.reveals ?? "0", stake: s.stake ?? null };
        }),
      } as never;
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
      return { bucketMs, fromMs: fromMs.toString(), toMs: toMs.toString(), buckets } as never;
    },
  );

  // ---- the live Request object, for verifying an output in the browser ----
  app.get(
    "/v1/requests/:requestId/object",
    {
      schema: {
        description:
          "The Request object as the chain holds it now (BCS, base64), read through the indexer's RPC: decode it with @atoma/sdk's `Request` schema to check the posted output against the agreed hash",
        params: IdParam("requestId"),
        response: {
          200: Type.Object({
            objectId: Type.String(),
            version: Type.String(),
            digest: Type.String(),
            type: Type.String(),
            bcs: Type.String({ description: "base64 of the object's Move struct BCS" }),
          }),
          503: ErrorBody,
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const id = normId(req.params.requestId as string);
      if (!opts.chain)
        return reply.status(503).send({ error: "unavailable", message: "this indexer has no chain client" });
      let res: Awaited<ReturnType<ClientWithCoreApi["core"]["getObject"]>>;
      try {
        res = await opts.chain.core.getObject({ objectId: id, include: { content: true } });
      } catch (err) {
        return reply.status(404).send({
          error: "not_found",
          message: `requestId: no object ${id} on chain (${(err as Error).message.slice(0, 200)})`,
          field: "requestId",
        });
      }
      const o = res.object;
      if (!o?.content || !/::requests?::Request$/.test(o.type))
        return reply
          .status(404)
          .send({ error: "not_found", message: `requestId: ${id} is not a Request object`, field: "requestId" });
      return {
        objectId: o.objectId,
        version: String(o.version),
        digest: o.digest,
        type: o.type,
        bcs: Buffer.from(o.content).toString("base64"),
      } as never;
    },
  );

  // ---- stored attestation evidence, by its blake2b-256 ----
  app.get(
    "/v1/evidence/:hash",
    {
      schema: {
        description:
          "Attestation evidence from the verifier's blob store, by blake2b-256 hex (the on-chain evidence_hash); re-verify it with @atoma/sdk",
        params: strict({ hash: Type.String({ pattern: "^(0x)?[0-9a-fA-F]{64}$" }) }),
        response: { 503: ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const hash = (req.params.hash as string).replace(/^0x/, "").toLowerCase();
      if (!opts.evidenceDir)
        return reply.status(503).send({ error: "unavailable", message: "this indexer has no evidence store" });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path.join(opts.evidenceDir, hash)));
      } catch {
        return reply.status(404).send({ error: "not_found", message: `hash: no evidence ${hash}`, field: "hash" });
      }
      // Content addressing is checked here too; the page checks it again.
      if (bytesToHex(blake2b256(bytes)) !== hash)
        return reply
          .status(404)
          .send({ error: "not_found", message: `hash: stored blob does not hash to ${hash}`, field: "hash" });
      reply.header("content-type", "application/octet-stream");
      reply.header("cache-control", "public, max-age=31536000, immutable");
      return reply.send(Buffer.from(bytes) as never);
    },
  );

  // ---- live updates: one server-sent event per committed batch ----
  const streams = new Set<ServerResponse>();
  app.addHook("preClose", (done) => {
    for (const s of streams) s.end();
    done();
  });
  app.get(
    "/v1/stream",
    {
      schema: {
        description:
          "Server-sent events: `commit` with `{ events, cursor }` after each committed batch (clients re-read what they show); a comment every 15 s keeps the connection open",
        response: { 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const subscribe = opts.onCommit;
      if (!subscribe)
        return reply.status(503).send({ error: "unavailable", message: "this API has no running ingester" });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n: connected\n\n");
      streams.add(res);
      // One write at a time; a commit during a write is sent right after it (never dropped).
      let sending = false;
      let again = false;
      const send = async () => {
        if (sending) {
          again = true;
          return;
        }
        sending = true;
        try {
          do {
            again = false;
            const c = await readCursor(st.db);
            res.write(
              `event: commit\ndata: ${JSON.stringify({ events: (c?.events ?? 0n).toString(), cursor: c?.cursor ?? null })}\n\n`,
            );
          } while (again);
        } catch {
          // The database is closing: the stream ends with the server.
        } finally {
          sending = false;
        }
      };
      const off = subscribe(() => void send());
      const beat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      req.raw.on("close", () => {
        off();
        clearInterval(beat);
        streams.delete(res);
      });
    },
  );

  // ---- the explorer (static bundle) at / ----
  if (opts.explorerDir) {
    await app.register(fastifyStatic, {
      root: path.resolve(opts.explorerDir),
      prefix: "/",
      index: ["index.html"],
      wildcard: true,
      allowedPath: (p) => !p.split("/").some((seg) => seg.startsWith(".")),
    });
  }
  return app as unknown as FastifyInstance;
}

export type { Static };
