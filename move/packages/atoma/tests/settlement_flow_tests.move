/// The three-call settlement (issue 13 B stage 2): `settle_begin`, `settle_node` per assigned
/// node's shared `NodeAccount`, `settle_end`. Every new abort path, the attack of a settler
/// that skips a slash, order independence, and the node-side calls refusing a foreign account.
#[test_only]
module atoma::settlement_flow_tests;

use atoma::harness::{Self as h, Env};
use atoma::node;
use atoma::node_account::{Self, NodeAccount};
use atoma::registry::Registry;
use atoma::request::Request;
use atoma::settlement;
use std::unit_test::{assert_eq, destroy};
use sui::test_scenario as ts;

/// A 3-node request (quorum 60 %) where the first sampled node is absent and the two others
/// reveal A: settling pays them and slashes the absent one.
fun one_absentee(env: &mut Env): Request {
    let mut req = env.request(3, 6_000, h::price(), false);
    env.sample(&mut req, 7);
    env.play_round(&mut req, 0, vector[h::absent(), h::honest(), h::honest()]);
    req
}

/// Applying the accounts in reverse assignment order gives what the single call gave (the
/// hand-computed outcome): the absent node slashed 2 % of its bond, each revealer paid its
/// price from escrow (pool first: the 2 % pays part of the first payout), served + 1,
/// reputation + 1; conservation holds.
#[test]
fun reverse_order_of_settle_node_gives_the_same_outcome() {
    let mut env = h::new(3);
    let mut req = one_absentee(&mut env);
    let order = h::assigned(&req);
    let absent = order[0];
    let bond = env.stake(absent);
    let before = env.books(&req);
    let mut reversed = order;
    reversed.reverse();
    env.settle_in_order(&mut req, reversed);
    assert!(req.is_settled());
    assert_eq!(env.slashed(absent), bond * 200 / 10_000);
    assert_eq!(env.stake(absent), bond - bond * 200 / 10_000);
    assert_eq!(env.reputation(absent), 995);
    assert_eq!(env.earned(absent), 0);
    let mut i = 1;
    while (i < 3) {
        assert_eq!(env.earned(order[i]), h::price());
        assert_eq!(env.served(order[i]), 1);
        assert_eq!(env.reputation(order[i]), 1_001);
        i = i + 1;
    };
    let (paid, _, _, slashed) = env.check_conservation(&req, before);
    assert_eq!(paid, 2 * h::price());
    assert_eq!(slashed, bond * 200 / 10_000);
    destroy(req);
    env.finish();
}

/// Attack: a settler leaves out the absent node's account to spare it the slash. settle_end
/// aborts, so the whole PTB (the payouts with it) does not happen.
#[test, expected_failure(abort_code = settlement::ENodesNotApplied)]
fun settle_end_without_the_slashed_node_aborts() {
    let mut env = h::new(3);
    let mut req = one_absentee(&mut env);
    let order = h::assigned(&req);
    let honest_only = vector[order[1], order[2]];
    env.settle_in_order(&mut req, honest_only);
    destroy(req);
    env.finish();
}

/// A node that is not assigned to the request (here: a registered node never sampled).
#[test, expected_failure(abort_code = settlement::ENodeNotInRequest)]
fun settle_node_of_a_node_not_in_the_request_aborts() {
    let mut env = h::new(4);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 7);
    env.play_round(&mut req, 0, vector[h::honest(), h::honest(), h::honest()]);
    let assigned = h::assigned(&req);
    let mut i = 0;
    while (assigned.contains(&env.node_id(i))) i = i + 1;
    let mut order = assigned;
    order.push_back(env.node_id(i));
    env.settle_in_order(&mut req, order);
    destroy(req);
    env.finish();
}

/// The same account applied twice (it would be slashed twice).
#[test, expected_failure(abort_code = settlement::ENodeAlreadyApplied)]
fun settle_node_twice_aborts() {
    let mut env = h::new(3);
    let mut req = one_absentee(&mut env);
    let absent = h::assigned(&req)[0];
    let mut s = env.settle_begin(&mut req);
    let mut acc = env.take_account(absent);
    settlement::settle_node(&mut s, &mut acc);
    settlement::settle_node(&mut s, &mut acc);
    h::put_account(acc);
    env.settle_end(s, &mut req);
    destroy(req);
    env.finish();
}

/// Two settlements of one request in one PTB: the first ends it, the second cannot end
/// (double payment and double slashing are impossible).
#[test, expected_failure(abort_code = settlement::EWrongRequest)]
fun second_settlement_of_the_same_request_aborts() {
    let mut env = h::new(3);
    let mut req = env.request(3, 0, h::price(), false);
    env.sample(&mut req, 7);
    env.play_round(&mut req, 0, vector[h::honest(), h::honest(), h::honest()]);
    let mut s1 = env.settle_begin(&mut req);
    let mut s2 = env.settle_begin_again(&mut req);
    h::assigned(&req).do!(|id| {
        let mut acc = env.take_account(id);
        settlement::settle_node(&mut s1, &mut acc);
        settlement::settle_node(&mut s2, &mut acc);
        h::put_account(acc);
    });
    env.settle_end(s1, &mut req);
    env.settle_end(s2, &mut req);
    destroy(req);
    env.finish();
}

/// A node's stake calls check that the account is its cap's node's.
#[test, expected_failure(abort_code = node::EWrongAccount)]
fun add_stake_with_another_nodes_account_aborts() {
    let mut env = h::new(2);
    let other = env.node_id(1);
    env.sc().next_tx(h::operator(0));
    let mut acc = env.take_account(other);
    let c = sui::coin::mint_for_testing<sui::sui::SUI>(h::sui!(), env.sc().ctx());
    let (reg, cap, _) = env.reg_cap_clock(0);
    node::add_stake(reg, &mut acc, cap, c);
    h::put_account(acc);
    env.finish();
}

/// Several parties over real shared objects: the Registry, the Request and each NodeAccount are
/// shared; the keeper's transaction settles (reading the Registry), each operator then reads its
/// own account, and the Registry record is untouched by the settlement (weight, status).
#[test]
fun multi_party_settlement_over_shared_accounts() {
    let mut sc = ts::begin(h::admin());
    let (reg, admin_cap) = atoma::registry::new_for_testing(sc.ctx());
    atoma::registry::share_for_testing(reg);
    let mut clock = sui::clock::create_for_testing(sc.ctx());
    clock.set_for_testing(1_000_000);
    let mut ids = vector[];
    let mut i = 0;
    while (i < 3) {
        sc.next_tx(h::operator(i));
        let mut reg = sc.take_shared<Registry>();
        let coin = sui::coin::mint_for_testing<sui::sui::SUI>((100 + i) * h::sui!(), sc.ctx());
        let cap = node::register_node(&mut reg, coin, h::key(i, 0x51), h::key(i, 0xE1), vector[h::cap()], h::price(), sc.ctx());
        ids.push_back(cap.node_id());
        transfer::public_transfer(cap, h::operator(i));
        ts::return_shared(reg);
        i = i + 1;
    };
    // requester
    sc.next_tx(h::requester());
    let reg = sc.take_shared<Registry>();
    let escrow = atoma::request::escrow_for(3, h::price(), reg.params().margin_bps());
    let pay = sui::coin::mint_for_testing<sui::sui::SUI>(escrow, sc.ctx());
    let mut req = atoma::request::new(&reg, pay, 0, h::cap(), h::input_hash(), b"in", 256, 0, 3, 0, h::price(), false, &clock, sc.ctx());
    let mut g = sui::random::new_generator_from_seed_for_testing(b"multi");
    req.sample_with(&reg, &mut g, &clock);
    ts::return_shared(reg);
    atoma::request::share_for_testing(req);
    // each operator commits and reveals A with its own cap
    i = 0;
    while (i < 3) {
        sc.next_tx(h::operator(i));
        let cap = sc.take_from_sender<node::NodeCap>();
        let mut req = sc.take_shared<Request>();
        let v = atoma::blinding::blinded(h::hash_a(), req.id());
        req.commit(&cap, atoma::request::commitment_of(v, cap.node_id(), h::salt()), &clock);
        ts::return_shared(req);
        sc.return_to_sender(cap);
        i = i + 1;
    };
    i = 0;
    while (i < 3) {
        sc.next_tx(h::operator(i));
        let cap = sc.take_from_sender<node::NodeCap>();
        let mut req = sc.take_shared<Request>();
        let v = atoma::blinding::blinded(h::hash_a(), req.id());
        req.reveal(&cap, v, h::salt(), &clock);
        ts::return_shared(req);
        sc.return_to_sender(cap);
        i = i + 1;
    };
    // the keeper settles: Registry read-only, the accounts written
    sc.next_tx(h::keeper());
    let reg = sc.take_shared<Registry>();
    let mut req = sc.take_shared<Request>();
    let mut s = settlement::settle_begin(&mut req, &reg, &clock, sc.ctx());
    ids.do_ref!(|id| {
        let mut acc = sc.take_shared_by_id<NodeAccount>(*id);
        settlement::settle_node(&mut s, &mut acc);
        ts::return_shared(acc);
    });
    settlement::settle_end(s, &mut req, sc.ctx());
    assert!(req.is_settled());
    ts::return_shared(req);
    ts::return_shared(reg);
    // each operator: paid its price, its account served once, reputation + 1; record untouched
    i = 0;
    while (i < 3) {
        sc.next_tx(h::operator(i));
        let id = ids[i];
        let acc = sc.take_shared_by_id<NodeAccount>(id);
        assert_eq!(node_account::served(&acc), 1);
        assert_eq!(node_account::reputation(&acc), 1_001);
        assert_eq!(node_account::stake(&acc), (100 + i) * h::sui!());
        ts::return_shared(acc);
        let reg = sc.take_shared<Registry>();
        assert_eq!(reg.node_weight(id), (100 + i) * h::sui!());
        assert_eq!(reg.node_status(id), 0);
        ts::return_shared(reg);
        let paid = sc.take_from_sender<sui::coin::Coin<sui::sui::SUI>>();
        assert_eq!(paid.value(), h::price());
        sc.return_to_sender(paid);
        i = i + 1;
    };
    destroy(admin_cap);
    clock.destroy_for_testing();
    sc.end();
}

#[test, expected_failure(abort_code = node::EWrongAccount)]
fun request_unstake_with_another_nodes_account_aborts() {
    let mut env = h::new(2);
    let other = env.node_id(1);
    env.sc().next_tx(h::operator(0));
    let mut acc = env.take_account(other);
    let (reg, cap, clock) = env.reg_cap_clock(0);
    node::request_unstake(reg, &mut acc, cap, clock);
    h::put_account(acc);
    env.finish();
}

/// Node 1 is Leaving and unbonded; node 0's cap cannot withdraw node 1's stake.
#[test, expected_failure(abort_code = node::EWrongAccount)]
fun withdraw_stake_with_another_nodes_account_aborts() {
    let mut env = h::new(2);
    let other = env.node_id(1);
    env.unstake(1);
    let until = env.unbonding_until_ms(other);
    env.set_time(until);
    env.sc().next_tx(h::operator(0));
    let mut acc = env.take_account(other);
    env.withdraw_with(0, &mut acc);
    h::put_account(acc);
    env.finish();
}

/// `refresh_node` with an account the registry has no record of (a node of another registry).
#[test, expected_failure(abort_code = atoma::registry::EUnknownNode)]
fun refresh_node_of_an_unknown_account_aborts() {
    let mut env = h::new(1);
    env.sc().next_tx(h::keeper());
    let other = node_account::new_for_testing(@0x5, 1, env.sc().ctx());
    env.reg().refresh_node(&other);
    other.destroy_for_testing();
    env.finish();
}
