/// Collateral checks on Intel's genuine TCB info / QE identity bodies, signed by a self-made
/// test TCB signing key under a self-made test root (Intel's TCB signing certificate is not
/// among the vectors); the genuine responses are split as served.
#[test_only]
module tee_verify::tdx_collateral_tests;

use std::unit_test::assert_eq;
use tee_verify::der;
use tee_verify::tdx_collateral;
use tee_verify::tdx_fixtures as fx;

const DAY_MS: u64 = 86_400_000;

fun tcb_body(): vector<u8> {
    let (body, _) = tdx_collateral::split_response(&fx::tcb_info_response(), b"tcbInfo");
    body
}

fun verify_tcb(body: vector<u8>, now_ms: u64, grace_ms: u64) {
    tdx_collateral::verify(
        body,
        &fx::tcb_info_test_signature(),
        &fx::test_tcb_signer_der(),
        &fx::test_root_key(),
        now_ms,
        grace_ms,
    );
}

#[test]
fun splits_the_genuine_responses() {
    let (body, sig) = tdx_collateral::split_response(&fx::tcb_info_response(), b"tcbInfo");
    assert_eq!(body.length(), fx::tcb_info_body_len());
    assert_eq!(der::slice(&body, 0, 11), b"{\"id\":\"TDX\"");
    assert_eq!(sig.length(), 64);
    let (qe_body, qe_sig) = tdx_collateral::split_response(&fx::qe_identity_response(), b"enclaveIdentity");
    assert_eq!(der::slice(&qe_body, 0, 13), b"{\"id\":\"TD_QE\"");
    // The genuine QE identity signature, as served (hex in the response).
    assert_eq!(der::slice(&qe_sig, 0, 4), x"b6a601f0");
}

#[test]
fun genuine_tcb_info_signed_by_the_test_signer_verifies() {
    let c = tdx_collateral::verify(
        tcb_body(),
        &fx::tcb_info_test_signature(),
        &fx::test_tcb_signer_der(),
        &fx::test_root_key(),
        fx::collateral_time_ms(),
        0,
    );
    assert_eq!(c.issue_date_ms(), fx::tcb_info_issue_date_ms());
    assert_eq!(c.next_update_ms(), fx::tcb_info_next_update_ms());
    assert_eq!(*c.body(), tcb_body());
}

#[test]
fun genuine_qe_identity_signed_by_the_test_signer_verifies() {
    let (body, _) = tdx_collateral::split_response(&fx::qe_identity_response(), b"enclaveIdentity");
    tdx_collateral::verify(
        body,
        &fx::qe_identity_test_signature(),
        &fx::test_tcb_signer_der(),
        &fx::test_root_key(),
        fx::collateral_time_ms(),
        0,
    );
}

#[test]
fun collateral_past_next_update_within_the_grace_verifies() {
    verify_tcb(tcb_body(), fx::tcb_info_next_update_ms() + 10 * DAY_MS, 30 * DAY_MS);
}

#[test, expected_failure(abort_code = tdx_collateral::ECollateralSignature)]
fun flipped_body_bit_is_rejected() {
    let mut body = tcb_body();
    *&mut body[100] = body[100] ^ 0x01;
    verify_tcb(body, fx::collateral_time_ms(), 0);
}

#[test, expected_failure(abort_code = tdx_collateral::ECollateralSignature)]
fun signature_over_another_document_is_rejected() {
    let (qe_body, _) = tdx_collateral::split_response(&fx::qe_identity_response(), b"enclaveIdentity");
    verify_tcb(qe_body, fx::collateral_time_ms(), 0);
}

#[test, expected_failure(abort_code = tdx_collateral::ECollateralSignature)]
fun short_signature_is_rejected() {
    tdx_collateral::verify(
        tcb_body(),
        &x"00",
        &fx::test_tcb_signer_der(),
        &fx::test_root_key(),
        fx::collateral_time_ms(),
        0,
    );
}

#[test, expected_failure(abort_code = tdx_collateral::ESignerNotTrusted)]
fun signer_not_under_the_pinned_root_is_rejected() {
    tdx_collateral::verify(
        tcb_body(),
        &fx::tcb_info_test_signature(),
        &fx::test_tcb_signer_der(),
        &fx::intel_root_key(),
        fx::collateral_time_ms(),
        0,
    );
}

#[test, expected_failure(abort_code = tdx_collateral::ESignerNotTcbSigning)]
fun another_certificate_under_the_root_as_signer_is_rejected() {
    // The test root is signed by the pinned test key, but it is not the TCB signing certificate.
    tdx_collateral::verify(
        tcb_body(),
        &fx::tcb_info_test_signature(),
        &fx::test_root_der(),
        &fx::test_root_key(),
        fx::collateral_time_ms(),
        0,
    );
}

#[test, expected_failure(abort_code = tdx_collateral::ESignerNotValid)]
fun signer_outside_its_validity_is_rejected() {
    // The test signer is valid 2020-01-01 .. 2030-01-01.
    verify_tcb(tcb_body(), 1577836800000 - 1, 0);
}

#[test, expected_failure(abort_code = tdx_collateral::EStaleCollateral)]
fun collateral_past_next_update_and_grace_is_rejected() {
    verify_tcb(tcb_body(), fx::tcb_info_next_update_ms() + 30 * DAY_MS + 1, 30 * DAY_MS);
}

#[test, expected_failure(abort_code = tdx_collateral::ENotIssuedYet)]
fun collateral_before_its_issue_date_is_rejected() {
    verify_tcb(tcb_body(), fx::tcb_info_issue_date_ms() - 1, 0);
}

#[test, expected_failure(abort_code = tdx_collateral::EMalformedResponse)]
fun response_under_another_key_is_rejected() {
    tdx_collateral::split_response(&fx::tcb_info_response(), b"enclaveIdentity");
}

#[test, expected_failure(abort_code = tdx_collateral::EMalformedResponse)]
fun non_hex_signature_is_rejected() {
    let mut r = fx::tcb_info_response();
    let at = r.length() - 5;
    *&mut r[at] = 0x7a; // 'z'
    tdx_collateral::split_response(&r, b"tcbInfo");
}

#[test]
fun reads_a_date_field() {
    assert_eq!(tdx_collateral::date_field(&tcb_body(), b"\"nextUpdate\":\""), fx::tcb_info_next_update_ms());
}

#[test, expected_failure(abort_code = tdx_collateral::EBadDate)]
fun missing_date_field_is_rejected() {
    tdx_collateral::date_field(&tcb_body(), b"\"expiry\":\"");
}

#[test, expected_failure(abort_code = tdx_collateral::EBadDate)]
fun date_in_another_format_is_rejected() {
    tdx_collateral::date_field(&b"{\"issueDate\":\"2023/06/18T08:42:58Z\"}", b"\"issueDate\":\"");
}
