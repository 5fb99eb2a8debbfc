/// X.509 certificate revocation lists signed with ecdsa-with-SHA256 (Intel's root CA CRL and PCK
/// CA CRLs as the PCS serves them, DER): the signed TBS bytes, the issuer Name, thisUpdate /
/// nextUpdate and the revoked serial numbers (INTEGER content bytes, as `x509::serial` gives).
module tee_verify::crl;

use sui::ecdsa_r1;
use tee_verify::der;
use tee_verify::x509;

// === Errors ===

#[error(code = 120)]
const EBadCrl: vector<u8> = b"CRL is not SEQUENCE { tbsCertList, ecdsa-with-SHA256, BIT STRING } in DER";
#[error(code = 121)]
const ENoNextUpdate: vector<u8> = b"CRL has no nextUpdate";

// === Constants ===

/// 1.2.840.10045.4.3.2 ecdsa-with-SHA256
const OID_ECDSA_SHA256: vector<u8> = x"2a8648ce3d040302";
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;

// === Structs ===

public struct Crl has copy, drop {
    tbs: vector<u8>,
    /// `r || s`, `s` low.
    signature: vector<u8>,
    /// The issuer Name (DER), compared with the CA certificate's subject.
    issuer: vector<u8>,
    this_update_ms: u64,
    next_update_ms: u64,
    /// Serial numbers of the revoked certificates (INTEGER content bytes).
    revoked: vector<vector<u8>>,
}

// === Public-View ===

public fun parse(data: &vector<u8>): Crl {
    let n = data.length();
    let outer = der::expect(data, 0, n, der::tag_sequence());
    assert!(outer.end() == n, EBadCrl);
    let tbs_tlv = der::expect(data, outer.value_start(), n, der::tag_sequence());
    let alg = der::expect(data, tbs_tlv.end(), n, der::tag_sequence());
    let alg_oid = der::expect(data, alg.value_start(), alg.end(), der::tag_oid());
    assert!(der::value(data, &alg_oid) == OID_ECDSA_SHA256, EBadCrl);
    let sig_bits = der::expect(data, alg.end(), n, der::tag_bit_string());
    assert!(sig_bits.end() == n, EBadCrl);

    let tl = tbs_tlv.end();
    let mut p = tbs_tlv.value_start();
    let first = der::read(data, p, tl);
    if (first.tag() == der::tag_integer()) p = first.end();
    let inner_alg = der::expect(data, p, tl, der::tag_sequence());
    assert!(der::raw(data, &inner_alg) == der::raw(data, &alg), EBadCrl);
    let issuer = der::expect(data, inner_alg.end(), tl, der::tag_sequence());
    let this_update = der::read(data, issuer.end(), tl);
    assert!(is_time(&this_update), EBadCrl);
    assert!(this_update.end() < tl, ENoNextUpdate);
    let next_update = der::read(data, this_update.end(), tl);
    assert!(is_time(&next_update), ENoNextUpdate);
    let mut revoked = vector[];
    p = next_update.end();
    if (p < tl) {
        let t = der::read(data, p, tl);
        if (t.tag() == der::tag_sequence()) {
            let mut q = t.value_start();
            while (q < t.end()) {
                let entry = der::expect(data, q, t.end(), der::tag_sequence());
                let serial = der::expect(data, entry.value_start(), entry.end(), der::tag_integer());
                revoked.push_back(der::value(data, &serial));
                q = entry.end();
            };
            p = t.end();
        };
    };
    if (p < tl) p = der::read(data, p, tl).end(); // [0] crlExtensions
    assert!(p == tl, EBadCrl);
    Crl {
        tbs: der::raw(data, &tbs_tlv),
        signature: x509::signature_from_der(&der::bit_string(data, &sig_bits)),
        issuer: der::raw(data, &issuer),
        this_update_ms: der::time_ms(data, &this_update),
        next_update_ms: der::time_ms(data, &next_update),
        revoked,
    }
}

/// True when `issuer_key` (compressed P-256) signed this CRL.
public fun is_signed_by(c: &Crl, issuer_key: &vector<u8>): bool {
    ecdsa_r1::secp256r1_verify(&c.signature, issuer_key, &c.tbs, 1)
}

/// True when `serial` (INTEGER content bytes) is listed.
public fun is_revoked(c: &Crl, serial: &vector<u8>): bool { c.revoked.contains(serial) }

public fun issuer(c: &Crl): &vector<u8> { &c.issuer }

public fun this_update_ms(c: &Crl): u64 { c.this_update_ms }

public fun next_update_ms(c: &Crl): u64 { c.next_update_ms }

public fun revoked(c: &Crl): &vector<vector<u8>> { &c.revoked }

// === Private ===

fun is_time(t: &der::Tlv): bool { t.tag() == TAG_UTC_TIME || t.tag() == TAG_GENERALIZED_TIME }
