// Over 600 lines on purpose: every money path of `settlement` with its figures written out by
// hand next to it, which reads best in one place.
/// Where settlement money goes on the dispute paths: escalation, dissent slashing, absence
/// slashing, failed disputes. Every node stakes 1000 SUI at price 1 SUI, N = 3 (escrow
/// 3.15 SUI) unless said otherwise; margin 5%, dissent slash 10%, absence slash 2%.
/// Every expected figure is written out by hand from those parameters (see each test's
/// comment), and each operator's payout, each node's remaining stake, the requester's refund
/// and the treasury's intake are asserted exactly. Then the deadline-driven paths (escrow always
/// released) and every abort of `settle` / `escalate` on the harness's defaults.
#[test_only]
module atoma::settlement_tests;

use atoma::harness::{Self as h, Env};
use atoma::registry;
use atoma::request::{Self, Request};
use atoma::settlement;
use std::unit_test::{assert_eq, destroy};

const SUI: u64 = 1_000_000_000;
const STAKE: u64 = 1_000_000_000_000; // 1000 SUI

/// `pool` nodes, each staking exactly 1000 SUI (operator i owns node i).
fun env_of(pool: u64): Env {
    let mut env = h::new(0);
    let mut i = 0;
    while (i < pool) {
        env.register(i, STAKE, vector[h::cap()]);
        i = i + 1;
    };
    env
}

/// The behaviour a node played: its position in round 0 then round 1; `none` when unsampled.
fun role(req: &Request, id: ID, r0: &vector<u8>, r1: &vector<u8>): Option<u8> {
    let (in0, i0) = req.sampled_nodes(0).index_of(&id);
    if (in0) return option::some(r0[i0]);
    if (req.round() >= 1) {
        let (in1, i1) = req.sampled_nodes(1).index_of(&id);
        if (in1) return option::some(r1[i1]);
    };
    option::none()
}

/// Expected money, per role and in total.
public struct Want has drop {
    /// payout to an operator whose node revealed the winning hash (0 when none won)
    winner_paid: u64,
    /// stake taken from a node that revealed another hash
    dissent_slash: u64,
    /// stake taken from a node that never revealed
    absent_slash: u64,
    refund: u64,
    treasury_in: u64,
}

/// Checks every operator's coins, every node's stake and slashed total, the requester's
/// refund and the treasury intake against `w`.
fun check(env: &mut Env, req: &Request, treasury_before: u64, r0: vector<u8>, r1: vector<u8>, w: Want) {
    // the treasury's part waits in the request until `fees::sweep_fees` (issue 13 B)
    assert_eq!(req.escrow_value(), w.treasury_in);
    assert_eq!(env.reg_ref().treasury_value(), treasury_before);
    let mut i = 0;
    while (i < env.pool()) {
        let id = env.node_id(i);
        let got = env.drain(h::operator(i));
        let stake = env.stake(id);
        let r = role(req, id, &r0, &r1);
        let (pay, slash) = if (r.is_none()) (0, 0)
        else {
            let b = r.destroy_some();
            if (b == h::honest()) (w.winner_paid, 0)
            else if (b == h::dissent() || b == h::silent()) (0, w.dissent_slash) // withheld = dissent (A4)
            else (0, w.absent_slash)
        };
        assert_eq!(got, pay);
        assert_eq!(env.earned(id), pay);
        assert_eq!(stake, STAKE - slash);
        assert_eq!(env.slashed(id), slash);
        i = i + 1;
    };
    assert_eq!(env.drain(h::requester()), w.refund);
}

fun done(env: Env, req: Request) {
    destroy(req);
    env.finish();
}

fun escrow3(): u64 { request::escrow_for(3, h::price(), 500) }

/// A request of N = 3 at `h::price()` on `env`'s nodes (harness defaults), not sampled.
fun created(env: &mut Env): Request { env.request(3, 0, h::price(), false) }

fun sampled(env: &mut Env): Request {
    let mut req = created(env);
    env.sample(&mut req, 42);
    req
}

/// Round 0 [dissent, honest, honest] -> dispute; round 1: the 6 remaining nodes all honest.
/// Dissenter slashed 10% of 1000 = 100 SUI. 8 winners paid 1 SUI each from the slash pool,
/// 92 SUI of it left -> treasury. Margin 5% of 8 = 0.4 SUI from escrow; refund 3.15 - 0.4 =
/// 2.75 SUI; treasury 92 + 0.4 = 92.4 SUI.
#[test]
fun escalation_resolves_dissenter_slashed_pool_rest_to_treasury() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    assert_eq!(req.escrow_value(), 3_150_000_000);
    let t0 = env.reg_ref().treasury_value();
    let (r0, r1) = (vector[h::dissent(), h::honest(), h::honest()], vector[0, 0, 0, 0, 0, 0]);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    assert_eq!(env.reg_ref().treasury_value(), t0); // nothing moves when a dispute opens
    env.escalate(&mut req, 1);
    assert_eq!(req.sampled_nodes(1).length(), 6);
    env.play_round(&mut req, 1, r1);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    assert_eq!(req.agreed_output_hash(), option::some(h::hash_a()));
    check(
        &mut env,
        &req,
        t0,
        r0,
        r1,
        Want {
            winner_paid: 1 * SUI,
            dissent_slash: 100 * SUI,
            absent_slash: 0,
            refund: 2_750_000_000,
            treasury_in: 92_400_000_000,
        },
    );
    done(env, req);
}

/// N = 5, all 5 sampled, round 0 [absent, honest x4]: 4 of 5 reveal >= 66.67% -> settled on
/// the fast path. Absentee slashed 2% of 1000 = 20 SUI; 4 winners paid 1 SUI each from the
/// pool, 16 SUI left -> treasury. Escrow 5.25 SUI untouched by payouts; margin 5% of 4 =
/// 0.2 SUI; refund 5.05 SUI; treasury 16.2 SUI.
#[test]
fun fast_path_absentee_slashed_pool_rest_to_treasury() {
    let mut env = env_of(5);
    let mut req = env.request(5, 0, h::price(), false);
    assert_eq!(req.escrow_value(), 5_250_000_000);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::absent(), h::honest(), h::honest(), h::honest(), h::honest()];
    env.sample(&mut req, 2);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    assert_eq!(req.round(), 0);
    check(
        &mut env,
        &req,
        t0,
        r0,
        vector[],
        Want {
            winner_paid: 1 * SUI,
            dissent_slash: 0,
            absent_slash: 20 * SUI,
            refund: 5_050_000_000,
            treasury_in: 16_200_000_000,
        },
    );
    done(env, req);
}

/// N = 5, all 5 sampled, stake 1000 SUI but slash_absent 10 bps: the absentee loses 1 SUI,
/// less than the 4 SUI owed to the winners. The first winner is paid from the pool, the other
/// three from escrow: escrow 5.25 - 3 = 2.25; margin 0.2; refund 2.05 SUI; treasury 0.2 SUI
/// (nothing of the pool is left).
#[test]
fun small_slash_pool_is_spent_before_escrow() {
    let mut env = env_of(5);
    env.set_param(b"slash_absent_bps", 10);
    let mut req = env.request(5, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::absent(), h::honest(), h::honest(), h::honest(), h::honest()];
    env.sample(&mut req, 3);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    check(
        &mut env,
        &req,
        t0,
        r0,
        vector[],
        Want {
            winner_paid: 1 * SUI,
            dissent_slash: 0,
            absent_slash: 1 * SUI,
            refund: 2_050_000_000,
            treasury_in: 200_000_000,
        },
    );
    done(env, req);
}

/// Round 0 [absent, honest, honest]: 2 of 3 reveal < 66.67% -> dispute. Round 1 (6 nodes)
/// [absent, dissent, honest x4]: hash A has 6 of 7 revealers -> settled. Two absentees slashed
/// 20 SUI each, the round-1 dissenter 100 SUI: pool 140 SUI; 6 winners paid 1 SUI each from
/// it, 134 SUI left -> treasury. Margin 5% of 6 = 0.3 SUI; refund 3.15 - 0.3 = 2.85 SUI;
/// treasury 134.3 SUI.
#[test]
fun escalation_after_absence_slashes_absentees_of_both_rounds_and_dissenter() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::absent(), h::honest(), h::honest()];
    let r1 = vector[h::absent(), h::dissent(), h::honest(), h::honest(), h::honest(), h::honest()];
    env.sample(&mut req, 4);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    assert_eq!(env.reg_ref().treasury_value(), t0);
    env.escalate(&mut req, 4);
    env.play_round(&mut req, 1, r1);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    check(
        &mut env,
        &req,
        t0,
        r0,
        r1,
        Want {
            winner_paid: 1 * SUI,
            dissent_slash: 100 * SUI,
            absent_slash: 20 * SUI,
            refund: 2_850_000_000,
            treasury_in: 134_300_000_000,
        },
    );
    done(env, req);
}

/// Round 0 [dissent, honest, honest] -> dispute; round 1 [absent, dissent, honest, dissent,
/// honest, dissent]: A 4, B 4 of 8 revealers -> no quorum -> Failed. No winner, so dissenters
/// keep their stake; only the absentee loses 20 SUI, all of it -> treasury. Full refund
/// 3.15 SUI; nobody paid.
#[test]
fun escalation_fails_full_refund_absentee_slash_to_treasury() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::dissent(), h::honest(), h::honest()];
    let r1 = vector[h::absent(), h::dissent(), h::honest(), h::dissent(), h::honest(), h::dissent()];
    env.sample(&mut req, 5);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    env.escalate(&mut req, 5);
    env.play_round(&mut req, 1, r1);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    check(
        &mut env,
        &req,
        t0,
        r0,
        r1,
        Want { winner_paid: 0, dissent_slash: 0, absent_slash: 20 * SUI, refund: 3_150_000_000, treasury_in: 20 * SUI },
    );
    done(env, req);
}

/// Round 0 [absent, honest, honest] -> dispute; nobody escalates; settle after the dispute
/// deadline -> Failed: the absentee's 20 SUI -> treasury, full refund 3.15 SUI, nobody paid.
#[test]
fun dispute_expired_full_refund_absentee_slash_to_treasury() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::absent(), h::honest(), h::honest()];
    env.sample(&mut req, 6);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    env.set_time(req.dispute_deadline_ms());
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    check(
        &mut env,
        &req,
        t0,
        r0,
        vector[],
        Want { winner_paid: 0, dissent_slash: 0, absent_slash: 20 * SUI, refund: 3_150_000_000, treasury_in: 20 * SUI },
    );
    done(env, req);
}

/// 3 nodes only, round 0 [absent, dissent, honest] -> dispute; escalation finds no fresh node
/// -> Failed: the absentee's 20 SUI -> treasury, the dissenter kept whole, full refund.
#[test]
fun escalation_without_nodes_full_refund_absentee_slash_to_treasury() {
    let mut env = env_of(3);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::absent(), h::dissent(), h::honest()];
    env.sample(&mut req, 7);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    env.escalate(&mut req, 7);
    // escalate reads the Registry only: nobody slashed yet, the dispute window ends now
    assert_eq!(req.status(), request::status_disputed());
    let absentee = req.sampled_nodes(0)[0];
    assert_eq!(env.slashed(absentee), 0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    assert_eq!(env.slashed(absentee), 20 * SUI);
    check(
        &mut env,
        &req,
        t0,
        r0,
        vector[],
        Want { winner_paid: 0, dissent_slash: 0, absent_slash: 20 * SUI, refund: 3_150_000_000, treasury_in: 20 * SUI },
    );
    done(env, req);
}

/// Attack A5 (small escalation), N = 3 at quorum 50.01 %: round 0 [honest, dissent, dissent]
/// (a colluding majority) -> dispute; only 1 fresh node exists, fewer than
/// `min_escalation(3, 5_001)` = 3, so escalation fails the request: full refund 3.15 SUI, the
/// honest node is not slashed, nor anyone else (no winner, nobody absent).
#[test]
fun small_escalation_fails_full_refund_no_dissent_slash() {
    let mut env = env_of(4);
    let mut req = env.request(3, 5_001, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::honest(), h::dissent(), h::dissent()];
    env.sample(&mut req, 2);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    env.escalate(&mut req, 2);
    // escalate reads the Registry only: it samples nobody and ends the dispute window now
    assert_eq!(req.status(), request::status_disputed());
    assert_eq!(req.dispute_deadline_ms(), env.now());
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    assert_eq!(req.round(), 0);
    check(
        &mut env,
        &req,
        t0,
        r0,
        vector[],
        Want { winner_paid: 0, dissent_slash: 0, absent_slash: 0, refund: 3_150_000_000, treasury_in: 0 },
    );
    done(env, req);
}

/// Attack A5 (absent escalation nodes): N = 3 at quorum 50.01 %, round 0 [honest, dissent,
/// dissent] -> dispute; 6 fresh nodes are sampled and none reveals. Counting only revealers,
/// B would hold 2 of 3 and slash the honest node; the quorum of both rounds counts every
/// escalation node (2 of 9), so the request fails: full refund, the 6 absentees lose 20 SUI
/// each (120 SUI -> treasury), the round-0 nodes keep their stake.
#[test]
fun absent_escalation_cannot_hand_round0_majority_a_quorum() {
    let mut env = env_of(9);
    let mut req = env.request(3, 5_001, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let r0 = vector[h::honest(), h::dissent(), h::dissent()];
    let r1 = vector[h::absent(), h::absent(), h::absent(), h::absent(), h::absent(), h::absent()];
    env.sample(&mut req, 2);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    env.escalate(&mut req, 2);
    assert_eq!(req.sampled_nodes(1).length(), 6);
    env.play_round(&mut req, 1, r1);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_failed());
    check(
        &mut env,
        &req,
        t0,
        r0,
        r1,
        Want { winner_paid: 0, dissent_slash: 0, absent_slash: 20 * SUI, refund: 3_150_000_000, treasury_in: 120 * SUI },
    );
    done(env, req);
}

/// Attack A4 (withholding): round 0 [silent, honest, honest]: the silent node committed a hash
/// and, seeing the honest reveals, withholds its reveal. 2 of 3 revealed < 66.67% -> dispute;
/// round 1: 6 honest. The withholder is slashed at the dissent rate, 10% of 1000 = 100 SUI
/// (the absence rate, 20 SUI, before issue 13 A4); money as in the dissent case: 8 winners
/// paid 1 SUI from the pool, margin 0.4, refund 2.75, treasury 92.4 SUI.
#[test]
fun withheld_reveal_is_slashed_as_dissent() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    let (r0, r1) = (vector[h::silent(), h::honest(), h::honest()], vector[0, 0, 0, 0, 0, 0]);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, r0);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    env.escalate(&mut req, 1);
    env.play_round(&mut req, 1, r1);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    check(
        &mut env,
        &req,
        t0,
        r0,
        r1,
        Want {
            winner_paid: 1 * SUI,
            dissent_slash: 100 * SUI,
            absent_slash: 0,
            refund: 2_750_000_000,
            treasury_in: 92_400_000_000,
        },
    );
    done(env, req);
}

/// Issue 13 A4: the slashed stake pays the escalation round first. Dissent slash 10 bps: the
/// withholder loses 1 SUI; escrow 3.15 SUI. Round 1 (6 honest) is paid first: its first node
/// 1 SUI from the pool, the next three 1 SUI each from escrow, the fifth the 0.15 SUI left,
/// the sixth nothing; the two honest round-0 nodes get nothing (they were paid first before).
/// No margin or refund is left; the treasury gets nothing.
#[test]
fun slashed_stake_pays_escalation_round_first() {
    let mut env = env_of(9);
    env.set_param(b"slash_dissent_bps", 10);
    let mut req = env.request(3, 0, h::price(), false);
    let t0 = env.reg_ref().treasury_value();
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::silent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    env.escalate(&mut req, 1);
    env.play_round(&mut req, 1, vector[0, 0, 0, 0, 0, 0]);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    let r0 = req.sampled_nodes(0);
    let r1 = req.sampled_nodes(1);
    assert_eq!(env.slashed(r0[0]), 1 * SUI);
    let want = vector[SUI, SUI, SUI, SUI, 150_000_000, 0];
    let mut j = 0;
    while (j < 6) {
        assert_eq!(env.earned(r1[j]), want[j]);
        j = j + 1;
    };
    assert_eq!(env.earned(r0[1]), 0);
    assert_eq!(env.earned(r0[2]), 0);
    assert_eq!(env.drain(h::requester()), 0);
    assert_eq!(env.reg_ref().treasury_value(), t0);
    done(env, req);
}

/// Issue 13 A7: a request Disputed under an older package version is escalated by the new
/// one (it adopts the new version) and settles.
#[test]
fun disputed_request_of_older_version_escalates() {
    let mut env = env_of(9);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::dissent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    req.set_version_for_testing(0);
    env.escalate(&mut req, 1);
    assert_eq!(req.version(), 1);
    assert_eq!(req.sampled_nodes(1).length(), 6);
    env.play_round(&mut req, 1, vector[0, 0, 0, 0, 0, 0]);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_settled());
    assert_eq!(req.agreed_output_hash(), option::some(h::hash_a()));
    done(env, req);
}

#[test]
fun min_escalation_values() {
    assert_eq!(atoma::settlement::min_escalation(3, 5_001), 3);
    assert_eq!(atoma::settlement::min_escalation(3, 6_667), 2);
    assert_eq!(atoma::settlement::min_escalation(3, 10_000), 1);
    assert_eq!(atoma::settlement::min_escalation(64, 5_001), 64);
    assert_eq!(atoma::settlement::min_escalation(1, 5_001), 1);
}

#[test]
fun unsampled_request_fails_after_deadline_with_refund() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    let before = env.books(&req);
    env.set_time(req.sample_deadline_ms());
    env.settle(&mut req);
    assert!(req.is_failed());
    let (paid, refund, _, _) = env.check_conservation(&req, before);
    assert_eq!(paid, 0);
    assert_eq!(refund, escrow3());
    done(env, req);
}

#[test]
fun dispute_never_escalated_fails_after_deadline() {
    let mut env = h::new(9);
    let mut req = sampled(&mut env);
    let before = env.books(&req);
    env.play_round(&mut req, 0, vector[0, 1, 2]);
    env.settle(&mut req);
    assert_eq!(req.status(), request::status_disputed());
    env.set_time(req.dispute_deadline_ms());
    env.settle(&mut req);
    assert!(req.is_failed());
    let (paid, refund, treasury_in, slashed) = env.check_conservation(&req, before);
    assert_eq!(paid, 0);
    assert_eq!(refund, escrow3());
    assert!(slashed > 0);
    assert_eq!(treasury_in, slashed);
    done(env, req);
}

#[test]
fun escalation_without_fresh_nodes_fails() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let before = env.books(&req);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.escalate(&mut req, 1);
    assert!(!req.is_failed());
    assert_eq!(req.dispute_deadline_ms(), env.now());
    env.settle(&mut req);
    assert!(req.is_failed());
    let (paid, refund, _, slashed) = env.check_conservation(&req, before);
    assert_eq!(paid, 0);
    assert_eq!(slashed, 0);
    assert_eq!(refund, escrow3());
    done(env, req);
}

/// An escalation that found too few fresh nodes ended the dispute window: a second escalate
/// (which could draw again once nodes joined) aborts; only `settle` remains.
#[test, expected_failure(abort_code = settlement::EDeadlinePassed)]
fun escalate_again_after_too_few_nodes() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.escalate(&mut req, 1);
    env.escalate(&mut req, 2);
    done(env, req);
}

#[test]
fun escalation_takes_all_when_fewer() {
    let mut env = h::new(5);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.escalate(&mut req, 1);
    assert_eq!(req.round(), 1);
    assert_eq!(req.sampled_nodes(1).length(), 2);
    done(env, req);
}

#[test]
fun settle_works_while_paused() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    env.set_paused(true);
    let before = env.books(&req);
    env.settle(&mut req);
    assert!(req.is_settled());
    env.check_conservation(&req, before);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::EWrongStatus)]
fun settle_created_early() {
    let mut env = h::new(3);
    let mut req = created(&mut env);
    env.settle(&mut req);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::EWrongStatus)]
fun settle_twice() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    env.settle(&mut req);
    env.settle(&mut req);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::EWrongStatus)]
fun settle_disputed_early() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.settle(&mut req);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::ESettleTooEarly)]
fun settle_too_early() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    let nodes = req.sampled_nodes(0);
    nodes.do!(|id| env.commit_node(&mut req, id, h::hash_a()));
    env.reveal_node(&mut req, nodes[0], h::hash_a());
    env.settle(&mut req);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::ENotDisputed)]
fun escalate_not_disputed() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.escalate(&mut req, 1);
    done(env, req);
}

#[test, expected_failure(abort_code = settlement::EDeadlinePassed)]
fun escalate_after_deadline() {
    let mut env = h::new(9);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.set_time(req.dispute_deadline_ms());
    env.escalate(&mut req, 1);
    done(env, req);
}

#[test, expected_failure(abort_code = registry::EPaused)]
fun escalate_paused() {
    let mut env = h::new(9);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 1, 0]);
    env.settle(&mut req);
    env.set_paused(true);
    env.escalate(&mut req, 1);
    done(env, req);
}

#[test, expected_failure(abort_code = registry::EWrongVersion)]
fun settle_wrong_registry_version() {
    let mut env = h::new(3);
    let mut req = sampled(&mut env);
    env.play_round(&mut req, 0, vector[0, 0, 0]);
    env.reg().set_version_for_testing(0);
    env.settle(&mut req);
    done(env, req);
}
