/// The registry's admin calls and its own abort paths: migration, verifier and measurement
/// allow-lists, treasury withdrawal, revocation of an unknown node. (The version and pause guards
/// of every entry point are in `guard_tests`; parameter bounds in `config_tests`.)
#[test_only]
module atoma::registry_tests;

use atoma::harness as h;
use atoma::registry;
use std::unit_test::{assert_eq, destroy};

#[test]
fun migrate_from_older_version() {
    let mut env = h::new(0);
    env.reg().set_version_for_testing(0);
    let (reg, cap) = env.reg_and_admin();
    reg.migrate(cap);
    assert_eq!(env.reg_ref().version(), 1);
    env.finish();
}

#[test, expected_failure(abort_code = registry::ENotUpgrade)]
fun migrate_same_version() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.migrate(cap);
    env.finish();
}

#[test, expected_failure(abort_code = registry::EVerifierExists)]
fun verifier_twice() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.add_verifier(cap, h::key(0, 9));
    reg.add_verifier(cap, h::key(0, 9));
    env.finish();
}

#[test, expected_failure(abort_code = registry::EInvalidKey)]
fun verifier_bad_key() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.add_verifier(cap, x"0102");
    env.finish();
}

#[test, expected_failure(abort_code = registry::EUnknownVerifier)]
fun remove_unknown_verifier() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.add_verifier(cap, h::key(0, 9));
    reg.remove_verifier(cap, h::key(0, 9));
    assert_eq!(*reg.verifiers(), vector[]);
    reg.remove_verifier(cap, h::key(0, 9));
    env.finish();
}

#[test, expected_failure(abort_code = registry::EInvalidTeeKind)]
fun measurement_for_tee_none() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.allow_measurement(cap, 0, x"01");
    env.finish();
}

#[test, expected_failure(abort_code = registry::EInvalidMeasurement)]
fun empty_measurement() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.allow_measurement(cap, 1, x"");
    env.finish();
}

#[test, expected_failure(abort_code = registry::EUnknownMeasurement)]
fun disallow_unknown_measurement() {
    let mut env = h::new(0);
    let (reg, cap) = env.reg_and_admin();
    reg.allow_measurement(cap, 1, x"01");
    assert!(reg.is_measurement_allowed(1, &x"01"));
    reg.disallow_measurement(cap, 1, x"01");
    assert!(!reg.is_measurement_allowed(1, &x"01"));
    reg.disallow_measurement(cap, 1, x"01");
    env.finish();
}

#[test, expected_failure(abort_code = registry::EInsufficientTreasury)]
fun treasury_overdraw() {
    let mut env = h::new(0);
    env.sc().next_tx(h::admin());
    let c = {
        let (reg, cap) = env.reg_and_admin();
        let dummy = &mut tx_context::dummy();
        reg.withdraw_treasury(cap, 1, dummy)
    };
    destroy(c);
    env.finish();
}

#[test, expected_failure(abort_code = registry::EUnknownNode)]
fun revoke_unknown_node() {
    let mut env = h::new(0);
    env.revoke(object::id_from_address(@0x5));
    env.finish();
}
