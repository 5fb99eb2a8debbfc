/// Test harness: a registry with a pool of nodes, a clock, requests driven through every
/// phase, and the escrow-conservation invariant.
#[test_only]
module atoma::harness;

use atoma::node::{Self, NodeCap};
use atoma::node_account::NodeAccount;
use atoma::registry::{Self, Registry, AdminCap};
use atoma::request::{Self, Request};
use atoma::settlement;
use std::unit_test::destroy;
use sui::clock::{Self, Clock};
use sui::coin::{Self, Coin};
use sui::random;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};
use std::unit_test::assert_eq;

public macro fun sui(): u64 { 1_000_000_000 }

public fun admin(): address { @0xAD }
public fun requester(): address { @0xBEEF }
public fun keeper(): address { @0xEE }
public fun operator(i: u64): address { sui::address::from_u256(0x1000 + (i as u256)) }
public fun cap(): vector<u8> { b"llama-3.1-8b" }
public fun price(): u64 { 1_000_000_000 }
public fun hash_a(): vector<u8> { x"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
public fun hash_b(): vector<u8> { x"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }
public fun input_hash(): vector<u8> { x"0101010101010101010101010101010101010101010101010101010101010101" }
public fun salt(): vector<u8> { b"salt-0123456789" }

/// Behaviours of a sampled node.
public fun honest(): u8 { 0 }
public fun dissent(): u8 { 1 }
public fun absent(): u8 { 2 }
public fun silent(): u8 { 3 } // commits, never reveals

public struct Env {
    sc: Scenario,
    reg: Registry,
    admin_cap: AdminCap,
    clock: Clock,
    caps: vector<NodeCap>,
    /// Per node (index-aligned with `caps`): the amounts of its `NodePaid` events, summed by
    /// `settle` (the chain keeps no `earned` counter since issue 13 B stage 2).
    paid: vector<u64>,
}

public fun key(i: u64, tag: u8): vector<u8> {
    let mut k = vector[];
    let mut j = 0;
    while (j < 31u64) {
        k.push_back(tag);
        j = j + 1;
    };
    k.push_back((i % 256) as u8);
    k
}

/// A registry and `pool` nodes; node i stakes (100 + i) SUI at price 1 SUI.
public fun new(pool: u64): Env {
    let mut sc = ts::begin(admin());
    let (reg, admin_cap) = registry::new_for_testing(sc.ctx());
    let mut clock = clock::create_for_testing(sc.ctx());
    clock.set_for_testing(1_000_000);
    let mut env = Env { sc, reg, admin_cap, clock, caps: vector[], paid: vector[] };
    let mut i = 0;
    while (i < pool) {
        env.register(i, (100 + i) * sui!(), vector[cap()]);
        i = i + 1;
    };
    env.sc.next_tx(admin()); // the NodeAccounts shared above can be taken from here on
    env
}

public fun register(env: &mut Env, i: u64, stake: u64, caps: vector<vector<u8>>): ID {
    env.sc.next_tx(operator(i));
    let coin = coin::mint_for_testing<SUI>(stake, env.sc.ctx());
    let c = node::register_node(&mut env.reg, coin, key(i, 0x51), key(i, 0xE1), caps, price(), env.sc.ctx());
    let id = c.node_id();
    env.caps.push_back(c);
    env.paid.push_back(0);
    id
}

/// Registers node `i` at price `p` (for the price-bound tests).
public fun register_priced(env: &mut Env, i: u64, stake: u64, caps: vector<vector<u8>>, p: u64): ID {
    env.sc.next_tx(operator(i));
    let coin = coin::mint_for_testing<SUI>(stake, env.sc.ctx());
    let c = node::register_node(&mut env.reg, coin, key(i, 0x51), key(i, 0xE1), caps, p, env.sc.ctx());
    let id = c.node_id();
    env.caps.push_back(c);
    env.paid.push_back(0);
    id
}

public fun register_with(env: &mut Env, who: address, stake: u64, sig_pk: vector<u8>, caps: vector<vector<u8>>): ID {
    env.sc.next_tx(who);
    let coin = coin::mint_for_testing<SUI>(stake, env.sc.ctx());
    let c = node::register_node(&mut env.reg, coin, sig_pk, key(99, 0xE1), caps, price(), env.sc.ctx());
    let id = c.node_id();
    env.caps.push_back(c);
    env.paid.push_back(0);
    id
}

public fun sc(env: &mut Env): &mut Scenario { &mut env.sc }
public fun reg(env: &mut Env): &mut Registry { &mut env.reg }
public fun reg_ref(env: &Env): &Registry { &env.reg }
public fun admin_cap(env: &Env): &AdminCap { &env.admin_cap }
public fun clock(env: &Env): &Clock { &env.clock }
public fun clock_mut(env: &mut Env): &mut Clock { &mut env.clock }
public fun now(env: &Env): u64 { env.clock.timestamp_ms() }
public fun set_time(env: &mut Env, ms: u64) { env.clock.set_for_testing(ms) }
public fun cap_at(env: &Env, i: u64): &NodeCap { &env.caps[i] }
public fun node_id(env: &Env, i: u64): ID { env.caps[i].node_id() }
public fun pool(env: &Env): u64 { env.caps.length() }

public fun cap_of(env: &Env, id: ID): &NodeCap {
    let i = env.caps.find_index!(|c| c.node_id() == id).destroy_some();
    &env.caps[i]
}

public fun reg_and_admin(env: &mut Env): (&mut Registry, &AdminCap) { (&mut env.reg, &env.admin_cap) }

public fun reg_cap_clock(env: &mut Env, i: u64): (&mut Registry, &NodeCap, &Clock) {
    (&mut env.reg, &env.caps[i], &env.clock)
}

public fun revoke(env: &mut Env, id: ID) {
    env.sc.next_tx(admin());
    env.reg.revoke_attestation(&env.admin_cap, id, &env.clock, env.sc.ctx());
}

public fun set_param(env: &mut Env, name: vector<u8>, v: u64) {
    env.sc.next_tx(admin());
    env.reg.set_param(&env.admin_cap, name, v);
}

public fun set_paused(env: &mut Env, paused: bool) {
    env.sc.next_tx(admin());
    env.reg.set_paused(&env.admin_cap, paused);
}

/// The node's shared account, taken from the scenario (give it back with `put_account`).
public fun take_account(env: &mut Env, id: ID): NodeAccount { env.sc.take_shared_by_id<NodeAccount>(id) }
public fun put_account(a: NodeAccount) { ts::return_shared(a) }

public fun unstake(env: &mut Env, i: u64) {
    env.sc.next_tx(operator(i));
    let id = env.caps[i].node_id();
    let mut a = env.take_account(id);
    node::request_unstake(&mut env.reg, &mut a, &env.caps[i], &env.clock);
    put_account(a);
}

public fun withdraw(env: &mut Env, i: u64): u64 {
    env.sc.next_tx(operator(i));
    let id = env.caps[i].node_id();
    let mut a = env.take_account(id);
    let c = node::withdraw_stake(&env.reg, &mut a, &env.caps[i], &env.clock, env.sc.ctx());
    put_account(a);
    c.burn_for_testing()
}

/// `withdraw_stake` with node `i`'s cap and the given account (any node's), in the current transaction.
public fun withdraw_with(env: &mut Env, i: u64, account: &mut NodeAccount): u64 {
    let c = node::withdraw_stake(&env.reg, account, &env.caps[i], &env.clock, env.sc.ctx());
    c.burn_for_testing()
}

public fun add_stake(env: &mut Env, i: u64, amount: u64) {
    env.sc.next_tx(operator(i));
    let c = coin::mint_for_testing<SUI>(amount, env.sc.ctx());
    let id = env.caps[i].node_id();
    let mut a = env.take_account(id);
    node::add_stake(&mut env.reg, &mut a, &env.caps[i], c);
    put_account(a);
}

/// Anyone: `registry::refresh_node` with the node's account.
public fun refresh(env: &mut Env, id: ID) {
    env.sc.next_tx(keeper());
    let a = env.take_account(id);
    env.reg.refresh_node(&a);
    put_account(a);
}

/// Anyone: `node::jail` with the node's account.
public fun jail(env: &mut Env, id: ID) {
    env.sc.next_tx(keeper());
    let a = env.take_account(id);
    node::jail(&mut env.reg, &a);
    put_account(a);
}

// The node's account, read (stake, unbonding, reputation, counters live there). Each read
// starts a transaction: test_scenario lets a transaction take a shared object once.
fun read_account(env: &mut Env, id: ID): NodeAccount {
    env.sc.next_tx(admin());
    env.take_account(id)
}
public fun stake(env: &mut Env, id: ID): u64 { let a = env.read_account(id); let v = a.stake(); put_account(a); v }
public fun unbonding(env: &mut Env, id: ID): u64 { let a = env.read_account(id); let v = a.unbonding(); put_account(a); v }
public fun unbonding_until_ms(env: &mut Env, id: ID): u64 {
    let a = env.read_account(id);
    let v = a.unbonding_until_ms();
    put_account(a);
    v
}
public fun reputation(env: &mut Env, id: ID): u64 { let a = env.read_account(id); let v = a.reputation(); put_account(a); v }
public fun served(env: &mut Env, id: ID): u64 { let a = env.read_account(id); let v = a.served(); put_account(a); v }
public fun slashed(env: &mut Env, id: ID): u64 { let a = env.read_account(id); let v = a.slashed(); put_account(a); v }
/// What the node was paid, summed from the `NodePaid` events of `settle`.
public fun earned(env: &Env, id: ID): u64 {
    let i = env.caps.find_index!(|c| c.node_id() == id).destroy_some();
    env.paid[i]
}

public fun set_caps(env: &mut Env, i: u64, caps: vector<vector<u8>>) {
    env.sc.next_tx(operator(i));
    node::set_capabilities(&mut env.reg, &env.caps[i], caps);
}

public fun set_price(env: &mut Env, i: u64, p: u64) {
    env.sc.next_tx(operator(i));
    node::set_price(&mut env.reg, &env.caps[i], p);
}

public fun eligible(env: &Env): vector<ID> { env.reg.eligible_nodes(cap()) }

public fun finish(env: Env) {
    let Env { sc, reg, admin_cap, clock, caps, paid: _ } = env;
    destroy(reg);
    destroy(admin_cap);
    clock.destroy_for_testing();
    destroy(caps);
    sc.end();
}

/// A request paid with exactly its escrow, created by `requester()`.
public fun request(env: &mut Env, n: u64, quorum_bps: u64, max_price: u64, confidential: bool): Request {
    env.sc.next_tx(requester());
    let escrow = request::escrow_for(n, max_price, env.reg.params().margin_bps());
    let pay = coin::mint_for_testing<SUI>(escrow, env.sc.ctx());
    request::new(
        &env.reg,
        pay,
        0,
        cap(),
        input_hash(),
        b"inline input",
        256,
        0,
        n,
        quorum_bps,
        max_price,
        confidential,
        &env.clock,
        env.sc.ctx(),
    )
}

/// A request with explicit arguments (payment `pay`), for the rejection tests.
public fun request_with(
    env: &mut Env,
    pay: u64,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    n: u64,
    quorum_bps: u64,
    max_price: u64,
): Request {
    env.sc.next_tx(requester());
    let c = coin::mint_for_testing<SUI>(pay, env.sc.ctx());
    request::new(&env.reg, c, kind, capability, input_hash, input, 0, 0, n, quorum_bps, max_price, false, &env.clock, env.sc.ctx())
}

/// Posts `output` with its hash `blake2b256(output)` (public requests).
public fun post(env: &mut Env, req: &mut Request, id: ID, output: vector<u8>) {
    let h = sui::hash::blake2b256(&output);
    env.post_with_hash(req, id, output, h);
}

/// Posts `output` with `output_hash` (confidential requests: the plaintext's hash).
public fun post_with_hash(env: &mut Env, req: &mut Request, id: ID, output: vector<u8>, output_hash: vector<u8>) {
    let i = env.caps.find_index!(|k| k.node_id() == id).destroy_some();
    req.post_output(&env.caps[i], output, output_hash, &env.clock);
}

public fun sample(env: &mut Env, req: &mut Request, seed: u64) {
    env.sc.next_tx(keeper());
    let mut g = random::new_generator_from_seed_for_testing(sui::bcs::to_bytes(&seed));
    req.sample_with(&env.reg, &mut g, &env.clock);
}

public fun sample_entry(env: &mut Env, req: &mut Request, rnd: &random::Random) {
    request::sample_nodes_for_testing(req, &env.reg, rnd, &env.clock, env.sc.ctx());
}

/// A cluster whose invited `members` all accepted (each with its own NodeCap).
public fun new_cluster(
    env: &mut Env,
    members: vector<ID>,
    commitment: vector<u8>,
    q: u64,
): (atoma::cluster::Cluster, atoma::cluster::MasterCap) {
    let (mut c, cap) = env.new_cluster_invited(members, commitment, q);
    members.do!(|id| c.accept_membership(env.cap_of(id)));
    (c, cap)
}

/// A cluster with `invited` listed but no member yet.
public fun new_cluster_invited(
    env: &mut Env,
    invited: vector<ID>,
    commitment: vector<u8>,
    q: u64,
): (atoma::cluster::Cluster, atoma::cluster::MasterCap) {
    let c = atoma::cluster::new(&env.reg, invited, commitment, q, env.sc.ctx());
    let cap = atoma::cluster::new_cap_for_testing(&c, env.sc.ctx());
    (c, cap)
}

public fun escalate(env: &mut Env, req: &mut Request, seed: u64) {
    env.sc.next_tx(keeper());
    let mut g = random::new_generator_from_seed_for_testing(sui::bcs::to_bytes(&(seed + 1_000_000)));
    settlement::escalate_with(req, &env.reg, &mut g, &env.clock, env.sc.ctx());
}

public fun hash_for(b: u8): vector<u8> { if (b == dissent()) hash_b() else hash_a() }

/// What an honest node commits and reveals for `output_hash` in the request's current round:
/// round 0 the blinded `t = blake2b256(output_hash ‖ request_id)`, round 1 `output_hash`.
public fun round_value(req: &Request, output_hash: vector<u8>): vector<u8> {
    if (req.round() == 0) atoma::blinding::blinded(output_hash, req.id()) else output_hash
}

/// Commits for `output_hash` as an honest node does (`round_value`).
public fun commit_node(env: &mut Env, req: &mut Request, id: ID, output_hash: vector<u8>) {
    let v = round_value(req, output_hash);
    env.commit_raw(req, id, v);
}

/// Reveals for `output_hash` as an honest node does (`round_value`).
public fun reveal_node(env: &mut Env, req: &mut Request, id: ID, output_hash: vector<u8>) {
    let v = round_value(req, output_hash);
    env.reveal_raw(req, id, v);
}

/// Commits exactly `value` (whatever the round).
public fun commit_raw(env: &mut Env, req: &mut Request, id: ID, value: vector<u8>) {
    let c = request::commitment_of(value, id, salt());
    let i = env.caps.find_index!(|k| k.node_id() == id).destroy_some();
    req.commit(&env.caps[i], c, &env.clock);
}

/// Reveals exactly `value` (whatever the round).
public fun reveal_raw(env: &mut Env, req: &mut Request, id: ID, value: vector<u8>) {
    let i = env.caps.find_index!(|k| k.node_id() == id).destroy_some();
    req.reveal(&env.caps[i], value, salt(), &env.clock);
}

/// Plays one round: commits, reveals per `behaviour` (index-aligned with the round's nodes),
/// moving the clock past deadlines when someone stays silent.
public fun play_round(env: &mut Env, req: &mut Request, round: u8, behaviour: vector<u8>) {
    let nodes = req.sampled_nodes(round);
    assert!(nodes.length() <= behaviour.length());
    let mut i = 0;
    while (i < nodes.length()) {
        if (behaviour[i] != absent()) env.commit_node(req, nodes[i], hash_for(behaviour[i]));
        i = i + 1;
    };
    if (req.status() == request::status_sampled()) env.set_time(req.commit_deadline_ms());
    i = 0;
    while (i < nodes.length()) {
        let b = behaviour[i];
        if (b == honest() || b == dissent()) env.reveal_node(req, nodes[i], hash_for(b));
        i = i + 1;
    };
    let all = i == nodes.length() && behaviour.all!(|b| *b == honest() || *b == dissent());
    if (!all) env.set_time(req.reveal_deadline_ms());
}

/// The request's assigned nodes, in assignment order (what the SDK's settle builder applies).
public fun assigned(req: &Request): vector<ID> { req.assignments().map_ref!(|a| a.a_node_id()) }

/// One settlement PTB as the SDK builds it: `settle_begin`, `settle_node` per assigned node's
/// account in assignment order, `settle_end`; sums the `NodePaid` events into `earned`.
public fun settle(env: &mut Env, req: &mut Request) {
    let order = assigned(req);
    env.settle_in_order(req, order);
}

/// `settlement::settle_begin` in a new keeper transaction (for tests that drive the calls).
public fun settle_begin(env: &mut Env, req: &mut Request): settlement::Settlement {
    env.sc.next_tx(keeper());
    settlement::settle_begin(req, &env.reg, &env.clock, env.sc.ctx())
}

/// A further `settle_begin` in the same transaction.
public fun settle_begin_again(env: &mut Env, req: &mut Request): settlement::Settlement {
    settlement::settle_begin(req, &env.reg, &env.clock, env.sc.ctx())
}

public fun settle_end(env: &mut Env, s: settlement::Settlement, req: &mut Request) {
    settlement::settle_end(s, req, env.sc.ctx());
}

/// `settle` applying the accounts in `order` (any order must give the same outcome).
public fun settle_in_order(env: &mut Env, req: &mut Request, order: vector<ID>) {
    env.sc.next_tx(keeper());
    let mut s = settlement::settle_begin(req, &env.reg, &env.clock, env.sc.ctx());
    order.do!(|id| {
        let mut a = env.take_account(id);
        settlement::settle_node(&mut s, &mut a);
        put_account(a);
    });
    settlement::settle_end(s, req, env.sc.ctx());
    sui::event::events_by_type<atoma::events::NodePaid>().do_ref!(|e| {
        let i = env.caps.find_index!(|c| c.node_id() == e.node_paid_node_id()).destroy_some();
        *&mut env.paid[i] = env.paid[i] + e.node_paid_amount();
    });
}

public fun sweep(env: &mut Env, req: &mut Request) {
    env.sc.next_tx(keeper());
    atoma::fees::sweep_fees(&mut env.reg, req);
}

/// Sum of stake + unbonding of every node.
public fun total_bonded(env: &mut Env): u64 {
    let mut t = 0;
    let mut i = 0;
    while (i < env.caps.length()) {
        let id = env.caps[i].node_id();
        t = t + env.stake(id) + env.unbonding(id);
        i = i + 1;
    };
    t
}

/// Burns every SUI coin `who` holds (after a `next_tx`) and returns the total.
public fun drain(env: &mut Env, who: address): u64 {
    env.sc.next_tx(who);
    let mut total = 0;
    while (ts::has_most_recent_for_address<Coin<SUI>>(who)) {
        let c = env.sc.take_from_address<Coin<SUI>>(who);
        total = total + c.burn_for_testing();
    };
    total
}

/// Snapshot before settlement.
public struct Books has copy, drop {
    escrow: u64,
    bonded: u64,
    treasury: u64,
}

public fun books(env: &mut Env, req: &Request): Books {
    Books { escrow: req.escrow_value(), bonded: env.total_bonded(), treasury: env.reg.treasury_value() }
}

/// Escrow conservation, from balances actually received:
/// paid + margin + refund + slashed_to_treasury == escrow + slashed.
/// Returns (paid, refund, treasury_in, slashed).
public fun check_conservation(env: &mut Env, req: &Request, before: Books): (u64, u64, u64, u64) {
    let mut paid = 0;
    let mut i = 0;
    while (i < env.caps.length()) {
        paid = paid + env.drain(operator(i));
        i = i + 1;
    };
    let refund = env.drain(requester());
    // the treasury's part waits in the finished request until `fees::sweep_fees` (issue 13 B)
    assert!(req.is_settled() || req.is_failed());
    let treasury_in = env.reg.treasury_value() - before.treasury + req.escrow_value();
    let slashed = before.bonded - env.total_bonded();
    assert_eq!(paid + refund + treasury_in, before.escrow + slashed);
    (paid, refund, treasury_in, slashed)
}



public fun escrow_of(b: &Books): u64 { b.escrow }
