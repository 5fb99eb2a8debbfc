/// The genuine Intel TDX quote through `tee_verify::tdx::verify`: accepted at a time inside
/// every validity window, and each tampering rejected with its own error.
#[test_only]
module tee_verify::tdx_tests;

use std::unit_test::assert_eq;
use tee_verify::tdx;
use tee_verify::tdx_fixtures as fx;
use tee_verify::tdx_quote;
use tee_verify::x509;

// === Helpers ===

fun flip(mut q: vector<u8>, at: u64, mask: u8): vector<u8> {
    *&mut q[at] = q[at] ^ mask;
    q
}

fun set(mut q: vector<u8>, at: u64, value: u64): vector<u8> {
    *&mut q[at] = (value as u8);
    q
}

fun verify(q: vector<u8>) {
    tdx::verify(&q, &fx::intel_root_key(), fx::valid_time_ms());
}

// === Genuine quote ===

#[test]
fun genuine_quote_verifies() {
    let q = fx::quote();
    let v = tdx::verify(&q, &fx::intel_root_key(), fx::valid_time_ms());
    assert_eq!(v.version(), 4);
    let parsed = tdx_quote::parse(&q);
    assert_eq!(tdx_quote::mrtd(v.body()), tee_verify::der::slice(&q, fx::mrtd_at(), fx::mrtd_at() + 48));
    assert_eq!(
        tdx_quote::report_data(v.body()),
        tee_verify::der::slice(&q, fx::report_data_at(), fx::report_data_at() + 64),
    );
    assert_eq!(tdx_quote::rtmr(v.body(), 3), tee_verify::der::slice(&q, fx::mrtd_at() + 240 + 144, fx::mrtd_at() + 240 + 192));
    assert_eq!(tdx_quote::td_attributes(v.body()), x"0000004000000000");
    assert!(!tdx_quote::is_debug(v.body()));
    assert_eq!(parsed.pck_chain().length(), 3);
    assert_eq!(*parsed.pck_chain(), vector[fx::pck_leaf_der(), fx::pck_intermediate_der(), fx::pck_root_der()]);
    assert_eq!(*parsed.qe_auth_data(), tee_verify::der::slice(&q, fx::qe_auth_data_at(), fx::qe_auth_data_at() + 32));
    assert_eq!(*v.pck_subject(), *x509::parse(&fx::pck_leaf_der()).subject());
}

#[test]
fun genuine_quote_verifies_at_the_edges_of_the_leaf_validity() {
    let q = fx::quote();
    tdx::verify(&q, &fx::intel_root_key(), fx::leaf_not_before_ms());
    tdx::verify(&q, &fx::intel_root_key(), fx::leaf_not_after_ms());
}

// === Quote signature (header, body, signature, attestation key) ===

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_header_bit_is_rejected() { verify(flip(fx::quote(), 20, 0x01)) }

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_mrtd_bit_is_rejected() { verify(flip(fx::quote(), fx::mrtd_at() + 5, 0x10)) }

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_report_data_bit_is_rejected() { verify(flip(fx::quote(), fx::report_data_at(), 0x01)) }

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_quote_signature_r_bit_is_rejected() { verify(flip(fx::quote(), fx::quote_sig_at() + 3, 0x04)) }

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_quote_signature_s_bit_is_rejected() { verify(flip(fx::quote(), fx::quote_sig_at() + 60, 0x80)) }

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun flipped_attestation_key_bit_is_rejected() { verify(flip(fx::quote(), fx::attestation_key_at() + 10, 0x02)) }

/// Turning the debug bit on breaks the quote signature first: the bit is signed.
#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun debug_bit_in_a_signed_quote_breaks_the_signature() { verify(flip(fx::quote(), fx::td_attributes_at(), 0x01)) }

// === QE report ===

#[test, expected_failure(abort_code = tdx::EQeReportDataBinding)]
fun flipped_qe_report_data_bit_is_rejected() { verify(flip(fx::quote(), fx::qe_report_data_at() + 7, 0x01)) }

#[test, expected_failure(abort_code = tdx::EQeReportDataBinding)]
fun nonzero_qe_report_data_tail_is_rejected() { verify(flip(fx::quote(), fx::qe_report_data_at() + 40, 0x01)) }

#[test, expected_failure(abort_code = tdx::EQeReportDataBinding)]
fun flipped_qe_auth_data_bit_is_rejected() { verify(flip(fx::quote(), fx::qe_auth_data_at() + 1, 0x01)) }

#[test, expected_failure(abort_code = tdx::EQeReportSignature)]
fun flipped_qe_report_bit_is_rejected() { verify(flip(fx::quote(), fx::qe_report_at() + 17, 0x01)) }

#[test, expected_failure(abort_code = tdx::EQeReportSignature)]
fun flipped_qe_report_signature_bit_is_rejected() { verify(flip(fx::quote(), fx::qe_report_sig_at() + 1, 0x01)) }

// === PCK chain ===

#[test, expected_failure(abort_code = tdx::ELeafSignature)]
fun flipped_leaf_certificate_bit_is_rejected() {
    verify(set(fx::quote(), fx::leaf_serial_at(), fx::leaf_serial_value()))
}

#[test, expected_failure(abort_code = tdx::ELeafSignature)]
fun flipped_leaf_signature_bit_is_rejected() {
    verify(set(fx::quote(), fx::leaf_signature_at(), fx::leaf_signature_value()))
}

#[test, expected_failure(abort_code = tdx::EIssuerMismatch)]
fun flipped_leaf_issuer_bit_is_rejected() {
    verify(set(fx::quote(), fx::leaf_issuer_at(), fx::leaf_issuer_value()))
}

#[test, expected_failure(abort_code = tdx::EIntermediateSignature)]
fun flipped_intermediate_certificate_bit_is_rejected() {
    verify(set(fx::quote(), fx::inter_serial_at(), fx::inter_serial_value()))
}

#[test, expected_failure(abort_code = tdx::EIntermediateSignature)]
fun flipped_intermediate_signature_bit_is_rejected() {
    verify(set(fx::quote(), fx::inter_signature_at(), fx::inter_signature_value()))
}

#[test, expected_failure(abort_code = tdx::ERootSignature)]
fun flipped_root_certificate_bit_is_rejected() {
    verify(set(fx::quote(), fx::root_serial_at(), fx::root_serial_value()))
}

#[test, expected_failure(abort_code = tdx::ERootSignature)]
fun flipped_root_signature_bit_is_rejected() {
    verify(set(fx::quote(), fx::root_signature_at(), fx::root_signature_value()))
}

#[test, expected_failure(abort_code = tdx::EUntrustedRoot)]
fun wrong_pinned_root_is_rejected() {
    tdx::verify(&fx::quote(), &fx::intermediate_key(), fx::valid_time_ms());
}

#[test, expected_failure(abort_code = tdx::EBadRootKey)]
fun malformed_pinned_root_is_rejected() {
    tdx::verify(&fx::quote(), &x"04", fx::valid_time_ms());
}

#[test, expected_failure(abort_code = tdx::ECertificateNotYetValid)]
fun time_before_leaf_not_before_is_rejected() {
    tdx::verify(&fx::quote(), &fx::intel_root_key(), fx::leaf_not_before_ms() - 1);
}

#[test, expected_failure(abort_code = tdx::ECertificateExpired)]
fun time_after_leaf_not_after_is_rejected() {
    tdx::verify(&fx::quote(), &fx::intel_root_key(), fx::leaf_not_after_ms() + 1);
}

#[test, expected_failure(abort_code = tdx::EPckChainLength)]
fun chain_of_two_is_rejected() {
    tdx::check_pck_chain(
        &vector[fx::pck_leaf_der(), fx::pck_intermediate_der()],
        &fx::intel_root_key(),
        fx::valid_time_ms(),
    );
}

#[test]
fun genuine_chain_returns_the_leaf() {
    let leaf = tdx::check_pck_chain(
        &vector[fx::pck_leaf_der(), fx::pck_intermediate_der(), fx::pck_root_der()],
        &fx::intel_root_key(),
        fx::valid_time_ms(),
    );
    assert_eq!(leaf.not_before_ms(), fx::leaf_not_before_ms());
    assert_eq!(leaf.not_after_ms(), fx::leaf_not_after_ms());
}

// === Debug attribute on a parsed body ===

#[test]
fun genuine_body_is_not_debug() {
    let q = tdx_quote::parse(&fx::quote());
    tdx::check_not_debug(q.body());
}

#[test, expected_failure(abort_code = tdx::EDebugTd)]
fun debug_body_is_rejected() {
    let q = fx::quote();
    let at = fx::td_attributes_at();
    let body = tdx_quote::body_from_bytes(tee_verify::der::slice(&flip(q, at, 0x01), 48, 48 + 584));
    tdx::check_not_debug(&body);
}
