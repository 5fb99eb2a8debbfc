/**
 * Move abort codes of the `atoma` package, per module, and their decoding.
 *
 * Move 2024 clever errors (`#[error(code = N)] const EName: vector<u8> = b"msg";`) abort with
 * a 64-bit code whose bit 63 is set and whose bits 48..55 hold `N`; plain aborts carry `N`
 * directly. The table is generated from the compiled package (`sdk/src/generated/atoma/errors.ts`,
 * `pnpm codegen`); `sdk/test/client/move-errors.test.ts` also parses move/packages/atoma/sources/*.move
 * and fails when it differs from the sources.
 */
import { AtomaError } from "../errors.js";
import { MOVE_ERRORS } from "../generated/atoma/errors.js";

export type { MoveErrorInfo } from "../generated/atoma/errors.js";
/** module -> error code -> constant name and message, generated from the bytecode's abort sites. */
export { MOVE_ERRORS };

/** The error code of an abort code: bits 48..55 of a clever code (bit 63 set), else the code. */
export function moveErrorCode(abortCode: bigint | string | number): number {
  const c = BigInt(abortCode);
  if (c < 0n || c >= 1n << 64n) throw new RangeError(`abort code ${c} is not a u64`);
  if (c & (1n << 63n)) return Number((c >> 48n) & 0xffn);
  return Number(c);
}

/** The line number a clever abort code carries (bits 32..47), or undefined for a plain code. */
export function moveErrorLine(abortCode: bigint | string | number): number | undefined {
  const c = BigInt(abortCode);
  return c & (1n << 63n) ? Number((c >> 32n) & 0xffffn) : undefined;
}

/** A Move abort inside an `atoma` module (or elsewhere: then `name` may be undefined). */
export class MoveAbortError extends AtomaError {
  override name = "MoveAbortError";
  constructor(
    /** Module that aborted, e.g. "request". */
    readonly module: string | undefined,
    /** The error code N (see moveErrorCode). */
    readonly errorCode: number,
    /** The raw abort code as a decimal string. */
    readonly abortCode: string,
    /** Constant name, e.g. "EWrongStatus", when known. */
    readonly constantName: string | undefined,
    /** Human message from the constant, when known. */
    readonly errorMessage: string | undefined,
    /** Function where it aborted, when the chain says. */
    readonly functionName?: string,
    options?: { cause?: unknown },
  ) {
    super(
      "MOVE_ABORT",
      `${module ?? "?"}${functionName ? `::${functionName}` : ""} aborted with ${constantName ?? `code ${errorCode}`}` +
        (errorMessage ? `: ${errorMessage}` : ""),
      options,
    );
  }
}

/** The structured abort the @mysten/sui core API reports (`ExecutionError` with `MoveAbort`). */
export interface MoveAbortLike {
  abortCode: string | number | bigint;
  location?: { package?: string; module?: string; functionName?: string };
  cleverError?: { errorCode?: number; constantName?: string };
}

const MSG_RE =
  /MoveAbort\(MoveLocation \{ module: ModuleId \{ address: ([0-9a-fx]+), name: Identifier\("([A-Za-z0-9_]+)"\) \}(?:, function: \d+, instruction: \d+, function_name: Some\("([A-Za-z0-9_]+)"\))?[^)]*\}?\)?, (\d+)\)/;
/** The core API's message form: `abort code: 7, in '0x…::module::function'`. */
const CORE_MSG_RE = /abort code: (\d+), in '0x[0-9a-fA-F]+::([A-Za-z0-9_]+)::([A-Za-z0-9_]+)'/;
const LOOSE_RE = /module[^A-Za-z0-9_]+(?:[0-9a-fx]+::)?([a-z_][a-z0-9_]*)[\s\S]*?(?:abort code|code)[:\s]+(\d+)/i;

/**
 * Decodes a Move abort into a MoveAbortError: from `(module, abortCode)`, from the core API's
 * `ExecutionError` / `MoveAbort` object, or from an execution error message string (the
 * JSON-RPC `MoveAbort(MoveLocation { ... name: Identifier("m") ... }, code)` form).
 * Returns undefined when the input is not a Move abort.
 */
export function decodeMoveAbort(
  input: string | MoveAbortLike | { MoveAbort?: MoveAbortLike | null; message?: string } | null | undefined,
  module?: string,
): MoveAbortError | undefined {
  if (input === null || input === undefined) return undefined;
  if (typeof input === "string" || typeof input === "number" || typeof input === "bigint") {
    if (module !== undefined && /^\d+$/.test(String(input))) return fromParts(module, String(input));
    const s = String(input);
    const m = MSG_RE.exec(s);
    if (m) return fromParts(m[2] as string, m[4] as string, m[3]);
    const c = CORE_MSG_RE.exec(s);
    if (c) return fromParts(c[2] as string, c[1] as string, c[3]);
    const l = LOOSE_RE.exec(s);
    if (l) return fromParts(l[1] as string, l[2] as string);
    return undefined;
  }
  if ("abortCode" in input && input.abortCode !== undefined) {
    const a = input as MoveAbortLike;
    return fromParts(module ?? a.location?.module, String(a.abortCode), a.location?.functionName, a.cleverError);
  }
  if ("MoveAbort" in input && input.MoveAbort) return decodeMoveAbort(input.MoveAbort, module);
  if ("message" in input && typeof input.message === "string") return decodeMoveAbort(input.message, module);
  return undefined;
}

function fromParts(
  module: string | undefined,
  abortCode: string,
  functionName?: string,
  clever?: { errorCode?: number; constantName?: string },
): MoveAbortError {
  const errorCode = clever?.errorCode ?? moveErrorCode(abortCode);
  const info = module ? MOVE_ERRORS[module]?.[errorCode] : undefined;
  return new MoveAbortError(
    module,
    errorCode,
    BigInt(abortCode).toString(),
    info?.name ?? clever?.constantName,
    info?.message,
    functionName,
  );
}
