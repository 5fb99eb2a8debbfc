/**
 * The Sui client for a node URL. gRPC (`sui.rpc.v2` over gRPC-web) is the default: Sui retired
 * JSON-RPC (off on the Foundation's mainnet full nodes since July 2026, removed from the node in
 * October 2026). `jsonrpc` remains for older nodes. In Node the gRPC client sends binary
 * grpc-web frames over node:http (./grpc-fetch.ts); elsewhere the default (base64 frames, fetch).
 */
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { InvalidInputError } from "../errors.js";
import { grpcFetch } from "./grpc-fetch.js";

export const SUI_TRANSPORTS = ["grpc", "jsonrpc"] as const;
export type SuiTransport = (typeof SUI_TRANSPORTS)[number];
export const DEFAULT_SUI_TRANSPORT: SuiTransport = "grpc";

/** Parses a `--transport` value; throws InvalidInputError naming the flag otherwise. */
export function parseSuiTransport(value: string, where = "--transport"): SuiTransport {
  if ((SUI_TRANSPORTS as readonly string[]).includes(value)) return value as SuiTransport;
  throw new InvalidInputError(where, `must be one of ${SUI_TRANSPORTS.join(", ")}, got "${value}"`);
}

export function suiClientFor(
  url: string,
  transport: SuiTransport = DEFAULT_SUI_TRANSPORT,
  network = "localnet",
): ClientWithCoreApi {
  if (transport === "jsonrpc") return new SuiJsonRpcClient({ url, network });
  // In Node: binary grpc-web frames over node:http (./grpc-fetch.ts), a third of the CPU per call.
  return new SuiGrpcClient({
    baseUrl: url,
    network,
    ...(grpcFetch ? { fetch: grpcFetch as unknown as typeof globalThis.fetch, format: "binary" as const } : {}),
  });
}

/**
 * Whether `err` says that nothing answered at the node's URL (a network-level failure, not an
 * HTTP or RPC error): undici's `TypeError: fetch failed` over JSON-RPC, `RpcError: fetch failed`
 * over gRPC-web.
 */
export function isNetworkFailure(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return !!e && (e.name === "TypeError" || e.name === "RpcError") && e.message === "fetch failed";
}

/**
 * The socket-level reason (`ECONNREFUSED`, `ENOTFOUND`…) a network failure had. gRPC-web's
 * RpcError drops undici's cause, so the URL is probed once with a plain request to learn it.
 */
export async function networkFailureReason(err: unknown, url: string): Promise<string> {
  const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === "string" && !code.startsWith("UND_ERR_")) return code;
  try {
    await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(3_000) });
    return "fetch failed";
  } catch (probe) {
    const c = (probe as { cause?: { code?: unknown } }).cause?.code;
    return typeof c === "string" ? c : "fetch failed";
  }
}
