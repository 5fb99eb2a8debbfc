/// Request paths: creation checks, sampling, commit/reveal rules, post_output and accept_output,
/// and every abort of `request` (settlement's are in `settlement_tests`).
#[test_only]
module atoma::request_tests;

use atoma::harness::{Self as h, Env};
use atoma::registry;
use atoma::request::{Self, Request};
use std::unit_test::{assert_eq, destroy};

fun escrow3(): u64 { request::escrow_for(3, h::price(), 500) }

fun created(env: &mut Env): Request { env.request(3, 0, h::price(), false) }

fun sampled(env: &mut Env): Request {
    let mut req = created(env);
    env.sample(&mut req, 42);
    req
}

fun done(env: Env, req: Request) {
    destroy(req);
    env.finish();
}

#[test]
fun create_defaults_and_change() {
    let mut env = h::new(3);
    let mut req = env.request_with(escrow3() + 5, 1, h::cap(), h::input_hash(), b"in", 0, 0, h::price());
    assert_eq!(req.sample_size(), 3);
    assert_eq!(req.quorum_bps(), 6_667);
    assert_eq!(req.kind(), 1);
    assert_eq!(req.escrow_value(), 3_150_000_000);
    assert_eq!(req.status(), request::status_created());
    assert_eq!(req.requester(), h::requester());
    assert_eq!(req.sample_deadline_ms(), 1_000_000 + 300_000);
    assert_eq!(env.drain(h::requester()), 5); // change returned
    env.sample(&mut req, 1);
    assert_eq!(req.status(), request::status_sampled());
    assert_eq!(req.commit_deadline_ms(), 1_300_000);
    assert_eq!(req.reveal_deadline_ms(), 1_420_000);
    done(env, req);
}

#[test]
fun full_flow_with_output() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    assert_eq!(req.status(), request::status_revealing());
    let before = env.books(&req);
    env.settle(&mut req);
    assert!(req.is_settled());
    // Round 0 agreed on t only; the output hash is known once a matching output is posted.
    assert_eq!(req.agreed_blinded_hash(), option::some(atoma::blinding::blinded(h::hash_a(), req.id())));
    assert_eq!(req.agreed_output_hash(), option::none());
    let (paid, refund, treasury_in, slashed) = env.check_conservation(&req, before);
    assert_eq!(paid, 3 * h::price());
    assert_eq!(refund, 0);
    assert_eq!(treasury_in, 150_000_000);
    assert_eq!(slashed, 0);
    let id = req.sampled_nodes(0)[1];
    assert_eq!(env.earned(id), h::price());
    assert_eq!(env.served(id), 1);
    assert_eq!(env.reputation(id), 1_001);
    // hash_a() has no known preimage, so no public output can be posted here (issue 13 A3:
    // public outputs must hash to the agreed hash); posting is covered by `settled_answer` tests.
    assert_eq!(req.output_node(), option::none());
    done(env, req);
}

/// Nodes priced below max_price are paid their own price; the rest is refunded.
#[test]
fun cheaper_nodes_refund_the_difference() {
    let mut env = h::new(3);
    env.set_price(0, h::price() / 2);
    env.set_price(1, h::price() / 2);
    env.set_price(2, h::price() / 2);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    let before = env.books(&req);
    env.settle(&mut req);
    let (paid, refund, treasury_in, _) = env.check_conservation(&req, before);
    assert_eq!(paid, 1_500_000_000);
    assert_eq!(treasury_in, 75_000_000);
    assert_eq!(refund, escrow3() - paid - treasury_in);
    done(env, req);
}

// === create_request rejections ===

#[test, expected_failure(abort_code = request::EInvalidKind)]
fun bad_kind() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 2, h::cap(), h::input_hash(), b"", 3, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidCapability)]
fun bad_capability() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 0, b"", h::input_hash(), b"", 3, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidSampleSize)]
fun bad_sample_size() {
    let mut env = h::new(0);
    let req = env.request_with(100 * escrow3(), 0, h::cap(), h::input_hash(), b"", 33, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidQuorum)]
fun bad_quorum() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 5_000, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidHash)]
fun bad_input_hash() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 0, h::cap(), x"01", b"", 3, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInputTooLarge)]
fun input_too_large() {
    let mut env = h::new(0);
    let big = vector::tabulate!(16_385, |_| 0u8);
    let req = env.request_with(escrow3(), 0, h::cap(), h::input_hash(), big, 3, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidPrice)]
fun zero_price() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 0, 0);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidPrice)]
fun escrow_overflow() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3(), 0, h::cap(), h::input_hash(), b"", 3, 0, 18_446_744_073_709_551_615);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInsufficientPayment)]
fun underpaid() {
    let mut env = h::new(0);
    let req = env.request_with(escrow3() - 1, 0, h::cap(), h::input_hash(), b"", 3, 0, h::price());
    done(env, req);
}

#[test, expected_failure(abort_code = registry::EPaused)]
fun create_paused() {
    let mut env = h::new(0);
    env.set_paused(true);
    let req = created(&mut env);
    done(env, req);
}

// === sampling rejections ===

#[test, expected_failure(abort_code = request::EWrongStatus)]
fun sample_twice() {
    let mut env = h::new(6);
    let mut req = sampled(&mut env);
    env.sample(&mut req, 2);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EDeadlinePassed)]
fun sample_after_deadline() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    env.set_time(req.sample_deadline_ms());
    env.sample(&mut req, 2);
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun not_enough_nodes() {
    let mut env = h::new(2);
    let req = sampled(&mut env);
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotEnoughNodes)]
fun nodes_above_max_price_are_skipped() {
    let mut env = h::new(3);
    env.set_price(2, h::price() + 1);
    let req = sampled(&mut env);
    done(env, req);
}

#[test, expected_failure(abort_code = registry::EPaused)]
fun sample_paused() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    env.set_paused(true);
    env.sample(&mut req, 1);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EWrongVersion)]
fun request_wrong_version() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    req.set_version_for_testing(2);
    env.sample(&mut req, 1);
    done(env, req);
}

// === commit ===

#[test, expected_failure(abort_code = request::ENotSampled)]
fun commit_not_sampled() {
    let mut env = h::new(4);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    let mut i = 0;
    while (nodes.contains(&env.node_id(i))) i = i + 1;
    let outsider = env.node_id(i);
    env.commit_node(&mut req, outsider, h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EWrongStatus)]
fun commit_after_settled() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    env.settle(&mut req);
    let id = req.sampled_nodes(0)[0];
    env.commit_node(&mut req, id, h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EDeadlinePassed)]
fun commit_after_deadline() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.set_time(req.commit_deadline_ms());
    let id = req.sampled_nodes(0)[0];
    env.commit_node(&mut req, id, h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidHash)]
fun commit_bad_length() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let id = req.sampled_nodes(0)[0];
    let cap_i = find(&env, id);
    req.commit(env.cap_at(cap_i), x"01", env.clock());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EAlreadyCommitted)]
fun commit_twice() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let id = req.sampled_nodes(0)[0];
    env.commit_node(&mut req, id, h::hash_a());
    env.commit_node(&mut req, id, h::hash_a());
    done(env, req);
}

fun find(env: &Env, id: ID): u64 {
    let mut i = 0;
    while (env.node_id(i) != id) i = i + 1;
    i
}

// === reveal ===

#[test, expected_failure(abort_code = request::ERevealTooEarly)]
fun reveal_too_early() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let id = req.sampled_nodes(0)[0];
    env.commit_node(&mut req, id, h::hash_a());
    env.reveal_node(&mut req, id, h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EDeadlinePassed)]
fun reveal_after_deadline() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    env.set_time(req.reveal_deadline_ms());
    env.reveal_node(&mut req, nodes[0], h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotCommitted)]
fun reveal_without_commit() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    env.commit_node(&mut req, nodes[0], h::hash_a());
    env.set_time(req.commit_deadline_ms());
    env.reveal_node(&mut req, nodes[1], h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotSampled)]
fun reveal_not_sampled() {
    let mut env = h::new(4);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    let mut i = 0;
    while (nodes.contains(&env.node_id(i))) i = i + 1;
    let outsider = env.node_id(i);
    env.reveal_node(&mut req, outsider, h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EAlreadyRevealed)]
fun reveal_twice() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    env.reveal_node(&mut req, nodes[0], h::hash_a());
    env.reveal_node(&mut req, nodes[0], h::hash_a());
    done(env, req);
}

#[test, expected_failure(abort_code = request::ECommitmentMismatch)]
fun reveal_other_hash() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    env.reveal_node(&mut req, nodes[0], h::hash_b());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidHash)]
fun reveal_bad_length() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    env.reveal_raw(&mut req, nodes[0], x"aa");
    done(env, req);
}

// === post_output ===

fun settled_with_dissent(env: &mut Env): Request {
    let mut req = env.request(5, 0, h::price(), false);
    env.sample(&mut req, 3);
    env.play_round(&mut req, 0, vector[0, 0, 0, 0, 2]);
    env.settle(&mut req);
    assert!(req.is_settled());
    req
}

#[test, expected_failure(abort_code = request::EWrongStatus)]
fun post_before_settled() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let id = req.sampled_nodes(0)[0];
    env.post(&mut req, id, b"x");
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotAgreeing)]
fun post_by_absentee() {
    let mut env = h::new(5);
    let mut req = settled_with_dissent(&mut env);
    let id = req.sampled_nodes(0)[4];
    env.post(&mut req, id, b"x");
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputAlreadyPosted)]
fun post_twice() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    assert_eq!(req.output(), answer());
    env.post(&mut req, nodes[1], answer());
    done(env, req);
}

fun answer(): vector<u8> { b"the answer" }
fun answer_hash(): vector<u8> { sui::hash::blake2b256(&answer()) }

/// All N = 3 sampled nodes reveal blake2b256(answer()); settled. Confidential requests sample
/// the attested nodes 0, 2 and 4 of `fixtures::env6`.
fun settled_answer(env: &mut Env, confidential: bool): Request {
    let mut req = env.request(3, 0, h::price(), confidential);
    env.sample(&mut req, 3);
    let nodes = req.sampled_nodes(0);
    let hash = sui::hash::blake2b256(&answer());
    nodes.do!(|id| env.commit_node(&mut req, id, hash));
    nodes.do!(|id| env.reveal_node(&mut req, id, hash));
    env.settle(&mut req);
    assert!(req.is_settled());
    req
}

fun confidential_env(): Env {
    let mut env = atoma::fixtures::env6();
    atoma::fixtures::attest(&mut env, 0, 1);
    atoma::fixtures::attest(&mut env, 2, 1);
    atoma::fixtures::attest(&mut env, 4, 1);
    env
}

fun accept(env: &mut Env, req: &mut Request, who: address, id: ID) {
    env.sc().next_tx(who);
    req.accept_output(id, env.sc().ctx());
}

/// Attack A3 (garbage first): an agreeing node posts bytes that do not hash to the agreed
/// output hash of a public request. Refused, and the honest post still goes through.
#[test, expected_failure(abort_code = request::EOutputMismatch)]
fun public_garbage_post_refused() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post_with_hash(&mut req, nodes[0], b"garbage", answer_hash());
    done(env, req);
}

/// A post whose output hash does not blind to the agreed `t` (issue 13 A4: blinded round 0).
#[test, expected_failure(abort_code = request::EOutputHashMismatch)]
fun post_with_wrong_output_hash_refused() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], b"garbage");
    done(env, req);
}

#[test, expected_failure(abort_code = request::EInvalidHash)]
fun post_with_short_output_hash_refused() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post_with_hash(&mut req, nodes[0], answer(), x"aa");
    done(env, req);
}

#[test]
fun public_honest_post_after_refused_garbage() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[1], answer());
    assert_eq!(req.output(), answer());
    assert_eq!(req.output_node(), option::some(nodes[1]));
    assert!(!req.output_accepted());
    done(env, req);
}

/// Attack A3 (confidential): a node posts garbage first; the honest node still posts, and the
/// requester accepts the honest one, which becomes `output`; the garbage stays the poster's.
#[test]
fun confidential_garbage_first_honest_accepted() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post_with_hash(&mut req, nodes[0], b"garbage", answer_hash());
    env.post(&mut req, nodes[1], answer());
    assert_eq!(req.output(), b"garbage");
    assert_eq!(req.output_of(nodes[1]), option::some(answer()));
    assert_eq!(req.output_of(nodes[2]), option::none());
    accept(&mut env, &mut req, h::requester(), nodes[1]);
    assert_eq!(req.output(), answer());
    assert_eq!(req.output_node(), option::some(nodes[1]));
    assert!(req.output_accepted());
    assert_eq!(req.output_of(nodes[0]), option::some(b"garbage"));
    done(env, req);
}

#[test]
fun confidential_accept_first_post() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[2], answer());
    accept(&mut env, &mut req, h::requester(), nodes[2]);
    assert_eq!(req.output(), answer());
    assert!(req.output_accepted());
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputAccepted)]
fun confidential_post_after_accept() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    accept(&mut env, &mut req, h::requester(), nodes[0]);
    env.post(&mut req, nodes[1], b"garbage");
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputAlreadyPosted)]
fun confidential_post_twice_same_node() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post_with_hash(&mut req, nodes[0], b"garbage", answer_hash());
    env.post(&mut req, nodes[1], answer());
    env.post_with_hash(&mut req, nodes[1], b"again", answer_hash());
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotRequester)]
fun accept_by_stranger() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    accept(&mut env, &mut req, h::keeper(), nodes[0]);
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENotConfidential)]
fun accept_public() {
    let mut env = h::new(5);
    let mut req = settled_answer(&mut env, false);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    accept(&mut env, &mut req, h::requester(), nodes[0]);
    done(env, req);
}

#[test, expected_failure(abort_code = request::ENoOutputFromNode)]
fun accept_node_without_post() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    accept(&mut env, &mut req, h::requester(), nodes[1]);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputAccepted)]
fun accept_twice() {
    let mut env = confidential_env();
    let mut req = settled_answer(&mut env, true);
    let nodes = req.sampled_nodes(0);
    env.post(&mut req, nodes[0], answer());
    env.post(&mut req, nodes[1], answer());
    accept(&mut env, &mut req, h::requester(), nodes[0]);
    accept(&mut env, &mut req, h::requester(), nodes[1]);
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputTooLarge)]
fun post_too_large() {
    let mut env = h::new(5);
    let mut req = settled_with_dissent(&mut env);
    let id = req.sampled_nodes(0)[0];
    env.post(&mut req, id, vector::tabulate!(16_385, |_| 0u8));
    done(env, req);
}
