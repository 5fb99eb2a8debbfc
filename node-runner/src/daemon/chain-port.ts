/**
 * What the node daemon needs from the chain. The production implementation wraps
 * `AtomaClient` of `@atoma/sdk` (see sdk-port.ts); keeping the daemon behind this narrow
 * interface keeps its scheduling logic readable and independent of transport details.
 */

export const RequestStatus = {
  Created: 0,
  Sampled: 1,
  Revealing: 2,
  Settled: 3,
  Disputed: 4,
  Failed: 5,
} as const;
export type RequestStatusCode = (typeof RequestStatus)[keyof typeof RequestStatus];

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

/** Events the daemon reacts to (already decoded). */
export type DaemonEvent =
  | { name: "NodesSampled"; requestId: string; round: number; nodes: string[] }
  | { name: "DisputeOpened"; requestId: string }
  | { name: "RequestSettled"; requestId: string }
  | { name: "RequestFailed"; requestId: string }
  | { name: "KeyRotationStarted"; clusterId: string; epoch: bigint }
  | { name: "Other"; type: string };

export interface EventBatch {
  events: DaemonEvent[];
  /** Opaque, JSON-serializable cursor to resume after this batch. */
  cursor: unknown;
}

export interface ChainPort {
  /** Current chain time in ms (the Clock object), used for deadlines. */
  nowMs(): Promise<bigint>;
  /** Events after `cursor` (null = from the beginning), at most `limit`. */
  nextEvents(cursor: unknown, limit: number): Promise<EventBatch>;
  getRequest(requestId: string): Promise<RequestView>;
  /** Commits `blake2b256(outputHash ‖ nodeId ‖ salt)`. */
  commit(requestId: string, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  reveal(requestId: string, outputHash: Uint8Array, salt: Uint8Array): Promise<void>;
  settle(requestId: string): Promise<void>;
  escalate(requestId: string): Promise<void>;
  postOutput(requestId: string, output: Uint8Array): Promise<void>;
  ackRotation?(clusterId: string, epoch: bigint, commitment: Uint8Array): Promise<void>;
}

/** A Move abort surfaced by the chain, with the module and error name when known. */
export interface AbortInfo {
  module: string;
  name?: string;
  code: number;
}
