/// The consumer offloads a computation through `atoma::request::create_request`, three
/// nodes run it (commit, reveal), anyone settles, one node posts the output, and the
/// consumer reads the agreed output back, checked against the agreed hash.
#[test_only]
module atoma_consumer::offload_tests;

use atoma::node::{Self, NodeCap};
use atoma::node_account::NodeAccount;
use atoma::registry::{Self, Registry};
use atoma::request::{Self, Request};
use atoma::settlement;
use atoma_consumer::offload::{Self, Job};
use std::unit_test::assert_eq;
use sui::clock::{Self, Clock};
use sui::coin;
use sui::hash::blake2b256;
use sui::random::{Self, Random};
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

const ADMIN: address = @0xAD;
const DAPP: address = @0xDA99;
const KEEPER: address = @0xEE;

fun op(i: u64): address { sui::address::from_u256(0x1000 + (i as u256)) }

fun key(i: u64, tag: u8): vector<u8> {
    let mut k = vector::tabulate!(31, |_| tag);
    k.push_back(i as u8);
    k
}

fun setup(): Scenario {
    let mut sc = ts::begin(@0x0);
    random::create_for_testing(sc.ctx());
    sc.next_tx(@0x0);
    let mut rnd = sc.take_shared<Random>();
    rnd.update_randomness_state_for_testing(0, vector::tabulate!(32, |i| i as u8), sc.ctx());
    ts::return_shared(rnd);
    sc.next_tx(ADMIN);
    registry::init_for_testing(sc.ctx());
    let mut clock = clock::create_for_testing(sc.ctx());
    clock.set_for_testing(1_000_000);
    clock.share_for_testing();
    let mut i = 0;
    while (i < 3) {
        sc.next_tx(op(i));
        let mut reg = sc.take_shared<Registry>();
        let stake = coin::mint_for_testing<SUI>(100_000_000_000, sc.ctx());
        let cap = node::register_node(&mut reg, stake, key(i, 1), key(i, 2), vector[offload::capability()], 500_000_000, sc.ctx());
        transfer::public_transfer(cap, op(i));
        ts::return_shared(reg);
        i = i + 1;
    };
    sc
}

/// The dapp offloads `input`; returns the request id.
fun offload_job(sc: &mut Scenario, input: vector<u8>): ID {
    sc.next_tx(DAPP);
    let mut reg = sc.take_shared<Registry>();
    let clock = sc.take_shared<Clock>();
    let pay = coin::mint_for_testing<SUI>(offload::escrow(500) + 7, sc.ctx());
    let job = offload::offload(&mut reg, pay, input, &clock, sc.ctx());
    let id = job.request_id();
    transfer::public_transfer(job, DAPP);
    ts::return_shared(reg);
    ts::return_shared(clock);
    id
}

fun sample(sc: &mut Scenario) {
    sc.next_tx(KEEPER);
    let mut req = sc.take_shared<Request>();
    let reg = sc.take_shared<Registry>();
    let rnd = sc.take_shared<Random>();
    let clock = sc.take_shared<Clock>();
    request::sample_nodes_for_testing(&mut req, &reg, &rnd, &clock, sc.ctx());
    ts::return_shared(req);
    ts::return_shared(reg);
    ts::return_shared(rnd);
    ts::return_shared(clock);
}

/// Node `i` runs the computation: its output bytes are `output`; phase 0 commit, 1 reveal,
/// 2 post output (with the agreed hash `blake2b256(good)`).
fun node_step(sc: &mut Scenario, i: u64, output: vector<u8>, phase: u8) { node_step_good(sc, i, output, output, phase) }

fun node_step_good(sc: &mut Scenario, i: u64, output: vector<u8>, good: vector<u8>, phase: u8) {
    sc.next_tx(op(i));
    let cap = sc.take_from_sender<NodeCap>();
    let mut req = sc.take_shared<Request>();
    let clock = sc.take_shared<Clock>();
    let h = blake2b256(&output);
    // Round 0 commits and reveals the blinded t = blake2b256(h ‖ request_id).
    let t = atoma::blinding::blinded(h, req.id());
    if (phase == 0) req.commit(&cap, request::commitment_of(t, cap.node_id(), b"s"), &clock)
    else if (phase == 1) req.reveal(&cap, t, b"s", &clock)
    else req.post_output(&cap, output, blake2b256(&good), &clock);
    sc.return_to_sender(cap);
    ts::return_shared(req);
    ts::return_shared(clock);
}

fun settle(sc: &mut Scenario) {
    sc.next_tx(KEEPER);
    let mut req = sc.take_shared<Request>();
    let reg = sc.take_shared<Registry>();
    let clock = sc.take_shared<Clock>();
    // one PTB: settle_begin, settle_node per sampled node's shared account, settle_end
    let mut s = settlement::settle_begin(&mut req, &reg, &clock, sc.ctx());
    request::sampled_nodes(&req, 0).do!(|id| {
        let mut acc = sc.take_shared_by_id<NodeAccount>(id);
        settlement::settle_node(&mut s, &mut acc);
        ts::return_shared(acc);
    });
    settlement::settle_end(s, &mut req, sc.ctx());
    ts::return_shared(req);
    ts::return_shared(reg);
    ts::return_shared(clock);
}

/// Offload, 3 nodes agree on `good`, settle; node 0 posts `posted` when `post`.
fun run(good: vector<u8>, posted: vector<u8>, post: bool): Scenario {
    let mut sc = setup();
    offload_job(&mut sc, b"fib(30)");
    sample(&mut sc);
    let mut i = 0;
    while (i < 3) { node_step(&mut sc, i, good, 0); i = i + 1; };
    i = 0;
    while (i < 3) { node_step(&mut sc, i, good, 1); i = i + 1; };
    settle(&mut sc);
    if (post) node_step_good(&mut sc, 0, posted, good, 2);
    sc
}

fun collect(sc: &mut Scenario): Option<vector<u8>> {
    sc.next_tx(DAPP);
    let mut job = sc.take_from_sender<Job>();
    let req = sc.take_shared<Request>();
    offload::collect(&mut job, &req);
    let r = job.result();
    sc.return_to_sender(job);
    ts::return_shared(req);
    r
}

#[test]
fun offload_and_read_agreed_output() {
    let mut sc = run(b"832040", b"832040", true);
    // the dapp got its change back (7 MIST), and a settled request with its output
    sc.next_tx(DAPP);
    let change = sc.take_from_sender<coin::Coin<SUI>>();
    let refund = sc.take_from_sender<coin::Coin<SUI>>();
    assert_eq!(change.value() + refund.value(), 7 + offload::escrow(500) - 1_500_000_000 - 75_000_000);
    change.burn_for_testing();
    refund.burn_for_testing();
    assert_eq!(collect(&mut sc), option::some(b"832040"));
    sc.next_tx(DAPP);
    let job = sc.take_from_sender<Job>();
    assert_eq!(job.input(), b"fib(30)");
    sc.return_to_sender(job);
    sc.end();
}

/// Since issue 13 A3 the protocol itself refuses a public output that does not hash to the
/// agreed hash (`request::EOutputMismatch`), before the consumer's own check.
#[test, expected_failure(abort_code = atoma::request::EOutputMismatch)]
fun posted_output_must_match_agreed_hash() {
    let mut sc = run(b"832040", b"999999", true);
    collect(&mut sc);
    sc.end();
}

#[test, expected_failure(abort_code = offload::ENoOutput)]
fun collect_before_output() {
    let mut sc = run(b"832040", b"", false);
    collect(&mut sc);
    sc.end();
}

#[test, expected_failure(abort_code = offload::EAlreadyCollected)]
fun collect_twice() {
    let mut sc = run(b"832040", b"832040", true);
    collect(&mut sc);
    collect(&mut sc);
    sc.end();
}

#[test, expected_failure(abort_code = offload::ENotSettled)]
fun collect_before_settled() {
    let mut sc = setup();
    offload_job(&mut sc, b"fib(30)");
    sample(&mut sc);
    collect(&mut sc);
    sc.end();
}

#[test, expected_failure(abort_code = offload::EWrongRequest)]
fun collect_with_other_request() {
    let mut sc = setup();
    offload_job(&mut sc, b"fib(30)");
    offload_job(&mut sc, b"fib(31)");
    sc.next_tx(DAPP);
    // take the second job's request by id while holding the first job
    let ids = ts::ids_for_address<Job>(DAPP);
    let mut job = sc.take_from_sender_by_id<Job>(ids[0]);
    let other_job = sc.take_from_sender_by_id<Job>(ids[1]);
    let req = sc.take_shared_by_id<Request>(other_job.request_id());
    sc.return_to_sender(other_job);
    offload::collect(&mut job, &req);
    sc.return_to_sender(job);
    ts::return_shared(req);
    sc.end();
}
