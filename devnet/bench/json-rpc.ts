/**
 * The benches' JSON-RPC caller: one POST per call, with no client-side retries or schema work,
 * so a figure measures the devnet and not the client library. Over undici's `Pool` (keep-alive
 * connections; about two thirds of node:http's client CPU per call for the same request and
 * answer), or over a node:http keep-alive `Agent`.
 */
import { type Agent, request } from "node:http";
import type { Pool } from "undici";

export type JsonRpcReply = { result?: unknown; error?: { message: string } };

/** A reply that is not HTTP 200 with a JSON body: its status and the start of its text, as a JSON-RPC error. */
function reply(status: number, text: string): JsonRpcReply {
  if (status === 200) {
    try {
      return JSON.parse(text) as JsonRpcReply;
    } catch {
      // fall through: named below
    }
  }
  return { error: { message: `HTTP ${status}: ${text.slice(0, 200) || "(empty body)"}` } };
}

/** `rpc(method, params)` against `url`, through `via` (an undici Pool for `url`, or a node:http Agent). */
export function jsonRpcCaller(
  url: string,
  via: Agent | Pool,
): (method: string, params: unknown[]) => Promise<JsonRpcReply> {
  if ("request" in via && typeof via.request === "function") {
    const pool = via as Pool;
    return async (method, params) => {
      const res = await pool.request({
        path: "/",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return reply(res.statusCode, await res.body.text());
    };
  }
  const agent = via as Agent;
  const u = new URL(url);
  return (method, params) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          method: "POST",
          path: "/",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(reply(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
