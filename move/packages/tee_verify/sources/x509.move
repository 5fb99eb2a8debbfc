/// X.509 certificates signed with ecdsa-with-SHA256 over a P-256 key (the Intel PCK chain):
/// the signed TBS bytes, raw issuer/subject names, validity, the subject's key as a 33-byte
/// compressed SEC1 point and the signature as 64-byte `r || s` with `s` made low, which is
/// what `sui::ecdsa_r1::secp256r1_verify` takes (it refuses high-S signatures).
module tee_verify::x509;

use sui::ecdsa_r1;
use tee_verify::der;

// === Errors ===

#[error(code = 20)]
const EUnsupportedSignatureAlgorithm: vector<u8> = b"certificate signature algorithm is not ecdsa-with-SHA256";
#[error(code = 21)]
const EUnsupportedKey: vector<u8> = b"certificate key is not an uncompressed P-256 point";
#[error(code = 22)]
const ETrailingData: vector<u8> = b"certificate has bytes after its outer SEQUENCE";
#[error(code = 23)]
const EAlgorithmMismatch: vector<u8> = b"TBS signature algorithm differs from the outer one";
#[error(code = 24)]
const EBadExtensions: vector<u8> = b"certificate extensions are not [3] SEQUENCE OF {OID, BOOLEAN?, OCTET STRING}";

// === Constants ===

/// 1.2.840.10045.4.3.2 ecdsa-with-SHA256
const OID_ECDSA_SHA256: vector<u8> = x"2a8648ce3d040302";
/// 1.2.840.10045.2.1 id-ecPublicKey
const OID_EC_PUBLIC_KEY: vector<u8> = x"2a8648ce3d0201";
/// 1.2.840.10045.3.1.7 prime256v1
const OID_P256: vector<u8> = x"2a8648ce3d030107";
/// 2.5.4.3 commonName
const OID_COMMON_NAME: vector<u8> = x"550403";
const TAG_SET: u8 = 0x31;
const TAG_BOOLEAN: u8 = 0x01;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_EXTENSIONS: u8 = 0xa3;
/// Order of the P-256 group.
const P256_N: u256 = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
/// `secp256r1_verify` hash selector for SHA-256.
const SHA256: u8 = 1;

// === Structs ===

public struct Certificate has copy, drop {
    tbs: vector<u8>,
    issuer: vector<u8>,
    subject: vector<u8>,
    not_before_ms: u64,
    not_after_ms: u64,
    /// Compressed SEC1 (33 bytes).
    public_key: vector<u8>,
    /// `r || s`, `s` low.
    signature: vector<u8>,
}

// === Public-View ===

/// Parses a DER certificate; aborts on anything but a P-256 key signed with ecdsa-with-SHA256.
public fun parse(cert: &vector<u8>): Certificate {
    let n = cert.length();
    let outer = der::expect(cert, 0, n, der::tag_sequence());
    assert!(outer.end() == n, ETrailingData);
    let limit = outer.end();
    let tbs_tlv = der::expect(cert, outer.value_start(), limit, der::tag_sequence());
    let alg = der::expect(cert, tbs_tlv.end(), limit, der::tag_sequence());
    let sig_bits = der::expect(cert, alg.end(), limit, der::tag_bit_string());
    assert!(sig_bits.end() == limit, ETrailingData);
    let alg_raw = der::raw(cert, &alg);
    assert!(algorithm_oid(cert, &alg) == OID_ECDSA_SHA256, EUnsupportedSignatureAlgorithm);

    // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, ...
    let tl = tbs_tlv.end();
    let mut p = tbs_tlv.value_start();
    let first = der::read(cert, p, tl);
    if (first.tag() == 0xa0) p = first.end();
    let serial = der::expect(cert, p, tl, der::tag_integer());
    let inner_alg = der::expect(cert, serial.end(), tl, der::tag_sequence());
    assert!(der::raw(cert, &inner_alg) == alg_raw, EAlgorithmMismatch);
    let issuer = der::expect(cert, inner_alg.end(), tl, der::tag_sequence());
    let validity = der::expect(cert, issuer.end(), tl, der::tag_sequence());
    let not_before = der::read(cert, validity.value_start(), validity.end());
    let not_after = der::read(cert, not_before.end(), validity.end());
    let subject = der::expect(cert, validity.end(), tl, der::tag_sequence());
    let spki = der::expect(cert, subject.end(), tl, der::tag_sequence());
    let key_alg = der::expect(cert, spki.value_start(), spki.end(), der::tag_sequence());
    let key_oid = der::expect(cert, key_alg.value_start(), key_alg.end(), der::tag_oid());
    let curve_oid = der::expect(cert, key_oid.end(), key_alg.end(), der::tag_oid());
    assert!(der::value(cert, &key_oid) == OID_EC_PUBLIC_KEY, EUnsupportedKey);
    assert!(der::value(cert, &curve_oid) == OID_P256, EUnsupportedKey);
    let key_bits = der::expect(cert, key_alg.end(), spki.end(), der::tag_bit_string());
    let point = der::bit_string(cert, &key_bits);

    Certificate {
        tbs: der::raw(cert, &tbs_tlv),
        issuer: der::raw(cert, &issuer),
        subject: der::raw(cert, &subject),
        not_before_ms: der::time_ms(cert, &not_before),
        not_after_ms: der::time_ms(cert, &not_after),
        public_key: compress_p256(&point),
        signature: signature_from_der(&der::bit_string(cert, &sig_bits)),
    }
}

/// True when `issuer_key` (compressed P-256) signed this certificate's TBS bytes.
public fun is_signed_by(cert: &Certificate, issuer_key: &vector<u8>): bool {
    ecdsa_r1::secp256r1_verify(&cert.signature, issuer_key, &cert.tbs, SHA256)
}

/// True when `now_ms` is before notBefore.
public fun not_yet_valid(cert: &Certificate, now_ms: u64): bool { now_ms < cert.not_before_ms }

/// True when `now_ms` is after notAfter.
public fun expired(cert: &Certificate, now_ms: u64): bool { now_ms > cert.not_after_ms }

public fun tbs(cert: &Certificate): &vector<u8> { &cert.tbs }

public fun issuer(cert: &Certificate): &vector<u8> { &cert.issuer }

public fun subject(cert: &Certificate): &vector<u8> { &cert.subject }

public fun not_before_ms(cert: &Certificate): u64 { cert.not_before_ms }

public fun not_after_ms(cert: &Certificate): u64 { cert.not_after_ms }

public fun public_key(cert: &Certificate): &vector<u8> { &cert.public_key }

public fun signature(cert: &Certificate): &vector<u8> { &cert.signature }

/// True when the subject Name has a commonName (2.5.4.3) attribute whose value bytes are `cn`.
public fun subject_has_common_name(cert: &Certificate, cn: &vector<u8>): bool {
    let name = &cert.subject;
    let outer = der::expect(name, 0, name.length(), der::tag_sequence());
    let mut p = outer.value_start();
    while (p < outer.end()) {
        let set = der::expect(name, p, outer.end(), TAG_SET);
        let mut q = set.value_start();
        while (q < set.end()) {
            let attr = der::expect(name, q, set.end(), der::tag_sequence());
            let oid = der::expect(name, attr.value_start(), attr.end(), der::tag_oid());
            let value = der::read(name, oid.end(), attr.end());
            if (der::value(name, &oid) == OID_COMMON_NAME && &der::value(name, &value) == cn) return true;
            q = attr.end();
        };
        p = set.end();
    };
    false
}

/// The serial number: the content bytes of the TBS serialNumber INTEGER, as DER has them
/// (compare with a CRL entry's `userCertificate` content bytes).
public fun serial(cert: &Certificate): vector<u8> {
    let (tbs, _) = tbs_fields(cert);
    let tl = tbs.length();
    let outer = der::expect(&tbs, 0, tl, der::tag_sequence());
    let mut p = outer.value_start();
    let first = der::read(&tbs, p, tl);
    if (first.tag() == 0xa0) p = first.end();
    let serial = der::expect(&tbs, p, tl, der::tag_integer());
    der::value(&tbs, &serial)
}

/// The extnValue (OCTET STRING content) of the extension `oid` (OID content bytes), if the
/// certificate has it.
public fun extension(cert: &Certificate, oid: &vector<u8>): Option<vector<u8>> {
    let (tbs, after_spki) = tbs_fields(cert);
    let tl = tbs.length();
    let mut p = after_spki;
    while (p < tl) {
        let t = der::read(&tbs, p, tl);
        if (t.tag() == TAG_EXTENSIONS) {
            let list = der::expect(&tbs, t.value_start(), t.end(), der::tag_sequence());
            assert!(list.end() == t.end(), EBadExtensions);
            let mut q = list.value_start();
            while (q < list.end()) {
                let ext = der::expect(&tbs, q, list.end(), der::tag_sequence());
                let id = der::expect(&tbs, ext.value_start(), ext.end(), der::tag_oid());
                let mut v = der::read(&tbs, id.end(), ext.end());
                if (v.tag() == TAG_BOOLEAN) v = der::read(&tbs, v.end(), ext.end());
                assert!(v.tag() == TAG_OCTET_STRING && v.end() == ext.end(), EBadExtensions);
                if (&der::value(&tbs, &id) == oid) return option::some(der::value(&tbs, &v));
                q = ext.end();
            };
            return option::none()
        };
        p = t.end();
    };
    option::none()
}

/// `0x04 || x || y` (65 bytes) -> `0x02/0x03 || x` (33 bytes).
public fun compress_p256(point: &vector<u8>): vector<u8> {
    assert!(point.length() == 65 && point[0] == 4, EUnsupportedKey);
    let mut out = vector[2 + (point[64] & 1)];
    out.append(der::slice(point, 1, 33));
    out
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` -> 64-byte `r || s` with low `s`.
public fun signature_from_der(sig: &vector<u8>): vector<u8> {
    let n = sig.length();
    let seq = der::expect(sig, 0, n, der::tag_sequence());
    assert!(seq.end() == n, ETrailingData);
    let r = der::expect(sig, seq.value_start(), n, der::tag_integer());
    let s = der::expect(sig, r.end(), n, der::tag_integer());
    assert!(s.end() == seq.end(), ETrailingData);
    let mut out = der::integer_32(sig, &r);
    out.append(der::integer_32(sig, &s));
    low_s(&out)
}

/// 64-byte `r || s` with `s` replaced by `n - s` when `s > n / 2` (both verify in ECDSA;
/// `secp256r1_verify` only accepts the low one). `s >= n` is left as is: it never verifies.
public fun low_s(sig: &vector<u8>): vector<u8> {
    assert!(sig.length() == 64, EUnsupportedKey);
    let s = be_to_u256(sig, 32);
    if (s <= P256_N / 2 || s >= P256_N) return *sig;
    let mut out = der::slice(sig, 0, 32);
    out.append(u256_to_be(P256_N - s));
    out
}

// === Private ===

/// The TBS bytes and the position right after its subjectPublicKeyInfo (where the optional
/// unique ids and the [3] extensions start).
fun tbs_fields(cert: &Certificate): (vector<u8>, u64) {
    let tbs = cert.tbs;
    let tl = tbs.length();
    let outer = der::expect(&tbs, 0, tl, der::tag_sequence());
    let end = outer.end();
    let mut p = outer.value_start();
    let first = der::read(&tbs, p, end);
    if (first.tag() == 0xa0) p = first.end();
    let mut i = 0;
    // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
    while (i < 6) {
        p = der::read(&tbs, p, end).end();
        i = i + 1;
    };
    (tbs, p)
}

fun algorithm_oid(data: &vector<u8>, alg: &der::Tlv): vector<u8> {
    let oid = der::expect(data, alg.value_start(), alg.end(), der::tag_oid());
    der::value(data, &oid)
}

fun be_to_u256(data: &vector<u8>, from: u64): u256 {
    let mut v: u256 = 0;
    let mut i = 0;
    while (i < 32) {
        v = (v << 8) | (data[from + i] as u256);
        i = i + 1;
    };
    v
}

fun u256_to_be(v: u256): vector<u8> {
    let mut out = vector[];
    let mut i = 0;
    while (i < 32) {
        out.push_back(((v >> (8 * (31 - i) as u8)) & 0xff) as u8);
        i = i + 1;
    };
    out
}
