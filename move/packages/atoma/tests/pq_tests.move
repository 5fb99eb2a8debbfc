/// Issue 20: ML-KEM-768 key hashes on node records and clusters, the on-chain rotation policy
/// and the members' sealed-byte reports, with every rejection.
#[test_only]
module atoma::pq_tests;

use atoma::cluster::{Self, Cluster, MasterCap};
use atoma::fixtures as f;
use atoma::harness::{Self as h, Env};
use atoma::node;
use std::unit_test::assert_eq;

fun c0(): vector<u8> { vector::tabulate!(32, |_| 0xc0) }
fun c1(): vector<u8> { vector::tabulate!(32, |_| 0xc1) }
fun m0(): vector<u8> { vector::tabulate!(32, |_| 0x30) }
fun m1(): vector<u8> { vector::tabulate!(32, |_| 0x31) }

fun setup(): (Env, Cluster, MasterCap) {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    let members = vector[env.node_id(0), env.node_id(2)];
    env.sc().next_tx(h::admin());
    let (c, cap) = env.new_cluster(members, c0(), 10_000);
    (env, c, cap)
}

fun finish(env: Env, c: Cluster, cap: MasterCap) {
    cluster::destroy_for_testing(c, cap);
    env.finish();
}

fun report(env: &mut Env, c: &mut Cluster, i: u64, epoch: u64, bytes: u64) {
    let (_, cap, _) = env.reg_cap_clock(i);
    c.report_sealed_bytes(cap, epoch, bytes);
}

#[test]
fun node_pq_key_is_recorded() {
    let mut env = h::new(2);
    let id = env.node_id(0);
    assert_eq!(env.reg_ref().node_mlkem_pk_hash(id), vector[]);
    let (reg, cap, _) = env.reg_cap_clock(0);
    node::set_pq_key(reg, cap, m0());
    assert_eq!(env.reg_ref().node_mlkem_pk_hash(id), m0());
    // a new key replaces it (the node re-attests with it)
    let (reg, cap, _) = env.reg_cap_clock(0);
    node::set_pq_key(reg, cap, m1());
    assert_eq!(env.reg_ref().node_mlkem_pk_hash(id), m1());
    assert_eq!(env.reg_ref().node_mlkem_pk_hash(env.node_id(1)), vector[]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidPqKeyHash)]
fun node_pq_key_bad_length() {
    let mut env = h::new(1);
    let (reg, cap, _) = env.reg_cap_clock(0);
    node::set_pq_key(reg, cap, x"0102");
    env.finish();
}

#[test]
fun cluster_pq_key_follows_rotation() {
    let (mut env, mut c, cap) = setup();
    assert_eq!(c.mlkem_pk_hash(), vector[]);
    c.set_pq_key(&cap, m0());
    assert_eq!(c.mlkem_pk_hash(), m0());
    c.start_rotation_pq(&cap, 1, c1(), m1(), env.now() + 60_000, env.clock());
    assert_eq!(c.mlkem_pk_hash(), m0()); // the pending key's hash applies once the rotation completes
    let (reg, ncap, clock) = env.reg_cap_clock(0);
    c.ack_rotation(reg, ncap, 1, c1(), clock);
    let (reg, ncap, clock) = env.reg_cap_clock(2);
    c.ack_rotation(reg, ncap, 1, c1(), clock);
    c.complete_rotation(env.reg_ref(), env.clock());
    assert_eq!(c.mlkem_pk_hash(), m1());
    assert_eq!(c.previous_mlkem_pk_hash(), m0());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EInvalidPqKeyHash)]
fun cluster_pq_key_bad_length() {
    let (env, mut c, cap) = setup();
    c.set_pq_key(&cap, x"01");
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EInvalidPqKeyHash)]
fun rotation_pq_key_bad_length() {
    let (env, mut c, cap) = setup();
    c.start_rotation_pq(&cap, 1, c1(), vector[], env.now() + 60_000, env.clock());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EPqKeyAlreadySet)]
fun cluster_pq_key_set_twice() {
    let (env, mut c, cap) = setup();
    c.set_pq_key(&cap, m0());
    c.set_pq_key(&cap, m1());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EWrongCap)]
fun cluster_pq_key_other_cap() {
    let (mut env, mut c, cap) = setup();
    let other = vector[env.node_id(1)];
    let (c2, cap2) = env.new_cluster(other, c0(), 10_000);
    c.set_pq_key(&cap2, m0());
    cluster::destroy_for_testing(c2, cap2);
    finish(env, c, cap);
}

#[test]
fun policy_and_reports_make_rotation_due() {
    let (mut env, mut c, cap) = setup();
    assert!(!c.rotation_due(env.now() + 1_000_000_000));
    c.set_rotation_policy(&cap, 60_000, 1_000, env.clock());
    assert_eq!(c.rotation_interval_ms(), 60_000);
    assert_eq!(c.rotation_max_bytes(), 1_000);
    let start = env.now();
    assert_eq!(c.epoch_started_ms(), start);
    assert!(!c.rotation_due(start + 59_999));
    assert!(c.rotation_due(start + 60_000)); // the interval
    report(&mut env, &mut c, 0, 0, 600);
    report(&mut env, &mut c, 2, 0, 399);
    assert_eq!(c.sealed_bytes(), 999);
    assert!(!c.rotation_due(start));
    report(&mut env, &mut c, 0, 0, 1);
    assert!(c.rotation_due(start)); // the byte threshold
    // a rotation resets both
    c.start_rotation(&cap, 1, c1(), start + 30_000, env.clock());
    assert!(!c.rotation_due(start)); // pending
    let (reg, ncap, clock) = env.reg_cap_clock(0);
    c.ack_rotation(reg, ncap, 1, c1(), clock);
    let (reg, ncap, clock) = env.reg_cap_clock(2);
    c.ack_rotation(reg, ncap, 1, c1(), clock);
    env.set_time(start + 10_000);
    c.complete_rotation(env.reg_ref(), env.clock());
    assert_eq!(c.sealed_bytes(), 0);
    assert_eq!(c.epoch_started_ms(), start + 10_000);
    assert!(!c.rotation_due(start + 69_999));
    assert!(c.rotation_due(start + 70_000));
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EZeroPolicy)]
fun policy_zero_interval() {
    let (env, mut c, cap) = setup();
    c.set_rotation_policy(&cap, 0, 1_000, env.clock());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EZeroPolicy)]
fun policy_zero_bytes() {
    let (env, mut c, cap) = setup();
    c.set_rotation_policy(&cap, 60_000, 0, env.clock());
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EWrongCap)]
fun policy_other_cap() {
    let (mut env, mut c, cap) = setup();
    let other = vector[env.node_id(1)];
    let (c2, cap2) = env.new_cluster(other, c0(), 10_000);
    c.set_rotation_policy(&cap2, 60_000, 1_000, env.clock());
    cluster::destroy_for_testing(c2, cap2);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EZeroBytes)]
fun report_zero_bytes() {
    let (mut env, mut c, cap) = setup();
    report(&mut env, &mut c, 0, 0, 0);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::ENotMember)]
fun report_by_non_member() {
    let (mut env, mut c, cap) = setup();
    report(&mut env, &mut c, 1, 0, 10);
    finish(env, c, cap);
}

#[test, expected_failure(abort_code = cluster::EWrongEpoch)]
fun report_for_another_epoch() {
    let (mut env, mut c, cap) = setup();
    report(&mut env, &mut c, 0, 1, 10);
    finish(env, c, cap);
}
