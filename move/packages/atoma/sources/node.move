/// Execution nodes: `NodeCap`, registration, staking, unbonding, price, capabilities, jailing.
/// The node records are `node_record::Node`, stored in the registry; each node's stake,
/// reputation and counters are in its own shared `node_account::NodeAccount`, whose object id
/// is the node id.
module atoma::node;

use atoma::constants;
use atoma::node_account::{Self, NodeAccount};
use atoma::registry::Registry;
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::sui::SUI;

#[error(code = 1)]
const EStakeTooLow: vector<u8> = b"stake is below min_stake";
#[error(code = 2)]
const EInvalidKey: vector<u8> = b"sig_pk and enc_pk must be 32 bytes";
#[error(code = 3)]
const EInvalidCapability: vector<u8> = b"1..=16 capabilities of 1..=64 bytes, no duplicates";
#[error(code = 4)]
const ENodeLeaving: vector<u8> = b"node is leaving";
#[error(code = 5)]
const ENotLeaving: vector<u8> = b"node has not requested unstake";
#[error(code = 6)]
const EStillUnbonding: vector<u8> = b"unbonding period has not ended";
#[error(code = 7)]
const EZeroAmount: vector<u8> = b"amount must be positive";
#[error(code = 8)]
const ENotJailable: vector<u8> = b"node is not Active with stake below min_stake";
#[error(code = 9)]
const EPriceTooHigh: vector<u8> = b"price exceeds the registry's max_node_price";

#[error(code = 10)]
const EInvalidPqKeyHash: vector<u8> = b"mlkem_pk_hash must be 32 bytes";
#[error(code = 11)]
const EWrongAccount: vector<u8> = b"the NodeAccount is not the account of this NodeCap's node";

public struct NodeCap has key, store {
    id: UID,
    node_id: ID,
}

public fun node_id(cap: &NodeCap): ID { cap.node_id }

fun check_capabilities(caps: &vector<vector<u8>>) {
    let n = caps.length();
    assert!(n >= 1 && n <= constants::max_capabilities(), EInvalidCapability);
    let mut i = 0;
    while (i < n) {
        let c = &caps[i];
        assert!(c.length() >= 1 && c.length() <= constants::max_capability_bytes(), EInvalidCapability);
        let mut j = i + 1;
        while (j < n) {
            assert!(&caps[j] != c, EInvalidCapability);
            j = j + 1;
        };
        i = i + 1;
    };
}

/// Registers a node with `stake >= min_stake`. Creates and shares the node's `NodeAccount`
/// (holding the stake); the node id is the account's object id (the returned cap's `node_id`,
/// not the cap's own id).
public fun register_node(
    registry: &mut Registry,
    stake: Coin<SUI>,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
    ctx: &mut TxContext,
): NodeCap {
    registry.assert_live();
    assert!(stake.value() >= registry.params().min_stake(), EStakeTooLow);
    assert!(sig_pk.length() == constants::key_bytes() && enc_pk.length() == constants::key_bytes(), EInvalidKey);
    check_capabilities(&capabilities);
    assert!(price <= registry.params().max_node_price(), EPriceTooHigh);
    let amount = stake.value();
    let account = node_account::new(ctx.sender(), stake.into_balance(), ctx);
    let node_id = account.node_id();
    atoma::events::node_registered(node_id, ctx.sender(), amount, sig_pk, enc_pk, capabilities, price);
    registry.add_node(&account, sig_pk, enc_pk, capabilities, price);
    account.share();
    NodeCap { id: object::new(ctx), node_id }
}

fun assert_own(cap: &NodeCap, account: &NodeAccount) {
    assert!(account.node_id() == cap.node_id, EWrongAccount);
}

public fun add_stake(registry: &mut Registry, account: &mut NodeAccount, cap: &NodeCap, coin: Coin<SUI>) {
    registry.assert_live();
    assert_own(cap, account);
    assert!(coin.value() > 0, EZeroAmount);
    assert!(registry.node_status(cap.node_id) != constants::node_status_leaving(), ENodeLeaving);
    registry.deposit_stake(account, coin.into_balance());
}

/// All stake moves to unbonding; the node leaves sampling now; funds after `unbonding_ms`.
/// Not blocked by the pause switch (issue 13 A7): pausing never freezes a node's stake.
public fun request_unstake(registry: &mut Registry, account: &mut NodeAccount, cap: &NodeCap, clock: &Clock) {
    registry.assert_version();
    assert_own(cap, account);
    assert!(registry.node_status(cap.node_id) != constants::node_status_leaving(), ENodeLeaving);
    registry.begin_unstake(account, clock.timestamp_ms());
}

/// Not blocked by the pause switch (issue 13 A7). Reads the Registry only (the node's status).
public fun withdraw_stake(
    registry: &Registry,
    account: &mut NodeAccount,
    cap: &NodeCap,
    clock: &Clock,
    ctx: &mut TxContext,
): Coin<SUI> {
    registry.assert_version();
    assert_own(cap, account);
    assert!(registry.node_status(cap.node_id) == constants::node_status_leaving(), ENotLeaving);
    assert!(clock.timestamp_ms() >= account.unbonding_until_ms(), EStillUnbonding);
    coin::from_balance(account.take_unbonded(), ctx)
}

/// Price bounded by `max_node_price`, as at registration (issue 13 A6).
public fun set_price(registry: &mut Registry, cap: &NodeCap, price: u64) {
    registry.assert_live();
    assert!(price <= registry.params().max_node_price(), EPriceTooHigh);
    registry.set_price_internal(cap.node_id, price);
}

public fun set_capabilities(registry: &mut Registry, cap: &NodeCap, capabilities: vector<vector<u8>>) {
    registry.assert_live();
    check_capabilities(&capabilities);
    registry.set_capabilities_internal(cap.node_id, capabilities);
}

/// Publishes the hash of the node's ML-KEM-768 public key,
/// `blake2b256("atoma/mlkem768-pk/v1" ‖ pk)` (the value its attestation's report data binds):
/// the SDK refuses to seal post-quantum to a node whose recorded hash is missing or differs.
public fun set_pq_key(registry: &mut Registry, cap: &NodeCap, mlkem_pk_hash: vector<u8>) {
    registry.assert_live();
    assert!(mlkem_pk_hash.length() == 32, EInvalidPqKeyHash);
    registry.set_mlkem_pk_hash_internal(cap.node_id, mlkem_pk_hash);
}

/// Anyone: jails an Active node whose stake is below `min_stake` (e.g. after `min_stake` rose,
/// or after a settlement slashed it; `registry::refresh_node` does the same and never aborts).
public fun jail(registry: &mut Registry, account: &NodeAccount) {
    registry.assert_version();
    registry.node_status(account.node_id()); // registry::EUnknownNode when unknown
    assert!(registry.jail_if_low(account), ENotJailable);
}

#[test_only]
public fun destroy_cap_for_testing(cap: NodeCap) {
    let NodeCap { id, node_id: _ } = cap;
    id.delete();
}
