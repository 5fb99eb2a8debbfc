/**
 * The read model of `GET /v1/requests/:id`: `request_details` holds each request's whole detail
 * document, serialized (the exact bytes the API sends) with its entity tag. The ingester rewrites
 * the documents of the requests a batch touched in that batch's transaction (`refreshDetails`),
 * so a stored document is never older than the last commit and never half-written; the API reads
 * one row by primary key. The document is aggregated by the database (`json_build_object` +
 * `json_agg` per event table, `detailDocument`) and serialized by fast-json-stringify with the
 * route's schema (`RequestDetail`), as Fastify does for the route, so the bytes are those the API
 * served when it aggregated at read time. Rows with a null body are pending (migration
 * `0007_request_details` enqueues every request indexed before it); `fillPendingDetails` writes
 * them when storage is opened.
 */
import { createHash } from "node:crypto";
import { type Static, Type } from "@fastify/type-provider-typebox";
import { type SQL, sql } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import fastJson from "fast-json-stringify";
import { jsonObject } from "./api/json.js";
import {
  CommitT,
  DisputeT,
  nullable,
  OutcomeT,
  OutputT,
  PayoutT,
  RequestT,
  RevealT,
  ref,
  SampleT,
  SHARED_SCHEMAS,
  SlashT,
} from "./api/schemas.js";
import { bulkInsert } from "./bulk.js";
import type { Db } from "./db.js";
import type { Projection } from "./projection.js";
import * as s from "./schema.js";

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
export type Detail = Static<typeof RequestDetail>;

/** The event rows of one request, in stream order, as a JSON array (`[]` when none). */
const rowsOf = (table: PgTable, item: Parameters<typeof jsonObject>[2], order: "asc" | "desc" = "asc", limit = "") =>
  sql`coalesce((select json_agg(x.o) from (select ${jsonObject(table, "t", item)} as o from ${sql.raw(`"${getTableConfig(table).name}"`)} t join raw_events r using (tx_digest, event_seq) where t.request_id = "requests"."request_id" order by r.pos ${sql.raw(order)} ${sql.raw(limit)}) x), '[]'::json)`;

/** The whole detail document of the `requests` row in scope (no alias), built by the database. */
export const detailDocument: SQL = sql`json_build_object(
  'request', ${jsonObject(s.requests, '"requests"', RequestT)},
  'samples', ${rowsOf(s.requestSamples, SampleT)},
  'commits', ${rowsOf(s.commits, CommitT)},
  'reveals', ${rowsOf(s.reveals, RevealT)},
  'payouts', ${rowsOf(s.payouts, PayoutT)},
  'slashes', ${rowsOf(s.slashes, SlashT)},
  'disputes', ${rowsOf(s.disputes, DisputeT)},
  'outputs', ${rowsOf(s.outputs, OutputT)},
  'outcome', ${rowsOf(s.settlements, OutcomeT, "desc", "limit 1")} -> 0)`;

/**
 * The route's serializer: fast-json-stringify of `RequestDetail` with the shared schemas as
 * external schemas, built as Fastify's default serializer compiler builds a route's.
 */
export const serializeDetail: (doc: Detail) => string = fastJson(RequestDetail, {
  schema: Object.fromEntries(SHARED_SCHEMAS.map((x) => [(x as { $id?: string }).$id, x])),
});

/** The strong ETag of a body: sha-256 of its UTF-8 bytes, base64url, 128 bits, quoted. */
export function entityTag(body: string | Uint8Array): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
}

/** A stored detail: the serialized document and its entity tag. */
export interface StoredDetail {
  requestId: string;
  body: string;
  etag: string;
}

/** The detail documents of `ids` aggregated now (ids without a request row are left out). */
export async function renderDetails(db: Db, ids: readonly string[]): Promise<StoredDetail[]> {
  if (ids.length === 0) return [];
  const res = await db.execute<{ id: string; doc: Detail }>(
    sql`select request_id as id, ${detailDocument} as doc from requests where request_id = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`,
  );
  return (res as unknown as { rows: { id: string; doc: Detail }[] }).rows.map(({ id, doc }) => {
    const body = serializeDetail(doc);
    return { requestId: id, body, etag: entityTag(body) };
  });
}

/** The requests whose detail a projection changes: each request row patched or event row added. */
export function touchedRequests(b: Projection): string[] {
  const ids = new Set(b.requests.keys());
  for (const rows of Object.values(b.rows))
    for (const row of rows as { requestId?: string }[]) if (row.requestId !== undefined) ids.add(row.requestId);
  return [...ids];
}

/** Rewrites the stored documents of `ids` from the current rows (call inside the batch's transaction). */
export async function refreshDetails(tx: Db, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  // Many ids make the query's estimated cost pass jit_above_cost; PostgreSQL then spends ~100 ms
  // compiling it with LLVM, for an execution of ~0.15 ms per request (measured, 170 requests:
  // 105 ms with JIT, 24 ms without). For this transaction only.
  await tx.execute(sql`set local jit = off`);
  const rows = await renderDetails(tx, ids);
  if (rows.length)
    await bulkInsert(tx, s.requestDetails, rows, {
      target: [s.requestDetails.requestId],
      coalesce: [s.requestDetails.body, s.requestDetails.etag],
    });
  return rows.length;
}

/**
 * Writes the pending documents (null body: requests indexed before the read model existed), a
 * chunk per transaction; rows locked by another process doing the same are skipped. Returns the
 * number written.
 */
export async function fillPendingDetails(db: Db, chunk = 500): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const res = await tx.execute<{ id: string }>(
        sql`select request_id as id from request_details where body is null limit ${chunk} for update skip locked`,
      );
      const ids = (res as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
      if (ids.length === 0) return 0;
      const written = await refreshDetails(tx, ids);
      // a pending row without a request row (cannot be rendered) is dropped, not retried forever
      if (written < ids.length)
        await tx.execute(
          sql`delete from request_details where body is null and request_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
        );
      return ids.length;
    });
    if (n === 0) return done;
    done += n;
  }
}
