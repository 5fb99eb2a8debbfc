/// Intel TDX DCAP quote layout (versions 4 and 5, ECDSA-256 attestation key, certification
/// data type 6 carrying the QE report and the type-5 PEM PCK chain). Parsing only: the
/// signatures and the chain are checked by `tee_verify::tdx`.
module tee_verify::tdx_quote;

use tee_verify::der;

// === Errors ===

#[error(code = 40)]
const ETruncated: vector<u8> = b"quote is shorter than its declared layout";
#[error(code = 41)]
const EUnsupportedVersion: vector<u8> = b"quote version is not 4 or 5";
#[error(code = 42)]
const EUnsupportedKeyType: vector<u8> = b"attestation key type is not 2 (ECDSA-256 P-256)";
#[error(code = 43)]
const ENotTdx: vector<u8> = b"TEE type is not TDX (0x81)";
#[error(code = 44)]
const EBadBodyType: vector<u8> = b"v5 body type/size is not 2/584 (TDX 1.0) or 3/648 (TDX 1.5)";
#[error(code = 45)]
const EBadCertificationType: vector<u8> = b"certification data type is not 6 (QE report)";
#[error(code = 46)]
const EBadPckDataType: vector<u8> = b"inner certification data type is not 5 (PEM PCK chain)";
#[error(code = 47)]
const ESizeMismatch: vector<u8> = b"certification data sizes do not add up to the signature data";
#[error(code = 48)]
const EBadPem: vector<u8> = b"PCK chain is not canonical PEM CERTIFICATE blocks";
#[error(code = 49)]
const EBadBody: vector<u8> = b"TD report body is not 584 or 648 bytes";

// === Constants ===

const HEADER_LEN: u64 = 48;
const BODY_V4_LEN: u64 = 584;
const BODY_15_LEN: u64 = 648;
const QE_REPORT_LEN: u64 = 384;
const AK_TYPE_ECDSA_P256: u16 = 2;
const TEE_TYPE_TDX: u32 = 0x81;
const CERT_TYPE_QE_REPORT: u16 = 6;
const CERT_TYPE_PCK_CHAIN: u16 = 5;
/// Offsets inside the TD report body.
const TD_ATTRIBUTES_AT: u64 = 120;
const MRTD_AT: u64 = 136;
const RTMR0_AT: u64 = 376;
const REPORT_DATA_AT: u64 = 520;
const PEM_BEGIN: vector<u8> = b"-----BEGIN CERTIFICATE-----\n";
const PEM_END: vector<u8> = b"-----END CERTIFICATE-----\n";

// === Structs ===

/// A TD report body (TDX 1.0: 584 bytes; TDX 1.5: 648 bytes).
public struct TdReport has copy, drop {
    raw: vector<u8>,
}

public struct Quote has copy, drop {
    version: u16,
    /// Header || body: what the attestation key signs.
    signed: vector<u8>,
    body: TdReport,
    /// 64-byte `r || s` as in the quote (not normalised).
    signature: vector<u8>,
    /// 64-byte `x || y`.
    attestation_key: vector<u8>,
    qe_report: vector<u8>,
    qe_report_signature: vector<u8>,
    qe_auth_data: vector<u8>,
    /// DER certificates of the PCK chain, leaf first.
    pck_chain: vector<vector<u8>>,
}

// === Public-View ===

public fun parse(q: &vector<u8>): Quote {
    let n = q.length();
    assert!(n >= HEADER_LEN, ETruncated);
    let version = (u_le(q, 0, 2) as u16);
    assert!(version == 4 || version == 5, EUnsupportedVersion);
    assert!((u_le(q, 2, 2) as u16) == AK_TYPE_ECDSA_P256, EUnsupportedKeyType);
    assert!((u_le(q, 4, 4) as u32) == TEE_TYPE_TDX, ENotTdx);
    let mut p = HEADER_LEN;
    if (version == 5) {
        need(n, p, 6);
        let body_type = u_le(q, p, 2);
        let body_size = u_le(q, p + 2, 4);
        assert!(
            (body_type == 2 && body_size == BODY_V4_LEN) || (body_type == 3 && body_size == BODY_15_LEN),
            EBadBodyType,
        );
        p = p + 6;
        need(n, p, body_size);
        p = p + body_size;
    } else {
        need(n, p, BODY_V4_LEN);
        p = p + BODY_V4_LEN;
    };
    let body = body_from_bytes(der::slice(q, p - body_len_at(q, version), p));
    let signed = der::slice(q, 0, p);

    need(n, p, 4);
    let sig_len = u_le(q, p, 4);
    p = p + 4;
    need(n, p, sig_len);
    let sig_end = p + sig_len;
    need(sig_end, p, 64 + 64 + 6);
    let signature = der::slice(q, p, p + 64);
    let attestation_key = der::slice(q, p + 64, p + 128);
    p = p + 128;
    assert!((u_le(q, p, 2) as u16) == CERT_TYPE_QE_REPORT, EBadCertificationType);
    let cert_size = u_le(q, p + 2, 4);
    p = p + 6;
    assert!(p + cert_size == sig_end, ESizeMismatch);
    need(sig_end, p, QE_REPORT_LEN + 64 + 2);
    let qe_report = der::slice(q, p, p + QE_REPORT_LEN);
    let qe_report_signature = der::slice(q, p + QE_REPORT_LEN, p + QE_REPORT_LEN + 64);
    p = p + QE_REPORT_LEN + 64;
    let auth_len = u_le(q, p, 2);
    p = p + 2;
    need(sig_end, p, auth_len + 6);
    let qe_auth_data = der::slice(q, p, p + auth_len);
    p = p + auth_len;
    assert!((u_le(q, p, 2) as u16) == CERT_TYPE_PCK_CHAIN, EBadPckDataType);
    let pem_size = u_le(q, p + 2, 4);
    p = p + 6;
    assert!(p + pem_size == sig_end, ESizeMismatch);
    let pck_chain = parse_pem_chain(q, p, sig_end);
    Quote {
        version,
        signed,
        body,
        signature,
        attestation_key,
        qe_report,
        qe_report_signature,
        qe_auth_data,
        pck_chain,
    }
}

/// A TD report body from its raw bytes (584 or 648).
public fun body_from_bytes(raw: vector<u8>): TdReport {
    assert!(raw.length() == BODY_V4_LEN || raw.length() == BODY_15_LEN, EBadBody);
    TdReport { raw }
}

public fun version(q: &Quote): u16 { q.version }

public fun signed_bytes(q: &Quote): &vector<u8> { &q.signed }

public fun body(q: &Quote): &TdReport { &q.body }

public fun signature(q: &Quote): &vector<u8> { &q.signature }

public fun attestation_key(q: &Quote): &vector<u8> { &q.attestation_key }

public fun qe_report(q: &Quote): &vector<u8> { &q.qe_report }

public fun qe_report_signature(q: &Quote): &vector<u8> { &q.qe_report_signature }

public fun qe_auth_data(q: &Quote): &vector<u8> { &q.qe_auth_data }

public fun pck_chain(q: &Quote): &vector<vector<u8>> { &q.pck_chain }

/// REPORTDATA of the QE report (64 bytes).
public fun qe_report_data(q: &Quote): vector<u8> { der::slice(&q.qe_report, 320, 384) }

public fun raw(r: &TdReport): &vector<u8> { &r.raw }

public fun td_attributes(r: &TdReport): vector<u8> { der::slice(&r.raw, TD_ATTRIBUTES_AT, TD_ATTRIBUTES_AT + 8) }

/// Bit 0 of TDATTRIBUTES: the TD runs in debug mode (its memory is readable by the host).
public fun is_debug(r: &TdReport): bool { r.raw[TD_ATTRIBUTES_AT] & 1 == 1 }

public fun mrtd(r: &TdReport): vector<u8> { der::slice(&r.raw, MRTD_AT, MRTD_AT + 48) }

/// RTMR `i` (0..=3), 48 bytes.
public fun rtmr(r: &TdReport, i: u64): vector<u8> {
    let at = RTMR0_AT + 48 * i;
    der::slice(&r.raw, at, at + 48)
}

public fun report_data(r: &TdReport): vector<u8> { der::slice(&r.raw, REPORT_DATA_AT, REPORT_DATA_AT + 64) }

// === Private ===

fun body_len_at(q: &vector<u8>, version: u16): u64 {
    if (version == 4) BODY_V4_LEN else u_le(q, HEADER_LEN + 2, 4)
}

fun need(limit: u64, pos: u64, n: u64) {
    assert!(pos <= limit && n <= limit - pos, ETruncated);
}

fun u_le(q: &vector<u8>, at: u64, n: u64): u64 {
    assert!(at + n <= q.length(), ETruncated);
    let mut v = 0;
    let mut i = n;
    while (i > 0) {
        i = i - 1;
        v = (v << 8) | (q[at + i] as u64);
    };
    v
}

fun starts_with(q: &vector<u8>, at: u64, end: u64, prefix: &vector<u8>): bool {
    let k = prefix.length();
    if (at + k > end) return false;
    let mut i = 0;
    while (i < k) {
        if (q[at + i] != prefix[i]) return false;
        i = i + 1;
    };
    true
}

/// PEM CERTIFICATE blocks back to back (base64 in lines ending with `\n`), then only zero
/// bytes up to `end`; the base64 must be canonical (padding bits zero).
fun parse_pem_chain(q: &vector<u8>, from: u64, end_: u64): vector<vector<u8>> {
    let mut end = end_;
    while (end > from && q[end - 1] == 0) end = end - 1;
    let mut out = vector[];
    let mut p = from;
    while (p < end) {
        assert!(starts_with(q, p, end, &PEM_BEGIN), EBadPem);
        p = p + PEM_BEGIN.length();
        let mut der = vector[];
        let mut acc: u64 = 0;
        let mut bits: u64 = 0;
        let mut pad = 0;
        while (!starts_with(q, p, end, &PEM_END)) {
            assert!(p < end, EBadPem);
            let c = q[p];
            p = p + 1;
            if (c == 0x0a) continue;
            if (c == 0x3d) {
                pad = pad + 1;
                continue
            };
            assert!(pad == 0, EBadPem);
            acc = ((acc << 6) | b64_value(c)) & 0xffffff;
            bits = bits + 6;
            if (bits >= 8) {
                bits = bits - 8;
                der.push_back(((acc >> (bits as u8)) & 0xff) as u8);
            };
        };
        // Canonical: pad = chars missing to a multiple of 4, and the leftover bits are zero.
        assert!(pad <= 2 && (bits == 0 && pad == 0 || bits == 2 && pad == 1 || bits == 4 && pad == 2), EBadPem);
        assert!(acc & ((1 << (bits as u8)) - 1) == 0, EBadPem);
        p = p + PEM_END.length();
        out.push_back(der);
    };
    assert!(out.length() > 0, EBadPem);
    out
}

fun b64_value(c: u8): u64 {
    if (c >= 0x41 && c <= 0x5a) return ((c - 0x41) as u64);
    if (c >= 0x61 && c <= 0x7a) return ((c - 0x61 + 26) as u64);
    if (c >= 0x30 && c <= 0x39) return ((c - 0x30 + 52) as u64);
    if (c == 0x2b) return 62;
    assert!(c == 0x2f, EBadPem);
    63
}
