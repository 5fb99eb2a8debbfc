/**
 * BCS schemas of every `atoma::events` struct, field by field as in move/sources/events.move.
 * Fallback until `@atoma/sdk` exports `decodeAtomaEvent` from sdk/src/bcs; decode.ts points here.
 */
import { bcs } from "@mysten/sui/bcs";

const ID = bcs.Address;
const Addr = bcs.Address;
const bytes = bcs.vector(bcs.u8());

export const EVENT_SCHEMAS = {
  NodeRegistered: bcs.struct("NodeRegistered", {
    node_id: ID,
    operator: Addr,
    stake: bcs.u64(),
    sig_pk: bytes,
    enc_pk: bytes,
    capabilities: bcs.vector(bytes),
    price: bcs.u64(),
  }),
  StakeChanged: bcs.struct("StakeChanged", {
    node_id: ID,
    old_stake: bcs.u64(),
    new_stake: bcs.u64(),
    reason: bcs.u8(),
  }),
  NodeStatusChanged: bcs.struct("NodeStatusChanged", {
    node_id: ID,
    old_status: bcs.u8(),
    new_status: bcs.u8(),
    unbonding_until_ms: bcs.u64(),
  }),
  NodeUpdated: bcs.struct("NodeUpdated", { node_id: ID, price: bcs.u64(), capabilities: bcs.vector(bytes) }),
  AttestationRecorded: bcs.struct("AttestationRecorded", {
    node_id: ID,
    tee_kind: bcs.u8(),
    measurement: bytes,
    report_data_hash: bytes,
    evidence_hash: bytes,
    verifier: Addr,
    recorded_ms: bcs.u64(),
    expires_ms: bcs.u64(),
  }),
  AttestationRevoked: bcs.struct("AttestationRevoked", { node_id: ID, revoked_by: Addr }),
  RequestCreated: bcs.struct("RequestCreated", {
    request_id: ID,
    requester: Addr,
    kind: bcs.u8(),
    capability: bytes,
    input_hash: bytes,
    sample_size: bcs.u64(),
    quorum_bps: bcs.u64(),
    confidential: bcs.bool(),
    max_price: bcs.u64(),
    escrow: bcs.u64(),
    created_ms: bcs.u64(),
  }),
  NodesSampled: bcs.struct("NodesSampled", {
    request_id: ID,
    round: bcs.u8(),
    nodes: bcs.vector(ID),
    commit_deadline_ms: bcs.u64(),
    reveal_deadline_ms: bcs.u64(),
  }),
  ResultCommitted: bcs.struct("ResultCommitted", { request_id: ID, node_id: ID, round: bcs.u8(), commitment: bytes }),
  ResultRevealed: bcs.struct("ResultRevealed", { request_id: ID, node_id: ID, round: bcs.u8(), output_hash: bytes }),
  NodePaid: bcs.struct("NodePaid", { request_id: ID, node_id: ID, amount: bcs.u64() }),
  NodeSlashed: bcs.struct("NodeSlashed", {
    request_id: ID,
    node_id: ID,
    amount: bcs.u64(),
    reason: bcs.u8(),
    remaining_stake: bcs.u64(),
  }),
  RequestSettled: bcs.struct("RequestSettled", {
    request_id: ID,
    output_hash: bytes,
    agreeing: bcs.vector(ID),
    paid_total: bcs.u64(),
    slashed_total: bcs.u64(),
    margin: bcs.u64(),
    refund: bcs.u64(),
    rounds: bcs.u8(),
    settled_ms: bcs.u64(),
  }),
  DisputeOpened: bcs.struct("DisputeOpened", {
    request_id: ID,
    output_hashes: bcs.vector(bytes),
    escalation_size: bcs.u64(),
  }),
  RequestFailed: bcs.struct("RequestFailed", { request_id: ID, reason: bcs.u8(), refund: bcs.u64() }),
  OutputPosted: bcs.struct("OutputPosted", { request_id: ID, node_id: ID, size: bcs.u64() }),
  ClusterCreated: bcs.struct("ClusterCreated", {
    cluster_id: ID,
    members: bcs.vector(ID),
    epoch: bcs.u64(),
    commitment: bytes,
  }),
  KeyRotationStarted: bcs.struct("KeyRotationStarted", {
    cluster_id: ID,
    epoch: bcs.u64(),
    commitment: bytes,
    deadline_ms: bcs.u64(),
    ack_quorum: bcs.u64(),
  }),
  KeyRotationAcked: bcs.struct("KeyRotationAcked", {
    cluster_id: ID,
    epoch: bcs.u64(),
    node_id: ID,
    acks: bcs.u64(),
  }),
  KeyRotationCompleted: bcs.struct("KeyRotationCompleted", {
    cluster_id: ID,
    epoch: bcs.u64(),
    commitment: bytes,
    previous_commitment: bytes,
    grace_until_ms: bcs.u64(),
  }),
  KeyRotationAborted: bcs.struct("KeyRotationAborted", { cluster_id: ID, epoch: bcs.u64() }),
} as const;

export type EventName = keyof typeof EVENT_SCHEMAS;
export type EventInput<N extends EventName> = Parameters<(typeof EVENT_SCHEMAS)[N]["serialize"]>[0];
export type EventData<N extends EventName> = ReturnType<(typeof EVENT_SCHEMAS)[N]["parse"]>;
