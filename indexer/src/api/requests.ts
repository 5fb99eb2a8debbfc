/**
 * `/v1/requests`: the request list (newest first) and one request with its whole history in one
 * query. A detail is serialized once (the route's fast-json-stringify schema) into bytes with an
 * ETag (`If-None-Match` → 304); with the ingester's cache those bytes are kept until its next
 * commit, so a cache hit sends a Buffer without serializing anything.
 */
import { type Static, Type } from "@fastify/type-provider-typebox";
import { eq, type SQL, sql } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import type { FastifyReply } from "fastify";
import * as s from "../schema.js";
import { REQUEST_STATUSES } from "../status.js";
import { CommitScopedCache, type Served, served } from "./detail-cache.js";
import { jsonObject } from "./json.js";
import type { ResourcePlugin } from "./plugin.js";
import { cond, decodeCursor, encodeCursor, int, normId, shape } from "./query.js";
import {
  type ApiRequest,
  CommitT,
  Cursor,
  DisputeT,
  errors,
  hex,
  IdParam,
  Limit,
  nullable,
  OutcomeT,
  OutputT,
  PayoutT,
  page,
  RequestT,
  RevealT,
  ref,
  SampleT,
  SlashT,
  strict,
} from "./schemas.js";

const RequestsQuery = strict({
  status: Type.Optional(Type.Union(REQUEST_STATUSES.map((x) => Type.Literal(x)))),
  requester: Type.Optional(hex),
  node: Type.Optional(hex),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const RequestDetail = Type.Object({
  request: ref(RequestT),
  samples: Type.Array(ref(SampleT)),
  commits: Type.Array(ref(CommitT)),
  reveals: Type.Array(ref(RevealT)),
  payouts: Type.Array(ref(PayoutT)),
  slashes: Type.Array(ref(SlashT)),
  disputes: Type.Array(ref(DisputeT)),
  outputs: Type.Array(ref(OutputT)),
  outcome: nullable(ref(OutcomeT)),
});

/** The event rows of one request, in stream order, as a JSON array (`[]` when none). */
const rowsOf = (table: PgTable, item: Parameters<typeof jsonObject>[2], order: "asc" | "desc" = "asc", limit = "") =>
  sql`coalesce((select json_agg(x.o) from (select ${jsonObject(table, "t", item)} as o from ${sql.raw(`"${getTableConfig(table).name}"`)} t join raw_events r using (tx_digest, event_seq) where t.request_id = "requests"."request_id" order by r.pos ${sql.raw(order)} ${sql.raw(limit)}) x), '[]'::json)`;

/** The whole detail document, built by the database in one round trip. */
const detailDocument: SQL = sql`json_build_object(
  'request', ${jsonObject(s.requests, '"requests"', RequestT)},
  'samples', ${rowsOf(s.requestSamples, SampleT)},
  'commits', ${rowsOf(s.commits, CommitT)},
  'reveals', ${rowsOf(s.reveals, RevealT)},
  'payouts', ${rowsOf(s.payouts, PayoutT)},
  'slashes', ${rowsOf(s.slashes, SlashT)},
  'disputes', ${rowsOf(s.disputes, DisputeT)},
  'outputs', ${rowsOf(s.outputs, OutputT)},
  'outcome', ${rowsOf(s.settlements, OutcomeT, "desc", "limit 1")} -> 0)`;

/** `If-None-Match` (a list of entity tags, weak or strong, or `*`) matches `etag` (RFC 9110 §13.1.2: weak comparison). */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

export const requestsPlugin: ResourcePlugin = async (app, { api, q }) => {
  // A named prepared statement: parsed and planned once per connection.
  const detail = api.storage.db
    .select({ doc: sql<Static<typeof RequestDetail>>`${detailDocument}` })
    .from(s.requests)
    .where(eq(s.requests.requestId, sql.placeholder("id")))
    .prepare("atoma_request_detail");
  // With the in-process ingester (the only writer), serialized details are kept until its next commit.
  type Detail = Static<typeof RequestDetail>;
  const size = api.detailCache ?? 10_000;
  const cache = api.onCommit && size !== false && size > 0 ? new CommitScopedCache<Served>(size) : null;
  if (cache && api.onCommit) {
    const off = api.onCommit(() => cache.invalidate());
    app.addHook("onClose", async () => {
      off();
    });
  }
  const readDetail = async (id: string): Promise<Detail | null> => (await detail.execute({ id }))[0]?.doc ?? null;

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
        items: items.map((r) => shape<ApiRequest>(r)),
        nextCursor: rows.length > limit && last ? encodeCursor([String(last.created_pos ?? last.last_pos)]) : null,
      };
    },
  );

  app.get(
    "/v1/requests/:requestId",
    { schema: { params: IdParam("requestId"), response: { 200: RequestDetail, ...errors } } },
    async (req, reply) => {
      const id = normId(req.params.requestId);
      // reply.serialize: the route's 200 serializer (fast-json-stringify of RequestDetail)
      const load = async () => {
        const doc = await readDetail(id);
        return doc ? served(reply.serialize(doc)) : null;
      };
      const body = cache ? await cache.get(id, load) : await load();
      if (!body)
        return reply
          .status(404)
          .send({ error: "not_found", message: `requestId: no request ${id}`, field: "requestId" });
      // bytes already serialized by the 200 schema: sent as they are (the reply's typed payload is the document)
      const raw = reply as unknown as FastifyReply;
      raw.header("etag", body.etag);
      if (notModified(req.headers["if-none-match"], body.etag)) return raw.status(304).send();
      return raw.type("application/json; charset=utf-8").send(body.bytes);
    },
  );
};
