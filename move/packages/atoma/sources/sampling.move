/// Weighted sampling without replacement by capped stake (weight = min(stake, stake_cap)),
/// over the capability's sum tree (`sum_tree`, kept by the registry).
///
/// Cost: each walk is one root-to-leaf pass of the tree (log16 M field loads, always the full
/// height, branch-free child choice) plus one load of the drawn node's record, so a sample of
/// k nodes costs O(k · log M) loads, at most 3 + 1 per walk beyond the shared upper levels.
/// A drawn node is taken out of the tree for the rest of the sample by subtracting its weight
/// on the fly (`pick`'s removed list; nothing is written), so the registry is only read.
///
/// Exact probabilities: a drawn node that may not serve (price above `max_price`, not attested
/// at `now_ms` for a confidential request, or jailed by a settlement and not yet refreshed) is
/// taken out too and the walk repeats. The accepted nodes are then, in order, a weighted draw
/// without replacement among the nodes that may serve (the successive-sampling order
/// restricted to a subset is successive sampling of that subset). At most `MAX_REJECTS`
/// rejections per sample bound the loads; past that the sample returns what it has.
///
/// Constant cost (issue 13 A1): every walk does the same work wherever it lands, and every node
/// that may serve costs the same to check (`registry::may_serve`). What a sample costs depends
/// only on how many rejections it met, never on which acceptable nodes it picked.
module atoma::sampling;

use atoma::registry::Registry;
use atoma::sum_tree;
use sui::random::RandomGenerator;

/// Most drawn-but-unfit nodes one sample walks past before it gives up.
const MAX_REJECTS: u64 = 32;

public fun max_rejects(): u64 { MAX_REJECTS }

/// Draws up to `k` distinct nodes that may serve (all of them when fewer are found), each
/// with probability proportional to its weight among the remaining ones; never one of `exclude`.
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
    let mut out = vector[];
    if (!r.has_eligible(capability)) return out;
    let uid = r.tree_host();
    let t = r.eligible_tree(capability, confidential);
    // Removed for this sample: (slot, weight) of excluded, drawn and rejected nodes.
    let mut rs = vector[];
    let mut rw = vector[];
    let mut removed: u128 = 0;
    exclude.do_ref!(|id| {
        if (sum_tree::contains(uid, t, *id)) {
            let (s, w) = sum_tree::slot_weight(uid, t, *id);
            rs.push_back(s);
            rw.push_back(w);
            removed = removed + (w as u128);
        }
    });
    let mut rejects = 0;
    while (out.length() < k && rejects < MAX_REJECTS && t.total() > removed) {
        let x = g.generate_u128_in_range(0, t.total() - removed - 1);
        let (s, id, w) = sum_tree::pick(uid, t, x, &rs, &rw);
        rs.push_back(s);
        rw.push_back(w);
        removed = removed + (w as u128);
        if (r.may_serve(id, max_price, confidential, now_ms)) out.push_back(id)
        else rejects = rejects + 1;
    };
    out
}
