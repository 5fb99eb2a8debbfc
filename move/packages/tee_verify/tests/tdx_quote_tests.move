#[test_only]
module tee_verify::tdx_quote_tests;

use std::unit_test::assert_eq;
use tee_verify::der;
use tee_verify::tdx;
use tee_verify::tdx_fixtures as fx;
use tee_verify::tdx_quote;

fun set(mut q: vector<u8>, at: u64, value: u8): vector<u8> {
    *&mut q[at] = value;
    q
}

/// The genuine v4 quote rewritten in the v5 layout: version 5, then body type and size before
/// the body (its signature no longer matches: the signed bytes changed).
fun as_v5(body_type: u8, extra: vector<u8>): vector<u8> {
    let q = fx::quote();
    let mut out = set(der::slice(&q, 0, 48), 0, 5);
    let size = 584 + extra.length();
    out.append(vector[body_type, 0, (size & 0xff as u8), (size >> 8 as u8), 0, 0]);
    out.append(der::slice(&q, 48, 48 + 584));
    out.append(extra);
    out.append(der::slice(&q, 48 + 584, q.length()));
    out
}

fun zeros(n: u64): vector<u8> {
    let mut v = vector[];
    let mut i = 0;
    while (i < n) {
        v.push_back(0);
        i = i + 1;
    };
    v
}

#[test]
fun parses_the_v4_layout() {
    let q = fx::quote();
    let p = tdx_quote::parse(&q);
    assert_eq!(p.version(), 4);
    assert_eq!(p.signed_bytes().length(), 48 + 584);
    assert_eq!(*p.signature(), der::slice(&q, fx::quote_sig_at(), fx::quote_sig_at() + 64));
    assert_eq!(*p.attestation_key(), der::slice(&q, fx::attestation_key_at(), fx::attestation_key_at() + 64));
    assert_eq!(*p.qe_report(), der::slice(&q, fx::qe_report_at(), fx::qe_report_at() + 384));
    assert_eq!(*p.qe_report_signature(), der::slice(&q, fx::qe_report_sig_at(), fx::qe_report_sig_at() + 64));
    assert_eq!(p.qe_report_data(), der::slice(&q, fx::qe_report_data_at(), fx::qe_report_data_at() + 64));
    assert_eq!(*tdx_quote::raw(p.body()), der::slice(&q, 48, 48 + 584));
}

#[test]
fun parses_the_v5_layout_with_a_tdx10_body() {
    let v4 = tdx_quote::parse(&fx::quote());
    let p = tdx_quote::parse(&as_v5(2, vector[]));
    assert_eq!(p.version(), 5);
    assert_eq!(p.signed_bytes().length(), 48 + 6 + 584);
    assert_eq!(tdx_quote::mrtd(p.body()), tdx_quote::mrtd(v4.body()));
    assert_eq!(*p.pck_chain(), *v4.pck_chain());
}

#[test]
fun parses_the_v5_layout_with_a_tdx15_body() {
    let p = tdx_quote::parse(&as_v5(3, zeros(64)));
    assert_eq!(tdx_quote::raw(p.body()).length(), 648);
}

#[test, expected_failure(abort_code = tdx::EQuoteSignature)]
fun v5_rewrite_of_a_v4_quote_fails_its_signature() {
    tdx::verify(&as_v5(2, vector[]), &fx::intel_root_key(), fx::valid_time_ms());
}

#[test, expected_failure(abort_code = tdx_quote::ETruncated)]
fun truncated_quote_is_rejected() {
    tdx_quote::parse(&der::slice(&fx::quote(), 0, 700));
}

#[test, expected_failure(abort_code = tdx_quote::ETruncated)]
fun quote_shorter_than_a_header_is_rejected() {
    tdx_quote::parse(&der::slice(&fx::quote(), 0, 47));
}

#[test, expected_failure(abort_code = tdx_quote::EUnsupportedVersion)]
fun version_3_is_rejected() { tdx_quote::parse(&set(fx::quote(), 0, 3)); }

#[test, expected_failure(abort_code = tdx_quote::EUnsupportedKeyType)]
fun p384_attestation_key_type_is_rejected() { tdx_quote::parse(&set(fx::quote(), 2, 3)); }

#[test, expected_failure(abort_code = tdx_quote::ENotTdx)]
fun sgx_tee_type_is_rejected() { tdx_quote::parse(&set(fx::quote(), 4, 0)); }

#[test, expected_failure(abort_code = tdx_quote::EBadBodyType)]
fun v5_body_type_4_is_rejected() { tdx_quote::parse(&as_v5(4, vector[])); }

#[test, expected_failure(abort_code = tdx_quote::EBadBodyType)]
fun v5_body_size_not_matching_its_type_is_rejected() { tdx_quote::parse(&as_v5(2, zeros(64))); }

#[test, expected_failure(abort_code = tdx_quote::EBadCertificationType)]
fun certification_type_5_at_the_outer_level_is_rejected() {
    tdx_quote::parse(&set(fx::quote(), fx::attestation_key_at() + 64, 5));
}

#[test, expected_failure(abort_code = tdx_quote::EBadPckDataType)]
fun inner_certification_type_other_than_5_is_rejected() {
    tdx_quote::parse(&set(fx::quote(), fx::pem_at() - 6, 4));
}

#[test, expected_failure(abort_code = tdx_quote::ESizeMismatch)]
fun outer_certification_size_mismatch_is_rejected() {
    let q = fx::quote();
    let at = fx::attestation_key_at() + 64 + 2;
    tdx_quote::parse(&set(q, at, q[at] - 1));
}

#[test, expected_failure(abort_code = tdx_quote::ESizeMismatch)]
fun inner_certification_size_mismatch_is_rejected() {
    let q = fx::quote();
    let at = fx::pem_at() - 4;
    tdx_quote::parse(&set(q, at, q[at] - 1));
}

#[test, expected_failure(abort_code = tdx_quote::EBadPem)]
fun broken_pem_header_is_rejected() {
    tdx_quote::parse(&set(fx::quote(), fx::pem_at() + 11, 0x62)); // "BEGIN" -> "bEGIN"
}

#[test, expected_failure(abort_code = tdx_quote::EBadPem)]
fun non_base64_character_is_rejected() {
    tdx_quote::parse(&set(fx::quote(), fx::pem_at() + 40, 0x2e)); // '.'
}

#[test, expected_failure(abort_code = tdx_quote::EBadPem)]
fun padding_in_the_middle_is_rejected() {
    tdx_quote::parse(&set(fx::quote(), fx::pem_at() + 40, 0x3d)); // '='
}

#[test, expected_failure(abort_code = tdx_quote::EBadBody)]
fun body_of_another_size_is_rejected() { tdx_quote::body_from_bytes(zeros(583)); }
