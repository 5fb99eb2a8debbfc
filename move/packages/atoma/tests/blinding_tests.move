/// Blinded round-0 hashes (issue 13 A4, lazy escalation nodes): round 0 commits and reveals
/// `t = blake2b256(output_hash ‖ request_id)`, the escalation round `output_hash`, tallied
/// through its `t`. The attack: a lazy escalation node that did not run the request copies the
/// round-0 majority's revealed value from the chain. It tallies as `blinded(t) != t`: a
/// dissenter, slashed and unpaid, and it cannot post; the honest escalation nodes settle.
#[test_only]
module atoma::blinding_tests;

use atoma::blinding;
use atoma::harness::{Self as h, Env};
use atoma::request::{Self, Request};
use std::unit_test::{assert_eq, destroy};

const STAKE: u64 = 1_000_000_000_000; // 1000 SUI

fun env_of(pool: u64): Env {
    let mut env = h::new(0);
    let mut i = 0;
    while (i < pool) {
        env.register(i, STAKE, vector[h::cap()]);
        i = i + 1;
    };
    env
}

/// Nodes 0, 2 and 4 of `fixtures::env6` attested (the confidential sample).
fun confidential_env(): Env {
    let mut env = atoma::fixtures::env6();
    atoma::fixtures::attest(&mut env, 0, 1);
    atoma::fixtures::attest(&mut env, 2, 1);
    atoma::fixtures::attest(&mut env, 4, 1);
    env
}

fun done(env: Env, req: Request) {
    destroy(req);
    env.finish();
}

#[test]
fun blinded_is_blake2b256_of_hash_and_request_id() {
    let id = object::id_from_address(@0x42);
    let mut b = h::hash_a();
    b.append(id.to_bytes());
    assert_eq!(blinding::blinded(h::hash_a(), id), sui::hash::blake2b256(&b));
    assert!(blinding::blinded(h::hash_a(), id) != blinding::blinded(h::hash_b(), id));
    assert!(blinding::blinded(h::hash_a(), id) != blinding::blinded(h::hash_a(), object::id_from_address(@0x43)));
    assert_eq!(blinding::tally_key(0, h::hash_b(), id), h::hash_b());
    assert_eq!(blinding::tally_key(1, h::hash_a(), id), blinding::blinded(h::hash_a(), id));
}

/// Round 0 (N = 3): two reveal t(A), one t(B): disputed. Round 1 (6 fresh nodes): five run the
/// request and reveal A; the sixth is lazy and reveals t(A), read from `ResultRevealed`.
/// Returns the request settled and the lazy node's id.
fun lazy_escalation(env: &mut Env): (Request, ID) {
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::dissent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    // what the chain shows of round 0: t(A), never A
    let t_a = blinding::blinded(h::hash_a(), req.id());
    env.escalate(&mut req, 1);
    let nodes = req.sampled_nodes(1);
    assert_eq!(nodes.length(), 6);
    let lazy = nodes[5];
    let mut i = 0;
    while (i < 5) {
        env.commit_node(&mut req, nodes[i], h::hash_a());
        i = i + 1;
    };
    env.commit_raw(&mut req, lazy, t_a);
    i = 0;
    while (i < 5) {
        env.reveal_node(&mut req, nodes[i], h::hash_a());
        i = i + 1;
    };
    env.reveal_raw(&mut req, lazy, t_a);
    env.settle(&mut req);
    (req, lazy)
}

#[test]
fun lazy_escalation_node_copying_round0_value_is_slashed_honest_settle() {
    let mut env = env_of(9);
    let (req, lazy) = lazy_escalation(&mut env);
    // t(A): 2 round-0 + 5 round-1 of 3 + 6: 70_000 >= 6_667 × 9 = 60_003
    assert_eq!(req.status(), request::status_settled());
    let t_a = blinding::blinded(h::hash_a(), req.id());
    assert_eq!(req.agreed_blinded_hash(), option::some(t_a));
    // a round-1 settlement knows the output hash itself
    assert_eq!(req.agreed_output_hash(), option::some(h::hash_a()));
    // the lazy node dissented: slashed 10 % of its stake, paid nothing
    assert_eq!(env.slashed(lazy), STAKE / 10);
    assert_eq!(env.earned(lazy), 0);
    // the honest escalation nodes are paid their price
    let nodes = req.sampled_nodes(1);
    let mut i = 0;
    while (i < 5) {
        assert_eq!(env.earned(nodes[i]), h::price());
        assert_eq!(env.slashed(nodes[i]), 0);
        i = i + 1;
    };
    done(env, req);
}

/// The lazy node cannot post either: it did not reveal a preimage of the agreed t.
#[test, expected_failure(abort_code = request::ENotAgreeing)]
fun lazy_escalation_node_cannot_post() {
    let mut env = env_of(9);
    let (mut req, lazy) = lazy_escalation(&mut env);
    env.post_with_hash(&mut req, lazy, b"anything", h::hash_a());
    done(env, req);
}

/// Without blinding, lazy copiers would join the round-0 majority; with it, escalation nodes
/// that all copy t(A) agree with no round-0 node: no quorum, the request fails.
#[test]
fun all_lazy_escalation_cannot_settle() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::dissent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    let t_a = blinding::blinded(h::hash_a(), req.id());
    env.escalate(&mut req, 1);
    let nodes = req.sampled_nodes(1);
    nodes.do_ref!(|id| env.commit_raw(&mut req, *id, t_a));
    nodes.do_ref!(|id| env.reveal_raw(&mut req, *id, t_a));
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    assert_eq!(req.agreed_output_hash(), option::none());
    done(env, req);
}

/// A round-0 settlement agrees on t only; the first matching post sets the agreed output hash.
#[test]
fun round0_settle_then_post_sets_agreed_output_hash() {
    let mut env = env_of(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    let output = b"the answer";
    let hash = sui::hash::blake2b256(&output);
    let nodes = req.sampled_nodes(0);
    nodes.do_ref!(|id| env.commit_node(&mut req, *id, hash));
    nodes.do_ref!(|id| env.reveal_node(&mut req, *id, hash));
    env.settle(&mut req);
    assert!(req.is_settled());
    assert_eq!(req.agreed_blinded_hash(), option::some(blinding::blinded(hash, req.id())));
    assert_eq!(req.agreed_output_hash(), option::none());
    env.post(&mut req, nodes[1], output);
    assert_eq!(req.agreed_output_hash(), option::some(hash));
    assert_eq!(req.output(), output);
    assert_eq!(req.output_node(), option::some(nodes[1]));
    done(env, req);
}

/// Confidential (sealed output, unchecked): the poster supplies the plaintext's hash, which
/// must blind to t; the first post sets the agreed output hash, later posts must match it.
#[test]
fun round0_confidential_post_sets_agreed_output_hash() {
    let mut env = confidential_env();
    let mut req = env.request(3, 0, h::price(), true);
    env.sample(&mut req, 3);
    let hash = sui::hash::blake2b256(&b"plaintext");
    let nodes = req.sampled_nodes(0);
    nodes.do_ref!(|id| env.commit_node(&mut req, *id, hash));
    nodes.do_ref!(|id| env.reveal_node(&mut req, *id, hash));
    env.settle(&mut req);
    assert_eq!(req.agreed_output_hash(), option::none());
    env.post_with_hash(&mut req, nodes[0], b"sealed-0", hash);
    assert_eq!(req.agreed_output_hash(), option::some(hash));
    env.post_with_hash(&mut req, nodes[2], b"sealed-2", hash);
    assert_eq!(req.output_of(nodes[2]), option::some(b"sealed-2"));
    done(env, req);
}

#[test, expected_failure(abort_code = request::EOutputHashMismatch)]
fun round0_confidential_post_with_other_hash_refused() {
    let mut env = confidential_env();
    let mut req = env.request(3, 0, h::price(), true);
    env.sample(&mut req, 3);
    let hash = sui::hash::blake2b256(&b"plaintext");
    let nodes = req.sampled_nodes(0);
    nodes.do_ref!(|id| env.commit_node(&mut req, *id, hash));
    nodes.do_ref!(|id| env.reveal_node(&mut req, *id, hash));
    env.settle(&mut req);
    env.post_with_hash(&mut req, nodes[0], b"sealed-0", h::hash_b());
    done(env, req);
}
