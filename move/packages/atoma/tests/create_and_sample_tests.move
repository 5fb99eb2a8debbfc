/// `entry fun request::create_and_sample`: a request created and sampled in one call (one
/// transaction), through the real `Random` object of test_scenario.
///
/// Abort paths: every `create_request` check (registry version and pause, kind, capability,
/// sample size, quorum, input hash, input size, price, escrow overflow, payment) and the one
/// `sample_nodes` check a fresh request can hit: `ENotEnoughNodes` (too few nodes, nodes above
/// max_price, unattested nodes for a confidential request, unstaking nodes). The other sampling
/// checks cannot fire here: the request was just made with the current version, in status
/// Created, and `sample_deadline_ms = now + commit_window_ms` with commit_window_ms >= 10_000.
#[test_only]
module atoma::create_and_sample_tests;

use atoma::attestation;
use atoma::events::{NodesSampled, RequestCreated};
use atoma::fixtures as f;
use atoma::harness as h;
use atoma::node::{Self, NodeCap};
use atoma::registry::{Self, Registry, AdminCap};
use atoma::request::{Self, Request};
use std::unit_test::{assert_eq, destroy};
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::event;
use sui::random::{Self, Random};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

public struct T {
    sc: Scenario,
    reg: Registry,
    admin_cap: AdminCap,
    clock: Clock,
    caps: vector<NodeCap>,
    rnd: Random,
}

/// Same calls, in the same order, as `harness::new(pool)` (so node ids match the fixtures'
/// signed verdicts), then the Random object.
fun setup(pool: u64): T {
    let mut sc = ts::begin(h::admin());
    let (mut reg, admin_cap) = registry::new_for_testing(sc.ctx());
    let mut clock = clock::create_for_testing(sc.ctx());
    clock.set_for_testing(1_000_000);
    let mut caps = vector[];
    let mut i = 0;
    while (i < pool) {
        sc.next_tx(h::operator(i));
        let coin = coin::mint_for_testing<SUI>((100 + i) * h::sui!(), sc.ctx());
        caps.push_back(
            node::register_node(&mut reg, coin, h::key(i, 0x51), h::key(i, 0xE1), vector[h::cap()], h::price(), sc.ctx()),
        );
        i = i + 1;
    };
    sc.next_tx(@0x0);
    random::create_for_testing(sc.ctx());
    sc.next_tx(@0x0);
    let mut rnd = sc.take_shared<Random>();
    rnd.update_randomness_state_for_testing(0, x"1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100", sc.ctx());
    T { sc, reg, admin_cap, clock, caps, rnd }
}

fun finish(t: T) {
    let T { sc, reg, admin_cap, clock, caps, rnd } = t;
    destroy(reg);
    destroy(admin_cap);
    clock.destroy_for_testing();
    destroy(caps);
    ts::return_shared(rnd);
    sc.end();
}

fun escrow3(): u64 { request::escrow_for(3, h::price(), 500) }

/// create_and_sample as `requester()`, paying `pay` (max_tokens 7, fuel 9).
fun cas(
    t: &mut T,
    pay: u64,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    n: u64,
    q: u64,
    max_price: u64,
    confidential: bool,
) {
    t.sc.next_tx(h::requester());
    let c = coin::mint_for_testing<SUI>(pay, t.sc.ctx());
    request::create_and_sample_for_testing(
        &t.reg,
        c,
        kind,
        capability,
        input_hash,
        input,
        7,
        9,
        n,
        q,
        max_price,
        confidential,
        &t.rnd,
        &t.clock,
        t.sc.ctx(),
    );
}

/// A valid request of `n` nodes paid with exactly its escrow.
fun cas_n(t: &mut T, n: u64, confidential: bool) {
    let pay = request::escrow_for(n, h::price(), 500);
    cas(t, pay, 0, h::cap(), h::input_hash(), b"in", n, 0, h::price(), confidential);
}

fun pause(t: &mut T) {
    t.sc.next_tx(h::admin());
    t.reg.set_paused(&t.admin_cap, true);
}

fun set_price(t: &mut T, i: u64, p: u64) {
    t.sc.next_tx(h::operator(i));
    node::set_price(&mut t.reg, &t.caps[i], p);
}

fun unstake(t: &mut T, i: u64) {
    t.sc.next_tx(h::operator(i));
    let mut a = t.sc.take_shared_by_id<atoma::node_account::NodeAccount>(t.caps[i].node_id());
    node::request_unstake(&mut t.reg, &mut a, &t.caps[i], &t.clock);
    sui::test_scenario::return_shared(a);
}

/// Allow-lists the fixtures' verifier and Tdx measurement; nodes 0..k record their verdicts.
fun allow_and_attest(t: &mut T, k: u64) {
    t.sc.next_tx(h::admin());
    t.reg.add_verifier(&t.admin_cap, f::verifier_pk());
    t.reg.allow_measurement(&t.admin_cap, 1, f::measurement());
    let mut i = 0;
    while (i < k) {
        t.sc.next_tx(h::operator(i));
        attestation::record_attestation(
            &mut t.reg,
            &t.caps[i],
            1,
            f::measurement(),
            f::report_data(i),
            f::evidence_hash(),
            f::issued_ms(),
            f::expires_ms(),
            f::verifier_pk(),
            f::sig(i, 1),
            &t.clock,
        );
        i = i + 1;
    };
}

fun node_ids(t: &T): vector<ID> { t.caps.map_ref!(|c| c.node_id()) }

// === happy paths ===

#[test]
fun creates_samples_and_shares_in_one_call() {
    let mut t = setup(5);
    cas(&mut t, escrow3() + 5, 1, h::cap(), h::input_hash(), b"inline", 3, 7_000, h::price(), false);
    // Same transaction: RequestCreated then NodesSampled, nothing else.
    assert_eq!(event::num_events(), 2);
    assert_eq!(event::events_by_type<RequestCreated>().length(), 1);
    assert_eq!(event::events_by_type<NodesSampled>().length(), 1);
    let fx = t.sc.next_tx(h::keeper());
    assert_eq!(fx.num_user_events(), 2);
    assert_eq!(fx.shared().length(), 1);
    let req = t.sc.take_shared<Request>();
    assert_eq!(fx.shared()[0], req.id());
    assert_eq!(req.status(), request::status_sampled());
    assert_eq!(req.round(), 0);
    assert_eq!(req.kind(), 1);
    assert_eq!(req.capability(), h::cap());
    assert_eq!(req.input_hash(), h::input_hash());
    assert_eq!(req.input(), b"inline");
    assert_eq!(req.max_tokens(), 7);
    assert_eq!(req.fuel(), 9);
    assert_eq!(req.sample_size(), 3);
    assert_eq!(req.quorum_bps(), 7_000);
    assert_eq!(req.requester(), h::requester());
    assert_eq!(req.escrow_value(), 3_150_000_000);
    assert_eq!(req.created_ms(), 1_000_000);
    assert_eq!(req.sample_deadline_ms(), 1_300_000);
    assert_eq!(req.commit_deadline_ms(), 1_300_000);
    assert_eq!(req.reveal_deadline_ms(), 1_420_000);
    // Three distinct registered nodes.
    let nodes = req.sampled_nodes(0);
    let all = node_ids(&t);
    assert_eq!(nodes.length(), 3);
    nodes.do_ref!(|id| assert!(all.contains(id)));
    assert!(nodes[0] != nodes[1] && nodes[0] != nodes[2] && nodes[1] != nodes[2]);
    // The TypeScript twin (devnet/test/protocol/create-and-sample.test.ts) reproduces these
    // test_scenario ids: the Request takes the call's first fresh id (after the payment coin),
    // the generator the next, and draws nodes 4, 2, 1 in that order.
    assert_eq!(req.id().to_address(), @0xe4d0bcbdc026b98a242f13e2761601107c90de400f0c24cdafea526abf201c26);
    assert_eq!(nodes, vector[t.caps[4].node_id(), t.caps[2].node_id(), t.caps[1].node_id()]);
    // The change went back to the requester.
    let change = t.sc.take_from_address<Coin<SUI>>(h::requester());
    assert_eq!(change.value(), 5);
    change.burn_for_testing();
    ts::return_shared(req);
    finish(t);
}

/// Registry defaults (sample_size 0, quorum 0), exact payment (no change coin), and a sampled
/// node can commit on the shared request in the next transaction.
#[test]
fun defaults_exact_payment_then_commit() {
    let mut t = setup(4);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), b"", 0, 0, h::price(), false);
    t.sc.next_tx(h::keeper());
    assert!(!ts::has_most_recent_for_address<Coin<SUI>>(h::requester()));
    let mut req = t.sc.take_shared<Request>();
    assert_eq!(req.sample_size(), 3);
    assert_eq!(req.quorum_bps(), 6_667);
    assert_eq!(req.escrow_value(), escrow3());
    let id = req.sampled_nodes(0)[0];
    let i = t.caps.find_index!(|c| c.node_id() == id).destroy_some();
    let c = request::commitment_of(h::hash_a(), id, h::salt());
    req.commit(&t.caps[i], c, &t.clock);
    ts::return_shared(req);
    finish(t);
}

/// N = pool: every node, once each; two requests in a row get their own objects.
#[test]
fun takes_the_whole_pool_and_repeats() {
    let mut t = setup(4);
    cas_n(&mut t, 4, false);
    cas_n(&mut t, 4, false);
    let fx = t.sc.next_tx(h::keeper());
    assert_eq!(fx.shared().length(), 1);
    let req = t.sc.take_shared<Request>();
    let nodes = req.sampled_nodes(0);
    assert_eq!(nodes.length(), 4);
    node_ids(&t).do_ref!(|id| assert!(nodes.contains(id)));
    ts::return_shared(req);
    finish(t);
}

/// Confidential: only the attested nodes (0, 1, 2 of 6) can be sampled.
#[test]
fun confidential_samples_only_attested_nodes() {
    let mut t = setup(6);
    let mut i = 0;
    while (i < 6) {
        if (i == 0 || i == 1 || i == 2 || i == 4) assert_eq!(t.caps[i].node_id().to_address(), f::node_id_hex(i));
        i = i + 1;
    };
    allow_and_attest(&mut t, 3);
    cas_n(&mut t, 3, true);
    t.sc.next_tx(h::keeper());
    let req = t.sc.take_shared<Request>();
    assert!(req.confidential());
    let nodes = req.sampled_nodes(0);
    assert_eq!(nodes.length(), 3);
    i = 0;
    while (i < 3) {
        assert!(nodes.contains(&t.caps[i].node_id()));
        i = i + 1;
    };
    ts::return_shared(req);
    finish(t);
}

// === create_request checks ===

#[test, expected_failure(abort_code = registry::EPaused)]
fun paused() {
    let mut t = setup(3);
    pause(&mut t);
    cas_n(&mut t, 3, false);
    finish(t);
}

#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun registry_wrong_version() {
    let mut t = setup(3);
    t.reg.set_version_for_testing(2);
    cas_n(&mut t, 3, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidKind)]
fun bad_kind() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 2, h::cap(), h::input_hash(), b"", 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidCapability)]
fun empty_capability() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, b"", h::input_hash(), b"", 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidCapability)]
fun capability_too_long() {
    let mut t = setup(3);
    let c = vector::tabulate!(65, |_| 0x61u8);
    cas(&mut t, escrow3(), 0, c, h::input_hash(), b"", 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidSampleSize)]
fun sample_size_above_max() {
    let mut t = setup(3);
    cas(&mut t, 100 * escrow3(), 0, h::cap(), h::input_hash(), b"", 33, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidQuorum)]
fun quorum_too_low() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 5_000, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidQuorum)]
fun quorum_too_high() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 10_001, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidHash)]
fun bad_input_hash() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, h::cap(), x"01", b"", 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInputTooLarge)]
fun input_too_large() {
    let mut t = setup(3);
    let big = vector::tabulate!(16_385, |_| 0u8);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), big, 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidPrice)]
fun zero_price() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 0, 0, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInvalidPrice)]
fun escrow_overflow() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 0, 18_446_744_073_709_551_615, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::EInsufficientPayment)]
fun underpaid() {
    let mut t = setup(3);
    cas(&mut t, escrow3() - 1, 0, h::cap(), h::input_hash(), b"", 3, 0, h::price(), false);
    finish(t);
}

// === sample_nodes checks ===

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun not_enough_nodes() {
    let mut t = setup(2);
    cas_n(&mut t, 3, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun unknown_capability() {
    let mut t = setup(3);
    cas(&mut t, escrow3(), 0, b"other-model", h::input_hash(), b"", 3, 0, h::price(), false);
    finish(t);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun nodes_above_max_price_are_skipped() {
    let mut t = setup(3);
    set_price(&mut t, 2, h::price() + 1);
    cas_n(&mut t, 3, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun unstaking_nodes_are_skipped() {
    let mut t = setup(3);
    unstake(&mut t, 1);
    cas_n(&mut t, 3, false);
    finish(t);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun confidential_without_attested_nodes() {
    let mut t = setup(3);
    cas_n(&mut t, 1, true);
    finish(t);
}
