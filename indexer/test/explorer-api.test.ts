/**
 * The API the explorer page reads: derived reputation and the latest attestation on nodes,
 * /v1/timeseries, /v1/requests/:id/object, /v1/evidence/:hash, and the static bundle at `/`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { blake2b256, bytesToHex, Request } from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { fromBase64 } from "@mysten/sui/utils";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../src/api.js";
import { hexId, rawEvent, scriptedEvents } from "../src/fixtures.js";
import { type RunningIndexer, startIndexer } from "../src/index.js";
import { ArrayEventSource } from "../src/source.js";

let ix: RunningIndexer;
let source: ArrayEventSource;
let app: FastifyInstance;
let bare: FastifyInstance;
let dir: string;
const evidence = new TextEncoder().encode("some attestation evidence");
const evidenceHash = bytesToHex(blake2b256(evidence));
const [n1, n2, n3] = [hexId(1, 1), hexId(1, 2), hexId(1, 3)];
const r1 = hexId(3, 1);

/** A Request object as the chain would hold it (real BCS from the SDK's schema). */
const requestBcs = Request.serialize({
  id: { id: r1 },
  version: 1n,
  requester: hexId(2, 1),
  kind: 0,
  capability: [...new TextEncoder().encode("llama-3")],
  input_hash: new Array(32).fill(1),
  input: [],
  max_tokens: 0n,
  fuel: 0n,
  sample_size: 3n,
  quorum_bps: 6667n,
  confidential: false,
  max_price: 200n,
  escrow: { value: 0n },
  status: 3,
  round: 1,
  created_ms: 10_000n,
  sample_deadline_ms: 0n,
  commit_deadline_ms: 0n,
  reveal_deadline_ms: 0n,
  dispute_deadline_ms: 0n,
  assignments: [],
  agreed_output_hash: new Array(32).fill(2),
  output: [...new TextEncoder().encode("hello")],
  output_node: n1,
  settled_ms: 15_000n,
  output_accepted: false,
  agreed_blinded_hash: new Array(32).fill(3),
}).toBytes();

/** Only the `core.getObject` the endpoint uses, answering as @mysten/sui's core API does. */
const chain = {
  core: {
    getObject: async ({ objectId }: { objectId: string }) => {
      if (objectId === r1)
        return {
          object: {
            objectId,
            version: "7",
            digest: "Dg1",
            type: `${hexId(0xa1, 0)}::request::Request`,
            content: requestBcs,
          },
        };
      if (objectId === n1)
        return {
          object: {
            objectId,
            version: "3",
            digest: "Dg2",
            type: "0x2::coin::Coin<0x2::sui::SUI>",
            content: new Uint8Array(8),
          },
        };
      throw new Error(`object ${objectId} not found`);
    },
  },
} as unknown as ClientWithCoreApi;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "atoma-explorer-api-"));
  const store = path.join(dir, "evidence");
  mkdirSync(store);
  writeFileSync(path.join(store, evidenceHash), evidence);
  // A blob whose content does not match its name (a corrupted or tampered store).
  writeFileSync(path.join(store, "ab".repeat(32)), "not what the name says");
  const site = path.join(dir, "site");
  mkdirSync(site);
  writeFileSync(path.join(site, "index.html"), "<!doctype html><title>Atoma explorer</title>");
  writeFileSync(path.join(site, ".source-hash"), "secret-ish\n");
  const events = scriptedEvents();
  source = new ArrayEventSource(events);
  ix = await startIndexer({ source, api: false, pollMs: 50 });
  await ix.waitForCursor({ events: events.length });
  app = await buildApi({
    storage: ix.storage,
    rateLimit: false,
    chain,
    evidenceDir: store,
    explorerDir: site,
    onCommit: (l) => ix.ingester.onCommit(l),
  });
  bare = await buildApi({ storage: ix.storage, rateLimit: false });
});
afterAll(async () => {
  await app?.close();
  await bare?.close();
  await ix?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const json = async (a: FastifyInstance, url: string) => {
  const r = await a.inject({ method: "GET", url });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};

describe("explorer API", () => {
  it("nodes carry the reputation derived from payouts and slashes, and their latest attestation", async () => {
    const { body } = await json(app, "/v1/nodes");
    const items = body.items as { nodeId: string; reputation: string; attestation: Record<string, unknown> | null }[];
    const by = Object.fromEntries(items.map((n) => [n.nodeId, n]));
    expect(by[n1]?.reputation).toBe("1001"); // paid once
    expect(by[n2]?.reputation).toBe("990"); // slashed for dissent once
    expect(by[n3]?.reputation).toBe("1001"); // paid once in the escalation round
    expect(by[n1]?.attestation).toMatchObject({ teeKind: 1, revoked: false, expiresMs: "9000000", recordedMs: "1000" });
    expect(by[n1]?.attestation?.measurement).toMatch(/^0x[0-9a-f]{96}$/);
    expect(by[n3]?.attestation).toBeNull(); // revoked without a recorded attestation
    const one = await json(app, `/v1/nodes/${n2}`);
    expect((one.body.node as { reputation: string }).reputation).toBe("990");
  });

  it("buckets requests, settlement latency and slashes over time", async () => {
    const { status, body } = await json(app, "/v1/timeseries?bucketMs=1000&buckets=10&toMs=16000");
    expect(status).toBe(200);
    expect(body).toMatchObject({ bucketMs: 1000, fromMs: "7000", toMs: "17000" });
    const b = body.buckets as {
      startMs: string;
      created: number;
      settled: number;
      latencyP50Ms: number | null;
      slashes: number;
      slashedAmount: string;
    }[];
    expect(b).toHaveLength(10);
    const at = (ms: number) => b.find((x) => x.startMs === String(ms));
    expect(at(10_000)?.created).toBe(1);
    expect(at(15_000)).toMatchObject({ settled: 1, latencyP50Ms: 5000, slashes: 1, slashedAmount: "50" });
    expect(b.reduce((a, x) => a + x.created, 0)).toBe(1);
    expect((await json(app, "/v1/timeseries?bucketMs=10")).status).toBe(400);
    expect((await json(app, "/v1/timeseries?buckets=0")).status).toBe(400);
    expect((await json(app, "/v1/timeseries?toMs=abc")).body.field).toBe("toMs");
  });

  it("relays the live Request object's BCS, which the SDK decodes", async () => {
    const { status, body } = await json(app, `/v1/requests/${r1}/object`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ objectId: r1, version: "7", digest: "Dg1" });
    const req = Request.parse(fromBase64(body.bcs as string));
    expect(new TextDecoder().decode(Uint8Array.from(req.output))).toBe("hello");
    expect((await json(app, `/v1/requests/${n1}/object`)).status).toBe(404); // not a Request
    expect((await json(app, `/v1/requests/${hexId(9, 9)}/object`)).status).toBe(404);
    expect((await json(app, "/v1/requests/nothex/object")).status).toBe(400);
    expect((await json(bare, `/v1/requests/${r1}/object`)).status).toBe(503);
  });

  it("serves stored evidence only when it hashes to the requested name", async () => {
    const r = await app.inject({ method: "GET", url: `/v1/evidence/0x${evidenceHash}` });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(new Uint8Array(r.rawPayload)).toEqual(evidence);
    expect((await json(app, `/v1/evidence/${"ab".repeat(32)}`)).body.message).toMatch(/does not hash to/);
    expect((await json(app, `/v1/evidence/${"cd".repeat(32)}`)).status).toBe(404);
    expect((await json(app, "/v1/evidence/..%2F..%2Fetc%2Fpasswd")).status).toBe(400);
    expect((await json(bare, `/v1/evidence/${evidenceHash}`)).status).toBe(503);
  });

  it("serves the explorer at / next to the API, and no dotfiles", async () => {
    const page = await app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toContain("<title>Atoma explorer</title>");
    expect((await app.inject({ method: "GET", url: "/.source-hash" })).statusCode).toBe(404);
    expect((await json(app, "/v1/stats")).status).toBe(200);
    // Unknown paths still get the API's JSON 404, not an HTML page.
    expect(await json(app, "/v1/nothing")).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect((await json(app, "/no-such-file.js")).status).toBe(404);
    expect((await bare.inject({ method: "GET", url: "/" })).statusCode).toBe(404);
  });

  it("streams one server-sent event per committed batch, and closes with the server", async () => {
    expect((await json(bare, "/v1/stream")).status).toBe(503);
    const live = await buildApi({ storage: ix.storage, rateLimit: false, onCommit: (l) => ix.ingester.onCommit(l) });
    const url = await live.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${url}/v1/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const until = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${re}: ${text}`);
        text += dec.decode(value);
      }
    };
    await until(/: connected/);
    const before = ix.ingester.position.events;
    source.events.push(
      rawEvent("StakeChanged", { node_id: n1, old_stake: 1n, new_stake: 2n, reason: 0 }, { tx: 7_777, seq: 0 }),
    );
    await until(/event: commit\ndata: (\{[^\n]*\})\n\n/);
    const data = JSON.parse(text.match(/event: commit\ndata: (\{[^\n]*\})/)![1]!) as { events: string };
    expect(BigInt(data.events)).toBe(before + 1n);
    // Closing the server ends the open stream (it does not hang on it).
    await live.close();
    await expect(until(/never/)).rejects.toThrow(/stream ended/);
  });
});
