/**
 * Move abort codes of the `atoma` package, per module, and their decoding.
 *
 * Move 2024 clever errors (`#[error(code = N)] const EName: vector<u8> = b"msg";`) abort with
 * a 64-bit code whose bit 63 is set and whose bits 48..55 hold `N`; plain aborts carry `N`
 * directly. `sdk/test/client/move-errors.test.ts` parses move/packages/atoma/sources/*.move and fails when
 * this table differs from the sources.
 */
import { AtomaError } from "../errors.js";

export interface MoveErrorInfo {
  name: string;
  message: string;
}

/** module -> error code -> constant name and message. */
export const MOVE_ERRORS: Readonly<Record<string, Readonly<Record<number, MoveErrorInfo>>>> = {
  // BEGIN GENERATED (python3 of the test's parser; keep in sync with move/packages/atoma/sources)
  attestation: {
    1: { name: "EUnknownVerifier", message: "verifier_pk is not allow-listed" },
    2: { name: "EInvalidTeeKind", message: "tee_kind must be 0..=4" },
    3: { name: "EReportDataMismatch", message: "report_data_hash != blake2b256(sig_pk || enc_pk)" },
    4: { name: "EAttestationExpired", message: "expires_ms is not after now" },
    5: { name: "EValidityTooLong", message: "expires_ms is beyond issued_ms + attestation_validity_ms" },
    6: { name: "EMeasurementNotAllowed", message: "measurement not allow-listed for tee_kind" },
    7: { name: "EBadVerdictSignature", message: "verdict signature does not verify" },
    8: { name: "EInvalidHash", message: "evidence_hash must be 32 bytes" },
    9: { name: "EIssuedInFuture", message: "issued_ms is after now" },
    10: { name: "EIssuedBeforeRevocation", message: "verdict issued at or before the node's last revocation" },
  },
  cluster: {
    1: { name: "EWrongVersion", message: "cluster version does not match the package version" },
    2: { name: "EUnknownNode", message: "member is not a registered node" },
    3: { name: "EInvalidMembers", message: "members must be 1..=64 distinct nodes" },
    4: { name: "EInvalidHash", message: "commitment must be 32 bytes" },
    5: { name: "EInvalidQuorum", message: "ack_quorum_bps must be 1..=10_000" },
    6: { name: "EWrongCap", message: "MasterCap is for another cluster" },
    7: { name: "EWrongEpoch", message: "epoch must be the current epoch + 1 (the pending one)" },
    8: { name: "ERotationPending", message: "a rotation is already pending" },
    9: { name: "EInvalidDeadline", message: "deadline_ms must be in the future" },
    10: { name: "ENoRotation", message: "no rotation is pending" },
    11: { name: "ENotMember", message: "node is not a member of the cluster" },
    12: { name: "ENotAttested", message: "node is not attested" },
    13: { name: "EDeadlinePassed", message: "rotation deadline has passed" },
    14: { name: "EAlreadyAcked", message: "node already acked this rotation" },
    15: { name: "EQuorumNotReached", message: "acks below ack_quorum_bps of members" },
    16: { name: "EDeadlineNotPassed", message: "rotation deadline has not passed" },
  },
  config: {
    1: { name: "EUnknownParam", message: "unknown parameter name" },
    2: { name: "EParamOutOfBounds", message: "parameter value out of bounds" },
  },
  node: {
    1: { name: "EStakeTooLow", message: "stake is below min_stake" },
    2: { name: "EInvalidKey", message: "sig_pk and enc_pk must be 32 bytes" },
    3: { name: "EInvalidCapability", message: "1..=16 capabilities of 1..=64 bytes, no duplicates" },
    4: { name: "ENodeLeaving", message: "node is leaving" },
    5: { name: "ENotLeaving", message: "node has not requested unstake" },
    6: { name: "EStillUnbonding", message: "unbonding period has not ended" },
    7: { name: "EZeroAmount", message: "amount must be positive" },
    8: { name: "ENotJailable", message: "node is not Active with stake below min_stake" },
  },
  registry: {
    1: { name: "EWrongVersion", message: "object version does not match the package version" },
    2: { name: "EPaused", message: "the protocol is paused" },
    3: { name: "ENotUpgrade", message: "registry version is not lower than the package version" },
    4: { name: "EInvalidKey", message: "public key must be 32 bytes" },
    5: { name: "EUnknownNode", message: "node is not registered" },
    6: { name: "ENoAttestation", message: "node has no attestation" },
    8: { name: "EInsufficientTreasury", message: "treasury holds less than the amount" },
    9: { name: "EInvalidTeeKind", message: "tee_kind must be 1..=4 for a measurement" },
    10: { name: "EVerifierExists", message: "verifier already allow-listed" },
    11: { name: "EUnknownVerifier", message: "verifier not allow-listed" },
    12: { name: "EUnknownMeasurement", message: "measurement not allow-listed" },
    13: { name: "EInvalidMeasurement", message: "measurement must be 1..=128 bytes" },
  },
  request: {
    1: { name: "EWrongVersion", message: "request version does not match the package version" },
    2: { name: "EInvalidKind", message: "kind must be 0 (Inference) or 1 (Wasm)" },
    3: { name: "EInvalidSampleSize", message: "sample_size must be 1..=max_sample_size" },
    4: { name: "EInvalidQuorum", message: "quorum_bps must be 5_001..=10_000" },
    5: { name: "EInvalidHash", message: "hash must be 32 bytes" },
    6: { name: "EInputTooLarge", message: "input exceeds max_inline_bytes" },
    7: { name: "EInvalidPrice", message: "max_price must be positive and the escrow must fit in u64" },
    8: { name: "EInsufficientPayment", message: "payment is below the escrow" },
    9: { name: "EWrongStatus", message: "request is not in a status that allows this call" },
    10: { name: "EDeadlinePassed", message: "deadline has passed" },
    11: { name: "ENotEnoughNodes", message: "fewer eligible nodes than sample_size" },
    12: { name: "ENotSampled", message: "node is not sampled in the current round" },
    13: { name: "EAlreadyCommitted", message: "node already committed" },
    14: { name: "ERevealTooEarly", message: "reveal before all commits or the commit deadline" },
    15: { name: "ENotCommitted", message: "node did not commit" },
    16: { name: "EAlreadyRevealed", message: "node already revealed" },
    17: { name: "ECommitmentMismatch", message: "blake2b256(output_hash || node_id || salt) != commitment" },
    18: { name: "ENotAgreeing", message: "node did not reveal the agreed output hash" },
    19: { name: "EOutputAlreadyPosted", message: "output already posted" },
    20: { name: "EOutputTooLarge", message: "output exceeds 16_384 bytes" },
    21: { name: "EInvalidCapability", message: "capability must be 1..=64 bytes" },
    22: { name: "EOutputMismatch", message: "blake2b256(output) != agreed output hash (public request)" },
    23: { name: "EOutputAccepted", message: "the requester already accepted an output" },
    24: { name: "ENotRequester", message: "only the requester may accept the output" },
    25: { name: "ENotConfidential", message: "only confidential requests accept an output" },
    26: { name: "ENoOutputFromNode", message: "the node posted no output for this request" },
  },
  sum_tree: {
    1: { name: "EAlreadyMember", message: "id is already in the sum tree" },
    2: { name: "ENotMember", message: "id is not in the sum tree" },
    3: { name: "EOutOfRange", message: "draw point is not below the remaining weight" },
  },
  settlement: {
    1: { name: "EWrongStatus", message: "request cannot be settled in its status" },
    2: { name: "ESettleTooEarly", message: "reveals missing and the reveal deadline has not passed" },
    3: { name: "EDeadlinePassed", message: "dispute deadline has passed" },
    4: { name: "ENotDisputed", message: "request is not Disputed" },
  },
  // END GENERATED
};

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
