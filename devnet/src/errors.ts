/** Typed errors of the devnet. Each carries a stable `code`. */

export type DevnetErrorCode =
  | "INVALID_PARAMS"
  | "INVALID_TRANSACTION"
  | "BAD_SIGNATURE"
  | "OBJECT_NOT_FOUND"
  | "TX_NOT_FOUND"
  | "BINDING"
  | "BYTECODE"
  | "STATE";

export class DevnetError extends Error {
  override name = "DevnetError";
  constructor(
    readonly code: DevnetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A JSON-RPC error with Sui's codes (-32601 method not found, -32602 invalid params, -32002 tx rejected). */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by package implementations through `ctx.abort(code)`: a Move abort. */
export class MoveAbortError extends Error {
  override name = "MoveAbortError";
  constructor(
    readonly packageId: string,
    readonly module: string,
    readonly functionName: string,
    readonly functionIndex: number,
    readonly abortCode: bigint,
  ) {
    super(`MoveAbort in ${packageId}::${module}::${functionName} with code ${abortCode}`);
  }
}

/** A non-abort execution failure, mapped to one of Sui's `ExecutionFailureStatus` variants. */
export class ExecutionFailure extends Error {
  override name = "ExecutionFailure";
  constructor(
    /** The BCS `ExecutionFailureStatus` value, e.g. `{ InsufficientCoinBalance: true }`. */
    readonly status: Record<string, unknown>,
    /** Rust-Debug-like text, as Sui writes in `effects.status.error`. */
    readonly text: string,
  ) {
    super(text);
  }
}
