/// CRLs (`tee_verify::crl`) on Intel's genuine root CA CRL and PCK Platform CA CRL.
#[test_only]
module tee_verify::crl_tests;

use std::unit_test::assert_eq;
use tee_verify::crl;
use tee_verify::tdx_fixtures as fx;
use tee_verify::x509;

#[test]
fun genuine_root_crl() {
    let c = crl::parse(&fx::root_crl());
    assert!(c.is_signed_by(&fx::intel_root_key()));
    assert!(!c.is_signed_by(&fx::intermediate_key()));
    assert_eq!(*c.issuer(), *x509::parse(&fx::pck_root_der()).subject());
    assert_eq!(c.this_update_ms(), 1680517371000); // 2023-04-03T10:22:51Z
    assert_eq!(c.next_update_ms(), 1712053371000); // 2024-04-02T10:22:51Z
    assert_eq!(c.revoked().length(), 0);
    assert!(!c.is_revoked(&x509::serial(&x509::parse(&fx::pck_intermediate_der()))));
}

#[test]
fun genuine_pck_crl() {
    let c = crl::parse(&fx::pck_crl());
    assert!(c.is_signed_by(&fx::intermediate_key()));
    assert!(!c.is_signed_by(&fx::intel_root_key()));
    assert_eq!(*c.issuer(), *x509::parse(&fx::pck_intermediate_der()).subject());
    assert_eq!(c.this_update_ms(), 1686209272000); // 2023-06-08T07:27:52Z
    assert_eq!(c.next_update_ms(), 1688801272000); // 2023-07-08T07:27:52Z
    assert_eq!(c.revoked().length(), 44);
    assert!(c.is_revoked(&x"6fc34e5023e728923435d61aa4b83c618166ad35"));
    // High bit set: DER keeps a 0x00 sign byte, as x509::serial does.
    assert!(c.is_revoked(&x"00efae6e9715fca13b87e333e8261ed6d990a926ad"));
    assert!(!c.is_revoked(&x509::serial(&x509::parse(&fx::pck_leaf_der()))));
}

#[test]
fun flipped_bit_in_the_pck_crl_breaks_its_signature() {
    // Byte 100 lies inside the first revoked entry (the TBS the CA signed).
    let mut d = fx::pck_crl();
    *&mut d[100] = d[100] ^ 0x01;
    assert!(!crl::parse(&d).is_signed_by(&fx::intermediate_key()));
}

#[test, expected_failure(abort_code = crl::EBadCrl)]
fun trailing_byte() {
    let mut d = fx::root_crl();
    d.push_back(0);
    crl::parse(&d);
}

#[test, expected_failure(abort_code = crl::ENoNextUpdate)]
fun crl_without_next_update() {
    crl::parse(&x"302e301d300a06082a8648ce3d0403023000170d3233303630383037323735325a300a06082a8648ce3d040302030100");
}
