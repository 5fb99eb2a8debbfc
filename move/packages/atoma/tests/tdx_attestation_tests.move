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
        c.collateral_qe_identity(),
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
    assert_eq!(a.attestation_tcb_status(), 0);
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

/// Records `quote` under the test collateral with `policy` allowed; returns its TCB status.
fun attest_under_policy(quote: vector<u8>, policy: vector<u8>): u8 {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, policy, 30 * DAY_MS);
    attest(&mut env, &c, quote);
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    let status = env.reg_ref().node_attestation(id).destroy_some().attestation_tcb_status();
    finish(env, c);
    status
}

// Each quote below the UpToDate level in one place only, accepted under a policy allowing
// OutOfDate, with the status recorded.

#[test]
fun sgx_component_below_the_level_is_out_of_date() {
    assert_eq!(attest_under_policy(x::sgx_out_of_date_quote(), vector[0, 4]), 4);
}

#[test]
fun pcesvn_below_the_level_is_out_of_date() {
    assert_eq!(attest_under_policy(x::pce_out_of_date_quote(), vector[0, 4]), 4);
}

#[test]
fun qe_out_of_date_makes_an_up_to_date_platform_out_of_date() {
    assert_eq!(attest_under_policy(x::qe_out_of_date_quote(), vector[0, 4]), 4);
}

#[test]
fun tdx_component_below_the_level_is_out_of_date() {
    assert_eq!(attest_under_policy(x::out_of_date_quote(), vector[0, 4]), 4);
}

#[test, expected_failure(abort_code = ta::ETcbStatusNotAllowed)]
fun sgx_components_out_of_date_refused_by_default_policy() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::sgx_out_of_date_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ETcbStatusNotAllowed)]
fun pcesvn_out_of_date_refused_by_default_policy() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::pce_out_of_date_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ETcbStatusNotAllowed)]
fun qe_out_of_date_refused_by_default_policy() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::qe_out_of_date_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ETcbRevoked)]
fun qe_revoked() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::qe_revoked_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = tee_verify::tdx_tcb::EFmspcMismatch)]
fun pck_of_another_platform_model() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::other_fmspc_quote());
    finish(env, c);
}

#[test]
fun pck_chain_not_after_caps_the_expiry() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    attest(&mut env, &c, x::short_leaf_quote());
    let id = env.node_id(0);
    let a = env.reg_ref().node_attestation(id).destroy_some();
    // now + 1 day and the collateral's nextUpdate + grace are both later than the leaf's notAfter.
    assert!(test_time() + env.reg_ref().params().attestation_validity_ms() > x::short_leaf_not_after_ms() + 1);
    assert_eq!(a.attestation_expires_ms(), x::short_leaf_not_after_ms() + 1);
    assert!(env.reg_ref().is_attested(id, x::short_leaf_not_after_ms()));
    assert!(!env.reg_ref().is_attested(id, x::short_leaf_not_after_ms() + 1));
    finish(env, c);
}

#[test]
fun tightening_the_policy_ends_attestations_that_no_longer_qualify() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, vector[0, 4], 30 * DAY_MS);
    attest(&mut env, &c, x::out_of_date_quote());
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    assert!(env.reg_ref().may_serve(id, 1_000_000_000, true, env.now()));
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, vector[0], 30 * DAY_MS);
    assert!(!env.reg_ref().is_attested(id, env.now()));
    assert!(!env.reg_ref().may_serve(id, 1_000_000_000, true, env.now()));
    // Loosening it again brings the record back (it was never revoked).
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.set_tdx_policy(admin, vector[0, 4], 30 * DAY_MS);
    assert!(env.reg_ref().is_attested(id, env.now()));
    finish(env, c);
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
    let c = ta::new_collateral_for_testing(x::test_root_key(), x::test_tcb_info(), vector[], 0, x::genuine_time_ms(), env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = tee_verify::tdx::ECertificateExpired)]
fun expired_certificate() {
    let now = x::genuine_leaf_not_after_ms() + 1;
    let mut env = setup(x::intel_root_key(), x::genuine_mrtd(), now);
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), vector[], 0, now, env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EMeasurementNotAllowed)]
fun measurement_not_allow_listed() {
    let mut env = setup(x::intel_root_key(), vector[], x::genuine_time_ms());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), vector[], 0, x::genuine_time_ms(), env.sc().ctx());
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
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), vector[], 0, x::genuine_time_ms(), env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ECollateralRootNotPinned)]
fun collateral_under_old_root() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), vector[], 0, test_time(), env.sc().ctx());
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
    let c = ta::new_collateral_for_testing(x::test_root_key(), x::test_tcb_info(), vector[], 0, 0, env.sc().ctx());
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

// === CRLs ===

fun record_crl(env: &mut h::Env, crl: vector<u8>, ca: vector<u8>) {
    env.sc().next_tx(h::operator(2));
    let (reg, _, clock) = env.reg_cap_clock(0);
    ta::record_tdx_crl(reg, crl, ca, clock);
}

#[test]
fun genuine_crls_recorded_and_genuine_pck_not_revoked() {
    // Intel's root CA CRL and PCK Platform CA CRL, signatures checked in Move; the genuine
    // quote's PCK leaf is not on it, so it still reaches (and fails) the binding check.
    let mut env = setup(x::intel_root_key(), x::genuine_mrtd(), x::genuine_crl_time_ms());
    record_crl(&mut env, x::genuine_root_crl(), x::genuine_root_der());
    record_crl(&mut env, x::genuine_pck_crl(), x::genuine_pck_ca_der());
    let ca = tee_verify::x509::parse(&x::genuine_pck_ca_der());
    let rec = ta::recorded_crl(env.reg_ref(), *ca.subject()).destroy_some();
    assert_eq!(rec.crl_view_revoked().length(), 44);
    assert_eq!(rec.crl_view_this_update_ms(), 1686209272000);
    let root = tee_verify::x509::parse(&x::genuine_root_der());
    assert_eq!(ta::recorded_crl(env.reg_ref(), *root.subject()).destroy_some().crl_view_revoked().length(), 0);
    env.finish();
}

#[test, expected_failure(abort_code = ta::EBindingMismatch)]
fun genuine_quote_passes_the_crl_check_up_to_the_binding() {
    let now = x::genuine_crl_time_ms();
    let mut env = setup(x::intel_root_key(), x::genuine_mrtd(), now);
    record_crl(&mut env, x::genuine_root_crl(), x::genuine_root_der());
    record_crl(&mut env, x::genuine_pck_crl(), x::genuine_pck_ca_der());
    let c = ta::new_collateral_for_testing(x::intel_root_key(), x::test_tcb_info(), vector[], 0, now, env.sc().ctx());
    attest(&mut env, &c, x::genuine_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::EPckRevoked)]
fun revoked_pck_leaf_refused() {
    // The attack: a platform whose PCK key Intel revoked keeps quoting with it.
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    record_crl(&mut env, x::test_pck_crl_revoking_leaf(), x::test_pck_ca_der());
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ECaRevoked)]
fun revoked_pck_ca_refused() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    record_crl(&mut env, x::test_root_crl_revoking_ca(), x::test_root_der());
    attest(&mut env, &c, x::test_quote());
    finish(env, c);
}

#[test]
fun empty_crls_let_the_quote_through() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    record_crl(&mut env, x::test_pck_crl(), x::test_pck_ca_der());
    record_crl(&mut env, x::test_root_crl(), x::test_root_der());
    attest(&mut env, &c, x::test_quote());
    assert!(env.reg_ref().is_attested(env.node_id(0), env.now()));
    finish(env, c);
}

#[test, expected_failure(abort_code = ta::ECrlNotNewer)]
fun older_crl_cannot_replace_a_newer_one() {
    // Rolling back to a CRL issued before the revocation would un-revoke the leaf.
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    record_crl(&mut env, x::test_pck_crl_revoking_leaf(), x::test_pck_ca_der());
    record_crl(&mut env, x::test_older_pck_crl(), x::test_pck_ca_der());
    env.finish();
}

#[test, expected_failure(abort_code = ta::ECrlSignature)]
fun crl_signed_by_another_key_refused() {
    // Intel's genuine PCK CRL with its genuine CA, under the test root: that CA is not signed by
    // the pinned root, so its CRL cannot be recorded.
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    record_crl(&mut env, x::genuine_pck_crl(), x::genuine_pck_ca_der());
    env.finish();
}

#[test, expected_failure(abort_code = ta::ECrlSignature)]
fun flipped_bit_in_a_crl_refused() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let mut crl = x::test_pck_crl_revoking_leaf();
    let at = x::revoked_leaf_serial_at(); // serial 3 -> 2: still well-formed, no longer signed
    *&mut crl[at] = crl[at] ^ 0x01;
    record_crl(&mut env, crl, x::test_pck_ca_der());
    env.finish();
}

#[test, expected_failure(abort_code = ta::ECrlIssuerMismatch)]
fun crl_of_another_ca_refused() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    record_crl(&mut env, x::test_root_crl(), x::test_pck_ca_der());
    env.finish();
}

#[test, expected_failure(abort_code = ta::EStaleCrl)]
fun stale_crl_refused() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    // The test CRLs' nextUpdate is 2024-07-01, as the collateral's: one ms past it + 30 days.
    env.set_time(x::test_next_update_ms() + 30 * DAY_MS + 1);
    record_crl(&mut env, x::test_pck_crl(), x::test_pck_ca_der());
    env.finish();
}

#[test, expected_failure(abort_code = ta::EStaleCrl)]
fun stale_recorded_crl_blocks_quotes_of_its_ca() {
    let mut env = setup(x::test_root_key(), x::test_mrtd(), test_time());
    let c = record_collateral(&mut env);
    record_crl(&mut env, x::test_pck_crl(), x::test_pck_ca_der());
    // The collateral stays usable at its own grace edge; this CRL's edge is the same, so move
    // the collateral window instead: a collateral valid far later, the CRL now stale.
    let later = ta::new_collateral_for_testing(
        c.collateral_root_key(),
        c.collateral_tcb_info(),
        c.collateral_qe_identity(),
        0,
        x::test_next_update_ms() + 60 * DAY_MS,
        env.sc().ctx(),
    );
    env.set_time(x::test_next_update_ms() + 30 * DAY_MS + 1);
    attest(&mut env, &later, x::test_quote());
    ta::destroy_collateral_for_testing(later);
    finish(env, c);
}
