/// A node's account (issue 13 B, stage 2): what a settlement writes of a node, in a shared
/// object of its own, so that settling a request writes the accounts of its assigned nodes and
/// no global object. Created and shared at registration; its object id IS the node's id (the
/// registry's record key, `NodeCap.node_id`, the assignments' `node_id`).
///
/// It holds the stake and unbonding balances, the unbonding end, reputation and the served /
/// slashed counters. The registry's record (`node_record::Node`) keeps the rest (keys,
/// capabilities, price, status, attestation) and the sampling weight last synced from here
/// (`registry::refresh_node`). There is no `earned` counter: what a winner is paid depends on
/// the complete slash pool of its settlement, known only at `settlement::settle_end`, which
/// takes no account; `NodePaid` events carry it (the indexer sums them).
module atoma::node_account;

use atoma::constants;
use atoma::events;
use sui::balance::{Self, Balance};
use sui::sui::SUI;

public struct NodeAccount has key {
    id: UID,
    /// The registering address (a copy of the record's): settlement payouts go there.
    operator: address,
    stake: Balance<SUI>,
    unbonding: Balance<SUI>,
    unbonding_until_ms: u64,
    reputation: u64,
    /// Settlements this node was paid in (revealed the winning hash).
    served: u64,
    /// Total slashed from this node, MIST.
    slashed: u64,
}

/// A new account with `initial_reputation` and zeroed counters; its id is the new node's id.
public(package) fun new(operator: address, stake: Balance<SUI>, ctx: &mut TxContext): NodeAccount {
    NodeAccount {
        id: object::new(ctx),
        operator,
        stake,
        unbonding: balance::zero(),
        unbonding_until_ms: 0,
        reputation: constants::initial_reputation(),
        served: 0,
        slashed: 0,
    }
}

public(package) fun share(a: NodeAccount) { transfer::share_object(a) }

// === Read ===

/// The node's id (= this object's id).
public fun node_id(a: &NodeAccount): ID { a.id.to_inner() }
public fun operator(a: &NodeAccount): address { a.operator }
public fun stake(a: &NodeAccount): u64 { a.stake.value() }
public fun unbonding(a: &NodeAccount): u64 { a.unbonding.value() }
public fun unbonding_until_ms(a: &NodeAccount): u64 { a.unbonding_until_ms }
public fun reputation(a: &NodeAccount): u64 { a.reputation }
public fun served(a: &NodeAccount): u64 { a.served }
public fun slashed(a: &NodeAccount): u64 { a.slashed }

/// Sampling weight: min(stake, stake_cap).
public fun weight(a: &NodeAccount, stake_cap: u64): u64 {
    let s = a.stake.value();
    if (s < stake_cap) s else stake_cap
}

// === Change ===

/// Adds stake (`StakeChanged`, reason Added).
public(package) fun deposit(a: &mut NodeAccount, b: Balance<SUI>) {
    let old = a.stake.value();
    a.stake.join(b);
    events::stake_changed(a.node_id(), old, a.stake.value(), constants::stake_change_added());
}

/// Moves all stake to unbonding until `now_ms + unbonding_ms` (`StakeChanged`, reason
/// UnstakeRequested). The registry makes the node Leaving.
public(package) fun begin_unstake(a: &mut NodeAccount, now_ms: u64, unbonding_ms: u64) {
    let old = a.stake.value();
    let all = a.stake.withdraw_all();
    a.unbonding.join(all);
    a.unbonding_until_ms = now_ms + unbonding_ms;
    events::stake_changed(a.node_id(), old, 0, constants::stake_change_unstake_requested());
}

/// Takes every unbonded coin (`StakeChanged`, reason Withdrawn).
public(package) fun take_unbonded(a: &mut NodeAccount): Balance<SUI> {
    let old = a.unbonding.value();
    let b = a.unbonding.withdraw_all();
    events::stake_changed(a.node_id(), old, 0, constants::stake_change_withdrawn());
    b
}

/// Slashes `bps` of (stake + unbonding), taken from stake first. Reputation moves by
/// `-rep_penalty` (floor 0). Emits `StakeChanged` (reason Slashed, when stake was taken) and
/// `NodeSlashed`. Never jails: a node left below `min_stake` stays Active in the registry until
/// `registry::refresh_node` (the settlement takes no Registry by `&mut`).
public(package) fun slash(
    a: &mut NodeAccount,
    request_id: ID,
    bps: u64,
    reason: u8,
    rep_penalty: u64,
): Balance<SUI> {
    let old = a.stake.value();
    let base = (old as u128) + (a.unbonding.value() as u128);
    let amount = ((base * (bps as u128) / 10_000) as u64);
    let from_stake = if (amount < old) amount else old;
    let mut out = a.stake.split(from_stake);
    out.join(a.unbonding.split(amount - from_stake));
    a.slashed = a.slashed + amount;
    a.reputation = if (a.reputation > rep_penalty) a.reputation - rep_penalty else 0;
    let remaining = a.stake.value();
    let id = a.node_id();
    if (from_stake > 0) events::stake_changed(id, old, remaining, constants::stake_change_slashed());
    events::node_slashed(request_id, id, amount, reason, remaining);
    out
}

/// Records a settlement that pays this node (it revealed the winning hash): served + 1,
/// reputation + 1. The amount is in the settlement's `NodePaid` event.
public(package) fun reward(a: &mut NodeAccount) {
    a.served = a.served + 1;
    a.reputation = a.reputation + 1;
}

// === Test helpers ===

#[test_only]
public fun new_for_testing(operator: address, stake: u64, ctx: &mut TxContext): NodeAccount {
    new(operator, balance::create_for_testing(stake), ctx)
}

#[test_only]
public fun destroy_for_testing(a: NodeAccount) {
    let NodeAccount { id, operator: _, stake, unbonding, unbonding_until_ms: _, reputation: _, served: _, slashed: _ } = a;
    id.delete();
    stake.destroy_for_testing();
    unbonding.destroy_for_testing();
}

#[test_only]
public fun share_for_testing(a: NodeAccount) { transfer::share_object(a) }
