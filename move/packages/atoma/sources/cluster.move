/// Confidential clusters: master-key commitments on chain and coordinated rotation sessions.
module atoma::cluster;

use atoma::constants;
use atoma::events;
use atoma::node::NodeCap;
use atoma::protocol_version;
use atoma::registry::Registry;
use sui::clock::Clock;

#[error(code = 1)]
const EWrongVersion: vector<u8> = b"cluster version does not match the package version";
#[error(code = 2)]
const EUnknownNode: vector<u8> = b"member is not a registered node";
#[error(code = 3)]
const EInvalidMembers: vector<u8> = b"members must be 1..=64 distinct nodes";
#[error(code = 4)]
const EInvalidHash: vector<u8> = b"commitment must be 32 bytes";
#[error(code = 5)]
const EInvalidQuorum: vector<u8> = b"ack_quorum_bps must be 1..=10_000";
#[error(code = 6)]
const EWrongCap: vector<u8> = b"MasterCap is for another cluster";
#[error(code = 7)]
const EWrongEpoch: vector<u8> = b"epoch must be the current epoch + 1 (the pending one)";
#[error(code = 8)]
const ERotationPending: vector<u8> = b"a rotation is already pending";
#[error(code = 9)]
const EInvalidDeadline: vector<u8> = b"deadline_ms must be in the future";
#[error(code = 10)]
const ENoRotation: vector<u8> = b"no rotation is pending";
#[error(code = 11)]
const ENotMember: vector<u8> = b"node is not a member of the cluster";
#[error(code = 12)]
const ENotAttested: vector<u8> = b"node is not attested";
#[error(code = 13)]
const EDeadlinePassed: vector<u8> = b"rotation deadline has passed";
#[error(code = 14)]
const EAlreadyAcked: vector<u8> = b"node already acked this rotation";
#[error(code = 15)]
const EQuorumNotReached: vector<u8> = b"acks below ack_quorum_bps of members";
#[error(code = 16)]
const EDeadlineNotPassed: vector<u8> = b"rotation deadline has not passed";
#[error(code = 17)]
const EWrongCommitment: vector<u8> = b"ack names another commitment than the pending rotation's";
#[error(code = 18)]
const ENotActive: vector<u8> = b"node is not Active (Leaving or Jailed nodes cannot ack)";
#[error(code = 19)]
const ENotUpgrade: vector<u8> = b"cluster version is not lower than the package version";
#[error(code = 20)]
const EZeroPolicy: vector<u8> = b"rotation policy: interval_ms and max_bytes must both be positive";
#[error(code = 21)]
const EInvalidPqKeyHash: vector<u8> = b"mlkem_pk_hash must be 32 bytes";
#[error(code = 22)]
const EPqKeyAlreadySet: vector<u8> = b"the current key's ML-KEM hash is already set (rotate to change it)";
#[error(code = 23)]
const EZeroBytes: vector<u8> = b"reported bytes must be positive";
#[error(code = 24)]
const ENotInvited: vector<u8> = b"node is not invited to the cluster";
#[error(code = 25)]
const EAlreadyMember: vector<u8> = b"node is already a member of the cluster";
#[error(code = 26)]
const EAlreadyInvited: vector<u8> = b"node is already invited to the cluster";
#[error(code = 27)]
const ENotAccepted: vector<u8> = b"node is invited but has not accepted membership (accept_membership)";
#[error(code = 28)]
const EQuorumWouldBreak: vector<u8> = b"the change would leave no member: the ack quorum (at least one ack) must stay within the members";
#[error(code = 29)]
const EMembershipLocked: vector<u8> = b"membership cannot change while a rotation is pending";
#[error(code = 30)]
const ENoMembers: vector<u8> = b"the cluster has no members: invited nodes must accept before a rotation";

public struct MasterCap has key, store {
    id: UID,
    cluster_id: ID,
}

public struct Rotation has copy, drop, store {
    epoch: u64,
    commitment: vector<u8>,
    acks: vector<ID>,
    deadline_ms: u64,
    /// The new key's ML-KEM-768 public key hash (empty: a classic X25519-only key).
    mlkem_pk_hash: vector<u8>,
}

public struct Cluster has key {
    id: UID,
    version: u64,
    /// Nodes that accepted membership with their own NodeCap (`accept_membership`): only they
    /// count for the ack quorum, ack rotations and receive key shares.
    members: vector<ID>,
    epoch: u64,
    commitment: vector<u8>,
    previous_commitment: vector<u8>,
    previous_valid_until_ms: u64,
    ack_quorum_bps: u64,
    pending: Option<Rotation>,
    /// `blake2b256("atoma/mlkem768-pk/v1" ‖ master ML-KEM-768 pk)` next to the X25519 key's
    /// commitment (empty: classic key); the previous key's, valid as long as its commitment.
    mlkem_pk_hash: vector<u8>,
    previous_mlkem_pk_hash: vector<u8>,
    /// Automatic rotation policy (`set_rotation_policy`; 0 = none set): the coordinator starts a
    /// rotation once `interval_ms` has passed since `epoch_started_ms` or `sealed_bytes` (the
    /// members' reports for the current epoch) reaches `max_bytes`.
    interval_ms: u64,
    max_bytes: u64,
    epoch_started_ms: u64,
    sealed_bytes: u64,
    /// Nodes the MasterCap holder invited (`create_cluster`, `invite_member`) that have not
    /// accepted yet: listed without their consent, so never counted, never acking.
    invited: vector<ID>,
}

/// Creates a cluster inviting `members` (issue 13 A7: a node is listed only with its consent;
/// each becomes a member once it calls `accept_membership` with its own NodeCap).
public fun create_cluster(
    registry: &Registry,
    members: vector<ID>,
    commitment: vector<u8>,
    ack_quorum_bps: u64,
    ctx: &mut TxContext,
): MasterCap {
    let c = new(registry, members, commitment, ack_quorum_bps, ctx);
    let cap = MasterCap { id: object::new(ctx), cluster_id: object::id(&c) };
    transfer::share_object(c);
    cap
}

public(package) fun new(
    registry: &Registry,
    members: vector<ID>,
    commitment: vector<u8>,
    ack_quorum_bps: u64,
    ctx: &mut TxContext,
): Cluster {
    registry.assert_live();
    let n = members.length();
    assert!(n >= 1 && n <= constants::max_cluster_members(), EInvalidMembers);
    let mut i = 0;
    while (i < n) {
        assert!(registry.has_node(members[i]), EUnknownNode);
        let mut j = i + 1;
        while (j < n) {
            assert!(members[i] != members[j], EInvalidMembers);
            j = j + 1;
        };
        i = i + 1;
    };
    assert!(commitment.length() == constants::hash_bytes(), EInvalidHash);
    assert!(ack_quorum_bps >= 1 && ack_quorum_bps <= 10_000, EInvalidQuorum);
    let c = Cluster {
        id: object::new(ctx),
        version: protocol_version::current(),
        members: vector[],
        epoch: 0,
        commitment,
        previous_commitment: vector[],
        previous_valid_until_ms: 0,
        ack_quorum_bps,
        pending: option::none(),
        mlkem_pk_hash: vector[],
        previous_mlkem_pk_hash: vector[],
        interval_ms: 0,
        max_bytes: 0,
        epoch_started_ms: 0,
        sealed_bytes: 0,
        invited: members,
    };
    // the event's `members` field lists the invited nodes (its bytes are unchanged)
    events::cluster_created(object::id(&c), members, 0, commitment);
    c
}

fun assert_version(c: &Cluster) { assert!(c.version == protocol_version::current(), EWrongVersion); }

/// `node_id` is an accepted member: an invited node that has not accepted gets `ENotAccepted`.
fun assert_member(c: &Cluster, node_id: ID) {
    if (c.members.contains(&node_id)) return;
    assert!(!c.invited.contains(&node_id), ENotAccepted);
    abort ENotMember
}

/// Membership changes: this cluster's current version, no rotation pending (the pending one's
/// quorum and key shares were fixed for the members at its start).
fun assert_can_change(c: &Cluster) {
    c.assert_version();
    assert!(c.pending.is_none(), EMembershipLocked);
}

fun remove_id(v: &mut vector<ID>, id: ID) {
    let (found, i) = v.index_of(&id);
    if (found) { v.remove(i); };
}

// === Membership (issue 13 A7: consent, and changes) ===

/// The MasterCap holder invites a registered node; it becomes a member when it accepts.
public fun invite_member(cluster: &mut Cluster, registry: &Registry, cap: &MasterCap, node_id: ID) {
    cluster.assert_can_change();
    registry.assert_live();
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    assert!(registry.has_node(node_id), EUnknownNode);
    assert!(!cluster.members.contains(&node_id), EAlreadyMember);
    assert!(!cluster.invited.contains(&node_id), EAlreadyInvited);
    assert!(cluster.members.length() + cluster.invited.length() < constants::max_cluster_members(), EInvalidMembers);
    cluster.invited.push_back(node_id);
    events::cluster_member_invited(object::id(cluster), node_id);
}

/// An invited node accepts with its own NodeCap and becomes a member.
public fun accept_membership(cluster: &mut Cluster, cap: &NodeCap) {
    cluster.assert_can_change();
    let node_id = cap.node_id();
    assert!(!cluster.members.contains(&node_id), EAlreadyMember);
    assert!(cluster.invited.contains(&node_id), ENotInvited);
    remove_id(&mut cluster.invited, node_id);
    cluster.members.push_back(node_id);
    events::cluster_member_joined(object::id(cluster), node_id, cluster.members.length());
}

/// The MasterCap holder removes a member (or withdraws an invitation). The last member stays:
/// with no member the ack quorum would be zero acks.
public fun remove_member(cluster: &mut Cluster, cap: &MasterCap, node_id: ID) {
    cluster.assert_can_change();
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    cluster.drop_node(node_id, false);
}

/// A member leaves (or an invited node declines) with its own NodeCap.
public fun leave_cluster(cluster: &mut Cluster, cap: &NodeCap) {
    cluster.assert_can_change();
    cluster.drop_node(cap.node_id(), true);
}

fun drop_node(cluster: &mut Cluster, node_id: ID, left: bool) {
    let member = cluster.members.contains(&node_id);
    if (member) {
        assert!(cluster.members.length() > 1, EQuorumWouldBreak);
        remove_id(&mut cluster.members, node_id);
    } else {
        assert!(cluster.invited.contains(&node_id), ENotMember);
        remove_id(&mut cluster.invited, node_id);
    };
    events::cluster_member_removed(object::id(cluster), node_id, member, left, cluster.members.length());
}

/// Acks needed: ceil(ack_quorum_bps × members / 10_000).
public fun ack_quorum(c: &Cluster): u64 {
    (c.ack_quorum_bps * c.members.length() + 9_999) / 10_000
}

public fun start_rotation(
    cluster: &mut Cluster,
    cap: &MasterCap,
    epoch: u64,
    commitment: vector<u8>,
    deadline_ms: u64,
    clock: &Clock,
) {
    cluster.assert_version();
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    assert!(cluster.pending.is_none(), ERotationPending);
    assert!(epoch == cluster.epoch + 1, EWrongEpoch);
    assert!(commitment.length() == constants::hash_bytes(), EInvalidHash);
    assert!(deadline_ms > clock.timestamp_ms(), EInvalidDeadline);
    assert!(!cluster.members.is_empty(), ENoMembers);
    cluster.pending = option::some(Rotation { epoch, commitment, acks: vector[], deadline_ms, mlkem_pk_hash: vector[] });
    events::key_rotation_started(object::id(cluster), epoch, commitment, deadline_ms, cluster.ack_quorum());
}

/// A member acks the pending rotation: it names both the epoch and the commitment it holds the
/// key for (issue 13 A7: an ack for the epoch alone could be counted for a commitment the
/// member never saw), and must be Active and attested (a Leaving or Jailed node cannot ack).
public fun ack_rotation(
    cluster: &mut Cluster,
    registry: &Registry,
    cap: &NodeCap,
    epoch: u64,
    commitment: vector<u8>,
    clock: &Clock,
) {
    cluster.assert_version();
    registry.assert_live();
    let now = clock.timestamp_ms();
    let node_id = cap.node_id();
    assert!(cluster.pending.is_some(), ENoRotation);
    cluster.assert_member(node_id);
    assert!(registry.node_status(node_id) == constants::node_status_active(), ENotActive);
    assert!(registry.is_attested(node_id, now), ENotAttested);
    let cluster_id = object::id(cluster);
    let p = cluster.pending.borrow_mut();
    assert!(p.epoch == epoch, EWrongEpoch);
    assert!(p.commitment == commitment, EWrongCommitment);
    assert!(now < p.deadline_ms, EDeadlinePassed);
    assert!(!p.acks.contains(&node_id), EAlreadyAcked);
    p.acks.push_back(node_id);
    events::key_rotation_acked(cluster_id, epoch, node_id, p.acks.length());
}

/// Anyone, once the ack quorum is reached: the epoch advances; the old commitment stays valid
/// until now + rotation_grace_ms.
public fun complete_rotation(cluster: &mut Cluster, registry: &Registry, clock: &Clock) {
    cluster.assert_version();
    registry.assert_version();
    assert!(cluster.pending.is_some(), ENoRotation);
    let now = clock.timestamp_ms();
    let acks = cluster.pending.borrow().acks.length();
    assert!(acks * 10_000 >= cluster.ack_quorum_bps * cluster.members.length(), EQuorumNotReached);
    let Rotation { epoch, commitment, acks: _, deadline_ms: _, mlkem_pk_hash } = cluster.pending.extract();
    let grace = now + registry.params().rotation_grace_ms();
    cluster.previous_commitment = cluster.commitment;
    cluster.previous_valid_until_ms = grace;
    cluster.commitment = commitment;
    cluster.epoch = epoch;
    cluster.previous_mlkem_pk_hash = cluster.mlkem_pk_hash;
    cluster.mlkem_pk_hash = mlkem_pk_hash;
    cluster.epoch_started_ms = now;
    cluster.sealed_bytes = 0;
    events::key_rotation_completed(object::id(cluster), epoch, commitment, cluster.previous_commitment, grace);
}

/// Anyone, after the deadline of a rotation that did not complete.
public fun abort_rotation(cluster: &mut Cluster, clock: &Clock) {
    cluster.assert_version();
    assert!(cluster.pending.is_some(), ENoRotation);
    assert!(clock.timestamp_ms() >= cluster.pending.borrow().deadline_ms, EDeadlineNotPassed);
    let Rotation { epoch, commitment: _, acks: _, deadline_ms: _, mlkem_pk_hash: _ } = cluster.pending.extract();
    events::key_rotation_aborted(object::id(cluster), epoch);
}

/// `start_rotation` for a hybrid (post-quantum) key: the pending rotation also names the new
/// key's ML-KEM-768 public key hash, which becomes `mlkem_pk_hash` when the rotation completes.
public fun start_rotation_pq(
    cluster: &mut Cluster,
    cap: &MasterCap,
    epoch: u64,
    commitment: vector<u8>,
    mlkem_pk_hash: vector<u8>,
    deadline_ms: u64,
    clock: &Clock,
) {
    assert!(mlkem_pk_hash.length() == 32, EInvalidPqKeyHash);
    start_rotation(cluster, cap, epoch, commitment, deadline_ms, clock);
    cluster.pending.borrow_mut().mlkem_pk_hash = mlkem_pk_hash;
    events::cluster_pq_key_set(object::id(cluster), epoch, mlkem_pk_hash, true);
}

/// The `MasterCap` holder records the ML-KEM-768 public key hash of the current key, once per
/// key (a cluster created with a hybrid key; later keys name theirs in `start_rotation_pq`).
public fun set_pq_key(cluster: &mut Cluster, cap: &MasterCap, mlkem_pk_hash: vector<u8>) {
    cluster.assert_version();
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    assert!(mlkem_pk_hash.length() == 32, EInvalidPqKeyHash);
    assert!(cluster.mlkem_pk_hash.is_empty(), EPqKeyAlreadySet);
    cluster.mlkem_pk_hash = mlkem_pk_hash;
    events::cluster_pq_key_set(object::id(cluster), cluster.epoch, mlkem_pk_hash, false);
}

/// The `MasterCap` holder (the coordinator) sets the automatic rotation policy; both bounds
/// must be positive. The current epoch's clock starts now if it had not started.
public fun set_rotation_policy(cluster: &mut Cluster, cap: &MasterCap, interval_ms: u64, max_bytes: u64, clock: &Clock) {
    cluster.assert_version();
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    assert!(interval_ms > 0 && max_bytes > 0, EZeroPolicy);
    cluster.interval_ms = interval_ms;
    cluster.max_bytes = max_bytes;
    if (cluster.epoch_started_ms == 0) cluster.epoch_started_ms = clock.timestamp_ms();
    events::rotation_policy_set(object::id(cluster), interval_ms, max_bytes);
}

/// A member reports bytes sealed or opened under the key of the current `epoch` (batched by the
/// node, never once per request): the count the coordinator's `max_bytes` decision reads.
public fun report_sealed_bytes(cluster: &mut Cluster, cap: &NodeCap, epoch: u64, bytes: u64) {
    cluster.assert_version();
    let node_id = cap.node_id();
    cluster.assert_member(node_id);
    assert!(epoch == cluster.epoch, EWrongEpoch);
    assert!(bytes > 0, EZeroBytes);
    let room = 18_446_744_073_709_551_615 - cluster.sealed_bytes;
    cluster.sealed_bytes = cluster.sealed_bytes + (if (bytes > room) room else bytes);
    events::sealed_bytes_reported(object::id(cluster), epoch, node_id, bytes, cluster.sealed_bytes);
}

/// Whether the policy calls for a rotation at `now_ms` (false without a policy or while one is pending).
public fun rotation_due(c: &Cluster, now_ms: u64): bool {
    c.interval_ms > 0 && c.pending.is_none() &&
        (now_ms >= c.epoch_started_ms + c.interval_ms || c.sealed_bytes >= c.max_bytes)
}

/// After a package upgrade: moves the cluster to the new package version (the `MasterCap`
/// holder; like `registry::migrate`).
public fun migrate(cluster: &mut Cluster, cap: &MasterCap) {
    assert!(cap.cluster_id == object::id(cluster), EWrongCap);
    assert!(cluster.version < protocol_version::current(), ENotUpgrade);
    cluster.version = protocol_version::current();
}

// === Read API ===

public fun version(c: &Cluster): u64 { c.version }
public fun members(c: &Cluster): vector<ID> { c.members }
public fun invited(c: &Cluster): vector<ID> { c.invited }
public fun is_member(c: &Cluster, node_id: ID): bool { c.members.contains(&node_id) }
public fun is_invited(c: &Cluster, node_id: ID): bool { c.invited.contains(&node_id) }
public fun epoch(c: &Cluster): u64 { c.epoch }
public fun commitment(c: &Cluster): vector<u8> { c.commitment }
public fun previous_commitment(c: &Cluster): vector<u8> { c.previous_commitment }
public fun previous_valid_until_ms(c: &Cluster): u64 { c.previous_valid_until_ms }
public fun has_pending(c: &Cluster): bool { c.pending.is_some() }
public fun pending_acks(c: &Cluster): u64 {
    if (c.pending.is_some()) c.pending.borrow().acks.length() else 0
}
public fun cap_cluster_id(cap: &MasterCap): ID { cap.cluster_id }
public fun mlkem_pk_hash(c: &Cluster): vector<u8> { c.mlkem_pk_hash }
public fun previous_mlkem_pk_hash(c: &Cluster): vector<u8> { c.previous_mlkem_pk_hash }
public fun rotation_interval_ms(c: &Cluster): u64 { c.interval_ms }
public fun rotation_max_bytes(c: &Cluster): u64 { c.max_bytes }
public fun epoch_started_ms(c: &Cluster): u64 { c.epoch_started_ms }
public fun sealed_bytes(c: &Cluster): u64 { c.sealed_bytes }

/// Whether `commitment` is a valid master-key commitment at `now_ms` (current, or previous
/// within its grace period).
public fun is_valid_commitment(c: &Cluster, commitment: &vector<u8>, now_ms: u64): bool {
    *commitment == c.commitment || (*commitment == c.previous_commitment && now_ms < c.previous_valid_until_ms)
}

#[test_only]
public fun new_cap_for_testing(c: &Cluster, ctx: &mut TxContext): MasterCap {
    MasterCap { id: object::new(ctx), cluster_id: object::id(c) }
}

#[test_only]
public fun set_version_for_testing(c: &mut Cluster, v: u64) { c.version = v; }

#[test_only]
public fun destroy_for_testing(c: Cluster, cap: MasterCap) {
    std::unit_test::destroy(c);
    std::unit_test::destroy(cap);
}
