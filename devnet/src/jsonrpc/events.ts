/** JSON-RPC: suix_queryEvents and its event filters. */
import { normalizeAddress, parseType, typeToString } from "../bytecode.js";
import { RpcError } from "../errors.js";
import type { TxRecord } from "../runtime.js";
import type { JsonRpcNode, Methods } from "./params.js";

const MAX_FILTER_DEPTH = 16;

/** Rejects a filter that is not a tree of one-key objects or that nests past MAX_FILTER_DEPTH. */
function checkEventFilter(f: unknown, at = "query", depth = 0): void {
  if (depth > MAX_FILTER_DEPTH)
    throw new RpcError(-32602, `Invalid params: ${at} nests deeper than ${MAX_FILTER_DEPTH} levels`);
  if (typeof f !== "object" || f === null || Array.isArray(f) || Object.keys(f).length !== 1)
    throw new RpcError(-32602, `Invalid params: ${at} must be an EventFilter object with one key`);
  const [k, v] = Object.entries(f)[0]!;
  if (k === "All" || k === "Any" || k === "And" || k === "Or") {
    if (!Array.isArray(v)) throw new RpcError(-32602, `Invalid params: ${at}.${k} must be an array of filters`);
    for (const [i, sub] of v.entries()) checkEventFilter(sub, `${at}.${k}[${i}]`, depth + 1);
  }
}

function eventMatches(e: TxRecord["events"][number], f: Record<string, unknown>): boolean {
  const [k, v] = Object.entries(f)[0] ?? ["All", []];
  switch (k) {
    case "All":
      return Array.isArray(v) ? v.every((sub) => eventMatches(e, sub as Record<string, unknown>)) : true;
    case "Any":
      return Array.isArray(v) && v.some((sub) => eventMatches(e, sub as Record<string, unknown>));
    case "And":
      return Array.isArray(v) && v.every((sub) => eventMatches(e, sub as Record<string, unknown>));
    case "Or":
      return Array.isArray(v) && v.some((sub) => eventMatches(e, sub as Record<string, unknown>));
    case "Sender":
      return e.sender === normalizeAddress(String(v));
    case "Transaction":
      return e.id.txDigest === v;
    case "Package":
      return e.packageId === normalizeAddress(String(v));
    case "MoveModule": {
      const m = v as { package: string; module: string };
      return e.packageId === normalizeAddress(m.package) && e.transactionModule === m.module;
    }
    case "MoveEventModule": {
      const m = v as { package: string; module: string };
      const t = parseType(e.type);
      return t.kind === "struct" && t.address === normalizeAddress(m.package) && t.module === m.module;
    }
    case "MoveEventType": {
      const want = parseType(String(v));
      const t = parseType(e.type);
      if (want.kind === "struct" && want.args.length === 0 && t.kind === "struct")
        return t.address === want.address && t.module === want.module && t.name === want.name;
      return typeToString(t) === typeToString(want);
    }
    case "TimeRange": {
      const r = v as { startTime: string; endTime: string };
      return BigInt(e.timestampMs) >= BigInt(r.startTime) && BigInt(e.timestampMs) < BigInt(r.endTime);
    }
    default:
      throw new RpcError(-32602, `Invalid params: unsupported event filter ${k}`);
  }
}

/** suix_queryEvents. */
export function eventMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  return {
    suix_queryEvents: ([query, cursor, limit, descending]) => {
      if (!query || typeof query !== "object")
        throw new RpcError(-32602, "Invalid params: query must be an EventFilter object");
      checkEventFilter(query);
      let all = rt.events.filter((e) => eventMatches(e, query as Record<string, unknown>));
      if (descending === true) all = [...all].reverse();
      let start = 0;
      if (cursor && typeof cursor === "object") {
        const c = cursor as { txDigest?: string; eventSeq?: string | number };
        const i = all.findIndex((e) => e.id.txDigest === c.txDigest && e.id.eventSeq === String(c.eventSeq));
        if (i < 0) {
          // Cursor event not matched by the filter: continue after its position in the global order.
          const gi = rt.events.findIndex((e) => e.id.txDigest === c.txDigest && e.id.eventSeq === String(c.eventSeq));
          if (gi < 0) throw new RpcError(-32602, `Invalid params: event cursor ${JSON.stringify(cursor)} not found`);
          const pos = new Map(rt.events.map((e, k) => [e, k]));
          start = all.findIndex((e) => (descending === true ? pos.get(e)! < gi : pos.get(e)! > gi));
          if (start < 0) start = all.length;
        } else start = i + 1;
      }
      const lim = typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 50;
      const data = all.slice(start, start + lim);
      const last = data[data.length - 1];
      return { data, nextCursor: last ? last.id : null, hasNextPage: start + lim < all.length };
    },
  };
}
