/**
 * The in-memory cache of `GET /v1/requests/:id` (with the in-process ingester's `onCommit`): a
 * detail read before an ingested batch is never served after that batch's commit, a read that
 * overlaps a commit is not kept, and an API without `onCommit` reads the database every time.
 */
import { describe, expect, it } from "vitest";
import { CommitScopedCache } from "../src/api/detail-cache.js";
import { buildApi } from "../src/api.js";
import { openStorage } from "../src/db.js";
import { hexId, longStream } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";

describe("CommitScopedCache", () => {
  it("serves a kept entry until the next commit; a read overlapping a commit is not kept", async () => {
    const c = new CommitScopedCache<{ v: number }>(10);
    let loads = 0;
    const load = async () => ({ v: ++loads });
    expect(await c.get("a", load)).toEqual({ v: 1 });
    expect(await c.get("a", load)).toEqual({ v: 1 });
    c.invalidate();
    expect(await c.get("a", load)).toEqual({ v: 2 });
    // a commit lands while the read is in flight: its answer is returned, not kept
    const slow = c.get("b", async () => {
      c.invalidate();
      return { v: 100 };
    });
    expect(await slow).toEqual({ v: 100 });
    expect(await c.get("b", load)).toEqual({ v: 3 });
    // absence is kept too, until a commit
    expect(await c.get("none", async () => null)).toBeNull();
    expect(await c.get("none", load)).toBeNull();
    c.invalidate();
    expect(await c.get("none", load)).toEqual({ v: 4 });
  });
});

describe("GET /v1/requests/:id with the ingester's cache", () => {
  it("never serves a detail from before an ingested commit", async () => {
    const storage = await openStorage({});
    const listeners = new Set<() => void>();
    const commit = () => {
      for (const l of listeners) l();
    };
    const cached = await buildApi({
      storage,
      rateLimit: false,
      onCommit: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const plain = await buildApi({ storage, rateLimit: false });
    try {
      const two = longStream(2, 4);
      const three = longStream(3, 4);
      expect(three.slice(0, two.length)).toEqual(two);
      await applyBatch(storage.db, two, "a");
      commit();
      const id = hexId(7, 2);
      const get = async (app: typeof cached) => {
        const r = await app.inject({ method: "GET", url: `/v1/requests/${id}` });
        return { status: r.statusCode, body: r.body };
      };
      expect((await get(cached)).status).toBe(404);
      // request 2 is written but the commit is not announced yet: the cache still answers (the
      // plain API already reads it): this is what the cache saves, and what onCommit must cover
      await applyBatch(storage.db, three.slice(two.length), "b");
      expect((await get(cached)).status).toBe(404);
      const fresh = await get(plain);
      expect(fresh.status).toBe(200);
      commit();
      const after = await get(cached);
      expect(after).toEqual(fresh);
      expect(JSON.parse(after.body).request.requestId).toBe(id);
      // and the kept entry is the same document on the next read
      expect(await get(cached)).toEqual(fresh);
    } finally {
      await cached.close();
      await plain.close();
      await storage.close();
    }
  }, 60_000);
});

describe("GET /v1/requests/:id bytes", () => {
  it("serves the same bytes, content type and ETag from the cache as from the database path; If-None-Match → 304", async () => {
    const storage = await openStorage({});
    const cached = await buildApi({ storage, rateLimit: false, onCommit: () => () => {} });
    const plain = await buildApi({ storage, rateLimit: false });
    try {
      await applyBatch(storage.db, longStream(6, 4), "a");
      for (const n of [0, 3, 5]) {
        const url = `/v1/requests/${hexId(7, n)}`;
        const db = await plain.inject({ method: "GET", url });
        const miss = await cached.inject({ method: "GET", url });
        const hit = await cached.inject({ method: "GET", url });
        expect(db.statusCode).toBe(200);
        expect(JSON.parse(db.body).request.requestId).toBe(hexId(7, n));
        for (const r of [miss, hit]) {
          expect(r.statusCode).toBe(200);
          expect(r.rawPayload.equals(db.rawPayload)).toBe(true);
          expect(r.headers["content-type"]).toBe(db.headers["content-type"]);
          expect(r.headers["content-length"]).toBe(String(db.rawPayload.length));
          expect(r.headers.etag).toBe(db.headers.etag);
        }
        const etag = String(db.headers.etag);
        expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
        for (const app of [plain, cached]) {
          const same = await app.inject({ method: "GET", url, headers: { "if-none-match": `"x", W/${etag}` } });
          expect(same.statusCode).toBe(304);
          expect(same.body).toBe("");
          const other = await app.inject({ method: "GET", url, headers: { "if-none-match": '"stale"' } });
          expect(other.statusCode).toBe(200);
          expect(other.body).toBe(db.body);
        }
      }
      // details of different requests differ in bytes and tags
      const a = await cached.inject({ method: "GET", url: `/v1/requests/${hexId(7, 1)}` });
      const b = await cached.inject({ method: "GET", url: `/v1/requests/${hexId(7, 4)}` });
      expect(a.body).not.toBe(b.body);
      expect(a.headers.etag).not.toBe(b.headers.etag);
    } finally {
      await cached.close();
      await plain.close();
      await storage.close();
    }
  }, 60_000);
});
