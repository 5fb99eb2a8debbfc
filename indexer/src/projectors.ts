/**
 * One projector per `atoma::events` event: what the event means for the indexer's tables.
 * Each adds append-only rows and folds current-state patches into the batch's Projection;
 * nothing here touches the database (ingest.ts writes the projection in one transaction).
 */
import { NodeStatus, RequestStatus, tallyKey } from "@atoma/sdk";
import { attestationPath } from "./attestation-path.js";
import type { EventData, EventName } from "./decode.js";
import type { EventContext, Projection } from "./projection.js";
import { STATUS_OF_CHAIN } from "./status.js";

export function toHex(bytes: ArrayLike<number>): string {
  return `0x${Buffer.from(Uint8Array.from(bytes)).toString("hex")}`;
}
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** A capability label: UTF-8 text when it is printable, else 0x-hex. */
export function label(bytes: ArrayLike<number>): string {
  try {
    const t = utf8.decode(Uint8Array.from(bytes));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (!/[\u0000-\u001f\u007f]/.test(t)) return t;
  } catch {}
  return toHex(bytes);
}

/** JSON form of decoded event data: u64 as decimal strings, byte vectors as 0x-hex. */
export function jsonOf(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === "number")) return toHex(v as number[]);
    if (v.length === 0) return [];
    return v.map(jsonOf);
  }
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return typeof v === "bigint" ? v.toString() : v;
}

const big = (x: string | number | bigint) => BigInt(x);

/** The batch being built and the event at hand. */
export interface ProjectorInput {
  batch: Projection;
  event: EventContext;
}
export type Projector<N extends EventName> = (data: EventData<N>, at: ProjectorInput) => void;
export type Projectors = { [N in EventName]: Projector<N> };

/** Membership states of `cluster_members` (schema.ts). */
export type MemberState = "invited" | "member" | "declined" | "withdrawn" | "left" | "removed";
const member = (clusterId: string, nodeId: string, state: MemberState, { batch, event }: ProjectorInput) =>
  batch.member({ clusterId, nodeId, state, lastTx: event.txDigest, lastPos: event.pos });

/** The node's history row: every node-affecting event, its data as JSON. */
const history = <N extends EventName>(name: N, nodeId: string, data: EventData<N>, { batch, event }: ProjectorInput) =>
  batch.append("nodeHistory", {
    txDigest: event.txDigest,
    eventSeq: event.eventSeq,
    nodeId,
    event: name,
    data: jsonOf(data),
  });

export const projectors: Projectors = {
  NodeRegistered: (x, at) => {
    at.batch.node(x.node_id, {
      operator: x.operator,
      stake: big(x.stake),
      sigPk: toHex(x.sig_pk),
      encPk: toHex(x.enc_pk),
      capabilities: x.capabilities.map(label),
      price: big(x.price),
      status: NodeStatus.Active,
      registeredTx: at.event.txDigest,
      lastPos: at.event.pos,
    });
    history("NodeRegistered", x.node_id, x, at);
  },
  StakeChanged: (x, at) => {
    const { txDigest, eventSeq, pos } = at.event;
    at.batch.node(x.node_id, { stake: big(x.new_stake), lastPos: pos });
    at.batch.append("stakeChanges", {
      txDigest,
      eventSeq,
      nodeId: x.node_id,
      oldStake: big(x.old_stake),
      newStake: big(x.new_stake),
      reason: x.reason,
    });
    history("StakeChanged", x.node_id, x, at);
  },
  NodeStatusChanged: (x, at) => {
    at.batch.node(x.node_id, {
      status: x.new_status,
      unbondingUntilMs: big(x.unbonding_until_ms),
      lastPos: at.event.pos,
    });
    history("NodeStatusChanged", x.node_id, x, at);
  },
  NodeUpdated: (x, at) => {
    at.batch.node(x.node_id, { price: big(x.price), capabilities: x.capabilities.map(label), lastPos: at.event.pos });
    history("NodeUpdated", x.node_id, x, at);
  },
  AttestationRecorded: (x, at) => {
    const { txDigest, eventSeq, pos } = at.event;
    at.batch.node(x.node_id, { teeKind: x.tee_kind, attestedUntilMs: big(x.expires_ms), lastPos: pos });
    at.batch.append("attestations", {
      txDigest,
      eventSeq,
      nodeId: x.node_id,
      event: "recorded",
      teeKind: x.tee_kind,
      measurement: toHex(x.measurement),
      reportDataHash: toHex(x.report_data_hash),
      evidenceHash: toHex(x.evidence_hash),
      verifier: x.verifier,
      recordedMs: big(x.recorded_ms),
      expiresMs: big(x.expires_ms),
      revokedBy: null,
      path: attestationPath(x.tee_kind, x.verifier),
    });
    history("AttestationRecorded", x.node_id, x, at);
  },
  AttestationRevoked: (x, at) => {
    const { txDigest, eventSeq, pos } = at.event;
    at.batch.node(x.node_id, { attestedUntilMs: 0n, lastPos: pos });
    at.batch.append("attestations", {
      txDigest,
      eventSeq,
      nodeId: x.node_id,
      event: "revoked",
      revokedBy: x.revoked_by,
    });
    history("AttestationRevoked", x.node_id, x, at);
  },
  RequestCreated: (x, at) => {
    at.batch.request(x.request_id, {
      requester: x.requester,
      kind: x.kind,
      capability: label(x.capability),
      inputHash: toHex(x.input_hash),
      sampleSize: big(x.sample_size),
      quorumBps: big(x.quorum_bps),
      confidential: x.confidential,
      maxPrice: big(x.max_price),
      escrow: big(x.escrow),
      createdMs: big(x.created_ms),
      status: STATUS_OF_CHAIN[RequestStatus.Created],
      createdPos: at.event.pos,
      lastPos: at.event.pos,
    });
  },
  NodesSampled: (x, at) => {
    const { txDigest, eventSeq, pos } = at.event;
    at.batch.request(x.request_id, { status: STATUS_OF_CHAIN[RequestStatus.Sampled], round: x.round, lastPos: pos });
    at.batch.append("requestSamples", {
      txDigest,
      eventSeq,
      requestId: x.request_id,
      round: x.round,
      nodes: x.nodes,
      commitDeadlineMs: big(x.commit_deadline_ms),
      revealDeadlineMs: big(x.reveal_deadline_ms),
    });
  },
  ResultCommitted: (x, { batch, event }) => {
    batch.append("commits", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      nodeId: x.node_id,
      round: x.round,
      commitment: toHex(x.commitment),
    });
  },
  ResultRevealed: (x, { batch, event }) => {
    batch.node(x.node_id, { reveals: 1n }, ["reveals"]);
    batch.append("reveals", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      nodeId: x.node_id,
      round: x.round,
      outputHash: toHex(x.output_hash),
      // round 0 reveals t itself; a round-1 reveal (the output hash) is tallied as its t
      blindedHash: toHex(tallyKey(Uint8Array.from(x.output_hash), x.request_id, x.round)),
    });
  },
  NodePaid: (x, { batch, event }) => {
    batch.node(x.node_id, { paidTotal: big(x.amount) }, ["paidTotal"]);
    batch.append("payouts", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      nodeId: x.node_id,
      amount: big(x.amount),
    });
  },
  NodeSlashed: (x, at) => {
    const { txDigest, eventSeq, pos } = at.event;
    at.batch.node(x.node_id, { stake: big(x.remaining_stake), slashedTotal: big(x.amount), lastPos: pos }, [
      "slashedTotal",
    ]);
    at.batch.append("slashes", {
      txDigest,
      eventSeq,
      requestId: x.request_id,
      nodeId: x.node_id,
      amount: big(x.amount),
      reason: x.reason,
      remainingStake: big(x.remaining_stake),
    });
    history("NodeSlashed", x.node_id, x, at);
  },
  RequestSettled: (x, { batch, event }) => {
    // RequestSettled.output_hash is the agreed blinded t; the output hash itself comes with
    // OutputHashAgreed (round-1 settlement, or the first matching post).
    const blindedHash = toHex(x.output_hash);
    const outcome = {
      agreeing: x.agreeing,
      paidTotal: big(x.paid_total),
      slashedTotal: big(x.slashed_total),
      margin: big(x.margin),
      refund: big(x.refund),
      rounds: x.rounds,
      settledMs: big(x.settled_ms),
    };
    batch.request(x.request_id, {
      ...outcome,
      agreedBlindedHash: blindedHash,
      status: STATUS_OF_CHAIN[RequestStatus.Settled],
      lastPos: event.pos,
    });
    batch.append("settlements", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      outcome: "settled",
      blindedHash,
      ...outcome,
    });
  },
  DisputeOpened: (x, { batch, event }) => {
    batch.request(x.request_id, { status: STATUS_OF_CHAIN[RequestStatus.Disputed], lastPos: event.pos });
    batch.append("disputes", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      outputHashes: x.output_hashes.map(toHex),
      escalationSize: big(x.escalation_size),
    });
  },
  RequestFailed: (x, { batch, event }) => {
    batch.request(x.request_id, {
      status: STATUS_OF_CHAIN[RequestStatus.Failed],
      failReason: x.reason,
      refund: big(x.refund),
      lastPos: event.pos,
    });
    batch.append("settlements", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      outcome: "failed",
      refund: big(x.refund),
      failReason: x.reason,
    });
  },
  OutputPosted: (x, { batch, event }) => {
    batch.append("outputs", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      requestId: x.request_id,
      nodeId: x.node_id,
      size: big(x.size),
    });
  },
  // Kept as a raw event only (no table holds accepted outputs yet); the typed record makes that a choice.
  OutputAccepted: () => {},
  // `members` of ClusterCreated are the nodes *invited* at creation (issue 13 A7): each becomes a
  // member with ClusterMemberJoined; the column keeps that creation-time list, and
  // `cluster_members` the state of each node.
  ClusterCreated: (x, at) => {
    at.batch.cluster(x.cluster_id, {
      members: x.members,
      epoch: big(x.epoch),
      commitment: toHex(x.commitment),
      createdTx: at.event.txDigest,
      memberCount: 0n,
    });
    for (const n of x.members) member(x.cluster_id, n, "invited", at);
  },
  KeyRotationStarted: (x, { batch, event }) => {
    batch.rotation({
      clusterId: x.cluster_id,
      epoch: big(x.epoch),
      status: "started",
      commitment: toHex(x.commitment),
      deadlineMs: big(x.deadline_ms),
      ackQuorum: big(x.ack_quorum),
      acks: 0n,
      lastPos: event.pos,
    });
  },
  KeyRotationAcked: (x, { batch, event }) => {
    batch.rotation({ clusterId: x.cluster_id, epoch: big(x.epoch), acks: big(x.acks), lastPos: event.pos });
    batch.append("keyRotationAcks", {
      txDigest: event.txDigest,
      eventSeq: event.eventSeq,
      clusterId: x.cluster_id,
      epoch: big(x.epoch),
      nodeId: x.node_id,
      acks: big(x.acks),
    });
  },
  KeyRotationCompleted: (x, { batch, event }) => {
    batch.rotation({
      clusterId: x.cluster_id,
      epoch: big(x.epoch),
      status: "completed",
      commitment: toHex(x.commitment),
      previousCommitment: toHex(x.previous_commitment),
      graceUntilMs: big(x.grace_until_ms),
      lastPos: event.pos,
    });
    batch.cluster(x.cluster_id, { epoch: big(x.epoch), commitment: toHex(x.commitment) });
  },
  KeyRotationAborted: (x, { batch, event }) => {
    batch.rotation({ clusterId: x.cluster_id, epoch: big(x.epoch), status: "aborted", lastPos: event.pos });
  },
  // Issue 20: a node's ML-KEM key hash goes to its history; the cluster's post-quantum key,
  // rotation policy and sealed-byte reports are kept in raw_events only (no table reads them yet).
  NodePqKeySet: (x, at) => history("NodePqKeySet", x.node_id, x, at),
  ClusterPqKeySet: () => {},
  RotationPolicySet: () => {},
  SealedBytesReported: () => {},
  // Issue 13 A7: membership changes (invitations, acceptances, removals) go to cluster_members.
  ClusterMemberInvited: (x, at) => member(x.cluster_id, x.node_id, "invited", at),
  ClusterMemberJoined: (x, at) => {
    member(x.cluster_id, x.node_id, "member", at);
    at.batch.cluster(x.cluster_id, { memberCount: big(x.members) });
  },
  ClusterMemberRemoved: (x, at) => {
    // member: was it a member (else only invited); left: its own call (else the master's)
    const state = x.member ? (x.left ? "left" : "removed") : x.left ? "declined" : "withdrawn";
    member(x.cluster_id, x.node_id, state, at);
    at.batch.cluster(x.cluster_id, { memberCount: big(x.members) });
  },
  OutputHashAgreed: (x, { batch, event }) => {
    batch.request(x.request_id, { outputHash: toHex(x.output_hash), lastPos: event.pos });
  },
  // Treasury bookkeeping (issue 13 B): the margin and slash already count in RequestSettled /
  // NodeSlashed; the sweep only moves them from the request into the Registry's treasury.
  FeesSwept: () => {},
  // Admin parameter changes (issue 13): kept in raw_events only (the keeper reacts to them).
  ParamChanged: () => {},
};

/** Applies the event's projector (the name picks the projector and types the data). */
export function project<N extends EventName>(ev: { name: N; data: EventData<N> }, at: ProjectorInput): void {
  projectors[ev.name](ev.data, at);
}
