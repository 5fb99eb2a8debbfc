/// The version and pause guards on every path that has them (one expected-failure test per
/// guard per entry point; the other modules' tests cover the remaining paths).
#[test_only]
module atoma::guard_tests;

use atoma::cluster;
use atoma::fixtures as f;
use atoma::harness::{Self as h, Env};
use atoma::registry;
use atoma::request::{Self, Request};
use std::unit_test::{assert_eq, destroy};

fun paused(): Env {
    let mut env = h::new(3);
    env.set_paused(true);
    env
}

fun old(): Env {
    let mut env = h::new(3);
    env.reg().set_version_for_testing(0);
    env
}

fun sampled(env: &mut Env): Request {
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 4);
    req
}

fun disputed(env: &mut Env): Request {
    let mut req = sampled(env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    req
}

#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_add_stake() {
    let mut env = paused();
    env.add_stake(0, 1);
    env.finish();
}
/// Issue 13 A7: the pause switch never freezes stake; a node unstakes and withdraws while paused.
#[test]
fun paused_unstake_and_withdraw_go_through() {
    let mut env = paused();
    let id = env.node_id(0);
    env.unstake(0);
    assert_eq!(env.reg_ref().node_status(id), atoma::constants::node_status_leaving());
    let until = env.unbonding_until_ms(id);
    env.set_time(until);
    assert_eq!(env.withdraw(0), 100 * h::sui!());
    assert_eq!(env.unbonding(id), 0);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_set_price() {
    let mut env = paused();
    env.set_price(0, 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_set_capabilities() {
    let mut env = paused();
    env.set_caps(0, vector[b"x"]);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_record_attestation() {
    let mut env = f::env6();
    env.set_paused(true);
    f::attest(&mut env, 0, 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_create_cluster() {
    let mut env = paused();
    let id = env.node_id(0);
    let (c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EPaused)]
fun paused_ack_rotation() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    let (mut c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    c.start_rotation(&cap, 1, vector::tabulate!(32, |_| 2), env.now() + 10, env.clock());
    env.set_paused(true);
    let (reg, ncap, clock) = env.reg_cap_clock(0);
    c.ack_rotation(reg, ncap, 1, vector::tabulate!(32, |_| 2), clock);
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_set_param() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.set_param(cap, b"margin_bps", 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_set_paused() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.set_paused(cap, true);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_add_verifier() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.add_verifier(cap, h::key(0, 1));
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_remove_verifier() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.remove_verifier(cap, h::key(0, 1));
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_allow_measurement() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.allow_measurement(cap, 1, x"01");
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_disallow_measurement() {
    let mut env = old();
    let (reg, cap) = env.reg_and_admin();
    reg.disallow_measurement(cap, 1, x"01");
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_withdraw_treasury() {
    let mut env = old();
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    let c = reg.withdraw_treasury(cap, 0, &mut tx_context::dummy());
    destroy(c);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_revoke_attestation() {
    let mut env = old();
    let id = env.node_id(0);
    env.revoke(id);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_add_stake() {
    let mut env = old();
    env.add_stake(0, 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_request_unstake() {
    let mut env = old();
    env.unstake(0);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_withdraw_stake() {
    let mut env = old();
    env.withdraw(0);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_set_price() {
    let mut env = old();
    env.set_price(0, 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_set_capabilities() {
    let mut env = old();
    env.set_caps(0, vector[b"x"]);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_jail() {
    let mut env = old();
    let id = env.node_id(0);
    env.jail(id);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_record_attestation() {
    let mut env = f::env6();
    env.reg().set_version_for_testing(0);
    f::attest(&mut env, 0, 1);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_create_request() {
    let mut env = old();
    let req = env.request(3, 0, h::price(), false);
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_sample_nodes() {
    let mut env = h::new(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.reg().set_version_for_testing(0);
    env.sample(&mut req, 1);
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_escalate() {
    let mut env = h::new(9);
    let mut req = disputed(&mut env);
    env.reg().set_version_for_testing(0);
    env.escalate(&mut req, 1);
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_create_cluster() {
    let mut env = old();
    let id = env.node_id(0);
    let (c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun old_complete_rotation() {
    let mut env = h::new(1);
    let id = env.node_id(0);
    let (mut c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    env.reg().set_version_for_testing(0);
    c.complete_rotation(env.reg_ref(), env.clock());
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = request::EWrongVersion)]
fun old_request_commit() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    req.set_version_for_testing(0);
    let id = req.sampled_nodes(0)[0];
    env.commit_node(&mut req, id, h::hash_a());
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = request::EWrongVersion)]
fun old_request_reveal() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    req.set_version_for_testing(0);
    let id = req.sampled_nodes(0)[0];
    env.reveal_node(&mut req, id, h::hash_a());
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = request::EWrongVersion)]
fun old_request_post_output() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    req.set_version_for_testing(0);
    let id = req.sampled_nodes(0)[0];
    env.post(&mut req, id, b"x");
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = request::EWrongVersion)]
fun old_request_accept_output() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    req.set_version_for_testing(0);
    let id = req.sampled_nodes(0)[0];
    env.sc().next_tx(h::requester());
    req.accept_output(id, env.sc().ctx());
    destroy(req);
    env.finish();
}
/// A request from an older package version still settles (an upgrade never locks escrow);
/// one from a newer version does not.
#[test]
fun older_request_still_settles() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    req.set_version_for_testing(0);
    env.settle(&mut req);
    assert!(req.is_settled());
    destroy(req);
    env.finish();
}

#[test, expected_failure(abort_code = request::EWrongVersion)]
fun newer_request_settle() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    req.set_version_for_testing(2);
    env.settle(&mut req);
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = request::EWrongVersion)]
fun newer_request_escalate() {
    let mut env = h::new(9);
    let mut req = disputed(&mut env);
    req.set_version_for_testing(2);
    env.escalate(&mut req, 1);
    destroy(req);
    env.finish();
}
#[test, expected_failure(abort_code = cluster::EWrongVersion)]
fun old_cluster_ack() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    let (mut c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    c.start_rotation(&cap, 1, vector::tabulate!(32, |_| 2), env.now() + 10, env.clock());
    c.set_version_for_testing(0);
    let (reg, ncap, clock) = env.reg_cap_clock(0);
    c.ack_rotation(reg, ncap, 1, vector::tabulate!(32, |_| 2), clock);
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = cluster::EWrongVersion)]
fun old_cluster_complete() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    let (mut c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    c.start_rotation(&cap, 1, vector::tabulate!(32, |_| 2), env.now() + 10, env.clock());
    c.set_version_for_testing(0);
    c.complete_rotation(env.reg_ref(), env.clock());
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
#[test, expected_failure(abort_code = cluster::EWrongVersion)]
fun old_cluster_abort() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    let (mut c, cap) = env.new_cluster(vector[id], vector::tabulate!(32, |_| 1), 10_000);
    c.start_rotation(&cap, 1, vector::tabulate!(32, |_| 2), env.now() + 10, env.clock());
    c.set_version_for_testing(0);
    c.abort_rotation(env.clock());
    cluster::destroy_for_testing(c, cap);
    env.finish();
}
