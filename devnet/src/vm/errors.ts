/** Errors raised while executing Move bytecode. */

/** Where in the bytecode an error happened (Sui's `MoveLocation`). */
export interface VmLocation {
  /** Package id, 0x + 64 hex. */
  address: string;
  module: string;
  /** Function definition index and name. */
  functionIndex: number;
  functionName: string;
  /** Instruction offset. */
  pc: number;
}

/** `abort code` executed by Move code (or a native aborting with a code). */
export class VmAbort extends Error {
  override name = "VmAbort";
  constructor(
    readonly code: bigint,
    readonly location: VmLocation,
  ) {
    super(`MoveAbort(${location.address}::${location.module}::${location.functionName}, ${code})`);
  }
}

/** Kinds of non-abort runtime failures, named after Sui's `ExecutionFailureStatus` variants. */
export type VmFailureKind =
  /** Arithmetic overflow/underflow, division by zero, bad cast or shift, vector out of bounds. */
  | "MovePrimitiveRuntimeError"
  | "InsufficientGas"
  /** A call into a function or native the devnet does not provide. */
  | "FunctionNotFound"
  | "VMInvariantViolation"
  | "MoveObjectTooBig"
  | "EffectsTooLarge"
  | "TooManyEvents"
  | "MoveEventTooBig"
  | "TooManyObjectLoads"
  | "VectorTooLong"
  | "ValueTooDeep"
  | "CallStackOverflow";

/** A runtime failure other than an abort: the transaction fails with `kind`. */
export class VmFailure extends Error {
  override name = "VmFailure";
  constructor(
    readonly kind: VmFailureKind,
    message: string,
    readonly location?: VmLocation,
  ) {
    super(message);
  }
}
