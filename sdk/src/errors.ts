/**
 * Typed errors of the Atoma SDK. Every error carries a stable `code`; errors about bad input
 * name the offending `field` and the rule it broke.
 */

export type AtomaErrorCode =
  | "INVALID_INPUT"
  | "DECODE_FAILED"
  | "CRYPTO_FAILED"
  | "DECRYPT_FAILED"
  | "KEY_NOT_ATTESTED"
  | "ATTESTATION_INVALID"
  | "CHAIN_ERROR"
  | "MOVE_ABORT"
  | "NOT_FOUND"
  | "TIMEOUT";

export class AtomaError extends Error {
  override name = "AtomaError";
  constructor(
    readonly code: AtomaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input: `field` names what was wrong, `rule` says what it must be. */
export class InvalidInputError extends AtomaError {
  override name = "InvalidInputError";
  constructor(
    readonly field: string,
    readonly rule: string,
    options?: { cause?: unknown },
  ) {
    super("INVALID_INPUT", `${field}: ${rule}`, options);
  }
}

/** Bytes that do not decode as the expected type. */
export class DecodeError extends AtomaError {
  override name = "DecodeError";
  constructor(
    readonly what: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("DECODE_FAILED", `${what}: ${message}`, options);
  }
}

/** Throws InvalidInputError unless `cond` holds. */
export function ensure(cond: unknown, field: string, rule: string): asserts cond {
  if (!cond) throw new InvalidInputError(field, rule);
}

/** Checks that `bytes` is a Uint8Array of exactly `len` bytes. */
export function ensureBytes(bytes: unknown, field: string, len?: number): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError(field, "must be a Uint8Array");
  if (len !== undefined && bytes.length !== len) {
    throw new InvalidInputError(field, `must be ${len} bytes, got ${bytes.length}`);
  }
}
