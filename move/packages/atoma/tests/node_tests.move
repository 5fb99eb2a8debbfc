/// Nodes (`node` entry points on a registry): registration checks, staking, unbonding and
/// withdrawal, jailing, price and capabilities. The record's own logic is in `node_record_tests`.
#[test_only]
module atoma::node_tests;

use atoma::harness::{Self as h, Env};
use atoma::node;
use atoma::registry;
use std::unit_test::{assert_eq, destroy};

fun try_register(env: &mut Env, stake: u64, sig_pk: vector<u8>, caps: vector<vector<u8>>) {
    env.register_with(h::operator(99), stake, sig_pk, caps);
}

#[test]
fun register_reads_back() {
    let mut env = h::new(2);
    let id = env.node_id(1);
    assert_eq!(env.stake(id), 101 * h::sui!());
    assert_eq!(env.reputation(id), 1_000);
    // the node id is its shared account's id, not the NodeCap's
    assert!(object::id(env.cap_at(1)) != id);
    let r = env.reg_ref();
    assert_eq!(r.node_count(), 2);
    assert_eq!(r.node_operator(id), h::operator(1));
    assert_eq!(r.node_weight(id), 101 * h::sui!());
    assert_eq!(r.node_sig_pk(id), h::key(1, 0x51));
    assert_eq!(r.node_enc_pk(id), h::key(1, 0xE1));
    assert_eq!(r.node_capabilities(id), vector[h::cap()]);
    assert_eq!(r.node_price(id), h::price());
    assert_eq!(r.node_status(id), 0);
    assert_eq!(env.eligible(), vector[env.node_id(0), id]);
    env.finish();
}

#[test]
fun unbond_and_withdraw() {
    let mut env = h::new(3);
    let id = env.node_id(1);
    env.unstake(1);
    assert_eq!(env.reg_ref().node_status(id), 2);
    assert_eq!(env.stake(id), 0);
    assert_eq!(env.unbonding(id), 101 * h::sui!());
    assert!(!env.eligible().contains(&id));
    let until = env.unbonding_until_ms(id);
    assert_eq!(until, env.now() + 604_800_000);
    env.set_time(until);
    assert_eq!(env.withdraw(1), 101 * h::sui!());
    assert_eq!(env.unbonding(id), 0);
    env.finish();
}

#[test, expected_failure(abort_code = node::EStillUnbonding)]
fun withdraw_too_early() {
    let mut env = h::new(1);
    env.unstake(0);
    let t = env.now() + 604_800_000 - 1;
    env.set_time(t);
    env.withdraw(0);
    env.finish();
}

#[test, expected_failure(abort_code = node::ENotLeaving)]
fun withdraw_not_leaving() {
    let mut env = h::new(1);
    env.withdraw(0);
    env.finish();
}

#[test, expected_failure(abort_code = node::ENodeLeaving)]
fun add_stake_leaving() {
    let mut env = h::new(1);
    env.unstake(0);
    env.add_stake(0, h::sui!());
    env.finish();
}

#[test, expected_failure(abort_code = node::ENodeLeaving)]
fun unstake_twice() {
    let mut env = h::new(1);
    env.unstake(0);
    env.unstake(0);
    env.finish();
}

#[test, expected_failure(abort_code = node::EZeroAmount)]
fun add_zero_stake() {
    let mut env = h::new(1);
    env.add_stake(0, 0);
    env.finish();
}

/// min_stake rises above node 0's stake: anyone jails it; topping up re-activates it.
#[test]
fun jail_and_reactivate() {
    let mut env = h::new(3);
    let id = env.node_id(0);
    env.set_param(b"min_stake", 101 * h::sui!());
    env.jail(id);
    assert_eq!(env.reg_ref().node_status(id), 1);
    assert!(!env.eligible().contains(&id));
    env.add_stake(0, h::sui!());
    assert_eq!(env.reg_ref().node_status(id), 0);
    assert!(env.eligible().contains(&id));
    // a jailed node may still leave
    env.set_param(b"min_stake", 200 * h::sui!());
    env.jail(id);
    env.unstake(0);
    assert_eq!(env.reg_ref().node_status(id), 2);
    env.finish();
}

/// A node at exactly min_stake that is slashed for absence drops below it and is jailed.
#[test]
fun slashed_below_min_is_jailed() {
    let mut env = h::new(1);
    let id = env.node_id(0);
    let mut req = env.request(1, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::absent()]);
    env.settle(&mut req); // disputed
    env.set_time(req.dispute_deadline_ms());
    env.settle(&mut req); // failed: absentee slashed 2%
    assert!(req.is_failed());
    assert_eq!(env.stake(id), 98 * h::sui!());
    assert_eq!(env.slashed(id), 2 * h::sui!());
    assert_eq!(env.reputation(id), 995);
    // The settlement takes no &mut Registry (issue 13 B stage 2): the node below min_stake stays
    // Active, at its old weight, and may still be drawn until refresh_node (the window) ...
    assert_eq!(env.reg_ref().node_status(id), 0);
    assert_eq!(env.reg_ref().node_weight(id), 100 * h::sui!());
    assert!(env.eligible().contains(&id));
    let mut g = sui::random::new_generator_from_seed_for_testing(b"jailed");
    let drawn = atoma::sampling::sample(env.reg_ref(), &h::cap(), 1, h::price(), false, &vector[], env.now(), &mut g);
    assert_eq!(drawn, vector[id]);
    // ... refresh_node (anyone; the keeper after each settlement that slashed) jails it and
    // takes it out; a second refresh changes nothing (idempotent).
    env.refresh(id);
    assert_eq!(env.reg_ref().node_status(id), 1);
    assert_eq!(env.reg_ref().node_weight(id), 98 * h::sui!());
    assert!(!env.eligible().contains(&id));
    env.refresh(id);
    assert_eq!(env.reg_ref().node_status(id), 1);
    let drawn = atoma::sampling::sample(env.reg_ref(), &h::cap(), 1, h::price(), false, &vector[], env.now(), &mut g);
    assert_eq!(drawn.length(), 0);
    destroy(req);
    env.finish();
}

/// After `min_stake` rises above a node's stake, `refresh_node` (anyone, the keeper's batch)
/// jails it and takes it out of the tree, as `node::jail` would; on a healthy node it only
/// re-syncs (no abort), so a keeper may refresh every node in one batch.
#[test]
fun refresh_node_jails_below_new_min_stake() {
    let mut env = h::new(2);
    let low = env.node_id(0);
    let high = env.node_id(1);
    env.add_stake(1, 50 * h::sui!());
    env.set_param(b"min_stake", 101 * h::sui!());
    // Nothing changes until a refresh: the node is still Active and in the tree.
    assert_eq!(env.reg_ref().node_status(low), 0);
    assert!(env.eligible().contains(&low));
    env.refresh(low);
    env.refresh(high);
    assert_eq!(env.reg_ref().node_status(low), 1);
    assert!(!env.eligible().contains(&low));
    assert_eq!(env.reg_ref().node_status(high), 0);
    assert!(env.eligible().contains(&high));
    // Idempotent: a second refresh of the jailed node changes nothing and does not abort.
    env.refresh(low);
    assert_eq!(env.reg_ref().node_status(low), 1);
    env.finish();
}

#[test, expected_failure(abort_code = node::ENotJailable)]
fun jail_healthy_node() {
    let mut env = h::new(1);
    let id = env.node_id(0);
    env.jail(id);
    env.finish();
}

#[test, expected_failure(abort_code = registry::EUnknownNode)]
fun jail_unknown_node() {
    let mut env = h::new(1);
    // an account of a node registered elsewhere (another registry): unknown here
    env.sc().next_tx(h::admin());
    let other = atoma::node_account::new_for_testing(@0x5, 1, env.sc().ctx());
    node::jail(env.reg(), &other);
    other.destroy_for_testing();
    env.finish();
}

#[test]
fun price_and_capabilities() {
    let mut env = h::new(2);
    let id = env.node_id(0);
    env.set_price(0, 7);
    assert_eq!(env.reg_ref().node_price(id), 7);
    env.set_caps(0, vector[b"other", b"wasm:abc"]);
    assert!(!env.eligible().contains(&id));
    assert_eq!(env.reg_ref().eligible_nodes(b"other"), vector[id]);
    assert_eq!(env.reg_ref().eligible_nodes(b"wasm:abc"), vector[id]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EStakeTooLow)]
fun register_low_stake() {
    let mut env = h::new(0);
    try_register(&mut env, 100 * h::sui!() - 1, h::key(0, 1), vector[h::cap()]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidKey)]
fun register_bad_key() {
    let mut env = h::new(0);
    try_register(&mut env, 100 * h::sui!(), x"01", vector[h::cap()]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidCapability)]
fun register_no_capability() {
    let mut env = h::new(0);
    try_register(&mut env, 100 * h::sui!(), h::key(0, 1), vector[]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidCapability)]
fun register_duplicate_capability() {
    let mut env = h::new(0);
    try_register(&mut env, 100 * h::sui!(), h::key(0, 1), vector[b"a", b"a"]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidCapability)]
fun register_long_capability() {
    let mut env = h::new(0);
    try_register(&mut env, 100 * h::sui!(), h::key(0, 1), vector[vector::tabulate!(65, |_| 1u8)]);
    env.finish();
}

#[test, expected_failure(abort_code = node::EInvalidCapability)]
fun set_empty_capability() {
    let mut env = h::new(1);
    env.set_caps(0, vector[b""]);
    env.finish();
}

/// Issue 13 A6/B: no per-capability cap on the eligible set any more (a squatter filling it
/// cannot lock others out): registering past the old bound of 900 still joins the set.
#[test]
fun no_capability_cap() {
    let mut env = h::new(0);
    let mut i = 0;
    while (i < 901) {
        env.register_with(sui::address::from_u256(0x9000 + (i as u256)), 100 * h::sui!(), h::key(i, 0x51), vector[h::cap()]);
        i = i + 1;
    };
    assert_eq!(env.eligible().length(), 901);
    env.finish();
}

#[test, expected_failure(abort_code = registry::EPaused)]
fun register_paused() {
    let mut env = h::new(0);
    env.set_paused(true);
    try_register(&mut env, 100 * h::sui!(), h::key(0, 1), vector[h::cap()]);
    env.finish();
}

#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun register_wrong_version() {
    let mut env = h::new(0);
    env.reg().set_version_for_testing(0);
    try_register(&mut env, 100 * h::sui!(), h::key(0, 1), vector[h::cap()]);
    env.finish();
}

/// A sampled node that requests unstake and stays silent is still slashed, from unbonding.
#[test]
fun unbonding_node_is_still_slashed() {
    let mut env = h::new(5);
    let mut req = env.request(5, 0, h::price(), false);
    env.sample(&mut req, 2);
    let absent = req.sampled_nodes(0)[4];
    let mut i = 0;
    while (env.node_id(i) != absent) i = i + 1;
    env.unstake(i);
    let before = env.unbonding(absent);
    let books = env.books(&req);
    env.play_round(&mut req, 0, vector[0, 0, 0, 0, 2]);
    env.settle(&mut req);
    assert!(req.is_settled());
    assert_eq!(env.unbonding(absent), before - before * 200 / 10_000);
    assert_eq!(env.reg_ref().node_status(absent), 2); // still Leaving, not Jailed
    let (paid, _, _, slashed) = env.check_conservation(&req, books);
    assert_eq!(slashed, before * 200 / 10_000);
    assert_eq!(paid, 4 * h::price());
    destroy(req);
    env.finish();
}

/// Attack A6 (capability squatting): registering at price u64::MAX (never sampled, never
/// slashed, yet holding an eligible-list seat) is refused at registration.
#[test, expected_failure(abort_code = node::EPriceTooHigh)]
fun squatting_at_max_price_refused() {
    let mut env = h::new(0);
    env.set_param(b"max_eligible_per_capability", 2);
    env.register_priced(0, 100 * h::sui!(), vector[h::cap()], 18_446_744_073_709_551_615);
    env.finish();
}

/// Attack A6 via `set_price`: a registered node cannot raise its price above `max_node_price`.
#[test, expected_failure(abort_code = node::EPriceTooHigh)]
fun set_price_above_bound_refused() {
    let mut env = h::new(1);
    let max = env.reg_ref().params().max_node_price();
    env.set_price(0, max + 1);
    env.finish();
}

/// The bound is inclusive and an admin parameter: a price at `max_node_price` is accepted, and
/// after the admin lowers the bound to 5 SUI, 5 SUI is accepted.
#[test]
fun price_at_bound_accepted() {
    let mut env = h::new(1);
    assert_eq!(env.reg_ref().params().max_node_price(), 1_000 * h::sui!());
    env.set_price(0, 1_000 * h::sui!());
    assert_eq!(env.reg_ref().node_price(env.node_id(0)), 1_000 * h::sui!());
    env.set_param(b"max_node_price", 5 * h::sui!());
    env.set_price(0, 5 * h::sui!());
    assert_eq!(env.reg_ref().node_price(env.node_id(0)), 5 * h::sui!());
    env.finish();
}

/// Issue 13 A7 attack: a node sampled in a request unstakes at once (unbonding at the
/// shortest allowed), stays absent, and every step of the request is taken at its last
/// moment (dispute, escalation, round 1). At the final settlement the node still cannot
/// withdraw, and the absence slash reaches its unbonding stake.
#[test]
fun sampled_node_cannot_unstake_past_its_slash() {
    let mut env = h::new(9);
    env.set_param(b"unbonding_ms", 1_440_001);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    let x = req.sampled_nodes(0)[0];
    let mut i = 0;
    while (env.node_id(i) != x) i = i + 1;
    let before = env.stake(x);
    env.unstake(i);
    env.play_round(&mut req, 0, vector[h::absent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    assert_eq!(req.status(), atoma::request::status_disputed());
    let t = req.dispute_deadline_ms() - 1;
    env.set_time(t);
    env.escalate(&mut req, 1);
    env.play_round(&mut req, 1, vector[0, 0, 0, 0, 0, 0]);
    let t = req.reveal_deadline_ms();
    env.set_time(t);
    env.settle(&mut req);
    assert_eq!(req.status(), atoma::request::status_settled());
    assert!(env.now() < env.unbonding_until_ms(x));
    let slash = before * 200 / 10_000;
    assert_eq!(env.slashed(x), slash);
    assert_eq!(env.unbonding(x), before - slash);
    let until = env.unbonding_until_ms(x);
    env.set_time(until);
    assert_eq!(env.withdraw(i), before - slash);
    destroy(req);
    env.finish();
}
