/// On-chain Nitro attestations: the checks `record_nitro_attestation` makes after Sui's native
/// verified the document (the native itself, and the whole PTB with genuine and test-root
/// documents, are tested on the devnet: devnet/test/atoma/nitro.test.ts). Each rejection aborts
/// with its own constant.
#[test_only]
module atoma::nitro_enclave_tests;

use atoma::harness as h;
use atoma::nitro_enclave as na;
use atoma::registry;
use std::unit_test::assert_eq;

const NOW: u64 = 1_725_719_859_545;

fun pcr(b: u8): vector<u8> {
    let mut v = vector[];
    while (v.length() < 48) v.push_back(b);
    v
}

fun pcrs(): vector<vector<u8>> { vector[pcr(1), pcr(2), pcr(3)] }

fun m(): vector<u8> { na::measurement(&pcr(1), &pcr(2), &pcr(3)) }

/// user_data as the off-chain rule asks: blake2b256(sig_pk || enc_pk) of node 0, then 32 bytes
/// (the ML-KEM half, unchecked here).
fun bound_user_data(): vector<u8> {
    let mut k = h::key(0, 0x51);
    k.append(h::key(0, 0xE1));
    let mut u = sui::hash::blake2b256(&k);
    u.append(x"0000000000000000000000000000000000000000000000000000000000000000");
    u
}

fun setup(measurement: vector<u8>): h::Env {
    let mut env = h::new(3);
    env.set_time(NOW);
    if (measurement.length() > 0) {
        env.sc().next_tx(h::admin());
        let (reg, admin) = env.reg_and_admin();
        reg.allow_measurement(admin, 4, measurement);
    };
    env
}

fun record(env: &mut h::Env, pcrs: vector<vector<u8>>, user_data: Option<vector<u8>>, timestamp: u64) {
    env.sc().next_tx(h::operator(0));
    let (reg, cap, clock) = env.reg_cap_clock(0);
    na::record_for_testing(reg, cap, pcrs, user_data, timestamp, clock);
}

#[test]
fun bound_document_attests_on_path_2() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW - 1_000);
    let id = env.node_id(0);
    assert!(env.reg_ref().is_attested(id, env.now()));
    let a = env.reg_ref().node_attestation(id).destroy_some();
    assert_eq!(a.attestation_path(), atoma::constants::attestation_path_nitro_on_chain());
    assert_eq!(a.attestation_path(), 2);
    assert_eq!(a.attestation_tee_kind(), 4);
    assert_eq!(a.attestation_measurement(), m());
    assert_eq!(a.attestation_issued_ms(), NOW - 1_000);
    assert_eq!(a.attestation_recorded_ms(), NOW);
    assert_eq!(a.attestation_verifier(), @0x0);
    assert_eq!(a.attestation_expires_ms(), NOW + env.reg_ref().params().attestation_validity_ms());
    // Disallowing the measurement ends it at once.
    env.sc().next_tx(h::admin());
    let (reg, admin) = env.reg_and_admin();
    reg.disallow_measurement(admin, 4, m());
    assert!(!env.reg_ref().is_attested(id, env.now()));
    env.finish();
}

#[test]
fun measurement_is_blake2b_of_pcr0_1_2() {
    let mut cat = pcr(1);
    cat.append(pcr(2));
    cat.append(pcr(3));
    assert_eq!(m(), sui::hash::blake2b256(&cat));
}

#[test]
fun clock_skew_edges_accepted() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW + na::max_future_skew_ms());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW - na::max_age_ms());
    env.finish();
}

// === Rejections ===

#[test, expected_failure(abort_code = na::EDebugEnclave)]
fun debug_enclave() {
    let zero = pcr(0);
    let mut env = setup(na::measurement(&zero, &zero, &zero));
    record(&mut env, vector[zero, zero, zero], option::some(bound_user_data()), NOW);
    env.finish();
}

#[test, expected_failure(abort_code = na::EMeasurementNotAllowed)]
fun measurement_not_allow_listed() {
    let mut env = setup(vector[]);
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW);
    env.finish();
}

#[test, expected_failure(abort_code = na::ENoUserData)]
fun no_user_data() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::none(), NOW);
    env.finish();
}

#[test, expected_failure(abort_code = na::EBindingMismatch)]
fun user_data_of_another_node() {
    let mut env = setup(m());
    // The genuine document's user_data: 0x01 bytes.
    let mut u = vector[];
    while (u.length() < 512) u.push_back(1);
    record(&mut env, pcrs(), option::some(u), NOW);
    env.finish();
}

/// PCR0..2 of the genuine AWS document (../shared/vectors/attestation/nitro/attestation.cbor,
/// 2024-09-07T14:37:39.545Z), as the native returns them.
fun genuine_pcrs(): vector<vector<u8>> {
    vector[
        x"e72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94ae3949dd54e7c9fe86a",
        x"0343b056cd8485ca7890ddd833476d78460aed2aa161548e4e26bedf321726696257d623e8805f3f605946b3d8b0c6aa",
        x"d5dcbdea0aa39c802f9d55ced2ea6e4d74ecec5f08fe40c508882639c9090642669106a062a3e24ee2805a3024b9b75c",
    ]
}

/// The genuine document's fields (its PCRs allow-listed, its timestamp, its 1,024 bytes of 0x01
/// user data) pass every check before the binding and fail there. (Sui's native itself refuses
/// that document: user_data over 512 bytes; see devnet/test/vm/nitro.test.ts.)
#[test, expected_failure(abort_code = na::EBindingMismatch)]
fun genuine_document_fields_fail_at_the_binding() {
    let p = genuine_pcrs();
    let mut env = setup(na::measurement(&p[0], &p[1], &p[2]));
    let mut u = vector[];
    while (u.length() < 1024) u.push_back(1);
    record(&mut env, p, option::some(u), NOW);
    env.finish();
}

#[test, expected_failure(abort_code = na::EDocumentInFuture)]
fun document_in_future() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW + na::max_future_skew_ms() + 1);
    env.finish();
}

#[test, expected_failure(abort_code = na::EDocumentTooOld)]
fun document_too_old() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW - na::max_age_ms() - 1);
    env.finish();
}

#[test, expected_failure(abort_code = na::EIssuedBeforeRevocation)]
fun document_from_before_revocation() {
    let mut env = setup(m());
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW - 1);
    let id = env.node_id(0);
    env.revoke(id);
    // Revoked at NOW: a document created before (still fresh) is refused.
    record(&mut env, pcrs(), option::some(bound_user_data()), NOW - 1);
    env.finish();
}

#[test, expected_failure(abort_code = na::EMissingPcr)]
fun missing_pcr() {
    let mut env = setup(m());
    record(&mut env, vector[pcr(1), pcr(2)], option::some(bound_user_data()), NOW);
    env.finish();
}
