/// Sampling: over many seeded draws never a repeat, never a jailed / leaving / overpriced
/// node, and first-pick frequencies follow capped stake.
#[test_only]
module atoma::sampling_tests;

use atoma::harness::{Self as h, Env};
use atoma::registry;
use atoma::request;
use atoma::sampling;
use std::unit_test::{assert_eq, destroy};
use sui::random;
use sui::test_scenario as ts;

fun gen(seed: u64): random::RandomGenerator {
    random::new_generator_from_seed_for_testing(sui::bcs::to_bytes(&seed))
}

fun draw(env: &Env, k: u64, seed: u64): vector<ID> {
    let mut g = gen(seed);
    sampling::sample(env.reg_ref(), &h::cap(), k, h::price(), false, &vector[], env.now(), &mut g)
}

/// Pool of 10 (stakes 100..109 SUI); node 1 jailed, node 2 leaving, node 3 overpriced,
/// node 4 serves another capability. 300 draws of 5: distinct, only nodes 0, 5..9.
#[test]
fun never_repeats_never_ineligible() {
    let mut env = h::new(10);
    env.set_param(b"min_stake", 101 * h::sui!());
    let n0 = env.node_id(0);
    env.jail(n0); // stake 100 < 101
    env.set_param(b"min_stake", 100 * h::sui!());
    env.add_stake(0, 1); // back to Active
    env.set_param(b"min_stake", 102 * h::sui!());
    let n1 = env.node_id(1);
    env.jail(n1);
    env.set_param(b"min_stake", 100 * h::sui!());
    env.unstake(2);
    env.set_price(3, h::price() + 1);
    env.set_caps(4, vector[b"other"]);
    let allowed = vector[0, 5, 6, 7, 8, 9].map!(|i| env.node_id(i));
    let mut seed = 0;
    while (seed < 300) {
        let s = draw(&env, 5, seed);
        assert_eq!(s.length(), 5);
        let mut i = 0;
        while (i < 5) {
            assert!(allowed.contains(&s[i]));
            let mut j = i + 1;
            while (j < 5) {
                assert!(s[i] != s[j]);
                j = j + 1;
            };
            i = i + 1;
        };
        seed = seed + 1;
    };
    // asking for more than eligible returns all of them, once each
    assert_eq!(draw(&env, 64, 1).length(), 6);
    env.finish();
}

/// Stakes 100, 200, 300, 400, 800 SUI with stake_cap 400 SUI -> weights 1:2:3:4:4.
/// 2_800 single draws: expected counts 200, 400, 600, 800, 800. Tolerance: |observed -
/// expected| <= 4·sqrt(expected) (a Poisson 4σ bound; binomial variance is smaller).
#[test]
fun frequencies_follow_capped_stake() {
    let mut env = h::new(0);
    let stakes = vector[100, 200, 300, 400, 800];
    stakes.do!(|s| { env.register_with(h::operator(s), s * h::sui!(), h::key(s, 0x51), vector[h::cap()]); });
    env.set_param(b"stake_cap", 400 * h::sui!());
    let ids = vector::tabulate!(5, |i| env.node_id(i));
    // A stake_cap change reaches the sum tree through refresh_node (anyone may call it).
    ids.do_ref!(|id| env.refresh(*id));
    let mut counts = vector[0, 0, 0, 0, 0];
    let draws = 2_800;
    let mut seed = 0;
    while (seed < draws) {
        let s = draw(&env, 1, seed);
        let (_, i) = ids.index_of(&s[0]);
        *&mut counts[i] = counts[i] + 1;
        seed = seed + 1;
    };
    let weights = vector[1, 2, 3, 4, 4];
    let mut i = 0;
    while (i < 5) {
        let expected = draws * weights[i] / 14;
        let tol = 4 * std::u64::sqrt(expected);
        let c = counts[i];
        assert!(c + tol >= expected && c <= expected + tol);
        i = i + 1;
    };
    env.finish();
}

/// Through the real `entry fun sample_nodes` with the `Random` object (test_scenario).
#[test]
fun sample_nodes_entry_with_random() {
    let mut env = h::new(4);
    env.sc().next_tx(@0x0);
    random::create_for_testing(env.sc().ctx());
    env.sc().next_tx(@0x0);
    let mut rnd = env.sc().take_shared<random::Random>();
    rnd.update_randomness_state_for_testing(0, x"1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100", env.sc().ctx());
    let req = env.request(3, 0, h::price(), false);
    req.share_for_testing();
    env.sc().next_tx(h::keeper());
    let mut req = env.sc().take_shared<request::Request>();
    env.sample_entry(&mut req, &rnd);
    assert_eq!(req.sampled_nodes(0).length(), 3);
    ts::return_shared(req);
    ts::return_shared(rnd);
    env.finish();
}

#[test]
fun eligible_set_tracks_status() {
    let mut env = h::new(3);
    let id = env.node_id(1);
    env.unstake(1);
    assert_eq!(env.eligible().length(), 2);
    assert!(!env.eligible().contains(&id));
    assert_eq!(env.reg_ref().node_status(id), atoma::constants::node_status_leaving());
    destroy(id);
    env.finish();
}
