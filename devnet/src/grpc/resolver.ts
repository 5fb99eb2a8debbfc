/**
 * The SDK's own converters between `TransactionData` and the `sui.rpc.v2.Transaction` message
 * (`@mysten/sui` dist/client/transaction-resolver.mjs). They are not in the package's export
 * map, so they are loaded by file URL next to the exported `@mysten/sui/grpc` entry; the
 * version is pinned exactly in package.json, and a missing export fails loudly at start-up.
 */
import type { GrpcTypes } from "@mysten/sui/grpc";
import type { TransactionDataBuilder } from "@mysten/sui/transactions";

type TransactionData = ReturnType<TransactionDataBuilder["snapshot"]>;

interface ResolverModule {
  transactionDataToGrpcTransaction(data: TransactionData): GrpcTypes.Transaction;
  grpcTransactionToTransactionData(tx: GrpcTypes.Transaction): TransactionData;
}

const url = new URL("../client/transaction-resolver.mjs", import.meta.resolve("@mysten/sui/grpc"));
const mod = (await import(url.href)) as Partial<ResolverModule>;
if (
  typeof mod.transactionDataToGrpcTransaction !== "function" ||
  typeof mod.grpcTransactionToTransactionData !== "function"
)
  throw new Error(`@mysten/sui transaction-resolver at ${url.href} lacks the gRPC converters (SDK version changed?)`);

export const transactionDataToGrpcTransaction = mod.transactionDataToGrpcTransaction;
export const grpcTransactionToTransactionData = mod.grpcTransactionToTransactionData;
