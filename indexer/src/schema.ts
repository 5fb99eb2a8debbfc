/**
 * Postgres schema of the indexer (drizzle-orm). u64 values are `bigint` (mode "bigint"); ids,
 * addresses and byte strings are lower-case 0x-hex text. Every event-derived append-only table is
 * keyed on the event id (tx_digest, event_seq) so re-ingesting a page writes nothing twice.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const u64 = (name: string) => bigint(name, { mode: "bigint" });
const eventId = () => ({
  txDigest: text("tx_digest").notNull(),
  eventSeq: integer("event_seq").notNull(),
});
type PkColumn = AnyPgColumn;
const eventPk = (t: { txDigest: PkColumn; eventSeq: PkColumn }) => [primaryKey({ columns: [t.txDigest, t.eventSeq] })];

/** Every event seen, decoded or not, in ingestion order (`pos`). */
export const rawEvents = pgTable(
  "raw_events",
  {
    ...eventId(),
    pos: u64("pos").notNull(),
    type: text("type").notNull(),
    name: text("name"),
    packageId: text("package_id").notNull(),
    sender: text("sender").notNull(),
    bcs: text("bcs").notNull(),
    timestampMs: u64("timestamp_ms"),
    checkpoint: u64("checkpoint"),
  },
  (t) => [primaryKey({ columns: [t.txDigest, t.eventSeq] }), index("raw_events_pos").on(t.pos)],
);

/** Current state of each node. Columns are nullable so partial upserts can COALESCE. */
export const nodes = pgTable(
  "nodes",
  {
    nodeId: text("node_id").primaryKey(),
    operator: text("operator"),
    stake: u64("stake"),
    sigPk: text("sig_pk"),
    encPk: text("enc_pk"),
    capabilities: jsonb("capabilities").$type<string[]>(),
    price: u64("price"),
    status: smallint("status"),
    unbondingUntilMs: u64("unbonding_until_ms"),
    teeKind: smallint("tee_kind"),
    attestedUntilMs: u64("attested_until_ms"),
    paidTotal: u64("paid_total"),
    slashedTotal: u64("slashed_total"),
    reveals: u64("reveals"),
    registeredTx: text("registered_tx"),
    lastPos: u64("last_pos"),
  },
  (t) => [index("nodes_operator").on(t.operator), index("nodes_status").on(t.status)],
);

/** One row per node-affecting event. */
export const nodeHistory = pgTable(
  "node_history",
  { ...eventId(), nodeId: text("node_id").notNull(), event: text("event").notNull(), data: jsonb("data").notNull() },
  (t) => [...eventPk(t), index("node_history_node").on(t.nodeId)],
);

export const stakeChanges = pgTable(
  "stake_changes",
  {
    ...eventId(),
    nodeId: text("node_id").notNull(),
    oldStake: u64("old_stake").notNull(),
    newStake: u64("new_stake").notNull(),
    reason: smallint("reason").notNull(),
  },
  (t) => [...eventPk(t), index("stake_changes_node").on(t.nodeId)],
);

export const attestations = pgTable(
  "attestations",
  {
    ...eventId(),
    nodeId: text("node_id").notNull(),
    event: text("event").notNull(), // "recorded" | "revoked"
    teeKind: smallint("tee_kind"),
    measurement: text("measurement"),
    reportDataHash: text("report_data_hash"),
    evidenceHash: text("evidence_hash"),
    verifier: text("verifier"),
    recordedMs: u64("recorded_ms"),
    expiresMs: u64("expires_ms"),
    revokedBy: text("revoked_by"),
    /** "verdict" | "tdx-onchain" | "nitro-onchain" | "onchain" (src/attestation-path.ts); null on revocations. */
    path: text("path"),
  },
  (t) => [...eventPk(t), index("attestations_node").on(t.nodeId)],
);

export const clusters = pgTable("clusters", {
  clusterId: text("cluster_id").primaryKey(),
  /** The nodes invited at creation (ClusterCreated.members); membership is `cluster_members`. */
  members: jsonb("members").$type<string[]>(),
  epoch: u64("epoch"),
  commitment: text("commitment"),
  createdTx: text("created_tx"),
  /** Members (accepted, not gone) after the latest membership event: the chain's count. */
  memberCount: u64("member_count"),
});

/**
 * Current membership state of each node in each cluster (issue 13 A7): `invited` (created or
 * `invite_member`), `member` (accepted with its NodeCap), then `declined` (an invited node left),
 * `withdrawn` (the master withdrew the invitation), `left` (a member left), `removed` (the
 * master removed a member). Keyed (cluster, node); `lastTx` is the event that set `state`.
 */
export const clusterMembers = pgTable(
  "cluster_members",
  {
    clusterId: text("cluster_id").notNull(),
    nodeId: text("node_id").notNull(),
    state: text("state").notNull(),
    lastTx: text("last_tx").notNull(),
    lastPos: u64("last_pos").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.nodeId] }), index("cluster_members_node").on(t.nodeId)],
);

/** Current state of each rotation, keyed (cluster, epoch). */
export const keyRotations = pgTable(
  "key_rotations",
  {
    clusterId: text("cluster_id").notNull(),
    epoch: u64("epoch").notNull(),
    status: text("status"), // started | completed | aborted
    commitment: text("commitment"),
    previousCommitment: text("previous_commitment"),
    deadlineMs: u64("deadline_ms"),
    ackQuorum: u64("ack_quorum"),
    acks: u64("acks"),
    graceUntilMs: u64("grace_until_ms"),
    lastPos: u64("last_pos"),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.epoch] })],
);

export const keyRotationAcks = pgTable(
  "key_rotation_acks",
  {
    ...eventId(),
    clusterId: text("cluster_id").notNull(),
    epoch: u64("epoch").notNull(),
    nodeId: text("node_id").notNull(),
    acks: u64("acks").notNull(),
  },
  (t) => [...eventPk(t), index("key_rotation_acks_cluster").on(t.clusterId, t.epoch)],
);

/** Current state of each request. status: open | sampled | disputed | settled | failed. */
export const requests = pgTable(
  "requests",
  {
    requestId: text("request_id").primaryKey(),
    requester: text("requester"),
    kind: smallint("kind"),
    capability: text("capability"),
    inputHash: text("input_hash"),
    sampleSize: u64("sample_size"),
    quorumBps: u64("quorum_bps"),
    confidential: boolean("confidential"),
    maxPrice: u64("max_price"),
    escrow: u64("escrow"),
    createdMs: u64("created_ms"),
    status: text("status"),
    round: smallint("round"),
    /**
     * The agreed output hash (OutputHashAgreed): known at a round-1 settlement, or after a
     * round-0 settlement at the first post whose hash blinds to `agreedBlindedHash`.
     */
    outputHash: text("output_hash"),
    /** The agreed blinded hash t = blake2b256(output_hash ‖ request_id) (RequestSettled). */
    agreedBlindedHash: text("agreed_blinded_hash"),
    agreeing: jsonb("agreeing").$type<string[]>(),
    paidTotal: u64("paid_total"),
    slashedTotal: u64("slashed_total"),
    margin: u64("margin"),
    refund: u64("refund"),
    rounds: smallint("rounds"),
    settledMs: u64("settled_ms"),
    failReason: smallint("fail_reason"),
    createdPos: u64("created_pos"),
    lastPos: u64("last_pos"),
  },
  (t) => [
    index("requests_status").on(t.status),
    index("requests_requester").on(t.requester),
    index("requests_created_pos").on(t.createdPos),
    index("requests_order").on(sql`coalesce(${t.createdPos}, ${t.lastPos})`),
  ],
);

export const requestSamples = pgTable(
  "request_samples",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    round: smallint("round").notNull(),
    nodes: jsonb("nodes").$type<string[]>().notNull(),
    commitDeadlineMs: u64("commit_deadline_ms").notNull(),
    revealDeadlineMs: u64("reveal_deadline_ms").notNull(),
  },
  (t) => [...eventPk(t), index("request_samples_request").on(t.requestId)],
);

export const commits = pgTable(
  "commits",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    nodeId: text("node_id").notNull(),
    round: smallint("round").notNull(),
    commitment: text("commitment").notNull(),
  },
  (t) => [...eventPk(t), index("commits_request").on(t.requestId), index("commits_node").on(t.nodeId)],
);

export const reveals = pgTable(
  "reveals",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    nodeId: text("node_id").notNull(),
    round: smallint("round").notNull(),
    /** What the node revealed: round 0 the blinded t, round 1 the output hash. */
    outputHash: text("output_hash").notNull(),
    /** The blinded t the reveal is tallied on (round 0: as revealed; round 1: computed). */
    blindedHash: text("blinded_hash").notNull(),
  },
  (t) => [...eventPk(t), index("reveals_request").on(t.requestId), index("reveals_node").on(t.nodeId)],
);

export const settlements = pgTable(
  "settlements",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    outcome: text("outcome").notNull(), // settled | failed
    /** The agreed blinded hash t (RequestSettled.output_hash); the output hash itself is on requests. */
    blindedHash: text("blinded_hash"),
    agreeing: jsonb("agreeing").$type<string[]>(),
    paidTotal: u64("paid_total"),
    slashedTotal: u64("slashed_total"),
    margin: u64("margin"),
    refund: u64("refund").notNull(),
    rounds: smallint("rounds"),
    settledMs: u64("settled_ms"),
    failReason: smallint("fail_reason"),
  },
  (t) => [...eventPk(t), index("settlements_request").on(t.requestId)],
);

export const payouts = pgTable(
  "payouts",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    nodeId: text("node_id").notNull(),
    amount: u64("amount").notNull(),
  },
  (t) => [...eventPk(t), index("payouts_request").on(t.requestId), index("payouts_node").on(t.nodeId)],
);

export const slashes = pgTable(
  "slashes",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    nodeId: text("node_id").notNull(),
    amount: u64("amount").notNull(),
    reason: smallint("reason").notNull(),
    remainingStake: u64("remaining_stake").notNull(),
  },
  (t) => [...eventPk(t), index("slashes_request").on(t.requestId), index("slashes_node").on(t.nodeId)],
);

export const disputes = pgTable(
  "disputes",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    outputHashes: jsonb("output_hashes").$type<string[]>().notNull(),
    escalationSize: u64("escalation_size").notNull(),
  },
  (t) => [...eventPk(t), index("disputes_request").on(t.requestId)],
);

export const outputs = pgTable(
  "outputs",
  {
    ...eventId(),
    requestId: text("request_id").notNull(),
    nodeId: text("node_id").notNull(),
    size: u64("size").notNull(),
  },
  (t) => [...eventPk(t), index("outputs_request").on(t.requestId)],
);

export const deadLetters = pgTable(
  "dead_letters",
  {
    ...eventId(),
    type: text("type").notNull(),
    bcs: text("bcs").notNull(),
    reason: text("reason").notNull(),
  },
  (t) => eventPk(t),
);

/**
 * The read model of `GET /v1/requests/:id` (src/request-details.ts): each request's detail
 * document as the API sends it (serialized JSON) and its strong ETag, rewritten by the ingester in
 * the transaction of every batch that touches the request. A null body is pending: written at the
 * next start (requests indexed before this table existed).
 */
export const requestDetails = pgTable(
  "request_details",
  {
    requestId: text("request_id").primaryKey(),
    body: text("body"),
    etag: text("etag"),
  },
  (t) => [index("request_details_pending").on(t.requestId).where(sql`${t.body} is null`)],
);

/**
 * The watermark, per stream: the event-list cursor after the last committed batch (JSON-RPC
 * polling and the listEvents catch-up) and, when ingesting by checkpoint, the last checkpoint
 * whose events are all committed (`checkpoint_hi_inclusive`, as in Sui's indexer framework).
 */
export const cursors = pgTable("cursors", {
  stream: text("stream").primaryKey(),
  cursor: text("cursor"),
  checkpointHi: u64("checkpoint_hi_inclusive"),
  events: u64("events").notNull().default(sql`0`),
  lastTimestampMs: u64("last_timestamp_ms"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
