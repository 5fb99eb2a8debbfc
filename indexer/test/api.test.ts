import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexId, longStream, scriptedEvents } from "../src/fixtures.js";
import { type RunningIndexer, startIndexer } from "../src/index.js";
import { ArrayEventSource } from "../src/source.js";

let ix: RunningIndexer;
const events = [...scriptedEvents(), ...longStream(120, 8)];

beforeAll(async () => {
  ix = await startIndexer({ source: new ArrayEventSource(events), batchSize: 200, rateLimit: 100_000 });
  await ix.waitForCursor({ events: events.length });
});
afterAll(async () => {
  await ix?.stop();
});

const get = async (path: string) => {
  const r = await fetch(`${ix.url}${path}`);
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

describe("API", () => {
  it("serves health, metrics and the OpenAPI document", async () => {
    const h = await get("/health");
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: "ok", events: String(events.length), caughtUp: true });
    const m = await fetch(`${ix.url}/metrics`).then((r) => r.text());
    expect(m).toMatch(new RegExp(`atoma_indexer_events_total ${events.length}\\b`));
    expect(m).toContain("atoma_indexer_batch_seconds_bucket");
    const doc = await get("/docs/json");
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(["/v1/nodes", "/v1/requests/{requestId}", "/v1/stats", "/v1/key-rotations"]),
    );
    expect((await fetch(`${ix.url}/docs`, { redirect: "follow" })).status).toBe(200);
  });

  it("returns a request with samples, commits, reveals and outcome", async () => {
    const r = await get(`/v1/requests/${hexId(3, 1)}`);
    expect(r.status).toBe(200);
    type Rows = Record<string, unknown>[];
    const b = r.body as { request: Record<string, unknown>; outcome: unknown } & Record<string, Rows>;
    expect(b.request).toMatchObject({ status: "settled", refund: "390", rounds: 2, confidential: true });
    expect(b.samples!.map((s) => s.round)).toEqual([0, 1]);
    expect(b.commits).toHaveLength(3);
    expect(b.reveals).toHaveLength(3);
    expect(b.payouts!.map((p) => p.amount)).toEqual(["100", "100"]);
    expect(b.slashes).toHaveLength(1);
    expect(b.disputes).toHaveLength(1);
    expect(b.outcome).toMatchObject({ outcome: "settled", refund: "390", settledMs: "15000" });
    const f = await get(`/v1/requests/${hexId(3, 2)}`);
    expect(f.body.outcome).toMatchObject({ outcome: "failed", failReason: 1, refund: "50" });
    expect((await get(`/v1/requests/${hexId(3, 77)}`)).status).toBe(404);
  });

  it("paginates every request exactly once, newest first, with filters", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/v1/requests?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      const items = r.body.items as { requestId: string }[];
      expect(items.length).toBeLessThanOrEqual(7);
      seen.push(...items.map((i) => i.requestId));
      cursor = r.body.nextCursor as string | null;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(122);
    expect(new Set(seen).size).toBe(122);
    expect(pages).toBe(Math.ceil(122 / 7));
    expect(seen[0]).toBe(hexId(7, 119));
    const settled = await get("/v1/requests?status=settled&limit=200");
    expect((settled.body.items as unknown[]).length).toBe(121);
    const byNode = await get(`/v1/requests?node=${hexId(5, 0)}&limit=200`);
    expect((byNode.body.items as unknown[]).length).toBe(45); // node 0 is sampled in r%8 ∈ {0,6,7}
    const nodes = await get("/v1/nodes?limit=5");
    const nodes2 = await get(`/v1/nodes?limit=5&cursor=${nodes.body.nextCursor}`);
    expect((nodes.body.items as unknown[]).length).toBe(5);
    expect((nodes2.body.items as unknown[]).length).toBe(5);
    const all = await get("/v1/nodes?limit=200");
    expect((all.body.items as { nodeId: string }[]).map((n) => n.nodeId)).toEqual(
      [...(nodes.body.items as { nodeId: string }[]), ...(nodes2.body.items as { nodeId: string }[])]
        .map((n) => n.nodeId)
        .concat((all.body.items as { nodeId: string }[]).slice(10).map((n) => n.nodeId)),
    );
    expect((all.body.items as unknown[]).length).toBe(11);
  });

  it("lists attestations, key rotations, disputes, node detail and stats", async () => {
    const a = await get(`/v1/attestations?nodeId=${hexId(1, 1)}`);
    expect(a.body.items).toMatchObject([{ event: "recorded", teeKind: 1, expiresMs: "9000000" }]);
    const k = await get(`/v1/key-rotations?cluster=${hexId(4, 1)}`);
    expect(k.body.items).toMatchObject([
      { epoch: "1", status: "completed", acks: "2", ackedBy: [hexId(1, 1), hexId(1, 2)] },
      { epoch: "2", status: "aborted", ackedBy: [] },
    ]);
    const k1 = await get("/v1/key-rotations?limit=1");
    const k2 = await get(`/v1/key-rotations?limit=1&cursor=${k1.body.nextCursor}`);
    expect(k2.body.items).toMatchObject([{ epoch: "2" }]);
    expect(k2.body.nextCursor).toBeNull();
    const d = await get(`/v1/disputes?requestId=${hexId(3, 1)}`);
    expect(d.body.items).toMatchObject([{ escalationSize: "1" }]);
    const n = await get(`/v1/nodes/${hexId(1, 2)}`);
    expect(n.body.node).toMatchObject({ status: 1, stake: "999951", slashedTotal: "50" });
    expect((n.body.history as { event: string }[]).map((h) => h.event)).toEqual([
      "NodeStatusChanged",
      "NodeSlashed",
      "NodeUpdated",
      "NodeRegistered",
    ]);
    const s = await get("/v1/stats?top=3");
    expect(s.body).toMatchObject({
      events: String(events.length),
      deadLetters: "0",
      requestsByStatus: { settled: "121", failed: "1" },
      slashes: { count: "1", total: "50" },
    });
    const lat = s.body.settlementLatencyMs as Record<string, number>;
    expect(lat.count).toBe("121");
    expect(lat.p50).toBeGreaterThanOrEqual(150);
    expect(lat.p99).toBeGreaterThan(lat.p50!);
    expect((s.body.topNodes as unknown[]).length).toBe(3);
  });

  it("answers malformed and extreme input with 4xx { error, message, field? }, never 5xx", async () => {
    const long = "x".repeat(10_000);
    const bad = [
      "/v1/requests?limit=-1",
      "/v1/requests?limit=0",
      "/v1/requests?limit=99999999999999999999999",
      "/v1/requests?limit=1e400",
      "/v1/requests?limit=abc",
      "/v1/requests?status=weird",
      `/v1/requests?requester=${long}`,
      "/v1/requests?cursor=!!!",
      `/v1/requests?cursor=${Buffer.from("[1]").toString("base64url")}`,
      `/v1/requests?cursor=${Buffer.from('["99999999999999999999"]').toString("base64url")}`,
      `/v1/requests?cursor=${Buffer.from("{}").toString("base64url")}`,
      `/v1/requests?cursor=${"A".repeat(300)}`,
      "/v1/requests?unknown=1",
      "/v1/requests/0xZZ",
      `/v1/requests/${long}`,
      "/v1/nodes?status=256",
      "/v1/nodes?status=-5",
      `/v1/nodes?cursor=${Buffer.from('["0x1; drop table nodes"]').toString("base64url")}`,
      "/v1/key-rotations?cursor=eyJ9",
      `/v1/key-rotations?cursor=${Buffer.from('["0x1", "-1"]').toString("base64url")}`,
      "/v1/stats?top=1000",
      "/v1/attestations?nodeId=%00",
      "/v1/disputes?requestId[]=1",
      "/v1/nope",
    ];
    for (const path of bad) {
      const r = await get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(typeof r.body.error, path).toBe("string");
      expect(typeof r.body.message, path).toBe("string");
    }
    expect((await get("/v1/requests?cursor=!!!")).body.field).toBe("cursor");
    expect((await get("/v1/requests?unknown=1")).body.field).toBe("unknown");
    // random fuzz
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const pieces = ["limit", "cursor", "status", "node", "requester", "top", "cluster", "nodeId", "x"];
    const vals = ["-1", "0", "1", "18446744073709551616", "0x", "0xabc", "%ff", "null", "[]", "{}", "NaN", "😀", long];
    const paths = [
      "/v1/requests",
      "/v1/nodes",
      "/v1/key-rotations",
      "/v1/attestations",
      "/v1/disputes",
      "/v1/stats",
      "/v1/slashes",
    ];
    for (let i = 0; i < 200; i++) {
      const p = paths[rnd() % paths.length]!;
      const qs = Array.from(
        { length: rnd() % 3 },
        () => `${pieces[rnd() % pieces.length]}=${vals[rnd() % vals.length]}`,
      );
      const r = await fetch(`${ix.url}${p}?${qs.join("&")}`);
      expect(r.status, `${p}?${qs.join("&")}`).toBeLessThan(500);
    }
    const post = await fetch(`${ix.url}/v1/requests`, { method: "POST", body: "{" });
    expect(post.status).toBe(404);
    expect((await get("/health")).status).toBe(200);
  });
});
