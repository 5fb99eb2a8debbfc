/// Weighted sampling without replacement by capped stake (weight = min(stake, stake_cap)).
///
/// Cost: one pass over the M nodes of the capability's eligible set to build the candidate
/// list (O(M · |exclude|) with |exclude| <= 64), then k draws, each a full walk over the
/// remaining candidates: O(k · M). M is bounded by `max_eligible_per_capability` (<= 2_048).
/// A draw costs the same whatever it picks (no early exit), so a caller cannot steer the draw
/// with a tight gas budget (issue 13 A1).
module atoma::sampling;

use atoma::registry::Registry;
use sui::random::RandomGenerator;

/// 2^127: the bias that turns a u128 comparison into a shift (see `draw`).
const HALF: u128 = 170141183460469231731687303715884105728;

/// Whether `id` may serve a request now (status Active, price <= max_price, attested when
/// confidential, not excluded). Eligible-set members are Active by construction.
public(package) fun candidates(
    r: &Registry,
    capability: &vector<u8>,
    max_price: u64,
    confidential: bool,
    exclude: &vector<ID>,
    now_ms: u64,
): (vector<ID>, vector<u64>) {
    let mut ids = vector[];
    let mut weights = vector[];
    if (!r.has_eligible(capability)) return (ids, weights);
    let list = r.eligible_ref(capability);
    let active = atoma::registry::status_active();
    list.do_ref!(|id| {
        let id = *id;
        if (
            r.node_status(id) == active
                && r.node_price(id) <= max_price
                && (!confidential || r.is_attested(id, now_ms))
                && !exclude.contains(&id)
        ) {
            let w = r.node_weight(id);
            if (w > 0) {
                ids.push_back(id);
                weights.push_back(w);
            }
        }
    });
    (ids, weights)
}

/// Draws up to `k` distinct nodes (all of them when fewer are eligible), each draw with
/// probability proportional to its weight among the remaining candidates.
public(package) fun sample(
    r: &Registry,
    capability: &vector<u8>,
    k: u64,
    max_price: u64,
    confidential: bool,
    exclude: &vector<ID>,
    now_ms: u64,
    g: &mut RandomGenerator,
): vector<ID> {
    let (mut ids, mut weights) = candidates(r, capability, max_price, confidential, exclude, now_ms);
    draw(&mut ids, &mut weights, k, g)
}

/// Weighted draw of up to `k` of `ids` without replacement (consumes the inputs).
public(package) fun draw(ids: &mut vector<ID>, weights: &mut vector<u64>, k: u64, g: &mut RandomGenerator): vector<ID> {
    let mut total: u128 = 0;
    weights.do_ref!(|w| total = total + (*w as u128));
    let mut out = vector[];
    while (out.length() < k && ids.length() > 0) {
        let x = g.generate_u128_in_range(0, total - 1);
        // Fixed work per draw (issue 13 A1): walk every remaining candidate, never stopping at
        // the drawn one, and count without a branch the prefix sums <= x: that count is the
        // drawn index (the first i whose prefix sum exceeds x, as a stopping walk would find).
        // ((x + 2^127 - acc) >> 127) is 1 when acc <= x, else 0; no overflow since
        // acc, x <= 2^11 · 2^64 < 2^127.
        let mut acc: u128 = 0;
        let mut idx = 0;
        let mut i = 0;
        let n = ids.length();
        while (i < n) {
            acc = acc + (weights[i] as u128);
            idx = idx + ((((x + HALF) - acc) >> 127) as u64);
            i = i + 1;
        };
        total = total - (weights[idx] as u128);
        out.push_back(ids.swap_remove(idx));
        weights.swap_remove(idx);
    };
    out
}
