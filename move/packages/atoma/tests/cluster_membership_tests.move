/// Cluster membership (issue 13 A7): a node listed by the MasterCap holder is only invited and
/// becomes a member when it accepts with its own NodeCap; the master invites and removes, a
/// member leaves; the ack quorum keeps at least one member; nothing changes during a rotation.
/// Nodes 0, 2, 4 of `env6` are attested.
#[test_only]
module atoma::cluster_membership_tests;

use atoma::cluster::{Self, Cluster, MasterCap};
use atoma::fixtures as f;
use atoma::harness::{Self as h, Env};
use std::unit_test::assert_eq;
use sui::test_scenario as ts;

fun c0(): vector<u8> { vector::tabulate!(32, |_| 0xc0) }
fun c1(): vector<u8> { vector::tabulate!(32, |_| 0xc1) }
fun c2(): vector<u8> { vector::tabulate!(32, |_| 0xc2) }

/// Nodes 0, 2, 4 invited (none accepted), quorum `q`.
fun setup(q: u64): (Env, Cluster, MasterCap) {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    f::attest(&mut env, 4, 1);
    let invited = vector[env.node_id(0), env.node_id(2), env.node_id(4)];
    env.sc().next_tx(h::admin());
    let (c, cap) = env.new_cluster_invited(invited, c0(), q);
    (env, c, cap)
}

fun accept(env: &Env, c: &mut Cluster, i: u64) { c.accept_membership(env.cap_at(i)); }

fun start(env: &Env, c: &mut Cluster, cap: &MasterCap, epoch: u64, k: vector<u8>) {
    c.start_rotation(cap, epoch, k, env.now() + 60_000, env.clock());
}

fun ack(env: &mut Env, c: &mut Cluster, i: u64, epoch: u64, k: vector<u8>) {
    let (reg, cap, clock) = env.reg_cap_clock(i);
    c.ack_rotation(reg, cap, epoch, k, clock);
}

fun finish(env: Env, c: Cluster, cap: MasterCap) {
    cluster::destroy_for_testing(c, cap);
    env.finish();
}

#[test]
fun accept_moves_invited_to_members() {
    let (env, mut c, cap) = setup(10_000);
    let (n0, n2, n4) = (env.node_id(0), env.node_id(2), env.node_id(4));
    assert_eq!(c.invited(), vector[n0, n2, n4]);
    assert_eq!(c.members(), vector[]);
    assert_eq!(c.ack_quorum(), 0);
    accept(&env, &mut c, 2);
    assert_eq!(c.members(), vector[n2]);
    assert_eq!(c.invited(), vector[n0, n4]);
    assert!(c.is_member(n2));
    assert!(!c.is_invited(n2));
    assert!(c.is_invited(n0));
    assert_eq!(c.ack_quorum(), 1);
    finish(env, c, cap);
}

/// The attack: the master lists nodes 0, 2, 4 without their consent. Only node 0 accepts; the
/// quorum counts one member (not three), so the master cannot claim 2, 4 hold the key, and a
/// rotation completes on node 0's ack alone at 100 %.
#[test]
fun listed_without_consent_is_not_counted() {
    let (mut env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    assert_eq!(c.ack_quorum(), 1);
    start(&env, &mut c, &cap, 1, c1());
    ack(&mut env, &mut c, 0, 1, c1());
    c.complete_rotation(env.reg_ref(), env.clock());
    assert_eq!(c.epoch(), 1);
    assert_eq!(c.members(), vector[env.node_id(0)]);
    finish(env, c, cap);
}

/// The attack, ack side: an invited node that never accepted cannot be acked for (its own error).
#[test, expected_failure(abort_code = cluster::ENotAccepted)]
fun ack_by_invited_node() {
    let (mut env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    start(&env, &mut c, &cap, 1, c1());
    ack(&mut env, &mut c, 2, 1, c1());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::ENotAccepted)]
fun report_by_invited_node() {
    let (env, mut c, cap) = setup(10_000);
    c.report_sealed_bytes(env.cap_at(2), 0, 10);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::ENotInvited)]
fun accept_not_invited() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 1);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EAlreadyMember)]
fun accept_twice() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    accept(&env, &mut c, 0);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EAlreadyMember)]
fun invite_a_member() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    c.invite_member(env.reg_ref(), &cap, env.node_id(0));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EAlreadyInvited)]
fun invite_twice() {
    let (env, mut c, cap) = setup(10_000);
    c.invite_member(env.reg_ref(), &cap, env.node_id(2));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EUnknownNode)]
fun invite_unknown_node() {
    let (env, mut c, cap) = setup(10_000);
    c.invite_member(env.reg_ref(), &cap, object::id_from_address(@0x9));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EWrongCap)]
fun invite_with_other_cap() {
    let (mut env, mut c, cap) = setup(10_000);
    let n1 = env.node_id(1);
    let (c2, cap2) = env.new_cluster_invited(vector[n1], c0(), 10_000);
    c.invite_member(env.reg_ref(), &cap2, env.node_id(3));
    cluster::destroy_for_testing(c2, cap2);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EInvalidMembers)]
fun invite_past_max_members() {
    let mut env = h::new(65);
    let mut ids = vector[];
    64u64.do!(|i| ids.push_back(env.node_id(i)));
    env.sc().next_tx(h::admin());
    let (mut c, cap) = env.new_cluster_invited(ids, c0(), 10_000);
    c.invite_member(env.reg_ref(), &cap, env.node_id(64));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EWrongCap)]
fun remove_with_other_cap() {
    let (mut env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    accept(&env, &mut c, 2);
    let n1 = env.node_id(1);
    let (c2, cap2) = env.new_cluster_invited(vector[n1], c0(), 10_000);
    c.remove_member(&cap2, env.node_id(0));
    cluster::destroy_for_testing(c2, cap2);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::ENotMember)]
fun remove_not_a_member() {
    let (env, mut c, cap) = setup(10_000);
    c.remove_member(&cap, env.node_id(1));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::ENotMember)]
fun leave_not_a_member() {
    let (env, mut c, cap) = setup(10_000);
    c.leave_cluster(env.cap_at(1));
    finish(env, c, cap);
}

/// The last member cannot be removed: with no member, the ack quorum would be zero acks.
#[test, expected_failure(abort_code = cluster::EQuorumWouldBreak)]
fun remove_last_member() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    c.remove_member(&cap, env.node_id(0));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EQuorumWouldBreak)]
fun leave_as_last_member() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    c.leave_cluster(env.cap_at(0));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EMembershipLocked)]
fun accept_during_rotation() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    start(&env, &mut c, &cap, 1, c1());
    accept(&env, &mut c, 2);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EMembershipLocked)]
fun invite_during_rotation() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    start(&env, &mut c, &cap, 1, c1());
    c.invite_member(env.reg_ref(), &cap, env.node_id(1));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EMembershipLocked)]
fun remove_during_rotation() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    accept(&env, &mut c, 2);
    start(&env, &mut c, &cap, 1, c1());
    c.remove_member(&cap, env.node_id(2));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EMembershipLocked)]
fun leave_during_rotation() {
    let (env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    accept(&env, &mut c, 2);
    start(&env, &mut c, &cap, 1, c1());
    c.leave_cluster(env.cap_at(2));
    finish(env, c, cap);
}

/// Invited nodes alone do not make a cluster that can rotate.
#[test, expected_failure(abort_code = cluster::ENoMembers)]
fun start_without_members() {
    let (env, mut c, cap) = setup(10_000);
    start(&env, &mut c, &cap, 1, c1());
    finish(env, c, cap);
}

/// An invited node may decline, and the master may withdraw an invitation: neither counts.
#[test]
fun decline_and_withdraw_invitations() {
    let (env, mut c, cap) = setup(10_000);
    c.leave_cluster(env.cap_at(2));
    c.remove_member(&cap, env.node_id(4));
    assert_eq!(c.invited(), vector[env.node_id(0)]);
    assert_eq!(c.members(), vector[]);
    accept(&env, &mut c, 0);
    c.invite_member(env.reg_ref(), &cap, env.node_id(2));
    assert_eq!(c.invited(), vector[env.node_id(2)]);
    finish(env, c, cap);
}

/// A removed member cannot ack the next rotation.
#[test, expected_failure(abort_code = cluster::ENotMember)]
fun removed_member_cannot_ack() {
    let (mut env, mut c, cap) = setup(10_000);
    accept(&env, &mut c, 0);
    accept(&env, &mut c, 2);
    c.remove_member(&cap, env.node_id(2));
    start(&env, &mut c, &cap, 1, c1());
    ack(&mut env, &mut c, 2, 1, c1());
    finish(env, c, cap);
}

/// Multi-party flow on the shared Cluster, each party in its own transaction: the master creates
/// (inviting 0 and 2) and invites 4; the nodes accept; rotate (2 of 3 acks at 6 666 bps); the
/// master removes 4; rotate again with the quorum over the 2 remaining members; node 2 leaves.
#[test]
fun invite_accept_rotate_remove_rotate() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    f::attest(&mut env, 4, 1);
    let (n0, n2, n4) = (env.node_id(0), env.node_id(2), env.node_id(4));
    env.sc().next_tx(h::admin());
    let cap = cluster::create_cluster(env.reg_ref(), vector[n0, n2], c0(), 6_666, &mut tx_context::dummy());
    // master: invite node 4
    env.sc().next_tx(h::admin());
    let mut c = env.sc().take_shared<Cluster>();
    c.invite_member(env.reg_ref(), &cap, n4);
    assert_eq!(c.invited(), vector[n0, n2, n4]);
    ts::return_shared(c);
    // each node accepts in its own transaction
    vector[0u64, 2, 4].do!(|i| {
        env.sc().next_tx(h::operator(i));
        let mut c = env.sc().take_shared<Cluster>();
        c.accept_membership(env.cap_at(i));
        ts::return_shared(c);
    });
    // master starts rotation 1; quorum = ceil(6 666 × 3 / 10 000) = 2
    env.sc().next_tx(h::admin());
    let mut c = env.sc().take_shared<Cluster>();
    assert_eq!(c.members(), vector[n0, n2, n4]);
    assert_eq!(c.invited(), vector[]);
    assert_eq!(c.ack_quorum(), 2);
    start(&env, &mut c, &cap, 1, c1());
    ts::return_shared(c);
    vector[0u64, 4].do!(|i| {
        env.sc().next_tx(h::operator(i));
        let mut c = env.sc().take_shared<Cluster>();
        ack(&mut env, &mut c, i, 1, c1());
        ts::return_shared(c);
    });
    env.sc().next_tx(h::keeper());
    let mut c = env.sc().take_shared<Cluster>();
    c.complete_rotation(env.reg_ref(), env.clock());
    assert_eq!(c.epoch(), 1);
    ts::return_shared(c);
    // master removes node 4; rotation 2 needs ceil(6 666 × 2 / 10 000) = 2 acks of {0, 2}
    env.sc().next_tx(h::admin());
    let mut c = env.sc().take_shared<Cluster>();
    c.remove_member(&cap, n4);
    assert_eq!(c.members(), vector[n0, n2]);
    assert_eq!(c.ack_quorum(), 2);
    start(&env, &mut c, &cap, 2, c2());
    ts::return_shared(c);
    vector[0u64, 2].do!(|i| {
        env.sc().next_tx(h::operator(i));
        let mut c = env.sc().take_shared<Cluster>();
        ack(&mut env, &mut c, i, 2, c2());
        ts::return_shared(c);
    });
    env.sc().next_tx(h::keeper());
    let mut c = env.sc().take_shared<Cluster>();
    c.complete_rotation(env.reg_ref(), env.clock());
    assert_eq!(c.epoch(), 2);
    assert_eq!(c.commitment(), c2());
    ts::return_shared(c);
    // node 2 leaves on its own; node 0 remains
    env.sc().next_tx(h::operator(2));
    let mut c = env.sc().take_shared<Cluster>();
    c.leave_cluster(env.cap_at(2));
    assert_eq!(c.members(), vector[n0]);
    ts::return_shared(c);
    std::unit_test::destroy(cap);
    env.finish();
}
