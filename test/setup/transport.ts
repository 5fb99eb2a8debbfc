/**
 * The Sui transport the SDK, node-runner and indexer tests talk to the devnet over.
 * `ATOMA_TEST_TRANSPORT=grpc` runs them against a gRPC-only devnet (JSON-RPC disabled, as current
 * Sui nodes) with `SuiGrpcClient`; `jsonrpc` forces JSON-RPC; unset, each test keeps its own
 * default (tests specifically about one transport do not use this helper).
 */
import { parseSuiTransport, type SuiTransport, suiClientFor } from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";

const fromEnv = process.env.ATOMA_TEST_TRANSPORT
  ? parseSuiTransport(process.env.ATOMA_TEST_TRANSPORT, "ATOMA_TEST_TRANSPORT")
  : undefined;

/** The transport a test uses: the environment's, else the test's own default. */
export function testTransport(fallback: SuiTransport = "grpc"): SuiTransport {
  return fromEnv ?? fallback;
}

/** Devnet options for the test transport: JSON-RPC switched off under `ATOMA_TEST_TRANSPORT=grpc`. */
export function testDevnetOptions(): { jsonRpc?: false } {
  return fromEnv === "grpc" ? { jsonRpc: false } : {};
}

/** A Sui client for `url` over the test transport. */
export function testClient(url: string, fallback: SuiTransport = "grpc"): ClientWithCoreApi {
  return suiClientFor(url, testTransport(fallback));
}
