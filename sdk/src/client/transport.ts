/**
 * The Sui client for a node URL. gRPC (`sui.rpc.v2` over gRPC-web) is the default: Sui retired
 * JSON-RPC (off on the Foundation's mainnet full nodes since July 2026, removed from the node in
 * October 2026). `jsonrpc` remains for older nodes.
 */
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { InvalidInputError } from "../errors.js";

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
  return transport === "grpc" ? new SuiGrpcClient({ baseUrl: url, network }) : new SuiJsonRpcClient({ url, network });
}
