/**
 * The API's derived schemas and the one-query request detail: the schemas list exactly the table
 * columns (minus those they omit), and `GET /v1/requests/:id` (one prepared statement building the
 * document in the database) equals the same rows read table by table, on PGlite and PostgreSQL.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { shape } from "../src/api/query.js";
import { CommitT, NodeT, RequestT, SampleT, SlashT } from "../src/api/schemas.js";
import { buildApi } from "../src/api.js";
import type { Storage } from "../src/db.js";
import { hexId, longStream, scriptedEvents } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import * as s from "../src/schema.js";
import { type Backend, openTestStorage } from "./helpers.js";

const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the indexer API detail tests on PostgreSQL");

describe("schemas derived from the tables", () => {
  it("carry every column but the omitted ones, with the column's type and nullability", () => {
    expect(Object.keys(RequestT.properties)).toEqual(
      Object.keys(getTableColumns(s.requests)).filter((k) => k !== "createdPos" && k !== "lastPos"),
    );
    expect(Object.keys(SlashT.properties)).toEqual(Object.keys(getTableColumns(s.slashes)));
    expect(Object.keys(CommitT.properties)).not.toContain("requestId");
    expect(RequestT.properties.requestId).toMatchObject({ type: "string" });
    expect(RequestT.properties.escrow).toMatchObject({ type: ["string", "null"], pattern: "^[0-9]+$" });
    expect(RequestT.properties.round).toMatchObject({ type: ["integer", "null"] });
    expect(RequestT.properties.confidential).toMatchObject({ type: ["boolean", "null"] });
    expect(SampleT.properties.nodes).toMatchObject({ type: "array", items: { type: "string" } });
    expect(SampleT.properties.commitDeadlineMs).toMatchObject({ type: "string" });
    expect(NodeT.properties.attestation).toMatchObject({ type: ["object", "null"] });
  });
});

const events = [...scriptedEvents(), ...longStream(30, 8)];
describe.each(["pglite", "postgres"] as Backend[])("GET /v1/requests/:id in one query (%s)", (backend) => {
  const skip = backend === "postgres" && !pgAvailable;
  let st: Storage;
  let app: FastifyInstance;
  beforeAll(async () => {
    if (skip) return;
    st = await openTestStorage(backend, pgUrl);
    for (let i = 0; i < events.length; i += 50) await applyBatch(st.db, events.slice(i, i + 50), String(i));
    app = await buildApi({ storage: st, rateLimit: false });
  });
  beforeEach((ctx) => {
    if (skip) ctx.skip();
  });
  afterAll(async () => {
    await app?.close();
    await st?.close();
  });

  /** The detail as the API built it before: one query per table, shaped in TypeScript. */
  async function tableByTable(id: string) {
    const of = async (table: string) =>
      (
        await st.rows<Record<string, unknown>>(
          sql`select t.* from ${sql.raw(table)} t join raw_events r using (tx_digest, event_seq) where t.request_id = ${id} order by r.pos`,
        )
      ).map((r) => shape(r));
    const [request] = (
      await st.rows<Record<string, unknown>>(sql`select * from requests where request_id = ${id}`)
    ).map((r) => shape(r));
    const drop = (rows: Record<string, unknown>[], ...keys: string[]) =>
      rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))));
    const settlements = await of("settlements");
    const last = settlements.at(-1);
    return {
      request: drop([request!], "createdPos", "lastPos")[0],
      samples: drop(await of("request_samples"), "requestId"),
      commits: drop(await of("commits"), "requestId"),
      reveals: drop(await of("reveals"), "requestId"),
      payouts: drop(await of("payouts"), "requestId"),
      slashes: await of("slashes"),
      disputes: await of("disputes"),
      outputs: drop(await of("outputs"), "requestId"),
      outcome: last
        ? {
            outcome: last.outcome,
            blindedHash: last.blindedHash,
            refund: last.refund,
            settledMs: last.settledMs,
            failReason: last.failReason,
          }
        : null,
    };
  }

  it("equals the rows read table by table, for settled, disputed, failed and plain requests", async () => {
    for (const id of [hexId(3, 1), hexId(3, 2), hexId(7, 0), hexId(7, 29)]) {
      const r = await app.inject(`/v1/requests/${id}`);
      expect(r.statusCode, id).toBe(200);
      const body = r.json() as Record<string, unknown>;
      expect(body, id).toEqual(await tableByTable(id));
    }
    const settled = (await app.inject(`/v1/requests/${hexId(3, 1)}`)).json() as {
      slashes: unknown[];
      outcome: unknown;
    };
    expect(settled.slashes).toHaveLength(1);
    expect(settled.outcome).toMatchObject({ outcome: "settled", refund: "390" });
  });

  it("is 404 naming the id for an unknown request, and reads uppercase ids", async () => {
    const r = await app.inject(`/v1/requests/${hexId(3, 77)}`);
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: "not_found", field: "requestId" });
    const up = await app.inject(`/v1/requests/${hexId(3, 1).toUpperCase().replace("0X", "0x")}`);
    expect(up.statusCode).toBe(200);
  });
});
