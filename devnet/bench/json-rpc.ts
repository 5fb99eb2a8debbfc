/**
 * The benches' JSON-RPC caller: one POST per call over a keep-alive agent, with no client-side
 * retries or schema work, so a figure measures the devnet and not the client library.
 */
import { type Agent, request } from "node:http";

export type JsonRpcReply = { result?: unknown; error?: { message: string } };

/** `rpc(method, params)` against `url`, through `agent`. */
export function jsonRpcCaller(url: string, agent: Agent): (method: string, params: unknown[]) => Promise<JsonRpcReply> {
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
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as JsonRpcReply));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
