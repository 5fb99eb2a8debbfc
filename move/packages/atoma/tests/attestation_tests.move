/// Attestations: real Ed25519 verdicts over the spec's message, every rejection, expiry,
/// revocation, and confidential sampling of attested nodes only.
#[test_only]
module atoma::attestation_tests;

use atoma::attestation;
use atoma::fixtures as f;
use atoma::harness as h;
use atoma::registry;
use std::unit_test::{assert_eq, destroy};

#[test]
fun record_and_expire() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    let a = env.reg_ref().node_attestation(id).destroy_some();
    assert_eq!(a.attestation_tee_kind(), 1);
    assert_eq!(a.attestation_measurement(), f::measurement());
    assert_eq!(a.attestation_report_data_hash(), f::report_data(0));
    assert_eq!(a.attestation_evidence_hash(), f::evidence_hash());
    assert_eq!(a.attestation_verifier(), attestation::verifier_address(f::verifier_pk()));
    assert_eq!(a.attestation_recorded_ms(), 1_000_000);
    assert_eq!(a.attestation_expires_ms(), f::expires_ms());
    assert_eq!(a.attestation_issued_ms(), f::issued_ms());
    assert_eq!(a.attestation_verifier_pk(), f::verifier_pk());
    assert!(!a.attestation_revoked());
    assert!(!env.reg_ref().is_attested(id, f::expires_ms()));
    assert!(env.reg_ref().is_attested(id, f::expires_ms() - 1));
    env.finish();
}

#[test]
fun tee_none_is_recorded_but_not_attested() {
    let mut env = f::env6();
    f::attest(&mut env, 1, 0);
    let id = env.node_id(1);
    assert!(env.reg_ref().node_attestation(id).is_some());
    assert!(!env.reg_ref().is_attested(id, env.now()));
    env.finish();
}

#[test]
fun revoked_is_not_attested() {
    let mut env = f::env6();
    f::attest(&mut env, 2, 1);
    let id = env.node_id(2);
    env.revoke(id);
    assert!(!env.reg_ref().is_attested(id, env.now()));
    assert!(env.reg_ref().node_attestation(id).destroy_some().attestation_revoked());
    env.finish();
}

/// Attack A2 (revocation replay): after `revoke_attestation` the node records the very same
/// signed verdict again. It is refused: it was issued before the revocation.
#[test, expected_failure(abort_code = attestation::EIssuedBeforeRevocation)]
fun revoked_verdict_replay_refused() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    env.revoke(id);
    assert_eq!(env.reg_ref().node_attestation_floor_ms(id), 1_000_000);
    env.set_time(1_500_000);
    f::attest(&mut env, 0, 1); // the old bytes, replayed
    env.finish();
}

/// A verdict the verifier issues after the revocation is accepted and attests the node again.
#[test]
fun fresh_verdict_after_revocation_accepted() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    env.revoke(id);
    env.set_time(f::fresh_issued_ms());
    f::attest_fresh0(&mut env);
    assert!(env.reg_ref().is_attested(id, env.now()));
    let a = env.reg_ref().node_attestation(id).destroy_some();
    assert_eq!(a.attestation_issued_ms(), f::fresh_issued_ms());
    assert!(!a.attestation_revoked());
    env.finish();
}

/// A verdict dated after the clock (which would survive a later revocation) is refused.
#[test, expected_failure(abort_code = attestation::EIssuedInFuture)]
fun verdict_issued_in_future() {
    let mut env = f::env6();
    f::attest_fresh0(&mut env); // issued 2_000_000, clock at 1_000_000
    env.finish();
}

/// Removing the verifier ends the attestations it signed; adding it back restores them.
#[test]
fun removed_verifier_ends_attestation() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    let id = env.node_id(0);
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.remove_verifier(cap, f::verifier_pk());
    assert!(!env.reg_ref().is_attested(id, env.now()));
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.add_verifier(cap, f::verifier_pk());
    assert!(env.reg_ref().is_attested(id, env.now()));
    env.finish();
}

/// Disallowing the measurement ends the attestations that rest on it: a confidential request
/// can no longer sample the node.
#[test]
fun disallowed_measurement_ends_attestation() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.disallow_measurement(cap, 1, f::measurement());
    assert!(!env.reg_ref().is_attested(id, env.now()));
    assert!(!env.reg_ref().is_attested(env.node_id(2), env.now()));
    env.finish();
}

#[test, expected_failure(abort_code = atoma::request::ENotEnoughNodes)]
fun disallowed_measurement_not_sampled() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.disallow_measurement(cap, 1, f::measurement());
    let mut req = env.request(1, 0, h::price(), true);
    env.sample(&mut req, 1);
    destroy(req);
    env.finish();
}

#[test]
fun verdict_message_layout() {
    let msg = attestation::verdict_message(
        object::id_from_address(@0x01),
        1,
        x"aa",
        x"bb",
        x"cc",
        3,
        258,
    );
    let mut expected = b"ATOMA_ATTESTATION_V2";
    expected.append(x"0000000000000000000000000000000000000000000000000000000000000001");
    expected.append(x"01" );
    expected.append(x"01aa01bb01cc");
    expected.append(x"0300000000000000");
    expected.append(x"0201000000000000");
    assert_eq!(msg, expected);
}

#[test, expected_failure(abort_code = attestation::EUnknownVerifier)]
fun unknown_verifier() {
    let mut env = h::new(6);
    f::attest(&mut env, 0, 1);
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EInvalidTeeKind)]
fun invalid_tee_kind() {
    let mut env = f::env6();
    f::attest_with(&mut env, 0, 5, f::report_data(0), f::evidence_hash(), f::sig(0, 1));
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EReportDataMismatch)]
fun report_data_mismatch() {
    let mut env = f::env6();
    f::attest_with(&mut env, 0, 1, f::report_data(1), f::evidence_hash(), f::sig(0, 1));
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EInvalidHash)]
fun evidence_hash_length() {
    let mut env = f::env6();
    f::attest_with(&mut env, 0, 1, f::report_data(0), x"ee", f::sig(0, 1));
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EAttestationExpired)]
fun expired_verdict() {
    let mut env = f::env6();
    env.set_time(f::expires_ms());
    f::attest(&mut env, 0, 1);
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EValidityTooLong)]
fun validity_too_long() {
    let mut env = f::env6();
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.set_param(cap, b"attestation_validity_ms", 60_000);
    f::attest(&mut env, 0, 1);
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EMeasurementNotAllowed)]
fun measurement_not_allowed() {
    let mut env = f::env6();
    env.sc().next_tx(h::admin());
    let (reg, cap) = env.reg_and_admin();
    reg.disallow_measurement(cap, 1, f::measurement());
    f::attest(&mut env, 0, 1);
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EBadVerdictSignature)]
fun bad_signature() {
    let mut env = f::env6();
    // node 1's signature over node 1's message, presented for node 0
    f::attest_with(&mut env, 0, 1, f::report_data(0), f::evidence_hash(), f::sig(1, 1));
    env.finish();
}

#[test, expected_failure(abort_code = attestation::EBadVerdictSignature)]
fun tampered_tee_kind_breaks_signature() {
    let mut env = f::env6();
    f::attest_with(&mut env, 0, 0, f::report_data(0), f::evidence_hash(), f::sig(0, 1));
    env.finish();
}

#[test, expected_failure(abort_code = registry::ENoAttestation)]
fun revoke_without_attestation() {
    let mut env = f::env6();
    let id = env.node_id(0);
    env.revoke(id);
    env.finish();
}

/// Confidential requests sample only attested nodes (0, 2, 4 of 6), over many seeds; a
/// revoked node drops out and the request can no longer find 3 nodes.
#[test]
fun confidential_samples_only_attested() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    f::attest(&mut env, 4, 1);
    f::attest(&mut env, 1, 0); // tee None: never attested
    let attested = vector[env.node_id(0), env.node_id(2), env.node_id(4)];
    let mut seed = 0;
    while (seed < 20) {
        let mut req = env.request(2, 0, h::price(), true);
        env.sample(&mut req, seed);
        req.sampled_nodes(0).do!(|id| assert!(attested.contains(&id)));
        destroy(req);
        seed = seed + 1;
    };
    env.finish();
}

#[test, expected_failure(abort_code = atoma::request::ENotEnoughNodes)]
fun confidential_not_enough_attested() {
    let mut env = f::env6();
    f::attest(&mut env, 0, 1);
    f::attest(&mut env, 2, 1);
    f::attest(&mut env, 4, 1);
    let id = env.node_id(2);
    env.revoke(id);
    let mut req = env.request(3, 0, h::price(), true);
    env.sample(&mut req, 1);
    destroy(req);
    env.finish();
}
