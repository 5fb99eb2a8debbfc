export type { MoveAbortLike, MoveErrorInfo } from "../errors/move-errors.js";
export { decodeMoveAbort, MOVE_ERRORS, MoveAbortError, moveErrorCode, moveErrorLine } from "../errors/move-errors.js";
export * from "./checkpoints.js";
export * from "./client.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./executor.js";
export * from "./follow.js";
export {
  EXECUTE_INCLUDE,
  EXECUTE_READ_MASK,
  executeMasked,
  LIST_EVENTS_READ_MASK,
  listEventsMasked,
  withMaskedExecution,
} from "./grpc-masks.js";
export * from "./keypair.js";
export { sleep } from "./sleep.js";
export * from "./transport.js";
