#[test_only]
module tee_verify::x509_tests;

use std::unit_test::assert_eq;
use tee_verify::der;
use tee_verify::tdx_fixtures as fx;
use tee_verify::x509;

/// Position of the `nth` (0-based) occurrence of `needle` in `hay`.
fun find(hay: &vector<u8>, needle: vector<u8>, nth: u64): u64 {
    let mut seen = 0;
    let mut i = 0;
    while (i + needle.length() <= hay.length()) {
        if (der::slice(hay, i, i + needle.length()) == needle) {
            if (seen == nth) return i;
            seen = seen + 1;
        };
        i = i + 1;
    };
    abort 0
}

fun bump_last(mut data: vector<u8>, needle: vector<u8>, nth: u64): vector<u8> {
    let at = find(&data, needle, nth) + needle.length() - 1;
    *&mut data[at] = data[at] + 1;
    data
}

const ECDSA_SHA256: vector<u8> = x"2a8648ce3d040302";
const P256: vector<u8> = x"2a8648ce3d030107";

#[test]
fun parses_the_intel_root() {
    let root = x509::parse(&fx::pck_root_der());
    assert_eq!(*root.public_key(), fx::intel_root_key());
    assert_eq!(*root.issuer(), *root.subject());
    assert_eq!(root.not_before_ms(), 1526899510000); // 2018-05-21T10:45:10Z
    assert_eq!(root.not_after_ms(), 2524607999000); // 2049-12-31T23:59:59Z
    assert_eq!(root.signature().length(), 64);
    assert!(root.is_signed_by(&fx::intel_root_key()));
    assert!(!root.is_signed_by(&fx::intermediate_key()));
}

#[test]
fun the_leaf_is_issued_by_the_intermediate() {
    let leaf = x509::parse(&fx::pck_leaf_der());
    let inter = x509::parse(&fx::pck_intermediate_der());
    assert_eq!(*leaf.issuer(), *inter.subject());
    assert!(leaf.is_signed_by(inter.public_key()));
    assert!(!leaf.not_yet_valid(fx::leaf_not_before_ms()));
    assert!(leaf.not_yet_valid(fx::leaf_not_before_ms() - 1));
    assert!(!leaf.expired(fx::leaf_not_after_ms()));
    assert!(leaf.expired(fx::leaf_not_after_ms() + 1));
}

#[test]
fun finds_the_subject_common_name() {
    let leaf = x509::parse(&fx::pck_leaf_der());
    assert!(leaf.subject_has_common_name(&b"Intel SGX PCK Certificate"));
    assert!(!leaf.subject_has_common_name(&b"Intel SGX PCK Platform CA"));
    assert!(!leaf.subject_has_common_name(&b"Intel Corporation"));
}

#[test]
fun low_s_replaces_a_high_s_by_n_minus_s() {
    let r = x"0101010101010101010101010101010101010101010101010101010101010101";
    // s = n - 1 (high) becomes 1; s = 1 (low) stays.
    let mut high = r;
    high.append(x"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
    let mut low = r;
    low.append(x"0000000000000000000000000000000000000000000000000000000000000001");
    assert_eq!(x509::low_s(&high), low);
    assert_eq!(x509::low_s(&low), low);
}

#[test]
fun signature_from_der_unpacks_r_and_s() {
    // SEQUENCE { INTEGER 0x00ff.. (sign byte), INTEGER 0x02 }
    let mut der_sig = x"3026022100";
    let mut i = 0;
    while (i < 32) {
        der_sig.push_back(0xff);
        i = i + 1;
    };
    der_sig.append(x"020102");
    let out = x509::signature_from_der(&der_sig);
    assert_eq!(out.length(), 64);
    assert_eq!(out[0], 0xff);
    assert_eq!(out[31], 0xff);
    assert_eq!(out[62], 0);
    assert_eq!(out[63], 2);
}

#[test, expected_failure(abort_code = x509::EUnsupportedSignatureAlgorithm)]
fun outer_algorithm_other_than_ecdsa_sha256_is_rejected() {
    // The second occurrence of the OID is the outer signatureAlgorithm: make it ecdsa-with-SHA384.
    x509::parse(&bump_last(fx::pck_root_der(), ECDSA_SHA256, 1));
}

#[test, expected_failure(abort_code = x509::EAlgorithmMismatch)]
fun tbs_algorithm_differing_from_the_outer_one_is_rejected() {
    x509::parse(&bump_last(fx::pck_root_der(), ECDSA_SHA256, 0));
}

#[test, expected_failure(abort_code = x509::EUnsupportedKey)]
fun key_on_another_curve_is_rejected() {
    x509::parse(&bump_last(fx::pck_root_der(), P256, 0));
}

#[test, expected_failure(abort_code = x509::EUnsupportedKey)]
fun compressed_input_point_is_rejected() {
    x509::compress_p256(&fx::intel_root_key());
}

#[test, expected_failure(abort_code = x509::ETrailingData)]
fun bytes_after_the_certificate_are_rejected() {
    let mut der = fx::pck_root_der();
    der.push_back(0);
    x509::parse(&der);
}

#[test, expected_failure(abort_code = x509::ETrailingData)]
fun bytes_after_the_signature_sequence_are_rejected() {
    x509::signature_from_der(&x"30060201010201010000");
}

#[test, expected_failure(abort_code = x509::ETrailingData)]
fun bytes_after_s_inside_the_sequence_are_rejected() {
    x509::signature_from_der(&x"3007020101020101ff");
}
