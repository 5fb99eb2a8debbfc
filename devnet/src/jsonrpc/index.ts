/**
 * The Sui JSON-RPC subset the devnet serves: the methods, grouped by area (one module each), and
 * the dispatch of one request object to them.
 */
import { DevnetError, RpcError } from "../errors.js";
import { coinMethods } from "./coins.js";
import { eventMethods } from "./events.js";
import { moveMethods } from "./move.js";
import { objectMethods } from "./objects.js";
import type { JsonRpcNode, Methods } from "./params.js";
import { systemMethods } from "./system.js";
import { transactionMethods } from "./transactions.js";

export type { JsonRpcNode, Methods } from "./params.js";

/** Every method, by name. */
export function jsonRpcMethods(node: JsonRpcNode): Methods {
  const methods: Methods = {
    rpc_discover: () => ({
      openrpc: "1.2.6",
      info: { title: "Atoma devnet (Sui JSON-RPC subset)", version: "0.1.0" },
      methods: Object.keys(methods).map((name) => ({ name })),
    }),
    ...systemMethods(node),
    ...coinMethods(node),
    ...objectMethods(node),
    ...moveMethods(node),
    ...transactionMethods(node),
    ...eventMethods(node),
  };
  return methods;
}

/**
 * Answers one JSON-RPC request object: a result, or an error with its JSON-RPC code; a promise of
 * either when the method answers with a promise (executing a transaction).
 */
export function dispatch(methods: Methods, raw: unknown, log?: { warn: (o: object, msg?: string) => void }): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: must be a JSON object" } };
  const body = raw as { id?: unknown; method?: unknown; params?: unknown };
  const id = body.id ?? null;
  const method = body.method;
  try {
    if (typeof method !== "string") throw new RpcError(-32600, "Invalid Request: method must be a string");
    const h = methods[method];
    if (!h) throw new RpcError(-32601, `Method not found: ${method}`);
    const params = body.params === undefined ? [] : body.params;
    if (!Array.isArray(params)) throw new RpcError(-32602, "Invalid params: params must be an array");
    const result = h(params);
    if (result instanceof Promise)
      return result.then(
        (r: unknown) => ({ jsonrpc: "2.0", id, result: r }),
        (e: unknown) => failed(e, id, method, log),
      );
    return { jsonrpc: "2.0", id, result };
  } catch (e) {
    return failed(e, id, method, log);
  }
}

/** The error answer of a request whose method threw `e`. */
function failed(e: unknown, id: unknown, method: unknown, log?: { warn: (o: object, msg?: string) => void }) {
  if (e instanceof RpcError) return { jsonrpc: "2.0", id, error: { code: e.rpcCode, message: e.message } };
  if (e instanceof DevnetError) return { jsonrpc: "2.0", id, error: { code: -32602, message: e.message } };
  log?.warn({ err: (e as Error).message, method }, "internal error");
  return { jsonrpc: "2.0", id, error: { code: -32603, message: `Internal error: ${(e as Error).message}` } };
}
