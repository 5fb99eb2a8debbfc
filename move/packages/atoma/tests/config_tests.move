/// Protocol parameters (`config`): defaults, `set_param` within and out of bounds, the unbonding
/// rule tying `unbonding_ms` to a request's lifetime.
#[test_only]
module atoma::config_tests;

use atoma::config;
use atoma::harness as h;
use std::unit_test::assert_eq;

/// The defaults a new registry starts with (docs/protocol.md "Parameters").
#[test]
fun defaults() {
    let p = config::defaults();
    assert_eq!(p.min_stake(), 100_000_000_000);
    assert_eq!(p.stake_cap(), 10_000_000_000_000);
    assert_eq!(p.max_sample_size(), 32);
    assert_eq!(p.default_sample_size(), 3);
    assert_eq!(p.commit_window_ms(), 300_000);
    assert_eq!(p.reveal_window_ms(), 120_000);
    assert_eq!(p.quorum_bps(), 6_667);
    assert_eq!(p.margin_bps(), 500);
    assert_eq!(p.slash_dissent_bps(), 1_000);
    assert_eq!(p.slash_absent_bps(), 200);
    assert_eq!(p.unbonding_ms(), 7 * 86_400_000);
    assert_eq!(p.attestation_validity_ms(), 86_400_000);
    assert_eq!(p.max_inline_bytes(), 16_384);
    assert_eq!(p.max_eligible_per_capability(), 512);
    assert_eq!(p.rotation_grace_ms(), 3_600_000);
    assert_eq!(p.max_node_price(), 1_000_000_000_000);
    assert_eq!(config::max_eligible_bound(), 900);
    assert!(p.unbonding_ms() > config::request_lifetime_ms(&p));
}

#[test]
fun params_set_within_bounds() {
    let mut env = h::new(0);
    env.set_param(b"quorum_bps", 10_000);
    env.set_param(b"margin_bps", 0);
    env.set_param(b"commit_window_ms", 10_000);
    env.set_param(b"max_sample_size", 64);
    env.set_param(b"default_sample_size", 5);
    env.set_param(b"stake_cap", 500 * h::sui!());
    env.set_param(b"rotation_grace_ms", 0);
    env.set_param(b"max_eligible_per_capability", 900);
    let p = *env.reg_ref().params();
    assert_eq!(p.quorum_bps(), 10_000);
    assert_eq!(p.margin_bps(), 0);
    assert_eq!(p.commit_window_ms(), 10_000);
    assert_eq!(p.max_sample_size(), 64);
    assert_eq!(p.default_sample_size(), 5);
    assert_eq!(p.stake_cap(), 500 * h::sui!());
    assert_eq!(p.rotation_grace_ms(), 0);
    env.finish();
}

#[test, expected_failure(abort_code = config::EUnknownParam)]
fun unknown_param() {
    let mut env = h::new(0);
    env.set_param(b"nope", 1);
    env.finish();
}

#[test, expected_failure(abort_code = config::EParamOutOfBounds)]
fun quorum_out_of_bounds() {
    let mut env = h::new(0);
    env.set_param(b"quorum_bps", 5_000);
    env.finish();
}

#[test, expected_failure(abort_code = config::EParamOutOfBounds)]
fun min_stake_out_of_bounds() {
    let mut env = h::new(0);
    env.set_param(b"min_stake", 999_999_999);
    env.finish();
}

#[test, expected_failure(abort_code = config::EParamOutOfBounds)]
fun eligible_cap_out_of_bounds() {
    let mut env = h::new(0);
    env.set_param(b"max_eligible_per_capability", 901);
    env.finish();
}

#[test, expected_failure(abort_code = config::EParamOutOfBounds)]
fun max_node_price_out_of_bounds() {
    let mut env = h::new(0);
    env.set_param(b"max_node_price", 1_000_000_000_000_001);
    env.finish();
}

/// Issue 13 A7: `unbonding_ms` at or below a request's lifetime (4 x 300_000 + 2 x 120_000 =
/// 1_440_000 ms with the default windows) is refused, so a sampled node cannot unstake and
/// withdraw before its request settles; one ms more is accepted.
#[test, expected_failure(abort_code = config::EUnbondingTooShort)]
fun unbonding_not_longer_than_request_lifetime() {
    let mut env = h::new(0);
    assert_eq!(config::request_lifetime_ms(env.reg_ref().params()), 1_440_000);
    env.set_param(b"unbonding_ms", 1_440_001);
    env.set_param(b"unbonding_ms", 1_440_000);
    env.finish();
}

/// The same rule from the windows' side: a longer commit window than the unbonding allows
/// is refused.
#[test, expected_failure(abort_code = config::EUnbondingTooShort)]
fun commit_window_beyond_unbonding_refused() {
    let mut env = h::new(0);
    env.set_param(b"unbonding_ms", 1_440_001);
    env.set_param(b"commit_window_ms", 300_001);
    env.finish();
}
