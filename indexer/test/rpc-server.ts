/**
 * A local HTTP server answering `suix_queryEvents` in Sui JSON-RPC shape over a fixed list of
 * events (real BCS, base64): what the indexer's `client.core.listEvents` source talks to.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RawEvent } from "../src/source.js";

export interface RpcServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startRpcServer(events: RawEvent[], opts: { delayMs?: number } = {}): Promise<RpcServer> {
  const index = new Map(events.map((e, i) => [`${e.txDigest}:${e.eventSeq}`, i]));
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      state.requests++;
      const msg = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      const reply = (result: unknown) => {
        const send = () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, ...(result as object) }));
        };
        if (opts.delayMs) setTimeout(send, opts.delayMs);
        else send();
      };
      if (msg.method !== "suix_queryEvents")
        return reply({ error: { code: -32601, message: `method not found: ${msg.method}` } });
      const [, cursor, limit, descending] = msg.params as [
        unknown,
        { txDigest: string; eventSeq: string } | null,
        number | null,
        boolean,
      ];
      if (descending) return reply({ error: { code: -32602, message: "descending not supported here" } });
      let start = 0;
      if (cursor) {
        const i = index.get(`${cursor.txDigest}:${cursor.eventSeq}`);
        if (i === undefined) return reply({ error: { code: -32602, message: "Invalid event cursor" } });
        start = i + 1;
      }
      const n = Math.min(limit ?? 50, 50);
      const page = events.slice(start, start + n);
      const data = page.map((e) => ({
        id: { txDigest: e.txDigest, eventSeq: String(e.eventSeq) },
        packageId: e.packageId,
        transactionModule: "atoma",
        sender: e.sender,
        type: e.type,
        parsedJson: {},
        bcsEncoding: "base64",
        bcs: Buffer.from(e.bcs).toString("base64"),
        timestampMs: e.timestampMs?.toString(),
      }));
      const last = data.at(-1);
      reply({ result: { data, hasNextPage: start + n < events.length, nextCursor: last ? last.id : cursor } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
