/// `node_record` on its own, without a registry: a new record, stake and unbonding, slashing
/// (stake first, then unbonding; reputation floor 0; jailing when low), reactivation, rewards,
/// the attestation record and its revocation, and the bytes of the events each change emits.
#[test_only]
module atoma::node_record_tests;

use atoma::constants;
use atoma::events;
use atoma::node_account;
use atoma::node_record::{Self, Node};
use std::bcs;
use std::unit_test::{assert_eq, destroy};
use sui::event;

const NODE: address = @0xA1;

fun record(weight: u64): Node {
    node_record::new(object::id_from_address(NODE), @0xB0, x"01", x"02", vector[b"cap"], 7, weight)
}

/// bcs(StakeChanged { node_id, old, new, reason }).
fun stake_changed_bytes(node: ID, old: u64, new: u64, reason: u8): vector<u8> {
    let mut b = bcs::to_bytes(&node);
    b.append(bcs::to_bytes(&old));
    b.append(bcs::to_bytes(&new));
    b.append(bcs::to_bytes(&reason));
    b
}

#[test]
fun new_record_reads_back() {
    let n = record(100);
    assert_eq!(n.node_id(), object::id_from_address(NODE));
    assert_eq!(n.operator(), @0xB0);
    assert_eq!(n.sig_pk(), x"01");
    assert_eq!(n.enc_pk(), x"02");
    assert_eq!(*n.capabilities(), vector[b"cap"]);
    assert_eq!(n.price(), 7);
    assert_eq!(n.status(), constants::node_status_active());
    assert!(n.is_active() && !n.is_leaving());
    assert!(!n.has_attestation() && !n.has_live_attestation());
    assert_eq!(n.attestation_floor_ms(), 0);
    assert_eq!(n.weight(), 100);
    destroy(n);
}

#[test]
fun account_reads_back_and_weight_is_stake_capped() {
    let mut ctx = tx_context::dummy();
    let a = node_account::new_for_testing(@0xB0, 100, &mut ctx);
    assert_eq!(a.operator(), @0xB0);
    assert_eq!(a.stake(), 100);
    assert_eq!(a.unbonding(), 0);
    assert_eq!(a.unbonding_until_ms(), 0);
    assert_eq!(a.reputation(), constants::initial_reputation());
    assert_eq!(a.served(), 0);
    assert_eq!(a.slashed(), 0);
    assert_eq!(a.weight(1_000), 100);
    assert_eq!(a.weight(100), 100);
    assert_eq!(a.weight(40), 40);
    a.destroy_for_testing();
}

/// 10% of 100 comes from stake (StakeChanged reason Slashed, then NodeSlashed), reputation
/// -10; the account never jails (the registry does, at `refresh_node`). After unstaking, 50% of
/// the 90 unbonding comes from unbonding (no StakeChanged: no stake taken), reputation floors
/// at 0.
#[test]
fun slash_takes_stake_then_unbonding() {
    let mut ctx = tx_context::dummy();
    let request = object::id_from_address(@0xEE);
    let mut a = node_account::new_for_testing(@0xB0, 100, &mut ctx);
    let id = a.node_id();
    let b = a.slash(request, 1_000, constants::slash_reason_dissent(), 10);
    assert_eq!(b.value(), 10);
    assert_eq!(a.stake(), 90);
    assert_eq!(a.slashed(), 10);
    assert_eq!(a.reputation(), constants::initial_reputation() - 10);
    let changes = event::events_by_type<events::StakeChanged>();
    assert_eq!(changes.length(), 1);
    assert_eq!(bcs::to_bytes(&changes[0]), stake_changed_bytes(id, 100, 90, constants::stake_change_slashed()));
    assert_eq!(event::events_by_type<events::NodeSlashed>().length(), 1);
    assert_eq!(event::events_by_type<events::NodeStatusChanged>().length(), 0);

    a.begin_unstake(1_000, 500);
    assert_eq!(a.stake(), 0);
    assert_eq!(a.unbonding(), 90);
    assert_eq!(a.unbonding_until_ms(), 1_500);
    let b2 = a.slash(request, 5_000, constants::slash_reason_absent(), 5_000);
    assert_eq!(b2.value(), 45);
    assert_eq!(a.unbonding(), 45);
    assert_eq!(a.slashed(), 55);
    assert_eq!(a.reputation(), 0);
    // StakeChanged: the slash, the unstake; none for the unbonding-only slash.
    assert_eq!(event::events_by_type<events::StakeChanged>().length(), 2);
    let out = a.take_unbonded();
    assert_eq!(out.value(), 45);
    assert_eq!(a.unbonding(), 0);
    let changes = event::events_by_type<events::StakeChanged>();
    assert_eq!(bcs::to_bytes(&changes[2]), stake_changed_bytes(id, 45, 0, constants::stake_change_withdrawn()));
    destroy(b);
    destroy(b2);
    destroy(out);
    a.destroy_for_testing();
}

/// The record's status follows the account's stake it is given: `jail_if_low` only jails an
/// Active node below min_stake; `activate_if_funded` makes a Jailed node at min_stake Active.
#[test]
fun jail_and_reactivate_by_stake() {
    let mut n = record(100);
    assert!(!n.jail_if_low(100, 100, 0));
    assert!(n.jail_if_low(100, 102, 0));
    assert_eq!(n.status(), constants::node_status_jailed());
    assert!(!n.jail_if_low(100, 102, 0));
    n.activate_if_funded(101, 102, 0);
    assert_eq!(n.status(), constants::node_status_jailed());
    n.activate_if_funded(102, 102, 0);
    assert!(n.is_active());
    assert_eq!(event::events_by_type<events::NodeStatusChanged>().length(), 2);
    n.set_leaving(9);
    assert!(n.is_leaving());
    n.set_weight(3);
    assert_eq!(n.weight(), 3);
    destroy(n);
}

#[test]
fun reward_counts_served_and_reputation() {
    let mut ctx = tx_context::dummy();
    let mut a = node_account::new_for_testing(@0xB0, 1, &mut ctx);
    a.reward();
    a.reward();
    assert_eq!(a.served(), 2);
    assert_eq!(a.reputation(), constants::initial_reputation() + 2);
    a.destroy_for_testing();
}

#[test]
fun price_and_capabilities_change() {
    let mut n = record(1);
    n.set_price(9);
    assert_eq!(n.price(), 9);
    let old = n.swap_capabilities(vector[b"a", b"b"]);
    assert_eq!(old, vector[b"cap"]);
    assert_eq!(*n.capabilities(), vector[b"a", b"b"]);
    assert_eq!(event::events_by_type<events::NodeUpdated>().length(), 1);
    n.emit_updated();
    assert_eq!(event::events_by_type<events::NodeUpdated>().length(), 2);
    destroy(n);
}

/// An attestation reads back field by field; a revoked one is no longer live and sets the
/// floor; one without a TEE (tee_kind None) is never live.
#[test]
fun attestation_set_read_and_revoke() {
    let mut n = record(1);
    let a = node_record::new_attestation(
        constants::tee_kind_tdx(),
        b"m",
        x"aa",
        x"bb",
        @0xC,
        10,
        20,
        5,
        x"cc",
        constants::attestation_path_verdict(),
    );
    n.set_attestation(a);
    assert!(n.has_live_attestation());
    let got = *n.attestation().borrow();
    assert_eq!(got.attestation_tee_kind(), constants::tee_kind_tdx());
    assert_eq!(got.attestation_measurement(), b"m");
    assert_eq!(got.attestation_report_data_hash(), x"aa");
    assert_eq!(got.attestation_evidence_hash(), x"bb");
    assert_eq!(got.attestation_verifier(), @0xC);
    assert_eq!(got.attestation_recorded_ms(), 10);
    assert_eq!(got.attestation_expires_ms(), 20);
    assert_eq!(got.attestation_issued_ms(), 5);
    assert_eq!(got.attestation_verifier_pk(), x"cc");
    assert_eq!(got.attestation_path(), constants::attestation_path_verdict());
    assert!(!got.attestation_revoked());
    n.revoke_attestation(30);
    assert!(n.has_attestation() && !n.has_live_attestation());
    assert!(n.attestation().borrow().attestation_revoked());
    assert_eq!(n.attestation_floor_ms(), 30);
    let none = node_record::new_attestation(constants::tee_kind_none(), b"", x"", x"", @0xC, 0, 1, 0, x"", 0);
    n.set_attestation(none);
    assert!(n.has_attestation() && !n.has_live_attestation());
    destroy(n);
}
