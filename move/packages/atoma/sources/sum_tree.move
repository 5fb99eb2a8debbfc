/// A weighted set of node ids kept as a 16-ary sum tree in dynamic fields of a host object
/// (the registry), for sampling in O(log M) loads per draw.
///
/// Leaves are dense slots 0..size: slot s sits in leaf group s / 16 (one dynamic field holding
/// 16 ids and weights). An inner node at level l >= 1, index i, holds the 16 sums of
/// its children (level l - 1, indices 16i..16i+15); the root is (height - 1, 0) and covers
/// 16^height slots. Insert appends a slot (a new root when full: one field); remove moves the
/// last slot into the hole (as `vector::swap_remove` does), so slots stay dense and the set
/// order is the old eligible list's order. Every update touches one field per level.
///
/// `pick` walks from the root to a leaf, always the full height, and chooses the child at each
/// level with branch-free arithmetic over all 16 sums: its cost does not depend on where it
/// lands (issue 13 A1). Weights "removed for this draw" (already drawn or excluded nodes) are
/// passed in as (slot, weight) lists and subtracted on the fly, so sampling without
/// replacement reads the tree and never writes it.
module atoma::sum_tree;

use sui::dynamic_field as df;

#[error(code = 1)]
const EAlreadyMember: vector<u8> = b"id is already in the sum tree";
#[error(code = 2)]
const ENotMember: vector<u8> = b"id is not in the sum tree";
#[error(code = 3)]
const EOutOfRange: vector<u8> = b"draw point is not below the remaining weight";

const ARITY: u64 = 16;
/// log2(ARITY).
const BITS: u8 = 4;
/// 2^127: the bias that turns a u128 comparison into a shift (see `le`).
const HALF: u128 = 170141183460469231731687303715884105728;

/// The header of one tree (its fields live under the host's UID, named by `tag`).
public struct Tree has store {
    tag: vector<u8>,
    size: u64,
    height: u8,
    total: u128,
}

public struct LeafKey has copy, drop, store { tag: vector<u8>, idx: u64 }
public struct InnerKey has copy, drop, store { tag: vector<u8>, level: u8, idx: u64 }
public struct SlotKey has copy, drop, store { tag: vector<u8>, id: ID }

public struct Leaf has drop, store {
    ids: vector<ID>,
    weights: vector<u64>,
}

/// An empty tree whose fields will be named by `tag` (unique per host).
public(package) fun new(tag: vector<u8>): Tree { Tree { tag, size: 0, height: 1, total: 0 } }

public fun size(t: &Tree): u64 { t.size }
public fun height(t: &Tree): u8 { t.height }
public fun total(t: &Tree): u128 { t.total }

public fun contains(uid: &UID, t: &Tree, id: ID): bool {
    df::exists_(uid, SlotKey { tag: t.tag, id })
}

/// The slot of `id` and its weight.
public fun slot_weight(uid: &UID, t: &Tree, id: ID): (u64, u64) {
    assert!(contains(uid, t, id), ENotMember);
    let s = *df::borrow<SlotKey, u64>(uid, SlotKey { tag: t.tag, id });
    let leaf = df::borrow<LeafKey, Leaf>(uid, LeafKey { tag: t.tag, idx: s >> BITS });
    (s, leaf.weights[s % ARITY])
}

/// Every member in slot order (O(M) loads: for reads, never on the request path).
public fun ids(uid: &UID, t: &Tree): vector<ID> {
    let mut out = vector[];
    let mut s = 0;
    while (s < t.size) {
        let leaf = df::borrow<LeafKey, Leaf>(uid, LeafKey { tag: t.tag, idx: s >> BITS });
        out.push_back(leaf.ids[s % ARITY]);
        s = s + 1;
    };
    out
}

/// The 16 sums of inner node (level, idx), or the 16 leaf weights at level 0 (zeros if absent).
public fun node_sums(uid: &UID, t: &Tree, level: u8, idx: u64): vector<u128> {
    if (level == 0) {
        let k = LeafKey { tag: t.tag, idx };
        if (!df::exists_(uid, k)) return vector::tabulate!(ARITY, |_| 0);
        df::borrow<LeafKey, Leaf>(uid, k).weights.map_ref!(|w| (*w as u128))
    } else {
        let k = InnerKey { tag: t.tag, level, idx };
        if (!df::exists_(uid, k)) return vector::tabulate!(ARITY, |_| 0);
        *df::borrow<InnerKey, vector<u128>>(uid, k)
    }
}

fun placeholder(): ID { object::id_from_address(@0x0) }

/// Adds `id` with `weight` in the next slot.
public(package) fun insert(uid: &mut UID, t: &mut Tree, id: ID, weight: u64) {
    assert!(!contains(uid, t, id), EAlreadyMember);
    let capacity_bits = (t.height as u64) * (BITS as u64);
    if (capacity_bits < 64 && t.size == (1u64 << (capacity_bits as u8))) {
        // Full: a new root whose first child is the old root.
        let mut sums = vector::tabulate!(ARITY, |_| 0u128);
        *&mut sums[0] = t.total;
        df::add(uid, InnerKey { tag: t.tag, level: t.height, idx: 0 }, sums);
        t.height = t.height + 1;
    };
    let s = t.size;
    let lk = LeafKey { tag: t.tag, idx: s >> BITS };
    if (!df::exists_(uid, lk)) {
        df::add(uid, lk, Leaf {
            ids: vector::tabulate!(ARITY, |_| placeholder()),
            weights: vector::tabulate!(ARITY, |_| 0),
        });
    };
    let mut level = 1;
    while (level < t.height) {
        let k = InnerKey { tag: t.tag, level, idx: s >> ((level + 1) * BITS) };
        if (!df::exists_(uid, k)) df::add(uid, k, vector::tabulate!(ARITY, |_| 0u128));
        level = level + 1;
    };
    set_leaf(uid, t, s, id, weight);
    df::add(uid, SlotKey { tag: t.tag, id }, s);
    t.size = s + 1;
}

/// Removes `id`: the last slot moves into its place.
public(package) fun remove(uid: &mut UID, t: &mut Tree, id: ID) {
    assert!(contains(uid, t, id), ENotMember);
    let s: u64 = df::remove(uid, SlotKey { tag: t.tag, id });
    let last = t.size - 1;
    if (s != last) {
        let leaf = df::borrow<LeafKey, Leaf>(uid, LeafKey { tag: t.tag, idx: last >> BITS });
        let (lid, lw) = (leaf.ids[last % ARITY], leaf.weights[last % ARITY]);
        set_leaf(uid, t, s, lid, lw);
        *df::borrow_mut<SlotKey, u64>(uid, SlotKey { tag: t.tag, id: lid }) = s;
    };
    set_leaf(uid, t, last, placeholder(), 0);
    t.size = last;
}

/// Sets the weight of member `id`.
public(package) fun set_weight(uid: &mut UID, t: &mut Tree, id: ID, weight: u64) {
    let (s, _) = slot_weight(uid, t, id);
    set_leaf(uid, t, s, id, weight);
}

/// Writes slot `s` and moves the sums on its path by the weight change.
fun set_leaf(uid: &mut UID, t: &mut Tree, s: u64, id: ID, weight: u64) {
    let pos = s % ARITY;
    let leaf = df::borrow_mut<LeafKey, Leaf>(uid, LeafKey { tag: t.tag, idx: s >> BITS });
    let old = leaf.weights[pos] as u128;
    *&mut leaf.ids[pos] = id;
    *&mut leaf.weights[pos] = weight;
    let new = weight as u128;
    let mut level = 1;
    while (level < t.height) {
        let k = InnerKey { tag: t.tag, level, idx: s >> ((level + 1) * BITS) };
        let sums = df::borrow_mut<InnerKey, vector<u128>>(uid, k);
        let c = (s >> (level * BITS)) % ARITY;
        let v = sums[c];
        *&mut sums[c] = v + new - old;
        level = level + 1;
    };
    t.total = t.total + new - old;
}

/// 1 when a <= b, else 0, without a branch (a, b < 2^127).
fun le(a: u128, b: u128): u128 { ((b + HALF) - a) >> 127 }

/// 1 when a == b, else 0, without a branch.
fun eq(a: u64, b: u64): u128 { 1 - ((((a ^ b) as u128) + HALF - 1) >> 127) }

/// The member at weight offset `x` of the tree with the (slot, weight) pairs in `rs`/`rw`
/// taken out (`x` < total - sum(rw); each listed slot at most once and a member):
/// (slot, id, weight). Always walks the full height and reads all 16 sums per level;
/// the work is the same wherever it lands (it grows with |rs| only).
public fun pick(uid: &UID, t: &Tree, x: u128, rs: &vector<u64>, rw: &vector<u64>): (u64, ID, u64) {
    let mut removed: u128 = 0;
    rw.do_ref!(|w| removed = removed + (*w as u128));
    assert!(x < t.total - removed, EOutOfRange);
    let mut x = x;
    let mut idx = 0;
    let mut level = t.height - 1;
    while (level > 0) {
        let sums = df::borrow<InnerKey, vector<u128>>(uid, InnerKey { tag: t.tag, level, idx });
        let (c, sub) = choose(sums, level, idx, &mut x, rs, rw);
        x = x - sub;
        idx = idx * ARITY + c;
        level = level - 1;
    };
    let leaf = df::borrow<LeafKey, Leaf>(uid, LeafKey { tag: t.tag, idx });
    let sums = leaf.weights.map_ref!(|w| (*w as u128));
    let (c, _) = choose(&sums, 0, idx, &mut x, rs, rw);
    (idx * ARITY + c, leaf.ids[c], leaf.weights[c])
}

/// The child of node (level, idx) where offset `x` falls, with the removed weights below each
/// child subtracted, and the sum of the children before it. Branch-free.
fun choose(sums: &vector<u128>, level: u8, idx: u64, x: &mut u128, rs: &vector<u64>, rw: &vector<u64>): (u64, u128) {
    let mut adj = vector::tabulate!(ARITY, |_| 0u128);
    let shift = level * BITS;
    let mut i = 0;
    let n = rs.length();
    while (i < n) {
        let s = rs[i];
        // The removed slot lies under this node when its index at `level` is `idx`. The parent
        // index s >> (shift + 4) is computed in u128 (shift + 4 may reach 64).
        let inside = eq((((s as u128) >> (shift + BITS)) as u64), idx);
        let c = (s >> shift) % ARITY;
        let a = adj[c];
        *&mut adj[c] = a + (rw[i] as u128) * inside;
        i = i + 1;
    };
    let mut acc: u128 = 0;
    let mut before: u128 = 0;
    let mut c: u64 = 0;
    let mut j = 0;
    while (j < ARITY) {
        let v = sums[j] - adj[j];
        acc = acc + v;
        let b = le(acc, *x);
        c = c + (b as u64);
        before = before + v * b;
        j = j + 1;
    };
    (c, before)
}

#[test_only]
public fun new_for_testing(tag: vector<u8>): Tree { new(tag) }

#[test_only]
public fun insert_for_testing(uid: &mut UID, t: &mut Tree, id: ID, weight: u64) {
    insert(uid, t, id, weight)
}

#[test_only]
public fun remove_for_testing(uid: &mut UID, t: &mut Tree, id: ID) { remove(uid, t, id) }

#[test_only]
public fun set_weight_for_testing(uid: &mut UID, t: &mut Tree, id: ID, w: u64) { set_weight(uid, t, id, w) }

#[test_only]
public fun destroy_for_testing(t: Tree) {
    let Tree { tag: _, size: _, height: _, total: _ } = t;
}
