/**
 * `/v1/requests`: the request list (newest first) and one request with its whole history. A
 * detail is one row of `request_details` read by primary key (a prepared statement): the document
 * the ingester serialized in the transaction that last changed it, sent as stored, with its ETag
 * (`If-None-Match` → 304); see request-details.ts. With the ingester's cache those bytes are kept
 * in memory until its next commit.
 */
import { Type } from "@fastify/type-provider-typebox";
import { eq, sql } from "drizzle-orm";
import type { FastifyReply } from "fastify";
import { RequestDetail, renderDetails } from "../request-details.js";
import * as s from "../schema.js";
import { REQUEST_STATUSES } from "../status.js";
import { CommitScopedCache, type Served } from "./detail-cache.js";
import type { ResourcePlugin } from "./plugin.js";
import { cond, decodeCursor, encodeCursor, int, normId, shape } from "./query.js";
import { type ApiRequest, Cursor, errors, hex, IdParam, Limit, page, RequestT, strict } from "./schemas.js";

const RequestsQuery = strict({
  status: Type.Optional(Type.Union(REQUEST_STATUSES.map((x) => Type.Literal(x)))),
  requester: Type.Optional(hex),
  node: Type.Optional(hex),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

/** `If-None-Match` (a list of entity tags, weak or strong, or `*`) matches `etag` (RFC 9110 §13.1.2: weak comparison). */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

export const requestsPlugin: ResourcePlugin = async (app, { api, q }) => {
  // A named prepared statement: parsed and planned once per connection; one row by primary key.
  const stored = api.storage.db
    .select({ body: s.requestDetails.body, etag: s.requestDetails.etag })
    .from(s.requestDetails)
    .where(eq(s.requestDetails.requestId, sql.placeholder("id")))
    .prepare("atoma_request_detail");
  // With the in-process ingester (the only writer), stored details are kept until its next commit.
  const size = api.detailCache ?? 10_000;
  const cache = api.onCommit && size !== false && size > 0 ? new CommitScopedCache<Served>(size) : null;
  if (cache && api.onCommit) {
    const off = api.onCommit(() => cache.invalidate());
    app.addHook("onClose", async () => {
      off();
    });
  }
  const readDetail = async (id: string): Promise<Served | null> => {
    const row = (await stored.execute({ id }))[0];
    if (!row) return null;
    if (row.body !== null && row.etag !== null) return { bytes: row.body, etag: row.etag };
    // pending (indexed before the read model, not yet written by fillPendingDetails): aggregate now
    const [d] = await renderDetails(api.storage.db, [id]);
    return d ? { bytes: d.body, etag: d.etag } : null;
  };

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
      const body = cache ? await cache.get(id, () => readDetail(id)) : await readDetail(id);
      if (!body)
        return reply
          .status(404)
          .send({ error: "not_found", message: `requestId: no request ${id}`, field: "requestId" });
      // bytes serialized by the 200 schema when written: sent as they are (the reply's typed payload is the document)
      const raw = reply as unknown as FastifyReply;
      raw.header("etag", body.etag);
      if (notModified(req.headers["if-none-match"], body.etag)) return raw.status(304).send();
      return raw.type("application/json; charset=utf-8").send(body.bytes);
    },
  );
};
