/// TCB evaluation of a verified TDX quote against Intel's signed collateral, as Intel's Quote
/// Verification Library does it: the platform's TCB level from the TCB info (the PCK
/// certificate's SGX extension: FMSPC, PCE-ID, 16 CPU SVN components, PCESVN; the quote's
/// TEE_TCB_SVN for the TDX components; the TDX module's MRSIGNER/attributes), the QE's TCB
/// level from the QE identity (MRSIGNER, ISVPRODID, MISCSELECT and attributes under their
/// masks, ISVSVN), and the final status converged from both (a QE out of date makes the
/// platform out of date; a revoked QE makes it revoked). Status codes are the registry's
/// TCB_* codes (0 UpToDate .. 6 Revoked).
module tee_verify::tdx_tcb;

use tee_verify::der;
use tee_verify::x509::{Self, Certificate};

// === Errors ===

#[error(code = 100)]
const ENoPckExtension: vector<u8> = b"PCK leaf certificate has no SGX extension (1.2.840.113741.1.13.1)";
#[error(code = 101)]
const EBadPckExtension: vector<u8> = b"PCK SGX extension lacks FMSPC, PCE-ID, the 16 TCB components or PCESVN";
#[error(code = 102)]
const EFmspcMismatch: vector<u8> = b"TCB info fmspc is not the PCK certificate's FMSPC";
#[error(code = 103)]
const EPceIdMismatch: vector<u8> = b"TCB info pceId is not the PCK certificate's PCE-ID";
#[error(code = 104)]
const ENoTcbLevel: vector<u8> = b"no TCB level matches the PCK SGX components, PCESVN and the quote's TEE_TCB_SVN";
#[error(code = 105)]
const EBadCollateralJson: vector<u8> = b"TCB info / QE identity is not in the shape Intel's PCS serves";
#[error(code = 106)]
const ETdxModuleMismatch: vector<u8> = b"TD report MRSIGNERSEAM/SEAMATTRIBUTES differ from the TCB info tdxModule";
#[error(code = 107)]
const EUnsupportedTdxModule: vector<u8> = b"TEE_TCB_SVN[1] > 0 (TDX module 1.5+) needs tdxModuleIdentities, not evaluated";
#[error(code = 108)]
const ENotTdQeIdentity: vector<u8> = b"QE identity id is not TD_QE";
#[error(code = 109)]
const EQeMrsignerMismatch: vector<u8> = b"QE report MRSIGNER differs from the QE identity";
#[error(code = 110)]
const EQeIsvProdIdMismatch: vector<u8> = b"QE report ISVPRODID differs from the QE identity";
#[error(code = 111)]
const EQeMiscselectMismatch: vector<u8> = b"QE report MISCSELECT under the mask differs from the QE identity";
#[error(code = 112)]
const EQeAttributesMismatch: vector<u8> = b"QE report attributes under the mask differ from the QE identity";

// === Constants ===

/// 1.2.840.113741.1.13.1 (Intel SGX extensions) and its sub-OIDs.
const OID_SGX: vector<u8> = x"2a864886f84d010d01";
const SGX_TCB: u8 = 2;
const SGX_PCE_ID: u8 = 3;
const SGX_FMSPC: u8 = 4;
const TAG_OCTET_STRING: u8 = 0x04;
const TCB_UP_TO_DATE: u8 = 0;
const TCB_SW_HARDENING_NEEDED: u8 = 1;
const TCB_CONFIGURATION_NEEDED: u8 = 2;
const TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED: u8 = 3;
const TCB_OUT_OF_DATE: u8 = 4;
const TCB_OUT_OF_DATE_CONFIGURATION_NEEDED: u8 = 5;
const TCB_REVOKED: u8 = 6;

// === Structs ===

/// The TCB the PCK certificate was issued for.
public struct PckTcb has copy, drop {
    fmspc: vector<u8>,
    pce_id: vector<u8>,
    /// The 16 SGX TCB component SVNs (extension sub-OIDs .2.1 to .2.16).
    sgx_components: vector<u64>,
    pce_svn: u64,
}

// === Public-View ===

/// Reads the SGX extension of a PCK leaf certificate.
public fun pck_tcb(leaf: &Certificate): PckTcb {
    let ext = x509::extension(leaf, &OID_SGX);
    assert!(ext.is_some(), ENoPckExtension);
    let e = ext.destroy_some();
    let n = e.length();
    let outer = der::expect(&e, 0, n, der::tag_sequence());
    let (mut fmspc, mut pce_id) = (vector[], vector[]);
    let mut sgx_components = vector[];
    let mut pce_svn = 0;
    let mut found_svn = false;
    let mut p = outer.value_start();
    while (p < outer.end()) {
        let item = der::expect(&e, p, outer.end(), der::tag_sequence());
        let id = der::expect(&e, item.value_start(), item.end(), der::tag_oid());
        let v = der::read(&e, id.end(), item.end());
        let sub = sub_oid(&der::value(&e, &id));
        if (sub == SGX_FMSPC && v.tag() == TAG_OCTET_STRING) fmspc = der::value(&e, &v)
        else if (sub == SGX_PCE_ID && v.tag() == TAG_OCTET_STRING) pce_id = der::value(&e, &v)
        else if (sub == SGX_TCB) {
            assert!(v.tag() == der::tag_sequence(), EBadPckExtension);
            let mut q = v.value_start();
            while (q < v.end()) {
                let c = der::expect(&e, q, v.end(), der::tag_sequence());
                let cid = der::expect(&e, c.value_start(), c.end(), der::tag_oid());
                let cv = der::read(&e, cid.end(), c.end());
                let oid = der::value(&e, &cid);
                let k = if (oid.length() == OID_SGX.length() + 2) oid[OID_SGX.length() + 1] else 0;
                if (k >= 1 && k <= 16) {
                    assert!((k as u64) == sgx_components.length() + 1, EBadPckExtension);
                    sgx_components.push_back(small_int(&e, &cv));
                } else if (k == 17) {
                    pce_svn = small_int(&e, &cv);
                    found_svn = true;
                };
                q = c.end();
            };
        };
        p = item.end();
    };
    assert!(fmspc.length() == 6 && pce_id.length() == 2, EBadPckExtension);
    assert!(sgx_components.length() == 16 && found_svn, EBadPckExtension);
    PckTcb { fmspc, pce_id, sgx_components, pce_svn }
}

public fun fmspc(t: &PckTcb): vector<u8> { t.fmspc }

public fun pce_id(t: &PckTcb): vector<u8> { t.pce_id }

public fun sgx_components(t: &PckTcb): vector<u64> { t.sgx_components }

public fun pce_svn(t: &PckTcb): u64 { t.pce_svn }

/// The platform's TCB status from the signed TCB info body (`{"id":"TDX","version":3,...}`):
/// FMSPC and PCE-ID must be the PCK certificate's; the TDX module's MRSIGNER and attributes
/// (under the mask) the TD report's MRSIGNERSEAM (body 64..112) and SEAMATTRIBUTES (112..120);
/// then the first of `tcbLevels` whose 16 SGX components and PCESVN are at most the PCK
/// certificate's and whose 16 TDX components are at most `TEE_TCB_SVN` (body 0..16).
public fun platform_status(tcb_info: &vector<u8>, pck: &PckTcb, td_body: &vector<u8>): u8 {
    assert!(hex_field(tcb_info, b"\"fmspc\":\"", 6) == pck.fmspc, EFmspcMismatch);
    assert!(hex_field(tcb_info, b"\"pceId\":\"", 2) == pck.pce_id, EPceIdMismatch);
    let tee_tcb_svn = der::slice(td_body, 0, 16);
    // TDX 1.5 modules (TEE_TCB_SVN[1] > 0) are matched through tdxModuleIdentities: fail closed.
    assert!(tee_tcb_svn[1] == 0, EUnsupportedTdxModule);
    let (has_module, module_at) = find_from(tcb_info, &b"\"tdxModule\":{", 0);
    if (has_module) {
        let mrsigner = hex_field_from(tcb_info, b"\"mrsigner\":\"", 48, module_at);
        let attributes = hex_field_from(tcb_info, b"\"attributes\":\"", 8, module_at);
        let mask = hex_field_from(tcb_info, b"\"attributesMask\":\"", 8, module_at);
        assert!(der::slice(td_body, 64, 112) == mrsigner, ETdxModuleMismatch);
        assert!(masked(&der::slice(td_body, 112, 120), &mask) == attributes, ETdxModuleMismatch);
    };
    let (found, levels_at) = find_from(tcb_info, &b"\"tcbLevels\":[", 0);
    assert!(found, EBadCollateralJson);
    let mut p = levels_at;
    loop {
        let (more, at) = find_from(tcb_info, &b"\"sgxtcbcomponents\":[", p);
        if (!more) abort ENoTcbLevel;
        let mut ok = true;
        let mut i = 0;
        p = at;
        while (i < 16) {
            let (svn, next) = svn_after(tcb_info, p);
            if (svn > pck.sgx_components[i]) ok = false;
            p = next;
            i = i + 1;
        };
        let (f, pcesvn_at) = find_from(tcb_info, &b"\"pcesvn\":", p);
        assert!(f, EBadCollateralJson);
        let (pcesvn, next) = read_uint(tcb_info, pcesvn_at);
        if (pcesvn > pck.pce_svn) ok = false;
        let (f, tdx_at) = find_from(tcb_info, &b"\"tdxtcbcomponents\":[", next);
        assert!(f, EBadCollateralJson);
        p = tdx_at;
        i = 0;
        while (i < 16) {
            let (svn, next) = svn_after(tcb_info, p);
            if (svn > (tee_tcb_svn[i] as u64)) ok = false;
            p = next;
            i = i + 1;
        };
        let (status, next) = status_after(tcb_info, p);
        p = next;
        if (ok) return status
    }
}

/// The QE's TCB status from the signed QE identity body (`{"id":"TD_QE",...}`) and the
/// 384-byte QE report (SGX report body): MRSIGNER (128..160), ISVPRODID (256..258, LE),
/// MISCSELECT (16..20, LE) and attributes (48..64) under their masks must match; the status
/// is that of the first `tcbLevels` entry whose isvsvn is at most the report's ISVSVN
/// (258..260, LE), Revoked when none is.
public fun qe_status(qe_identity: &vector<u8>, qe_report: &vector<u8>): u8 {
    assert!(starts_with(qe_identity, &b"{\"id\":\"TD_QE\""), ENotTdQeIdentity);
    assert!(qe_report.length() == 384, EBadCollateralJson);
    let mrsigner = hex_field(qe_identity, b"\"mrsigner\":\"", 32);
    assert!(der::slice(qe_report, 128, 160) == mrsigner, EQeMrsignerMismatch);
    let (f, prod_at) = find_from(qe_identity, &b"\"isvprodid\":", 0);
    assert!(f, EBadCollateralJson);
    let (prod_id, _) = read_uint(qe_identity, prod_at);
    assert!(le(qe_report, 256, 2) == prod_id, EQeIsvProdIdMismatch);
    // MISCSELECT is a little-endian u32 in the report, big-endian hex in the identity.
    let misc = hex_field(qe_identity, b"\"miscselect\":\"", 4);
    let misc_mask = hex_field(qe_identity, b"\"miscselectMask\":\"", 4);
    let mut report_misc = der::slice(qe_report, 16, 20);
    report_misc.reverse();
    assert!(masked(&report_misc, &misc_mask) == misc, EQeMiscselectMismatch);
    let attributes = hex_field(qe_identity, b"\"attributes\":\"", 16);
    let attributes_mask = hex_field(qe_identity, b"\"attributesMask\":\"", 16);
    assert!(masked(&der::slice(qe_report, 48, 64), &attributes_mask) == attributes, EQeAttributesMismatch);
    let isv_svn = le(qe_report, 258, 2);
    let (found, levels_at) = find_from(qe_identity, &b"\"tcbLevels\":[", 0);
    assert!(found, EBadCollateralJson);
    let mut p = levels_at;
    loop {
        let (more, at) = find_from(qe_identity, &b"\"isvsvn\":", p);
        if (!more) return TCB_REVOKED;
        let (level_svn, next) = read_uint(qe_identity, at);
        let (status, next) = status_after(qe_identity, next);
        p = next;
        if (level_svn <= isv_svn) return status
    }
}

/// The final status as Intel's QVL converges them: a revoked QE revokes; a QE out of date
/// turns UpToDate / SWHardeningNeeded into OutOfDate and the ConfigurationNeeded statuses into
/// OutOfDateConfigurationNeeded; otherwise the platform's status stands.
public fun converge(platform: u8, qe: u8): u8 {
    if (qe == TCB_REVOKED || platform == TCB_REVOKED) return TCB_REVOKED;
    if (qe == TCB_OUT_OF_DATE || qe == TCB_OUT_OF_DATE_CONFIGURATION_NEEDED) {
        if (platform == TCB_UP_TO_DATE || platform == TCB_SW_HARDENING_NEEDED) return TCB_OUT_OF_DATE;
        if (platform == TCB_CONFIGURATION_NEEDED || platform == TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    };
    platform
}

/// Intel's status name -> TCB_* code.
public fun status_code(s: vector<u8>): u8 {
    if (s == b"UpToDate") TCB_UP_TO_DATE
    else if (s == b"SWHardeningNeeded") TCB_SW_HARDENING_NEEDED
    else if (s == b"ConfigurationNeeded") TCB_CONFIGURATION_NEEDED
    else if (s == b"ConfigurationAndSWHardeningNeeded") TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED
    else if (s == b"OutOfDate") TCB_OUT_OF_DATE
    else if (s == b"OutOfDateConfigurationNeeded") TCB_OUT_OF_DATE_CONFIGURATION_NEEDED
    else if (s == b"Revoked") TCB_REVOKED
    else abort EBadCollateralJson
}

// === Private ===

/// The last arc of an OID under 1.2.840.113741.1.13.1 (0 when it is not directly under it).
fun sub_oid(oid: &vector<u8>): u8 {
    if (oid.length() != OID_SGX.length() + 1) return 0;
    if (der::slice(oid, 0, OID_SGX.length()) != OID_SGX) return 0;
    oid[OID_SGX.length()]
}

/// A non-negative DER INTEGER of at most 2 value bytes (SVNs are u8/u16).
fun small_int(data: &vector<u8>, t: &der::Tlv): u64 {
    assert!(t.tag() == der::tag_integer() && t.len() >= 1 && t.len() <= 3, EBadPckExtension);
    assert!(data[t.value_start()] & 0x80 == 0, EBadPckExtension);
    let mut v = 0;
    let mut i = t.value_start();
    while (i < t.end()) {
        v = (v << 8) | (data[i] as u64);
        i = i + 1;
    };
    assert!(v <= 0xffff, EBadPckExtension);
    v
}

fun masked(value: &vector<u8>, mask: &vector<u8>): vector<u8> {
    let mut out = vector[];
    let mut i = 0;
    while (i < value.length()) {
        out.push_back(value[i] & mask[i]);
        i = i + 1;
    };
    out
}

fun le(data: &vector<u8>, at: u64, n: u64): u64 {
    let mut v = 0;
    let mut i = n;
    while (i > 0) {
        i = i - 1;
        v = (v << 8) | (data[at + i] as u64);
    };
    v
}

/// The next `{"svn":N` at or after `from`: (N, index after N).
fun svn_after(s: &vector<u8>, from: u64): (u64, u64) {
    let (f, at) = find_from(s, &b"{\"svn\":", from);
    assert!(f, EBadCollateralJson);
    let (v, next) = read_uint(s, at);
    assert!(v <= 255, EBadCollateralJson);
    (v, next)
}

/// The next `"tcbStatus":"<name>"` at or after `from`: (code, index after the name).
fun status_after(s: &vector<u8>, from: u64): (u8, u64) {
    let (f, at) = find_from(s, &b"\"tcbStatus\":\"", from);
    assert!(f, EBadCollateralJson);
    let mut end = at;
    while (end < s.length() && s[end] != 0x22) end = end + 1;
    (status_code(der::slice(s, at, end)), end)
}

/// `<name>"<2n hex digits>"` (the first occurrence) decoded to n bytes.
fun hex_field(s: &vector<u8>, name: vector<u8>, n: u64): vector<u8> { hex_field_from(s, name, n, 0) }

fun hex_field_from(s: &vector<u8>, name: vector<u8>, n: u64, from: u64): vector<u8> {
    let (f, at) = find_from(s, &name, from);
    assert!(f && at + 2 * n < s.length() && s[at + 2 * n] == 0x22, EBadCollateralJson);
    let mut out = vector[];
    let mut i = 0;
    while (i < n) {
        out.push_back(nibble(s[at + 2 * i]) * 16 + nibble(s[at + 2 * i + 1]));
        i = i + 1;
    };
    out
}

fun nibble(c: u8): u8 {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    assert!(c >= 0x41 && c <= 0x46, EBadCollateralJson);
    c - 0x41 + 10
}

/// (found, index just past `needle`) of the first `needle` at or after `from`.
fun find_from(hay: &vector<u8>, needle: &vector<u8>, from: u64): (bool, u64) {
    let (n, k) = (hay.length(), needle.length());
    let mut i = from;
    while (i + k <= n) {
        let mut j = 0;
        while (j < k && hay[i + j] == needle[j]) j = j + 1;
        if (j == k) return (true, i + k);
        i = i + 1;
    };
    (false, n)
}

fun read_uint(s: &vector<u8>, from: u64): (u64, u64) {
    let mut v = 0;
    let mut i = from;
    while (i < s.length() && s[i] >= 0x30 && s[i] <= 0x39) {
        v = v * 10 + ((s[i] - 0x30) as u64);
        i = i + 1;
    };
    assert!(i > from && i - from <= 5, EBadCollateralJson);
    (v, i)
}

fun starts_with(s: &vector<u8>, prefix: &vector<u8>): bool {
    s.length() >= prefix.length() && der::slice(s, 0, prefix.length()) == *prefix
}
