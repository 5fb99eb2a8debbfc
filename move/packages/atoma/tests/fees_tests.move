/// `fees::sweep_fees` (issue 13 B): `settle` leaves the treasury's part in the request; a sweep
/// (anyone) moves it into the treasury once, and refuses unfinished requests.
#[test_only]
module atoma::fees_tests;

use atoma::events;
use atoma::fees;
use atoma::harness::{Self as h, Env};
use atoma::request::Request;
use std::unit_test::{assert_eq, destroy};
use sui::event;

/// N = 3, all honest at 1 SUI: paid 3, margin 0.15 SUI stays in the request after settle; the
/// sweep moves exactly it, a second sweep moves 0.
#[test]
fun sweep_moves_the_margin_once() {
    let mut env = h::new(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::honest(), h::honest(), h::honest()]);
    env.settle(&mut req);
    assert!(req.is_settled());
    let t0 = env.reg_ref().treasury_value();
    assert_eq!(req.escrow_value(), 150_000_000);
    env.sweep(&mut req);
    assert_eq!(event::events_by_type<events::FeesSwept>().length(), 1);
    assert_eq!(req.escrow_value(), 0);
    assert_eq!(env.reg_ref().treasury_value(), t0 + 150_000_000);
    env.sweep(&mut req);
    assert_eq!(env.reg_ref().treasury_value(), t0 + 150_000_000);
    finish(env, req);
}

/// A failed request (round 0 absent, never escalated) keeps the absentee's slash for the sweep.
#[test]
fun sweep_takes_a_failed_requests_slash() {
    let mut env = h::new(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.play_round(&mut req, 0, vector[h::absent(), h::honest(), h::honest()]);
    env.settle(&mut req);
    let t = req.dispute_deadline_ms();
    env.set_time(t);
    env.settle(&mut req);
    assert!(req.is_failed());
    let held = req.escrow_value();
    assert!(held > 0);
    let t0 = env.reg_ref().treasury_value();
    env.sweep(&mut req);
    assert_eq!(env.reg_ref().treasury_value(), t0 + held);
    finish(env, req);
}

#[test, expected_failure(abort_code = fees::ENotFinished)]
fun sweep_unfinished_request() {
    let mut env = h::new(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 1);
    env.sweep(&mut req);
    finish(env, req);
}

fun finish(env: Env, req: Request) {
    destroy(req);
    env.finish();
}
