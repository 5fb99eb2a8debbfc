/// Every event of the `atoma` package, emitted from this one module.
///
/// The BCS layout of each event is its field order here; `@atoma/sdk` decodes them with
/// schemas that a test derives from the compiled bytecode. Every event carries the ids an
/// indexer needs to join it (request, node, cluster).
module atoma::events;

use sui::event;

// === Nodes ===

public struct NodeRegistered has copy, drop {
    node_id: ID,
    operator: address,
    stake: u64,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
}

/// reason: 0 = added, 1 = unstake requested (moved to unbonding), 2 = withdrawn, 3 = slashed.
public struct StakeChanged has copy, drop {
    node_id: ID,
    old_stake: u64,
    new_stake: u64,
    reason: u8,
}

/// status: 0 = Active, 1 = Jailed, 2 = Leaving.
public struct NodeStatusChanged has copy, drop {
    node_id: ID,
    old_status: u8,
    new_status: u8,
    unbonding_until_ms: u64,
}

public struct NodeUpdated has copy, drop {
    node_id: ID,
    price: u64,
    capabilities: vector<vector<u8>>,
}

// === Attestations ===

/// tee_kind: 0 = None, 1 = Tdx, 2 = SevSnp, 3 = NvidiaCc, 4 = Nitro.
public struct AttestationRecorded has copy, drop {
    node_id: ID,
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    verifier: address,
    recorded_ms: u64,
    expires_ms: u64,
    issued_ms: u64,
}

/// Verdicts for the node issued at or before `revoked_ms` are refused from now on.
public struct AttestationRevoked has copy, drop {
    node_id: ID,
    revoked_by: address,
    revoked_ms: u64,
}

// === Requests ===

/// kind: 0 = Inference, 1 = Wasm.
public struct RequestCreated has copy, drop {
    request_id: ID,
    requester: address,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    sample_size: u64,
    quorum_bps: u64,
    confidential: bool,
    max_price: u64,
    escrow: u64,
    created_ms: u64,
}

/// round: 0 = first sample, 1 = dispute escalation.
public struct NodesSampled has copy, drop {
    request_id: ID,
    round: u8,
    nodes: vector<ID>,
    commit_deadline_ms: u64,
    reveal_deadline_ms: u64,
}

public struct ResultCommitted has copy, drop {
    request_id: ID,
    node_id: ID,
    round: u8,
    commitment: vector<u8>,
}

public struct ResultRevealed has copy, drop {
    request_id: ID,
    node_id: ID,
    round: u8,
    output_hash: vector<u8>,
}

public struct NodePaid has copy, drop {
    request_id: ID,
    node_id: ID,
    amount: u64,
}

/// reason: 0 = absent (committed or sampled but did not reveal), 1 = dissent (lost a dispute).
public struct NodeSlashed has copy, drop {
    request_id: ID,
    node_id: ID,
    amount: u64,
    reason: u8,
    remaining_stake: u64,
}

public struct RequestSettled has copy, drop {
    request_id: ID,
    output_hash: vector<u8>,
    agreeing: vector<ID>,
    paid_total: u64,
    slashed_total: u64,
    margin: u64,
    refund: u64,
    rounds: u8,
    settled_ms: u64,
}

public struct DisputeOpened has copy, drop {
    request_id: ID,
    output_hashes: vector<vector<u8>>,
    escalation_size: u64,
    /// Until when the dispute may be escalated (so a watcher needs no read of the request).
    dispute_deadline_ms: u64,
}

/// reason: 0 = no quorum after escalation, 1 = not enough eligible nodes, 2 = expired unsampled.
public struct RequestFailed has copy, drop {
    request_id: ID,
    reason: u8,
    refund: u64,
}

public struct OutputPosted has copy, drop {
    request_id: ID,
    node_id: ID,
    size: u64,
}

/// Confidential request: the requester accepted the output `node_id` posted.
public struct OutputAccepted has copy, drop {
    request_id: ID,
    node_id: ID,
}

// === Clusters and key rotation ===

public struct ClusterCreated has copy, drop {
    cluster_id: ID,
    members: vector<ID>,
    epoch: u64,
    commitment: vector<u8>,
}

public struct KeyRotationStarted has copy, drop {
    cluster_id: ID,
    epoch: u64,
    commitment: vector<u8>,
    deadline_ms: u64,
    ack_quorum: u64,
}

public struct KeyRotationAcked has copy, drop {
    cluster_id: ID,
    epoch: u64,
    node_id: ID,
    acks: u64,
}

public struct KeyRotationCompleted has copy, drop {
    cluster_id: ID,
    epoch: u64,
    commitment: vector<u8>,
    previous_commitment: vector<u8>,
    grace_until_ms: u64,
}

public struct KeyRotationAborted has copy, drop {
    cluster_id: ID,
    epoch: u64,
}

// === Emitters (package-internal) ===

public(package) fun node_registered(
    node_id: ID,
    operator: address,
    stake: u64,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
) {
    event::emit(NodeRegistered { node_id, operator, stake, sig_pk, enc_pk, capabilities, price })
}

public(package) fun stake_changed(node_id: ID, old_stake: u64, new_stake: u64, reason: u8) {
    event::emit(StakeChanged { node_id, old_stake, new_stake, reason })
}

public(package) fun node_status_changed(node_id: ID, old_status: u8, new_status: u8, unbonding_until_ms: u64) {
    event::emit(NodeStatusChanged { node_id, old_status, new_status, unbonding_until_ms })
}

public(package) fun node_updated(node_id: ID, price: u64, capabilities: vector<vector<u8>>) {
    event::emit(NodeUpdated { node_id, price, capabilities })
}

public(package) fun attestation_recorded(
    node_id: ID,
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    verifier: address,
    recorded_ms: u64,
    expires_ms: u64,
    issued_ms: u64,
) {
    event::emit(AttestationRecorded {
        node_id,
        tee_kind,
        measurement,
        report_data_hash,
        evidence_hash,
        verifier,
        recorded_ms,
        expires_ms,
        issued_ms,
    })
}

public(package) fun attestation_revoked(node_id: ID, revoked_by: address, revoked_ms: u64) {
    event::emit(AttestationRevoked { node_id, revoked_by, revoked_ms })
}

public(package) fun request_created(
    request_id: ID,
    requester: address,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    sample_size: u64,
    quorum_bps: u64,
    confidential: bool,
    max_price: u64,
    escrow: u64,
    created_ms: u64,
) {
    event::emit(RequestCreated {
        request_id,
        requester,
        kind,
        capability,
        input_hash,
        sample_size,
        quorum_bps,
        confidential,
        max_price,
        escrow,
        created_ms,
    })
}

public(package) fun nodes_sampled(
    request_id: ID,
    round: u8,
    nodes: vector<ID>,
    commit_deadline_ms: u64,
    reveal_deadline_ms: u64,
) {
    event::emit(NodesSampled { request_id, round, nodes, commit_deadline_ms, reveal_deadline_ms })
}

public(package) fun result_committed(request_id: ID, node_id: ID, round: u8, commitment: vector<u8>) {
    event::emit(ResultCommitted { request_id, node_id, round, commitment })
}

public(package) fun result_revealed(request_id: ID, node_id: ID, round: u8, output_hash: vector<u8>) {
    event::emit(ResultRevealed { request_id, node_id, round, output_hash })
}

public(package) fun node_paid(request_id: ID, node_id: ID, amount: u64) {
    event::emit(NodePaid { request_id, node_id, amount })
}

public(package) fun node_slashed(request_id: ID, node_id: ID, amount: u64, reason: u8, remaining_stake: u64) {
    event::emit(NodeSlashed { request_id, node_id, amount, reason, remaining_stake })
}

public(package) fun request_settled(
    request_id: ID,
    output_hash: vector<u8>,
    agreeing: vector<ID>,
    paid_total: u64,
    slashed_total: u64,
    margin: u64,
    refund: u64,
    rounds: u8,
    settled_ms: u64,
) {
    event::emit(RequestSettled {
        request_id,
        output_hash,
        agreeing,
        paid_total,
        slashed_total,
        margin,
        refund,
        rounds,
        settled_ms,
    })
}

public(package) fun dispute_opened(
    request_id: ID,
    output_hashes: vector<vector<u8>>,
    escalation_size: u64,
    dispute_deadline_ms: u64,
) {
    event::emit(DisputeOpened { request_id, output_hashes, escalation_size, dispute_deadline_ms })
}

public(package) fun request_failed(request_id: ID, reason: u8, refund: u64) {
    event::emit(RequestFailed { request_id, reason, refund })
}

public(package) fun output_posted(request_id: ID, node_id: ID, size: u64) {
    event::emit(OutputPosted { request_id, node_id, size })
}

public(package) fun output_accepted(request_id: ID, node_id: ID) {
    event::emit(OutputAccepted { request_id, node_id })
}

public(package) fun cluster_created(cluster_id: ID, members: vector<ID>, epoch: u64, commitment: vector<u8>) {
    event::emit(ClusterCreated { cluster_id, members, epoch, commitment })
}

public(package) fun key_rotation_started(
    cluster_id: ID,
    epoch: u64,
    commitment: vector<u8>,
    deadline_ms: u64,
    ack_quorum: u64,
) {
    event::emit(KeyRotationStarted { cluster_id, epoch, commitment, deadline_ms, ack_quorum })
}

public(package) fun key_rotation_acked(cluster_id: ID, epoch: u64, node_id: ID, acks: u64) {
    event::emit(KeyRotationAcked { cluster_id, epoch, node_id, acks })
}

public(package) fun key_rotation_completed(
    cluster_id: ID,
    epoch: u64,
    commitment: vector<u8>,
    previous_commitment: vector<u8>,
    grace_until_ms: u64,
) {
    event::emit(KeyRotationCompleted { cluster_id, epoch, commitment, previous_commitment, grace_until_ms })
}

public(package) fun key_rotation_aborted(cluster_id: ID, epoch: u64) {
    event::emit(KeyRotationAborted { cluster_id, epoch })
}

// === Post-quantum keys and rotation policy (issue 20) ===

public struct NodePqKeySet has copy, drop {
    node_id: ID,
    mlkem_pk_hash: vector<u8>,
}

/// pending: false = the current key's ML-KEM hash (`set_pq_key`), true = the pending rotation's.
public struct ClusterPqKeySet has copy, drop {
    cluster_id: ID,
    epoch: u64,
    mlkem_pk_hash: vector<u8>,
    pending: bool,
}

public struct RotationPolicySet has copy, drop {
    cluster_id: ID,
    interval_ms: u64,
    max_bytes: u64,
}

/// A member's report of bytes it sealed or opened under the cluster key of `epoch`;
/// `total` = the epoch's count after it.
public struct SealedBytesReported has copy, drop {
    cluster_id: ID,
    epoch: u64,
    node_id: ID,
    bytes: u64,
    total: u64,
}

public(package) fun node_pq_key_set(node_id: ID, mlkem_pk_hash: vector<u8>) {
    event::emit(NodePqKeySet { node_id, mlkem_pk_hash })
}

public(package) fun cluster_pq_key_set(cluster_id: ID, epoch: u64, mlkem_pk_hash: vector<u8>, pending: bool) {
    event::emit(ClusterPqKeySet { cluster_id, epoch, mlkem_pk_hash, pending })
}

public(package) fun rotation_policy_set(cluster_id: ID, interval_ms: u64, max_bytes: u64) {
    event::emit(RotationPolicySet { cluster_id, interval_ms, max_bytes })
}

public(package) fun sealed_bytes_reported(cluster_id: ID, epoch: u64, node_id: ID, bytes: u64, total: u64) {
    event::emit(SealedBytesReported { cluster_id, epoch, node_id, bytes, total })
}

// === Cluster membership (issue 13 A7: consent, and changes) ===

/// The MasterCap holder invited `node_id` (`invite_member`; `ClusterCreated.members` lists the
/// nodes invited at creation).
public struct ClusterMemberInvited has copy, drop {
    cluster_id: ID,
    node_id: ID,
}

/// `node_id` accepted with its own NodeCap; `members` = the member count after it.
public struct ClusterMemberJoined has copy, drop {
    cluster_id: ID,
    node_id: ID,
    members: u64,
}

/// `node_id` left the cluster: `member` false = it was only invited (invitation withdrawn or
/// declined); `left` true = its own `leave_cluster`, false = the master's `remove_member`;
/// `members` = the member count after it.
public struct ClusterMemberRemoved has copy, drop {
    cluster_id: ID,
    node_id: ID,
    member: bool,
    left: bool,
    members: u64,
}

public(package) fun cluster_member_invited(cluster_id: ID, node_id: ID) {
    event::emit(ClusterMemberInvited { cluster_id, node_id })
}

public(package) fun cluster_member_joined(cluster_id: ID, node_id: ID, members: u64) {
    event::emit(ClusterMemberJoined { cluster_id, node_id, members })
}

public(package) fun cluster_member_removed(cluster_id: ID, node_id: ID, member: bool, left: bool, members: u64) {
    event::emit(ClusterMemberRemoved { cluster_id, node_id, member, left, members })
}

// === Treasury income off the request path (issue 13 B) ===

/// `fees::sweep_fees` moved a finished request's protocol income (margin and slashed stake
/// not paid out) into the treasury; `amount` may be 0 (already swept, or nothing was left).
public struct FeesSwept has copy, drop {
    request_id: ID,
    amount: u64,
}

public(package) fun fees_swept(request_id: ID, amount: u64) {
    event::emit(FeesSwept { request_id, amount })
}

// === Agreed output hash (issue 13 A4: blinded round-0 hashes) ===

/// The agreed output hash became known: at a round-1 settlement (`node_id` none; an
/// escalation node revealed it) or at the first post after a round-0 settlement whose output
/// hash blinds to the agreed `t` (`node_id` = the poster). `RequestSettled.output_hash` is `t`.
public struct OutputHashAgreed has copy, drop {
    request_id: ID,
    output_hash: vector<u8>,
    node_id: Option<ID>,
}

public(package) fun output_hash_agreed(request_id: ID, output_hash: vector<u8>, node_id: Option<ID>) {
    event::emit(OutputHashAgreed { request_id, output_hash, node_id })
}

// === Parameters (issue 13: the keeper re-syncs sampling weights after stake_cap / min_stake) ===

/// The admin set the `Params` field `name` (its ASCII field name) to `value`. Sampling weights
/// (min(stake, stake_cap)) and who is jailed (stake below `min_stake`) follow a `stake_cap` or
/// `min_stake` change only at each node's next sync: `registry::refresh_node` (anyone, the keeper).
public struct ParamChanged has copy, drop {
    name: vector<u8>,
    value: u64,
}

public(package) fun param_changed(name: vector<u8>, value: u64) {
    event::emit(ParamChanged { name, value })
}

// === Test readers ===

#[test_only]
public fun node_paid_node_id(e: &NodePaid): ID { e.node_id }
#[test_only]
public fun node_paid_amount(e: &NodePaid): u64 { e.amount }
