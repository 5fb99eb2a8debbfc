/// TCB evaluation (`tee_verify::tdx_tcb`) on the genuine Intel evidence: the PCK leaf's SGX
/// extension, the TCB info levels (which this platform matches none of: its PCK SGX
/// components 3,3,2,2,2,1,0,2 are below every level's 5,5,2,2,3,1,0,3, so Intel's QVL answers
/// TCB_NOT_SUPPORTED and so does the contract), the QE identity (UpToDate) and the converge rule.
#[test_only]
module tee_verify::tdx_tcb_tests;

use std::unit_test::assert_eq;
use tee_verify::tdx;
use tee_verify::tdx_collateral;
use tee_verify::tdx_fixtures as fx;
use tee_verify::tdx_tcb;
use tee_verify::x509;

fun genuine(): tdx::VerifiedTdx { tdx::verify(&fx::quote(), &fx::intel_root_key(), fx::valid_time_ms()) }

fun tcb_info(): vector<u8> {
    let (body, _) = tdx_collateral::split_response(&fx::tcb_info_response(), b"tcbInfo");
    body
}

fun qe_identity(): vector<u8> {
    let (body, _) = tdx_collateral::split_response(&fx::qe_identity_response(), b"enclaveIdentity");
    body
}

fun replace(s: vector<u8>, from: vector<u8>, to: vector<u8>): vector<u8> {
    let (n, k) = (s.length(), from.length());
    let mut i = 0;
    while (i + k <= n) {
        if (tee_verify::der::slice(&s, i, i + k) == from) {
            let mut out = tee_verify::der::slice(&s, 0, i);
            out.append(to);
            out.append(tee_verify::der::slice(&s, i + k, n));
            return out
        };
        i = i + 1;
    };
    abort 999
}

fun set(mut v: vector<u8>, at: u64, b: u8): vector<u8> {
    *&mut v[at] = b;
    v
}

#[test]
fun genuine_pck_extension() {
    let t = tdx_tcb::pck_tcb(genuine().pck_leaf());
    assert_eq!(t.fmspc(), x"50806f000000");
    assert_eq!(t.pce_id(), x"0000");
    assert_eq!(t.sgx_components(), vector[3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(t.pce_svn(), 11);
    assert_eq!(x509::serial(genuine().pck_leaf()), x"00bba6c175d838b8df3900cc3411f24f512d104102");
}

#[test]
fun genuine_chain_not_after_is_the_leaf_not_after() {
    assert_eq!(genuine().chain_not_after_ms(), fx::leaf_not_after_ms());
}

#[test, expected_failure(abort_code = tdx_tcb::ENoTcbLevel)]
fun genuine_platform_matches_no_tcb_level() {
    let v = genuine();
    tdx_tcb::platform_status(&tcb_info(), &tdx_tcb::pck_tcb(v.pck_leaf()), v.body().raw());
}

#[test]
fun genuine_platform_status_with_the_sgx_components_it_has() {
    // The same TCB info with the first level's SGX components lowered to the PCK's: the TDX
    // components then decide (TEE_TCB_SVN 3.0.4 < 3.0.5 of both levels): still no level.
    // With the TDX late microcode lowered too, the first level (UpToDate) matches.
    let v = genuine();
    let pck = tdx_tcb::pck_tcb(v.pck_leaf());
    let lowered = replace(
        tcb_info(),
        b"[{\"svn\":5,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"},{\"svn\":5,",
        b"[{\"svn\":3,\"category\":\"BIOS\",\"type\":\"Early Microcode Update\"},{\"svn\":3,",
    );
    let lowered = replace(lowered, b"{\"svn\":3,\"category\":\"BIOS\"}", b"{\"svn\":2,\"category\":\"BIOS\"}");
    let lowered = replace(lowered, b"{\"svn\":3,\"category\":\"OS/VMM\",\"type\":\"SEAMLDR ACM\"}", b"{\"svn\":2}");
    let lowered = replace(lowered, b"{\"svn\":5,\"category\":\"OS/VMM\",\"type\":\"TDX Late", b"{\"svn\":4,\"category\":\"OS/VMM\",\"type\":\"TDX Late");
    assert_eq!(tdx_tcb::platform_status(&lowered, &pck, v.body().raw()), 0);
}

#[test]
fun genuine_qe_is_up_to_date() {
    assert_eq!(tdx_tcb::qe_status(&qe_identity(), genuine().qe_report()), 0);
}

#[test]
fun qe_svn_below_every_level_is_revoked() {
    // ISVSVN 3 < the only level's 4.
    assert_eq!(tdx_tcb::qe_status(&qe_identity(), &set(*genuine().qe_report(), 258, 3)), 6);
}

#[test]
fun converge_follows_intel() {
    assert_eq!(tdx_tcb::converge(0, 0), 0);
    assert_eq!(tdx_tcb::converge(1, 0), 1);
    assert_eq!(tdx_tcb::converge(0, 4), 4);
    assert_eq!(tdx_tcb::converge(1, 4), 4);
    assert_eq!(tdx_tcb::converge(2, 4), 5);
    assert_eq!(tdx_tcb::converge(3, 4), 5);
    assert_eq!(tdx_tcb::converge(4, 0), 4);
    assert_eq!(tdx_tcb::converge(0, 6), 6);
    assert_eq!(tdx_tcb::converge(6, 0), 6);
}

#[test, expected_failure(abort_code = tdx_tcb::EFmspcMismatch)]
fun fmspc_mismatch() {
    let v = genuine();
    let info = replace(tcb_info(), b"\"fmspc\":\"50806f000000\"", b"\"fmspc\":\"50806f000001\"");
    tdx_tcb::platform_status(&info, &tdx_tcb::pck_tcb(v.pck_leaf()), v.body().raw());
}

#[test, expected_failure(abort_code = tdx_tcb::EPceIdMismatch)]
fun pce_id_mismatch() {
    let v = genuine();
    let info = replace(tcb_info(), b"\"pceId\":\"0000\"", b"\"pceId\":\"0100\"");
    tdx_tcb::platform_status(&info, &tdx_tcb::pck_tcb(v.pck_leaf()), v.body().raw());
}

#[test, expected_failure(abort_code = tdx_tcb::ETdxModuleMismatch)]
fun tdx_module_mrsigner_mismatch() {
    let v = genuine();
    // MRSIGNERSEAM is body bytes 64..112: the TCB info's tdxModule says all zeros.
    let body = set(*v.body().raw(), 64, 1);
    tdx_tcb::platform_status(&tcb_info(), &tdx_tcb::pck_tcb(v.pck_leaf()), &body);
}

#[test, expected_failure(abort_code = tdx_tcb::EUnsupportedTdxModule)]
fun tdx_module_version_above_zero() {
    let v = genuine();
    let body = set(*v.body().raw(), 1, 1);
    tdx_tcb::platform_status(&tcb_info(), &tdx_tcb::pck_tcb(v.pck_leaf()), &body);
}

#[test, expected_failure(abort_code = tdx_tcb::EBadCollateralJson)]
fun tcb_info_without_levels() {
    let v = genuine();
    let info = replace(tcb_info(), b"\"tcbLevels\":[", b"\"tcbLevelz\":[");
    tdx_tcb::platform_status(&info, &tdx_tcb::pck_tcb(v.pck_leaf()), v.body().raw());
}

#[test, expected_failure(abort_code = tdx_tcb::ENoPckExtension)]
fun certificate_without_sgx_extension() {
    tdx_tcb::pck_tcb(&x509::parse(&fx::pck_intermediate_der()));
}

#[test, expected_failure(abort_code = tdx_tcb::ENotTdQeIdentity)]
fun sgx_qe_identity_refused() {
    let id = replace(qe_identity(), b"\"TD_QE\"", b"\"QE\"");
    tdx_tcb::qe_status(&id, genuine().qe_report());
}

#[test, expected_failure(abort_code = tdx_tcb::EQeMrsignerMismatch)]
fun qe_mrsigner_mismatch() {
    tdx_tcb::qe_status(&qe_identity(), &set(*genuine().qe_report(), 128, 0));
}

#[test, expected_failure(abort_code = tdx_tcb::EQeIsvProdIdMismatch)]
fun qe_isvprodid_mismatch() {
    tdx_tcb::qe_status(&qe_identity(), &set(*genuine().qe_report(), 256, 1));
}

#[test, expected_failure(abort_code = tdx_tcb::EQeMiscselectMismatch)]
fun qe_miscselect_mismatch() {
    tdx_tcb::qe_status(&qe_identity(), &set(*genuine().qe_report(), 16, 1));
}

#[test]
fun qe_attribute_bit_outside_the_mask_is_ignored() {
    // Mask byte 0 is FB: bit 2 (0x04) of the first attributes byte is not compared.
    let r = *genuine().qe_report();
    let b = r[48];
    assert_eq!(tdx_tcb::qe_status(&qe_identity(), &set(r, 48, b ^ 0x04)), 0);
}

#[test, expected_failure(abort_code = tdx_tcb::EQeAttributesMismatch)]
fun qe_attributes_mismatch() {
    let r = *genuine().qe_report();
    let b = r[48];
    tdx_tcb::qe_status(&qe_identity(), &set(r, 48, b ^ 0x01));
}
