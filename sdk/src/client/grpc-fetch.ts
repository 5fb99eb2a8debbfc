/**
 * The gRPC-web transport's HTTP client in Node: the subset of `fetch` that
 * @protobuf-ts/grpcweb-transport uses (POST a body, read the status, headers and the body as
 * chunks), over `node:http` / `node:https` with keep-alive agents instead of the global fetch
 * (undici's WHATWG layer: Request / Response objects, web streams and a body tee per call). With
 * binary grpc-web frames (no base64 either way) a unary call costs the client about a third of
 * the CPU it did (`pnpm bench grpc-call`, node-runner/bench/grpc-call.bench.ts, measures both). The calls, their
 * bytes and the transactions they carry do not change.
 *
 * Behaviour kept from fetch where the transport and the SDK rely on it: a request that reaches no
 * server rejects with `TypeError("fetch failed")` whose `cause` is the socket error (so
 * `isNetworkFailure` / `networkFailureReason` still read it); an abort signal rejects (or ends
 * the body) with an `AbortError`; a response the transport will not read (an HTTP error, or a
 * gRPC error status in the headers) is drained so its socket goes back to the pool. Outside Node
 * (`process.getBuiltinModule` missing) `grpcFetch` is null and the global fetch is used.
 */
import type * as Http from "node:http";

type HttpModule = typeof Http;

interface Loaded {
  http: HttpModule;
  https: HttpModule;
  agents: { http: Http.Agent; https: Http.Agent };
}

function load(): Loaded | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return null;
  try {
    const http = proc.getBuiltinModule("node:http") as HttpModule | undefined;
    const https = proc.getBuiltinModule("node:https") as HttpModule | undefined;
    if (typeof http?.request !== "function" || typeof https?.request !== "function") return null;
    return {
      http,
      https,
      agents: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
    };
  } catch {
    return null;
  }
}

/** The headers of a response, as the transport reads them (`get`, `forEach`). */
class ResponseHeaders {
  constructor(private readonly h: Http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.h[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  forEach(cb: (value: string, key: string) => void): void {
    for (const [k, v] of Object.entries(this.h)) if (v !== undefined) cb(Array.isArray(v) ? v.join(", ") : v, k);
  }
}

/** What the transport passes to fetch. */
interface GrpcFetchInit {
  method?: string;
  headers?: { forEach(cb: (value: string, key: string) => void): void };
  body?: Uint8Array | string;
  signal?: AbortSignal | null;
}

/** What the transport reads of a response: the body is the Node stream, read as async chunks. */
export interface GrpcFetchResponse {
  type: "basic";
  ok: boolean;
  status: number;
  statusText: string;
  headers: ResponseHeaders;
  body: AsyncIterable<Uint8Array>;
}

const loaded = load();

function request(l: Loaded, url: string, init: GrpcFetchInit): Promise<GrpcFetchResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith("https:");
    const headers: Record<string, string> = {};
    init.headers?.forEach((value, key) => {
      headers[key] = value;
    });
    let req: Http.ClientRequest;
    try {
      req = (secure ? l.https : l.http).request(
        url,
        {
          method: init.method ?? "GET",
          headers,
          agent: secure ? l.agents.https : l.agents.http,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const grpcStatus = res.headers["grpc-status"];
          // Not read by the transport (it throws on the status first): drained, so the socket is reused.
          if (!ok || (grpcStatus !== undefined && grpcStatus !== "0")) res.resume();
          resolve({
            type: "basic",
            ok,
            status,
            statusText: res.statusMessage ?? "",
            headers: new ResponseHeaders(res.headers),
            body: res,
          });
        },
      );
    } catch (err) {
      reject(new TypeError("fetch failed", { cause: err }));
      return;
    }
    req.on("error", (err: Error) => {
      // An abort keeps its AbortError (the transport maps it to CANCELLED), anything else is fetch's.
      reject(err.name === "AbortError" ? err : new TypeError("fetch failed", { cause: err }));
    });
    req.end(init.body);
  });
}

/**
 * `fetch` for @mysten/sui's `SuiGrpcClient` (`{ fetch: grpcFetch, format: "binary" }`) in Node;
 * null elsewhere.
 */
export const grpcFetch: ((url: string, init: GrpcFetchInit) => Promise<GrpcFetchResponse>) | null = loaded
  ? (url, init) => request(loaded, url, init)
  : null;
