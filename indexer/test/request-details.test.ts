/**
 * The read model of `GET /v1/requests/:id` (`request_details`, src/request-details.ts), on PGlite
 * and PostgreSQL: after every batch boundary (batches of 1 and of many) each request's stored
 * document is the one the read-time aggregation gives, byte for byte as the route serialized it;
 * the API serves the committed document; a batch that fails before its commit leaves no document
 * of it; re-ingesting (replay) changes nothing; requests indexed before the table (the upgrade
 * through migration 0007) are written when storage is opened.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import Fastify from "fastify";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { SHARED_SCHEMAS } from "../src/api/schemas.js";
import { buildApi } from "../src/api.js";
import { MIGRATIONS_FOLDER, openStorage, type Storage } from "../src/db.js";
import { hexId, longStream, scriptedEvents } from "../src/fixtures.js";
import { applyBatch, setCursor } from "../src/ingest.js";
import {
  type Detail,
  detailDocument,
  entityTag,
  RequestDetail,
  renderDetails,
  serializeDetail,
} from "../src/request-details.js";
import type { RawEvent } from "../src/source.js";
import { type Backend, dump, freshDatabase, openTestStorage } from "./helpers.js";

const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the request_details tests on PostgreSQL");
const backends: Backend[] = ["pglite", "postgres"];

/** Every event type (a disputed two-round request, a failed one) and plain lifecycles. */
const history = (): RawEvent[] => [...scriptedEvents(), ...longStream(6, 4)];

type Row = { requestId: string; body: string | null; etag: string | null };
const byId = (a: { requestId: string }, b: { requestId: string }) => a.requestId.localeCompare(b.requestId);

async function storedRows(st: Storage): Promise<Row[]> {
  const rows = await st.rows<{ request_id: string; body: string | null; etag: string | null }>(
    sql`select request_id, body, etag from request_details order by request_id`,
  );
  return rows.map((r) => ({ requestId: r.request_id, body: r.body, etag: r.etag })).sort(byId);
}

/**
 * Every request's document aggregated now, one request at a time by the query the API ran on every
 * read before the read model (`detailDocument`), serialized by the route's serializer.
 */
async function aggregatedRows(st: Storage): Promise<Row[]> {
  const rows = await st.rows<{ id: string; doc: Detail }>(
    sql`select request_id as id, ${detailDocument} as doc from requests`,
  );
  return rows
    .map(({ id, doc }) => {
      const body = serializeDetail(doc);
      return { requestId: id, body, etag: entityTag(body) };
    })
    .sort(byId);
}

async function applyInBatches(st: Storage, events: RawEvent[], size: number, after?: () => Promise<void>) {
  for (let i = 0; i < events.length; i += size) {
    await applyBatch(st.db, events.slice(i, i + size), String(Math.min(i + size, events.length) - 1));
    await after?.();
  }
}

describe.each(backends)("request_details (%s)", (backend) => {
  const skip = backend === "postgres" && !pgAvailable;
  beforeEach((ctx) => {
    if (skip) ctx.skip();
  });

  it.each([1, 9, 1000])(
    "equals the aggregation for every request after each batch of %i",
    async (size) => {
      const st = await openTestStorage(backend, pgUrl);
      try {
        const events = history();
        let checks = 0;
        await applyInBatches(st, events, size, async () => {
          const [stored, fresh] = [await storedRows(st), await aggregatedRows(st)];
          expect(stored).toEqual(fresh);
          checks++;
        });
        expect(checks).toBe(Math.ceil(events.length / size));
        const rows = await storedRows(st);
        expect(rows).toHaveLength(2 + 6);
        const r1 = JSON.parse(rows.find((r) => r.requestId === hexId(3, 1))!.body!) as Detail;
        expect(r1.request.status).toBe("settled");
        expect(r1.samples.map((x) => x.round)).toEqual([0, 1]);
        expect([r1.commits.length, r1.reveals.length, r1.payouts.length, r1.slashes.length]).toEqual([3, 3, 2, 1]);
        expect(r1.outcome).toMatchObject({ outcome: "settled", refund: "390" });
      } finally {
        await st.close();
      }
    },
    300_000,
  );

  it("holds the bytes the route's serializer made of the read-time aggregation (what the API sent before)", async () => {
    const st = await openTestStorage(backend, pgUrl);
    // the detail route as it was: the aggregation query per request, serialized by Fastify with the route's schema
    const before = Fastify();
    for (const schema of SHARED_SCHEMAS) before.addSchema(schema);
    before.get<{ Params: { id: string } }>(
      "/d/:id",
      { schema: { response: { 200: RequestDetail } } },
      async (req) =>
        (
          await st.rows<{ doc: Detail }>(
            sql`select ${detailDocument} as doc from requests where request_id = ${req.params.id}`,
          )
        )[0]!.doc,
    );
    try {
      await applyInBatches(st, history(), 13);
      const rows = await storedRows(st);
      for (const r of rows) {
        const res = await before.inject({ method: "GET", url: `/d/${r.requestId}` });
        expect(res.statusCode).toBe(200);
        expect(r.body).toBe(res.body);
      }
    } finally {
      await before.close();
      await st.close();
    }
  }, 120_000);

  it("the API serves each commit's document right after it (with and without the ingester's cache)", async () => {
    const st = await openTestStorage(backend, pgUrl);
    const listeners = new Set<() => void>();
    const cached = await buildApi({
      storage: st,
      rateLimit: false,
      onCommit: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const plain = await buildApi({ storage: st, rateLimit: false });
    try {
      const events = history();
      const watched = [hexId(3, 1), hexId(3, 2), hexId(7, 0), hexId(7, 5)];
      const seen = new Map<string, Set<string>>(watched.map((id) => [id, new Set()]));
      await applyInBatches(st, events, 1, async () => {
        for (const l of listeners) l(); // what the ingester does after its commit
        const fresh = new Map((await renderDetails(st.db, watched)).map((d) => [d.requestId, d]));
        for (const id of watched) {
          for (const app of [plain, cached]) {
            const r = await app.inject({ method: "GET", url: `/v1/requests/${id}` });
            const want = fresh.get(id);
            if (!want) {
              expect(r.statusCode).toBe(404);
              continue;
            }
            expect(r.statusCode).toBe(200);
            expect(r.body).toBe(want.body);
            expect(r.headers.etag).toBe(want.etag);
            expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
            seen.get(id)!.add(want.etag);
          }
        }
      });
      // each watched request went through its documents (created, sampled, …, settled / failed; 3/1 has
      // 17 events, 16 distinct documents)
      expect(Object.fromEntries([...seen].map(([id, tags]) => [id, tags.size]))).toEqual({
        [hexId(3, 1)]: 16,
        [hexId(3, 2)]: 2,
        [hexId(7, 0)]: 12,
        [hexId(7, 5)]: 12,
      });
    } finally {
      await cached.close();
      await plain.close();
      await st.close();
    }
  }, 120_000);

  it("a batch that fails before its commit leaves no document of it (transaction rolled back)", async () => {
    const st = await openTestStorage(backend, pgUrl);
    try {
      const events = history();
      // cut inside the lifecycle of request 7/0: created, sampled and committed in the first batch
      const cut = scriptedEvents().length + 4 + 5;
      await applyBatch(st.db, events.slice(0, cut), "first");
      const before = await dump(st);
      const open = (await storedRows(st)).find((r) => r.requestId === hexId(7, 0))!;
      expect(JSON.parse(open.body!).request.status).toBe("sampled");
      // the cursor is the batch's last write, after the documents: make it fail
      await st.rows(sql`create function atoma_test_fail() returns trigger language plpgsql as $$
        begin raise exception 'injected failure after the documents were written'; end $$`);
      await st.rows(
        sql`create trigger atoma_test_fail before insert or update on cursors for each row execute function atoma_test_fail()`,
      );
      await expect(applyBatch(st.db, events.slice(cut), "second")).rejects.toThrow();
      expect(await dump(st)).toEqual(before);
      expect(await storedRows(st)).toEqual(await aggregatedRows(st));
      await st.rows(sql`drop trigger atoma_test_fail on cursors`);
      await applyBatch(st.db, events.slice(cut), "second");
      const after = await storedRows(st);
      expect(after).toEqual(await aggregatedRows(st));
      expect(after.length).toBeGreaterThan(before.request_details!.length);
      const done = after.find((r) => r.requestId === hexId(7, 0))!;
      expect(JSON.parse(done.body!).request.status).toBe("settled");
      expect(done.etag).not.toBe(open.etag);
    } finally {
      await st.close();
    }
  }, 120_000);

  it("replay from the start changes no document", async () => {
    const st = await openTestStorage(backend, pgUrl);
    try {
      const events = history();
      await applyInBatches(st, events, 11);
      const before = await dump(st);
      await setCursor(st.db, null);
      await applyInBatches(st, events, 4);
      expect(await dump(st)).toEqual(before);
    } finally {
      await st.close();
    }
  }, 120_000);

  it("upgrade: requests indexed before migration 0007 get their documents when storage is opened", async () => {
    const dir = backend === "pglite" ? await mkdtemp(path.join(tmpdir(), "atoma-details-")) : undefined;
    const pgDb = backend === "postgres" ? await freshDatabase(pgUrl) : undefined;
    const open = () => openStorage(pgDb ? { databaseUrl: pgDb.url } : { dataDir: dir });
    try {
      let st = await open();
      await applyInBatches(st, history(), 17);
      const written = await storedRows(st);
      expect(written.length).toBe(8);
      // the database as migration 0006 left it: no read model, 0007 not applied
      const journal = JSON.parse(await readFile(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as {
        entries: { tag: string; when: number }[];
      };
      const m7 = journal.entries.find((e) => e.tag === "0007_request_details")!;
      await st.rows(sql`drop table request_details`);
      await st.rows(sql`delete from drizzle.__drizzle_migrations where created_at >= ${m7.when}`);
      await st.close();
      st = await open();
      expect(await storedRows(st)).toEqual(written);
      // a pending row (null body) is aggregated when read, with the same bytes and tag
      const api = await buildApi({ storage: st, rateLimit: false });
      try {
        const id = hexId(3, 1);
        const want = written.find((r) => r.requestId === id)!;
        await st.rows(sql`update request_details set body = null, etag = null where request_id = ${id}`);
        const r = await api.inject({ method: "GET", url: `/v1/requests/${id}` });
        expect(r.statusCode).toBe(200);
        expect(r.body).toBe(want.body);
        expect(r.headers.etag).toBe(want.etag);
      } finally {
        await api.close();
      }
      await st.close();
      st = await open();
      expect(await storedRows(st)).toEqual(written);
      await st.close();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      await pgDb?.drop();
    }
  }, 120_000);
});

// PGlite has one connection: a reader there waits for the open transaction instead.
describe.skipIf(!pgAvailable)("request_details (postgres), concurrent readers", () => {
  it("while a batch's transaction is open, readers get the document of the last commit", async () => {
    const st = await openTestStorage("postgres", pgUrl);
    const api = await buildApi({ storage: st, rateLimit: false });
    const holder = new pg.Client({ connectionString: (st as { url?: string }).url });
    await holder.connect();
    try {
      const events = history();
      const cut = scriptedEvents().length + 4 + 5; // request 7/0 created, sampled, committed
      await applyBatch(st.db, events.slice(0, cut), "first");
      const url = `/v1/requests/${hexId(7, 0)}`;
      const committed = await api.inject({ method: "GET", url });
      expect(JSON.parse(committed.body).request.status).toBe("sampled");
      // the batch's last write (the cursor, after the documents) waits for a lock the test holds
      await holder.query("select pg_advisory_lock(4217)");
      await st.rows(sql`create function atoma_test_wait() returns trigger language plpgsql as $$
        begin perform pg_advisory_xact_lock(4217); return new; end $$`);
      await st.rows(
        sql`create trigger atoma_test_wait before insert or update on cursors for each row execute function atoma_test_wait()`,
      );
      const batch = applyBatch(st.db, events.slice(cut), "second");
      // until the batch waits on the lock: its documents are written, not committed
      for (;;) {
        const w = await holder.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4217 and not granted",
        );
        if (w.rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const inFlight = await holder.query("select body from request_details where request_id = $1", [hexId(7, 0)]);
      expect(inFlight.rows[0].body).toBe(committed.body);
      const during = await api.inject({ method: "GET", url });
      expect(during.body).toBe(committed.body);
      expect(during.headers.etag).toBe(committed.headers.etag);
      await holder.query("select pg_advisory_unlock(4217)");
      await batch;
      const after = await api.inject({ method: "GET", url });
      expect(JSON.parse(after.body).request.status).toBe("settled");
      expect(after.body).toBe((await storedRows(st)).find((r) => r.requestId === hexId(7, 0))!.body);
    } finally {
      await holder.end();
      await api.close();
      await st.close();
    }
  }, 120_000);
});

describe("request_details, the API without a row", () => {
  let st: Storage;
  beforeAll(async () => {
    st = await openStorage({});
    await applyBatch(st.db, scriptedEvents(), "a");
  });
  afterAll(async () => {
    await st?.close();
  });
  it("answers 404 for a request with no row, 200 for one with its row", async () => {
    const api = await buildApi({ storage: st, rateLimit: false });
    try {
      expect((await api.inject({ method: "GET", url: `/v1/requests/${hexId(3, 1)}` })).statusCode).toBe(200);
      const missing = await api.inject({ method: "GET", url: `/v1/requests/${hexId(3, 99)}` });
      expect(missing.statusCode).toBe(404);
      expect(JSON.parse(missing.body)).toMatchObject({ error: "not_found", field: "requestId" });
    } finally {
      await api.close();
    }
  });
});
