/**
 * BCS schemas of every event of `atoma::events` and a decoder that turns a chain event
 * `{type, bcs}` into a typed, discriminated union.
 */
import { BcsReader } from "@mysten/bcs";
import { bcs } from "@mysten/sui/bcs";
import { fromBase64 } from "@mysten/sui/utils";
import { DecodeError } from "../errors.js";

const ID = bcs.Address;
const bytes = bcs.vector(bcs.u8());

export const NodeRegistered = bcs.struct("NodeRegistered", {
  node_id: ID,
  operator: bcs.Address,
  stake: bcs.u64(),
  sig_pk: bytes,
  enc_pk: bytes,
  capabilities: bcs.vector(bytes),
  price: bcs.u64(),
});
export const StakeChanged = bcs.struct("StakeChanged", {
  node_id: ID,
  old_stake: bcs.u64(),
  new_stake: bcs.u64(),
  reason: bcs.u8(),
});
export const NodeStatusChanged = bcs.struct("NodeStatusChanged", {
  node_id: ID,
  old_status: bcs.u8(),
  new_status: bcs.u8(),
  unbonding_until_ms: bcs.u64(),
});
export const NodeUpdated = bcs.struct("NodeUpdated", {
  node_id: ID,
  price: bcs.u64(),
  capabilities: bcs.vector(bytes),
});
export const AttestationRecorded = bcs.struct("AttestationRecorded", {
  node_id: ID,
  tee_kind: bcs.u8(),
  measurement: bytes,
  report_data_hash: bytes,
  evidence_hash: bytes,
  verifier: bcs.Address,
  recorded_ms: bcs.u64(),
  expires_ms: bcs.u64(),
  issued_ms: bcs.u64(),
});
export const AttestationRevoked = bcs.struct("AttestationRevoked", {
  node_id: ID,
  revoked_by: bcs.Address,
  revoked_ms: bcs.u64(),
});
export const RequestCreated = bcs.struct("RequestCreated", {
  request_id: ID,
  requester: bcs.Address,
  kind: bcs.u8(),
  capability: bytes,
  input_hash: bytes,
  sample_size: bcs.u64(),
  quorum_bps: bcs.u64(),
  confidential: bcs.bool(),
  max_price: bcs.u64(),
  escrow: bcs.u64(),
  created_ms: bcs.u64(),
});
export const NodesSampled = bcs.struct("NodesSampled", {
  request_id: ID,
  round: bcs.u8(),
  nodes: bcs.vector(ID),
  commit_deadline_ms: bcs.u64(),
  reveal_deadline_ms: bcs.u64(),
});
export const ResultCommitted = bcs.struct("ResultCommitted", {
  request_id: ID,
  node_id: ID,
  round: bcs.u8(),
  commitment: bytes,
});
export const ResultRevealed = bcs.struct("ResultRevealed", {
  request_id: ID,
  node_id: ID,
  round: bcs.u8(),
  output_hash: bytes,
});
export const NodePaid = bcs.struct("NodePaid", { request_id: ID, node_id: ID, amount: bcs.u64() });
export const NodeSlashed = bcs.struct("NodeSlashed", {
  request_id: ID,
  node_id: ID,
  amount: bcs.u64(),
  reason: bcs.u8(),
  remaining_stake: bcs.u64(),
});
export const RequestSettled = bcs.struct("RequestSettled", {
  request_id: ID,
  output_hash: bytes,
  agreeing: bcs.vector(ID),
  paid_total: bcs.u64(),
  slashed_total: bcs.u64(),
  margin: bcs.u64(),
  refund: bcs.u64(),
  rounds: bcs.u8(),
  settled_ms: bcs.u64(),
});
export const DisputeOpened = bcs.struct("DisputeOpened", {
  request_id: ID,
  output_hashes: bcs.vector(bytes),
  escalation_size: bcs.u64(),
});
export const RequestFailed = bcs.struct("RequestFailed", { request_id: ID, reason: bcs.u8(), refund: bcs.u64() });
export const OutputPosted = bcs.struct("OutputPosted", { request_id: ID, node_id: ID, size: bcs.u64() });
export const OutputAccepted = bcs.struct("OutputAccepted", { request_id: ID, node_id: ID });
export const ClusterCreated = bcs.struct("ClusterCreated", {
  cluster_id: ID,
  members: bcs.vector(ID),
  epoch: bcs.u64(),
  commitment: bytes,
});
export const KeyRotationStarted = bcs.struct("KeyRotationStarted", {
  cluster_id: ID,
  epoch: bcs.u64(),
  commitment: bytes,
  deadline_ms: bcs.u64(),
  ack_quorum: bcs.u64(),
});
export const KeyRotationAcked = bcs.struct("KeyRotationAcked", {
  cluster_id: ID,
  epoch: bcs.u64(),
  node_id: ID,
  acks: bcs.u64(),
});
export const KeyRotationCompleted = bcs.struct("KeyRotationCompleted", {
  cluster_id: ID,
  epoch: bcs.u64(),
  commitment: bytes,
  previous_commitment: bytes,
  grace_until_ms: bcs.u64(),
});
export const KeyRotationAborted = bcs.struct("KeyRotationAborted", { cluster_id: ID, epoch: bcs.u64() });

/** Every event schema, by Move struct name in `atoma::events`. */
export const EVENT_SCHEMAS = {
  NodeRegistered,
  StakeChanged,
  NodeStatusChanged,
  NodeUpdated,
  AttestationRecorded,
  AttestationRevoked,
  RequestCreated,
  NodesSampled,
  ResultCommitted,
  ResultRevealed,
  NodePaid,
  NodeSlashed,
  RequestSettled,
  DisputeOpened,
  RequestFailed,
  OutputPosted,
  OutputAccepted,
  ClusterCreated,
  KeyRotationStarted,
  KeyRotationAcked,
  KeyRotationCompleted,
  KeyRotationAborted,
} as const;

export type AtomaEventName = keyof typeof EVENT_SCHEMAS;
export const ATOMA_EVENT_NAMES = Object.keys(EVENT_SCHEMAS) as AtomaEventName[];

/** Decoded data of one event type (u64 as decimal strings, addresses/ids as 0x-hex, bytes as number[]). */
export type AtomaEventData<N extends AtomaEventName> = (typeof EVENT_SCHEMAS)[N]["$inferType"];

/** A decoded event: discriminated on `name`. */
export type AtomaEvent = { [N in AtomaEventName]: { name: N; data: AtomaEventData<N> } }[AtomaEventName];

/** An event as chains return it: the full Move type and its BCS bytes (or base64 of them). */
export interface RawEvent {
  type: string;
  bcs: Uint8Array | string;
}

const TYPE_RE = /^0x[0-9a-fA-F]{1,64}::events::([A-Za-z_][A-Za-z0-9_]*)$/;

/** The event name of a Move event type of any version of the package, or undefined. */
export function atomaEventName(type: string): AtomaEventName | undefined {
  const m = TYPE_RE.exec(type);
  if (!m) return undefined;
  const name = m[1] as string;
  return Object.hasOwn(EVENT_SCHEMAS, name) ? (name as AtomaEventName) : undefined;
}

/**
 * Decodes an event of any version of the `atoma` package (matched by the `::events::<Name>`
 * suffix). Throws DecodeError naming the type on an unknown type or malformed bytes
 * (including trailing bytes).
 */
export function decodeAtomaEvent(event: RawEvent): AtomaEvent {
  const name = atomaEventName(event.type);
  if (!name) throw new DecodeError(event.type, "not an atoma::events event type");
  let raw: Uint8Array;
  try {
    raw = typeof event.bcs === "string" ? fromBase64(event.bcs) : event.bcs;
  } catch (cause) {
    throw new DecodeError(event.type, "event bcs is not valid base64", { cause });
  }
  const schema = EVENT_SCHEMAS[name];
  return { name, data: readExact(schema as { read(reader: BcsReader): unknown }, raw, event.type) } as AtomaEvent;
}

/**
 * Parses `raw` with `schema`, rejecting short input and trailing bytes (parse() alone ignores
 * leftovers, which is how a layout drift usually shows up).
 */
export function readExact<T>(schema: { read(reader: BcsReader): T }, raw: Uint8Array, what: string): T {
  const reader = new BcsReader(raw);
  let data: T;
  try {
    data = schema.read(reader);
  } catch (cause) {
    throw new DecodeError(what, `malformed BCS (${(cause as Error).message})`, { cause });
  }
  // BcsReader keeps its position private; read it when present (no exception on the hot
  // path), else probe one more byte.
  const pos = (reader as unknown as { bytePosition?: unknown }).bytePosition;
  let trailing: boolean;
  if (typeof pos === "number") trailing = pos !== raw.length;
  else {
    trailing = true;
    try {
      reader.read8();
    } catch {
      trailing = false;
    }
  }
  if (trailing) throw new DecodeError(what, "malformed BCS: trailing bytes after the value");
  return data;
}

/** Like decodeAtomaEvent, but returns undefined for events that are not Atoma's. */
export function tryDecodeAtomaEvent(event: RawEvent): AtomaEvent | undefined {
  if (!atomaEventName(event.type)) return undefined;
  return decodeAtomaEvent(event);
}
