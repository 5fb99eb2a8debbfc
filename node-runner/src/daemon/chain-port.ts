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
  agreedOutputHash: Uint8Array | null;
  outputPosted: boolean;
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
  | { name: "DisputeOpened"; requestId: string }
  | { name: "RequestSettled"; requestId: string; outputHash: Uint8Array }
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
  /** Current chain time in ms. */
  nowMs(): Promise<bigint>;
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
  /** Commits `blake2b256(outputHash ‖ nodeId ‖ salt)`. */
  commit(requestId: string, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  reveal(requestId: string, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  /**
   * Reveals and settles in one transaction: only for the reveal that completes the round (every
   * other node of the round revealed), else the settle aborts and takes the reveal with it. With
   * `output`, the public output is posted in the same transaction (only when every revealed hash
   * equals `outputHash`, so the settle agrees on it).
   */
  revealAndSettle(requestId: string, outputHash: Uint8Array, salt: Uint8Array, output?: Uint8Array): Promise<void>;
  /** Settles; with `output`, posts it in the same transaction (same rule as `revealAndSettle`). */
  settle(requestId: string, output?: Uint8Array): Promise<void>;
  escalate(requestId: string): Promise<void>;
  postOutput(requestId: string, output: Uint8Array): Promise<void>;
}
