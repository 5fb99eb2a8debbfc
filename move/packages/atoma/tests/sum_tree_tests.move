/// The sampling sum tree: sums after insert / remove / update, growth past 16 and 256 slots,
/// and `pick` at every weight boundary (with and without removed slots).
#[test_only]
module atoma::sum_tree_tests;

use atoma::sum_tree::{Self as st, Tree};
use std::unit_test::assert_eq;

fun id(i: u64): ID { object::id_from_address(sui::address::from_u256((i + 1) as u256)) }

fun setup(n: u64): (UID, Tree) {
    let mut ctx = tx_context::dummy();
    let mut uid = object::new(&mut ctx);
    // A fresh dummy context repeats the UID: name each tree by its size.
    let mut tag = b"t";
    tag.append(sui::bcs::to_bytes(&n));
    let mut t = st::new_for_testing(tag);
    let mut i = 0;
    while (i < n) {
        st::insert_for_testing(&mut uid, &mut t, id(i), i + 1);
        i = i + 1;
    };
    (uid, t)
}

fun done(uid: UID, t: Tree) {
    uid.delete();
    st::destroy_for_testing(t);
}

/// Sum of the 16 entries of a node.
fun sum(v: &vector<u128>): u128 {
    let mut s = 0;
    v.do_ref!(|x| s = s + *x);
    s
}

#[test]
fun sums_after_inserts_and_growth() {
    let (uid, t) = setup(16);
    assert_eq!(t.height(), 1);
    assert_eq!(t.total(), 136); // 1 + ... + 16
    done(uid, t);
    let (uid, t) = setup(17);
    assert_eq!(t.height(), 2); // the 17th slot needs a new root
    assert_eq!(t.total(), 153);
    let root = st::node_sums(&uid, &t, 1, 0);
    assert_eq!(root[0], 136);
    assert_eq!(root[1], 17);
    assert_eq!(sum(&root), 153);
    done(uid, t);
    let (uid, t) = setup(300);
    assert_eq!(t.height(), 3);
    assert_eq!(t.total(), 300 * 301 / 2);
    // Every inner sum equals the sum of its child's entries.
    let mut i = 0;
    while (i < 2) {
        let top = st::node_sums(&uid, &t, 2, 0);
        let mid = st::node_sums(&uid, &t, 1, i);
        assert_eq!(top[i], sum(&mid));
        let mut j = 0;
        while (j < 16) {
            assert_eq!(mid[j], sum(&st::node_sums(&uid, &t, 0, i * 16 + j)));
            j = j + 1;
        };
        i = i + 1;
    };
    done(uid, t);
}

#[test]
fun remove_moves_last_into_the_hole() {
    let (mut uid, mut t) = setup(20);
    st::remove_for_testing(&mut uid, &mut t, id(3)); // weight 4; the last (id 19, weight 20) moves to slot 3
    assert_eq!(t.size(), 19);
    assert_eq!(t.total(), 210 - 4);
    assert!(!st::contains(&uid, &t, id(3)));
    let (s, w) = st::slot_weight(&uid, &t, id(19));
    assert_eq!(s, 3);
    assert_eq!(w, 20);
    let ids = st::ids(&uid, &t);
    assert_eq!(ids.length(), 19);
    assert_eq!(ids[3], id(19));
    let root = st::node_sums(&uid, &t, 1, 0);
    assert_eq!(root[0], 136 - 4 + 20);
    assert_eq!(root[1], 17 + 18 + 19);
    // Removing the last slot itself.
    st::remove_for_testing(&mut uid, &mut t, id(18));
    assert_eq!(t.total(), 210 - 4 - 19);
    assert_eq!(st::node_sums(&uid, &t, 1, 0)[1], 17 + 18);
    // Back in: it takes the next slot.
    st::insert_for_testing(&mut uid, &mut t, id(3), 7);
    assert_eq!(t.total(), 210 - 4 - 19 + 7);
    let (s, _) = st::slot_weight(&uid, &t, id(3));
    assert_eq!(s, 18);
    done(uid, t);
}

#[test]
fun set_weight_moves_the_path() {
    let (mut uid, mut t) = setup(40);
    st::set_weight_for_testing(&mut uid, &mut t, id(33), 1_000);
    assert_eq!(t.total(), 820 - 34 + 1_000);
    assert_eq!(st::node_sums(&uid, &t, 1, 0)[2], (33 + 34 + 35 + 36 + 37 + 38 + 39 + 40) - 34 + 1_000);
    st::set_weight_for_testing(&mut uid, &mut t, id(33), 0);
    assert_eq!(t.total(), 820 - 34);
    done(uid, t);
}

/// For every member, the first and last weight offset it owns pick it, on a 3-level tree.
#[test]
fun pick_at_every_boundary() {
    let (uid, t) = setup(300);
    let mut acc: u128 = 0;
    let mut i = 0;
    while (i < 300) {
        let w = (i + 1) as u128;
        let (s, got, gw) = st::pick(&uid, &t, acc, &vector[], &vector[]);
        assert_eq!(s, i);
        assert_eq!(got, id(i));
        assert_eq!(gw, i + 1);
        let (s, _, _) = st::pick(&uid, &t, acc + w - 1, &vector[], &vector[]);
        assert_eq!(s, i);
        acc = acc + w;
        i = i + 1;
    };
    done(uid, t);
}

/// With slots 0, 17 and 299 taken out, offsets skip them exactly.
#[test]
fun pick_skips_removed_slots() {
    let (uid, t) = setup(300);
    let rs = vector[0, 17, 299];
    let rw = vector[1, 18, 300];
    let mut acc: u128 = 0;
    let mut i = 0;
    while (i < 300) {
        if (!rs.contains(&i)) {
            let w = (i + 1) as u128;
            let (s, _, _) = st::pick(&uid, &t, acc, &rs, &rw);
            assert_eq!(s, i);
            let (s, _, _) = st::pick(&uid, &t, acc + w - 1, &rs, &rw);
            assert_eq!(s, i);
            acc = acc + w;
        };
        i = i + 1;
    };
    assert_eq!(acc, t.total() - 319);
    done(uid, t);
}

#[test, expected_failure(abort_code = st::EOutOfRange)]
fun pick_past_the_remaining_weight() {
    let (uid, t) = setup(5);
    let (_, _, _) = st::pick(&uid, &t, 15 - 5, &vector[4], &vector[5]);
    done(uid, t);
}

#[test, expected_failure(abort_code = st::EAlreadyMember)]
fun insert_twice() {
    let (mut uid, mut t) = setup(3);
    st::insert_for_testing(&mut uid, &mut t, id(1), 5);
    done(uid, t);
}

#[test, expected_failure(abort_code = st::ENotMember)]
fun remove_absent() {
    let (mut uid, mut t) = setup(3);
    st::remove_for_testing(&mut uid, &mut t, id(7));
    done(uid, t);
}
