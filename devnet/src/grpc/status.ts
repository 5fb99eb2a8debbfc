/** gRPC status codes and the typed error a handler throws to answer with one. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
export type GrpcCodeName = keyof typeof GrpcCode;

/** A failed call, answered as `grpc-status` + `grpc-message` (the message names the field). */
export class GrpcStatusError extends Error {
  override readonly name = "GrpcStatusError";
  constructor(
    readonly code: GrpcCodeName,
    message: string,
  ) {
    super(message);
  }
  get numeric(): number {
    return GrpcCode[this.code];
  }
}

export const invalid = (field: string, why: string): GrpcStatusError =>
  new GrpcStatusError("INVALID_ARGUMENT", `${field}: ${why}`);
export const notFound = (what: string): GrpcStatusError => new GrpcStatusError("NOT_FOUND", what);
