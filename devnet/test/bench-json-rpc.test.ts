/**
 * The benches' JSON-RPC caller (`bench/json-rpc.ts`) over undici's Pool and over a node:http
 * Agent: the same request body, the answer parsed, and an answer that is not HTTP 200 with JSON
 * reported as an error naming the status (never taken as a result).
 */
import { createServer, Agent as HttpAgent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonRpcCaller } from "../bench/json-rpc.js";

let server: Server;
let url = "";
const seen: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { method: string; params: unknown[] };
      seen.push(body);
      if (body.method === "broken") return void res.writeHead(502).end('{"result":"from a proxy"}');
      if (body.method === "garbled") return void res.writeHead(200).end("{not json");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { echo: body.params } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.each(["undici", "node"] as const)("jsonRpcCaller over %s", (via) => {
  const make = () => (via === "undici" ? new Pool(url, { connections: 2 }) : new HttpAgent({ keepAlive: true }));

  it("sends a JSON-RPC 2.0 body and parses the answer", async () => {
    const d = make();
    seen.length = 0;
    const r = await jsonRpcCaller(url, d)("sui_executeTransactionBlock", ["AAE=", ["sig"], { showEffects: true }]);
    expect(r).toEqual({ jsonrpc: "2.0", id: 1, result: { echo: ["AAE=", ["sig"], { showEffects: true }] } });
    expect(seen).toEqual([
      {
        jsonrpc: "2.0",
        id: 1,
        method: "sui_executeTransactionBlock",
        params: ["AAE=", ["sig"], { showEffects: true }],
      },
    ]);
    await (d instanceof Pool ? d.close() : d.destroy());
  });

  it("an answer that is not HTTP 200 with JSON is an error naming the status, even with a JSON body", async () => {
    const d = make();
    const rpc = jsonRpcCaller(url, d);
    expect(await rpc("broken", [])).toEqual({ error: { message: 'HTTP 502: {"result":"from a proxy"}' } });
    expect(await rpc("garbled", [])).toEqual({ error: { message: "HTTP 200: {not json" } });
    await (d instanceof Pool ? d.close() : d.destroy());
  });
});
