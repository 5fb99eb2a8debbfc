/// Full request lifecycles for N = 1, 3, 5, 10: unanimous, one dissenter, one absentee,
/// no quorum -> dispute -> resolved, dispute -> failed -> refund. Every settlement checks
/// escrow conservation from the coins and treasury balance actually received.
#[test_only]
module atoma::lifecycle_tests;

use atoma::harness::{Self as h, Env};
use atoma::request::{Self, Request};
use std::unit_test::{assert_eq, destroy};

public struct Outcome has copy, drop {
    status: u8,
    rounds: u8,
    escrow: u64,
    paid: u64,
    refund: u64,
    treasury_in: u64,
    slashed: u64,
}

fun run(n: u64, r0: vector<u8>, r1: vector<u8>, seed: u64): Outcome {
    let mut env = h::new(3 * n + 2);
    let mut req = env.request(n, 0, h::price(), false);
    let before = env.books(&req);
    env.sample(&mut req, seed);
    check_sample(&env, &req, 0, n);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    if (req.status() == request::status_disputed()) {
        env.escalate(&mut req, seed);
        let r1_nodes = req.sampled_nodes(1);
        // escalation: 2N fresh nodes (all eligible when fewer), never a round-0 node
        assert_eq!(r1_nodes.length(), 2 * n);
        let r0_nodes = req.sampled_nodes(0);
        r1_nodes.do_ref!(|id| assert!(!r0_nodes.contains(id)));
        check_sample(&env, &req, 1, 2 * n);
        env.play_round(&mut req, 1, r1);
        env.settle(&mut req);
    };
    let (paid, refund, treasury_in, slashed) = env.check_conservation(&req, before);
    let out = Outcome {
        status: req.status(),
        rounds: req.round() + 1,
        escrow: before.escrow_of(),
        paid,
        refund,
        treasury_in,
        slashed,
    };
    destroy(req);
    env.finish();
    out
}

fun check_sample(env: &Env, req: &Request, round: u8, n: u64) {
    let nodes = req.sampled_nodes(round);
    assert_eq!(nodes.length(), n);
    let mut i = 0;
    while (i < n) {
        let mut j = i + 1;
        while (j < n) {
            assert!(nodes[i] != nodes[j]);
            j = j + 1;
        };
        assert!(env.reg_ref().node_status(nodes[i]) == 0);
        i = i + 1;
    };
}

/// Winners are paid from the slash pool first, then escrow, each capped by what is left.
fun capped(want: u64, o: &Outcome): u64 {
    let budget = o.escrow + o.slashed;
    if (want < budget) want else budget
}

fun repeat(b: u8, n: u64): vector<u8> { vector::tabulate!(n, |_| b) }

fun unanimous(n: u64) {
    let o = run(n, repeat(h::honest(), n), vector[], 7);
    assert_eq!(o.status, request::status_settled());
    assert_eq!(o.rounds, 1);
    assert_eq!(o.paid, n * h::price());
    assert_eq!(o.slashed, 0);
    assert_eq!(o.treasury_in, n * h::price() * 500 / 10_000);
    assert_eq!(o.refund, o.escrow - o.paid - o.treasury_in);
}

#[test]
fun unanimous_n1() { unanimous(1) }
#[test]
fun unanimous_n3() { unanimous(3) }
#[test]
fun unanimous_n5() { unanimous(5) }
#[test]
fun unanimous_n10() { unanimous(10) }

/// Round 0: one node reveals another hash -> dispute; round 1 (2N fresh) agrees with the
/// majority -> settled after 2 rounds, the dissenter slashed 10% of its stake.
fun one_dissenter(n: u64) {
    let mut r0 = repeat(h::honest(), n);
    *&mut r0[0] = h::dissent();
    let o = run(n, r0, repeat(h::honest(), 2 * n), 11);
    assert_eq!(o.status, request::status_settled());
    assert_eq!(o.rounds, 2);
    // dissenter stake is 100..=100+3N+1 SUI: 10% of it
    assert!(o.slashed >= 10 * h::sui!() && o.slashed <= (100 + 3 * n + 1) * h::sui!() / 10);
    // winners: (N-1) + 2N nodes at 1 SUI each, paid from the slash pool first, then escrow
    assert_eq!(o.paid, capped((3 * n - 1) * h::price(), &o));
}

/// N = 1: a single node's answer is the agreed one (no cross-check is possible).
#[test]
fun one_node_is_trusted_n1() {
    let o = run(1, vector[h::dissent()], vector[], 3);
    assert_eq!(o.status, request::status_settled());
    assert_eq!(o.rounds, 1);
    assert_eq!(o.slashed, 0);
}

#[test]
fun one_dissenter_n3() { one_dissenter(3) }
#[test]
fun one_dissenter_n5() { one_dissenter(5) }
#[test]
fun one_dissenter_n10() { one_dissenter(10) }

/// One node never commits. N = 5, 10: quorum still reached on the fast path, the absentee
/// slashed 2%. N = 1, 3: too few reveals -> dispute -> resolved in round 1.
fun one_absentee(n: u64, expect_rounds: u8) {
    let mut r0 = repeat(h::honest(), n);
    *&mut r0[0] = h::absent();
    let o = run(n, r0, repeat(h::honest(), 2 * n), 5);
    assert_eq!(o.status, request::status_settled());
    assert_eq!(o.rounds, expect_rounds);
    assert!(o.slashed >= 2 * h::sui!() && o.slashed <= (100 + 3 * n + 1) * h::sui!() * 2 / 100);
    let winners = if (expect_rounds == 1) n - 1 else 3 * n - 1;
    assert_eq!(o.paid, capped(winners * h::price(), &o));
}

#[test]
fun one_absentee_n1() { one_absentee(1, 2) }
#[test]
fun one_absentee_n3() { one_absentee(3, 2) }
#[test]
fun one_absentee_n5() { one_absentee(5, 1) }
#[test]
fun one_absentee_n10() { one_absentee(10, 1) }

/// A committed-but-silent node is slashed at the dissent rate (issue 13 A4): 10% of its
/// 100..=116 SUI stake, not the 2% absence slash.
#[test]
fun silent_committer_is_slashed_n5() {
    let o = run(5, vector[h::silent(), 0, 0, 0, 0], vector[], 9);
    assert_eq!(o.status, request::status_settled());
    assert!(o.slashed >= 10 * h::sui!() && o.slashed <= 116 * h::sui!() / 10);
}

/// Too few reveals (half absent) -> dispute -> 2N fresh honest nodes -> resolved.
fun no_quorum_resolved(n: u64) {
    let absent = (n + 1) / 2;
    let r0 = vector::tabulate!(n, |i| if (i < absent) h::absent() else h::honest());
    let o = run(n, r0, repeat(h::honest(), 2 * n), 13);
    assert_eq!(o.status, request::status_settled());
    assert_eq!(o.rounds, 2);
    assert_eq!(o.paid, capped((n - absent + 2 * n) * h::price(), &o));
}

#[test]
fun no_quorum_resolved_n1() { no_quorum_resolved(1) }
#[test]
fun no_quorum_resolved_n3() { no_quorum_resolved(3) }
#[test]
fun no_quorum_resolved_n5() { no_quorum_resolved(5) }
#[test]
fun no_quorum_resolved_n10() { no_quorum_resolved(10) }

/// Round 0: one absent, the rest split; round 1 split evenly -> no hash reaches the quorum of
/// all revealers -> Failed, full refund, only the absentee slashed.
fun dispute_failed(n: u64) {
    let r0 = vector::tabulate!(n, |i| if (i == 0) h::absent() else if (i % 2 == 1) h::dissent() else h::honest());
    let r1 = vector::tabulate!(2 * n, |i| if (i % 2 == 0) h::honest() else h::dissent());
    let o = run(n, r0, r1, 17);
    assert_eq!(o.status, request::status_failed());
    assert_eq!(o.paid, 0);
    assert_eq!(o.refund, o.escrow);
    assert!(o.slashed > 0 && o.slashed <= (100 + 3 * n + 1) * h::sui!() * 2 / 100);
    assert_eq!(o.treasury_in, o.slashed);
}

#[test]
fun dispute_failed_n1() { dispute_failed(1) }
#[test]
fun dispute_failed_n3() { dispute_failed(3) }
#[test]
fun dispute_failed_n5() { dispute_failed(5) }
#[test]
fun dispute_failed_n10() { dispute_failed(10) }
