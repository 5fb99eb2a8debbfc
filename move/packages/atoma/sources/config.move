/// Protocol parameters: defaults, bounds, and the `set` used by `registry::set_param`.
module atoma::config;

#[error(code = 1)]
const EUnknownParam: vector<u8> = b"unknown parameter name";
#[error(code = 2)]
const EParamOutOfBounds: vector<u8> = b"parameter value out of bounds";
#[error(code = 3)]
const EUnbondingTooShort: vector<u8> = b"unbonding_ms must exceed 4 x commit_window_ms + 2 x reveal_window_ms";

const DAY_MS: u64 = 86_400_000;
/// Largest eligible set per capability. Sampling reads every member's registry entry (a
/// dynamic field): Sui caps the child objects one transaction may load at 1_000
/// (`object_runtime_max_num_cached_objects`), so the bound leaves room for the rest.
const MAX_ELIGIBLE: u64 = 900;
/// Largest value of `max_node_price` (1_000_000 SUI): 64 nodes at this price with a 50 % margin
/// still fit a request's escrow in u64.
const MAX_NODE_PRICE_BOUND: u64 = 1_000_000_000_000_000;

public struct Params has copy, drop, store {
    min_stake: u64,
    stake_cap: u64,
    max_sample_size: u64,
    default_sample_size: u64,
    commit_window_ms: u64,
    reveal_window_ms: u64,
    quorum_bps: u64,
    margin_bps: u64,
    slash_dissent_bps: u64,
    slash_absent_bps: u64,
    unbonding_ms: u64,
    attestation_validity_ms: u64,
    max_inline_bytes: u64,
    max_eligible_per_capability: u64,
    rotation_grace_ms: u64,
    /// Highest price (MIST per request) a node may ask, at registration and `set_price` (issue 13 A6).
    max_node_price: u64,
}

public fun max_eligible_bound(): u64 { MAX_ELIGIBLE }

public fun defaults(): Params {
    Params {
        min_stake: 100_000_000_000,
        stake_cap: 10_000_000_000_000,
        max_sample_size: 32,
        default_sample_size: 3,
        commit_window_ms: 300_000,
        reveal_window_ms: 120_000,
        quorum_bps: 6_667,
        margin_bps: 500,
        slash_dissent_bps: 1_000,
        slash_absent_bps: 200,
        unbonding_ms: 7 * DAY_MS,
        attestation_validity_ms: DAY_MS,
        max_inline_bytes: 16_384,
        max_eligible_per_capability: 512,
        rotation_grace_ms: 3_600_000,
        max_node_price: 1_000_000_000_000,
    }
}

fun check(ok: bool) { assert!(ok, EParamOutOfBounds); }

/// The longest a node stays answerable for a request it was sampled in, when every step is taken
/// at its deadline and `settle` is called at each deadline: sampling window, round 0 (commit +
/// reveal), dispute window, round 1 (commit + reveal).
public fun request_lifetime_ms(p: &Params): u64 { 4 * p.commit_window_ms + 2 * p.reveal_window_ms }

/// `unbonding_ms` must exceed `request_lifetime_ms` (issue 13 A7): a sampled node that unstakes
/// cannot withdraw before the request it is answerable for is settled and slashes it.
fun check_unbonding(p: &Params) { assert!(p.unbonding_ms > request_lifetime_ms(p), EUnbondingTooShort); }

/// Sets the field named `name` (ASCII field name of `Params`) to `value`, within its bounds.
public(package) fun set(p: &mut Params, name: vector<u8>, v: u64) {
    if (name == b"min_stake") {
        check(v >= 1_000_000_000 && v <= p.stake_cap);
        p.min_stake = v;
    } else if (name == b"stake_cap") {
        check(v >= p.min_stake);
        p.stake_cap = v;
    } else if (name == b"max_sample_size") {
        check(v >= 1 && v <= 64 && v >= p.default_sample_size);
        p.max_sample_size = v;
    } else if (name == b"default_sample_size") {
        check(v >= 1 && v <= p.max_sample_size);
        p.default_sample_size = v;
    } else if (name == b"commit_window_ms") {
        check(v >= 10_000 && v <= 7 * DAY_MS);
        p.commit_window_ms = v;
        check_unbonding(p);
    } else if (name == b"reveal_window_ms") {
        check(v >= 10_000 && v <= 7 * DAY_MS);
        p.reveal_window_ms = v;
        check_unbonding(p);
    } else if (name == b"quorum_bps") {
        check(v >= 5_001 && v <= 10_000);
        p.quorum_bps = v;
    } else if (name == b"margin_bps") {
        check(v <= 5_000);
        p.margin_bps = v;
    } else if (name == b"slash_dissent_bps") {
        check(v <= 10_000);
        p.slash_dissent_bps = v;
    } else if (name == b"slash_absent_bps") {
        check(v <= 10_000);
        p.slash_absent_bps = v;
    } else if (name == b"unbonding_ms") {
        check(v <= 90 * DAY_MS);
        p.unbonding_ms = v;
        check_unbonding(p);
    } else if (name == b"attestation_validity_ms") {
        check(v >= 60_000 && v <= 30 * DAY_MS);
        p.attestation_validity_ms = v;
    } else if (name == b"max_inline_bytes") {
        check(v >= 1_024 && v <= 131_072);
        p.max_inline_bytes = v;
    } else if (name == b"max_eligible_per_capability") {
        check(v >= 1 && v <= MAX_ELIGIBLE);
        p.max_eligible_per_capability = v;
    } else if (name == b"rotation_grace_ms") {
        check(v <= 7 * DAY_MS);
        p.rotation_grace_ms = v;
    } else if (name == b"max_node_price") {
        check(v >= 1 && v <= MAX_NODE_PRICE_BOUND);
        p.max_node_price = v;
    } else {
        abort EUnknownParam
    }
}

public fun min_stake(p: &Params): u64 { p.min_stake }
public fun stake_cap(p: &Params): u64 { p.stake_cap }
public fun max_sample_size(p: &Params): u64 { p.max_sample_size }
public fun default_sample_size(p: &Params): u64 { p.default_sample_size }
public fun commit_window_ms(p: &Params): u64 { p.commit_window_ms }
public fun reveal_window_ms(p: &Params): u64 { p.reveal_window_ms }
public fun quorum_bps(p: &Params): u64 { p.quorum_bps }
public fun margin_bps(p: &Params): u64 { p.margin_bps }
public fun slash_dissent_bps(p: &Params): u64 { p.slash_dissent_bps }
public fun slash_absent_bps(p: &Params): u64 { p.slash_absent_bps }
public fun unbonding_ms(p: &Params): u64 { p.unbonding_ms }
public fun attestation_validity_ms(p: &Params): u64 { p.attestation_validity_ms }
public fun max_inline_bytes(p: &Params): u64 { p.max_inline_bytes }
public fun max_eligible_per_capability(p: &Params): u64 { p.max_eligible_per_capability }
public fun rotation_grace_ms(p: &Params): u64 { p.rotation_grace_ms }
public fun max_node_price(p: &Params): u64 { p.max_node_price }
