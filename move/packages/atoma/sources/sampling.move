/// Weighted sampling without replacement by capped stake (weight = min(stake, stake_cap)).
///
/// Cost: one pass over the M nodes of the capability's eligible set to build the candidate
/// list (O(M · |exclude|) with |exclude| <= 64), then k draws, each a linear walk over the
/// remaining candidates: O(k · M). M is bounded by `max_eligible_per_capability` (<= 2_048).
module atoma::sampling;

use atoma::registry::Registry;
use sui::random::RandomGenerator;

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
        let mut acc: u128 = 0;
        let mut i = 0;
        let n = ids.length();
        while (i < n) {
            acc = acc + (weights[i] as u128);
            if (x < acc) break;
            i = i + 1;
        };
        total = total - (weights[i] as u128);
        out.push_back(ids.swap_remove(i));
        weights.swap_remove(i);
    };
    out
}
