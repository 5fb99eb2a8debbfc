/**
 * API error shapes and surface: every error is `{error, message, field?}` (Fastify's own too),
 * never echoes a 10 KB URL, a bad enum names the allowed values once; /metrics is in OpenAPI;
 * latency figures are whole ms; CORS is closed unless origins are configured, and GET only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longStream, scriptedEvents } from "../src/fixtures.js";
import { type RunningIndexer, startIndexer } from "../src/index.js";
import { ArrayEventSource } from "../src/source.js";

const events = [...scriptedEvents(), ...longStream(40, 8)];
let closed: RunningIndexer;
let open: RunningIndexer;
beforeAll(async () => {
  closed = await startIndexer({ source: new ArrayEventSource(events), rateLimit: false });
  open = await startIndexer({
    source: new ArrayEventSource(events),
    rateLimit: false,
    corsOrigin: ["http://localhost:5173"],
  });
  await closed.waitForCursor({ events: events.length });
});
afterAll(async () => {
  await closed?.stop();
  await open?.stop();
});

const get = async (base: string, path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${base}${path}`, { headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: JSON.parse(text) as Record<string, unknown> };
};

describe("API errors and surface", () => {
  it("a malformed or 10 KB URL gets our error shape and is not echoed back", async () => {
    const long = `/v1/nodes/${"x".repeat(10_000)}`;
    const r = await get(closed.url!, long);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(Object.keys(r.body).sort()).toEqual(expect.arrayContaining(["error", "message"]));
    expect(r.text.length).toBeLessThan(600);
    const bad = await get(closed.url!, "/v1/requests/%zz");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "bad_request" });
    expect(Object.keys(bad.body)).not.toContain("statusCode");
    expect(bad.text).not.toContain("%zz");
  });

  it("status=bogus names the allowed values once", async () => {
    const r = await get(closed.url!, "/v1/requests?status=bogus");
    expect(r.status).toBe(400);
    expect(r.body.message).toBe("querystring.status: must be one of open, sampled, disputed, settled, failed");
    expect(r.body.field).toBe("status");
  });

  it("documents /metrics in OpenAPI and prints latency percentiles as whole ms", async () => {
    const doc = await get(closed.url!, "/docs/json");
    expect(Object.keys(doc.body.paths as object)).toContain("/metrics");
    const stats = await get(closed.url!, "/v1/stats");
    const lat = stats.body.settlementLatencyMs as Record<string, unknown>;
    for (const k of ["p50", "p90", "p99"]) {
      const v = lat[k];
      expect(v === null || Number.isInteger(v), `${k}=${String(v)}`).toBe(true);
    }
  });

  it("CORS: no headers by default; configured origins only, GET only", async () => {
    const none = await get(closed.url!, "/v1/nodes", { origin: "https://evil.example" });
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
    const other = await get(open.url!, "/v1/nodes", { origin: "https://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const ok = await get(open.url!, "/v1/nodes", { origin: "http://localhost:5173" });
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const pre = await fetch(`${open.url}/v1/nodes`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
  });
});
