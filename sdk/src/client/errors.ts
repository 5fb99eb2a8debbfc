import { AtomaError } from "../errors.js";

/** A transport or chain failure (RPC error, failed transaction that is not a Move abort). */
export class ChainError extends AtomaError {
  override name = "ChainError";
  constructor(
    message: string,
    readonly digest?: string,
    options?: { cause?: unknown },
  ) {
    super("CHAIN_ERROR", message, options);
  }
}

/** An object (request, node, registry) that does not exist or is not of the expected type. */
export class NotFoundError extends AtomaError {
  override name = "NotFoundError";
  constructor(
    readonly what: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super("NOT_FOUND", `${what} ${id} not found`, options);
  }
}

/** A wait that ran out of time. */
export class TimeoutError extends AtomaError {
  override name = "TimeoutError";
  constructor(message: string) {
    super("TIMEOUT", message);
  }
}
