/// On-chain TDX attestations: test-root evidence bound to node 0's keys becomes an attestation
/// (path 1, no verifier) through Move verification alone; the genuine Intel quote passes every
/// check up to the binding; each rejection aborts with its own constant.
#[test_only]
module atoma::tdx_attestation_tests;

use atoma::harness as h;
use atoma::registry;
use atoma::tdx_attestation::{Self as ta, TdxCollateral};
use atoma::tdx_evidence as x;
use std::unit_test::assert_eq;
use sui::test_scenario as ts;

const DAY_MS: u64 = 24 * 3600 * 1000;

/// Mid-window of the test collateral (2024-06-15).
fun test_time(): u64 { x::test_issue_date_ms() + 14 * DAY_MS }

/// Pins `root`, allow-lists `mrtd` for TDX, sets the clock.
fun setup(root: vector<u8>, mrtd: vector<u8>, now: u64): h::Env {
    let mut env = h::new(3);
    env.set_time(now);
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_root(admin, root);
    if (mrtd.length() > 0) reg.allow_measurement(admin, 1, mrtd);
    env
}

/// Records the test collateral through the real entry point (signatures checked, in a scenario
/// of its own) and returns an owned copy of the shared object for the test to pass around.
fun record_collateral(env: &mut h::Env): TdxCollateral {
    let mut sc = ts::begin(h::operator(2));
    let mut clock = sui::clock::create_for_testing(sc.ctx());
    clock.set_for_testing(env.now());
    let id = ta::record_tdx_collateral(
        env.reg_ref(),
        x::test_tcb_info(),
        x::test_qe_identity(),
        x::test_signer_der(),
        &clock,
        sc.ctx(),
    );
    sc.next_tx(h::operator(2));
    let c = sc.take_shared_by_id<TdxCollateral>(id);
    let owned = ta::new_collateral_for_testing(
        c.collateral_root_key(),
        c.collateral_tcb_info(),
        c.collateral_issue_date_ms(),
        c.collateral_next_update_ms(),
        sc.ctx(),
    );
    ts::return_shared(c);
    clock.destroy_for_testing();
    sc.end();
    owned
}

fun attest(env: &mut h::Env, c: &TdxCollateral, quote: vector<u8>) {
    env.sc().next_tx(h::operator(0));
    let (reg, cap, clock) = env.reg_cap_clock(0);
    ta::record_tdx_attestation(reg, cap, c, quote, clock);
}

fun finish(env: h::Env, c: TdxCollateral) {
    ta::destroy_collateral_for_testing(c);
    env.finish();
}

#[test]
fun test_root_evidence_attests_without_verifier() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    assert_eq!(c.collateral_root_key(), x::test_root_key());
    assert_eq!(c.collateral_issue_date_ms(), x::test_issue_date_ms());
    assert_eq!(c.collateral_next_update_ms(), x::test_next_update_ms());
    attest(&mut env, &c, x::test_quote());
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    let a = env.reg_ref().node_attestation(id).destroy_some();
    assert_eq!(a.attestation_path(), atoma::constants::attestation_path_tdx_on_chain());
    assert_eq!(a.attestation_tee_kind(), 1);
    assert_eq!(a.attestation_measurement(), x::test_mrtd());
    assert_eq!(a.attestation_report_data_hash(), x::test_report_data_hash());
    assert_eq!(a.attestation_evidence_hash(), sui::hash::blake2b256(&x::test_quote()));
    assert_eq!(a.attestation_verifier(), @0x0);
    assert_eq!(a.attestation_verifier_pk(), x::test_root_key());
    assert_eq!(a.attestation_recorded_ms(), test_time());
    // Default grace 30 days past nextUpdate, before now + attestation_validity_ms? The earlier wins.
    let validity = env.reg_ref().params().attestation_validity_ms();
    let stale_at = x::test_next_update_ms() + 30 * DAY_MS + 1;
    let want = if (test_time() + validity < stale_at) test_time() + validity else stale_at;
    assert_eq!(a.attestation_expires_ms(), want);
    // Re-pinning another root ends attestations resting on the old one.
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_root(admin, x::intel_root_key());
    assert!(!env.reg_ref().is_attested(id, env.now()));
    finish(env, c);
}

fun svn(a: u8, b: u8, c: u8): vector<u8> {
    let mut v = vector[a, b, c];
    while (v.length() < 16) v.push_back(0);
    v
}

#[test]
fun tcb_status_derivation() {
    let (info, _) = tee_verify::tdx_collateral::split_response(&x::test_tcb_info(), b"tcbInfo");
    assert_eq!(ta::tcb_status(&info, &svn(3, 0, 5)), 0); // UpToDate
    assert_eq!(ta::tcb_status(&info, &svn(9, 9, 9)), 0);
    assert_eq!(ta::tcb_status(&info, &svn(3, 0, 4)), 4); // OutOfDate
    assert_eq!(ta::tcb_status(&info, &svn(1, 0, 0)), 6); // Revoked
}

#[test, expected_failure(abort_code = ta::ENoTcbLevel)]
fun no_tcb_level() {
    let mut v = vector[];
    while (v.length() < 16) v.push_back(0);
    let (info, _) = tee_verify::tdx_collateral::split_response(&x::test_tcb_info(), b"tcbInfo");
    ta::tcb_status(&info, &v);
}

#[test, expected_failure(abort_code = ta::EBadTcbInfo)]
fun bad_tcb_info() {
    let mut v = vector[];
    while (v.length() < 16) v.push_back(9);
    ta::tcb_status(&b"{\"tcbLevels\":[{\"tcb\":{\"tdxtcbcomponents\":[{\"svn\":1}]}}]}", &v);
}

#[test]
fun out_of_date_allowed_by_policy() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, vector[0, 4], 30 * DAY_MS);
    attest(&mut env, &c, x::out_of_date_quote());
    assert!(env.reg_ref().is_attested(env.node_id(0), env.now()));
    finish(env, c);
}

// === Rejections ===

#[test, expected_failure(abort_code = ta::ETcbStatusNotAllowed)]
fun out_of_date_refused_by_default_policy() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::out_of_date_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ETcbRevoked)]
fun revoked_tcb() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::revoked_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = tee_verify::tdx::EUntrustedRoot)]
fun wrong_root() {
    // The genuine quote chains to Intel's root; the registry pins the test root.
    let mut env = setup(x::test_root_key(), x::genuine_mrtd(), x::genuine_time_ms());
    let c = ta::new_collateral_for_testing(x::test_root_key(), x::test_tcb_info(), 0, x::genuine_time_ms(), env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = tee_verify::tdx::ECertificateExpired)]
fun expired_certificate() {
    let now = x::genuine_leaf_not_after_ms() + 1;
    let mut env = setup(x::intel_root_key(), x::genuine_mrtd(), now);
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), 0, now, env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EMeasurementNotAllowed)]
fun measurement_not_allow_listed() {
    let mut env = setup(x::intel_root_key(), vector[], x::genuine_time_ms());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), 0, x::genuine_time_ms(), env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = tee_verify::tdx::EDebugTd)]
fun debug_td() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::debug_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EStaleCollateral)]
fun stale_collateral() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    // One millisecond past nextUpdate + the default 30-day grace.
    env.set_time(x::test_next_update_ms() + 30 * DAY_MS + 1);
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test]
fun collateral_inside_grace_still_verifies() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    env.set_time(x::test_next_update_ms() + 30 * DAY_MS);
    attest(&mut env, &c, x::test_quote());
    assert!(env.reg_ref().is_attested(env.node_id(0), env.now()));
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EBindingMismatch)]
fun genuine_quote_binding_mismatch() {
    // Genuine Intel evidence passes every check up to the binding: its report data is someone else's.
    let mut env = setup(x::intel_root_key(), x::genuine_mrtd(), x::genuine_time_ms());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), 0, x::genuine_time_ms(), env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ECollateralRootNotPinned)]
fun collateral_under_old_root() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), 0, test_time(), env.sc().ctx());
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EIssuedBeforeRevocation)]
fun attest_at_revocation_time() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::test_quote());
    let id = env.node_id(0);
    env.revoke(id);
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ENotTdxTcbInfo)]
fun sgx_tcb_info_refused() {
    let env = setup(x::test_root_key(), vector[], test_time());
    let mut sc = ts::begin(h::operator(2));
    let mut clock = sui::clock::create_for_testing(sc.ctx());
    clock.set_for_testing(env.now());
    ta::record_tdx_collateral(
        env.reg_ref(),
        x::test_sgx_tcb_info(),
        x::test_qe_identity(),
        x::test_signer_der(),
        &clock,
        sc.ctx(),
    );
    abort 0
}

#[test, expected_failure(abort_code = registry::ENoTdxRoot)]
fun no_root_pinned() {
    let mut env = h::new(1);
    let c = ta::new_collateral_for_testing(x::test_root_key(), x::test_tcb_info(), 0, 0, env.sc().ctx());
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = registry::EInvalidTdxRoot)]
fun invalid_root_key() {
    let mut env = h::new(1);
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_root(admin, x"04aabb");
    env.finish();
}

#[test, expected_failure(abort_code = registry::EInvalidTcbPolicy)]
fun revoked_never_allowed() {
    let mut env = setup(x::test_root_key(), vector[], test_time());
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, vector[0, 6], DAY_MS);
    env.finish();
}
