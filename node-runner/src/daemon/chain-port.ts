/**
 * What the node daemon needs from the chain. The production implementation wraps
 * `AtomaClient` of `@atoma/sdk` (see sdk-port.ts); keeping the daemon behind this narrow
 * interface keeps its scheduling logic readable and independent of transport details.
 */

import { RequestStatus } from "@atoma/sdk/bcs";

/** The chain's request status (one definition, in the SDK). */
export { RequestStatus };
export type RequestStatusCode = RequestStatus;

export interface AssignmentView {
  nodeId: string;
  round: number;
  price: bigint;
  committed: boolean;
  revealed: boolean;
  outputHash: Uint8Array;
}

/** The parts of an on-chain `Request` the daemon reads. */
export interface RequestView {
  id: string;
  requester: string;
  kind: number;
  capability: Uint8Array;
  inputHash: Uint8Array;
  input: Uint8Array;
  maxTokens: bigint;
  fuel: bigint;
  sampleSize: bigint;
  confidential: boolean;
  status: RequestStatusCode;
  round: number;
  commitDeadlineMs: bigint;
  revealDeadlineMs: bigint;
  disputeDeadlineMs: bigint;
  assignments: AssignmentView[];
  /** Set by a round-1 settlement or the first matching post (round 0 agrees on `t` only). */
  agreedOutputHash: Uint8Array | null;
  /** The agreed blinded hash `t = blake2b256(output_hash ‖ request_id)`, set at settlement. */
  agreedBlindedHash: Uint8Array | null;
  outputPosted: boolean;
  /** The request object's initial shared version, where the read said it (a transaction's input ref). */
  initialSharedVersion?: string;
}

/** An output post: the (possibly sealed) output and the hash of its plaintext. */
export interface OutputPost {
  output: Uint8Array;
  outputHash: Uint8Array;
}

/**
 * Events the daemon reacts to (already decoded). Those of a request carry what the task's view of
 * it needs (./request-state.ts), so a waiting task follows the request without reading it again.
 */
export type DaemonEvent =
  | {
      name: "NodesSampled";
      requestId: string;
      round: number;
      nodes: string[];
      commitDeadlineMs: bigint;
      revealDeadlineMs: bigint;
    }
  | { name: "ResultCommitted"; requestId: string; nodeId: string; round: number }
  | { name: "ResultRevealed"; requestId: string; nodeId: string; round: number; outputHash: Uint8Array }
  | { name: "OutputPosted"; requestId: string; nodeId: string }
  | { name: "DisputeOpened"; requestId: string; disputeDeadlineMs: bigint }
  | { name: "RequestSettled"; requestId: string; blindedHash: Uint8Array }
  | { name: "RequestFailed"; requestId: string }
  | { name: "KeyRotationStarted"; clusterId: string; epoch: bigint }
  | { name: "Other"; type: string };

/** The events of one request. */
export type RequestEvent = Extract<DaemonEvent, { requestId: string }>;

/** A page of events for the SDK's follower (`followEvents`). */
export interface EventBatch {
  events: DaemonEvent[];
  /** Cursor to resume after this page (null or unchanged when nothing was read). */
  cursor: string | null;
  hasNextPage: boolean;
}

/** The chain's time (the Clock object `0x6`), which every deadline is measured against. */
export interface ChainClock {
  /** Current chain time in ms (a read of the chain). */
  nowMs(): Promise<bigint>;
  /**
   * The chain's time known without a read (the last checkpoint's timestamp, while the checkpoint
   * stream is live), never ahead of the chain; undefined when only a read can tell.
   */
  knownMs?(): bigint | undefined;
  /**
   * Calls `listener` with the chain time each time the clock learns it moved on (a checkpoint):
   * what lets a task waiting for a deadline sleep until it passes instead of polling. Clocks
   * without it are polled.
   */
  onAdvance?(listener: (ms: bigint) => void): void;
}

/**
 * Reads and state changes. A state change the Move code refuses rejects with the SDK's
 * `MoveAbortError` (module, constant name): deterministic, never worth retrying; any other
 * rejection is a transport or chain failure that may pass.
 */
export interface ChainPort {
  /** Events after `cursor` (null = from the beginning), at most `limit`. */
  nextEvents(cursor: string | null, limit: number): Promise<EventBatch>;
  getRequest(requestId: string): Promise<RequestView>;
  /**
   * Commits for `outputHash` in `round`: `blake2b256(value ‖ nodeId ‖ salt)` with `value` the
   * blinded `t = blake2b256(outputHash ‖ requestId)` in round 0, `outputHash` in round 1.
   */
  commit(requestId: string, round: number, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  /** Reveals what `commit` committed (round 0: `t`; round 1: `outputHash`). */
  reveal(requestId: string, round: number, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  /**
   * Reveals and settles in one transaction: only for the reveal that completes the round (every
   * other node of the round revealed), else the settle aborts and takes the reveal with it. With
   * `output`, the public output is posted in the same transaction (only when every revealed value
   * blinds to this node's, so the settle agrees on it), with `outputHash`.
   */
  revealAndSettle(
    requestId: string,
    round: number,
    outputHash: Uint8Array,
    salt: Uint8Array,
    output?: Uint8Array,
  ): Promise<void>;
  /** Settles; with `post`, posts it in the same transaction (same rule as `revealAndSettle`). */
  settle(requestId: string, post?: OutputPost): Promise<void>;
  escalate(requestId: string): Promise<void>;
  /** Posts the output with the hash of its plaintext (it must blind to the agreed `t`). */
  postOutput(requestId: string, post: OutputPost): Promise<void>;
}
