/// Intel PCS collateral (TCB info, QE identity) as served: `{"<key>":{...},"signature":"<hex>"}`.
/// The signature (64-byte `r || s`, hex) covers the exact bytes of the inner object; it is
/// checked with the TCB signing certificate, itself signed by the pinned root key. Freshness:
/// `nextUpdate` plus a caller-given grace (Intel issues TCB info for about a month; a too short
/// maximum age caused an outage elsewhere). The TCB status derivation is not done here.
module tee_verify::tdx_collateral;

use sui::ecdsa_r1;
use tee_verify::der;
use tee_verify::x509;

// === Errors ===

#[error(code = 80)]
const EMalformedResponse: vector<u8> = b"collateral is not {\"<key>\":{...},\"signature\":\"<128 hex>\"}";
#[error(code = 81)]
const ESignerNotTrusted: vector<u8> = b"TCB signing certificate is not signed by the pinned root";
#[error(code = 82)]
const ESignerNotValid: vector<u8> = b"TCB signing certificate is not valid at this time";
#[error(code = 83)]
const ECollateralSignature: vector<u8> = b"collateral signature does not verify with the TCB signing key";
#[error(code = 84)]
const EBadDate: vector<u8> = b"issueDate/nextUpdate missing or not YYYY-MM-DDTHH:MM:SSZ";
#[error(code = 85)]
const EStaleCollateral: vector<u8> = b"collateral is past nextUpdate plus the grace period";
#[error(code = 87)]
const ESignerNotTcbSigning: vector<u8> = b"collateral signer's subject CN is not Intel SGX TCB Signing";
#[error(code = 86)]
const ENotIssuedYet: vector<u8> = b"collateral issueDate is after the verification time";

// === Constants ===

const TCB_SIGNING_CN: vector<u8> = b"Intel SGX TCB Signing";

// === Structs ===

/// A collateral document whose signature has been checked.
public struct SignedCollateral has copy, drop {
    /// The signed inner JSON object, byte for byte.
    body: vector<u8>,
    issue_date_ms: u64,
    next_update_ms: u64,
}

// === Public-View ===

/// Splits a PCS response `{"<key>":<body>,"signature":"<hex>"}` into body and 64-byte signature.
public fun split_response(response: &vector<u8>, key: vector<u8>): (vector<u8>, vector<u8>) {
    let mut prefix = b"{\"";
    prefix.append(key);
    prefix.append(b"\":");
    let suffix_len = 15 + 128; // ,"signature":" + hex + "}
    let n = response.length();
    assert!(n > prefix.length() + suffix_len + 2, EMalformedResponse);
    assert!(der::slice(response, 0, prefix.length()) == prefix, EMalformedResponse);
    let sig_at = n - suffix_len;
    assert!(der::slice(response, sig_at - 2, sig_at + 13) == b"},\"signature\":\"" , EMalformedResponse);
    assert!(der::slice(response, n - 2, n) == b"\"}", EMalformedResponse);
    let body = der::slice(response, prefix.length(), sig_at - 1);
    (body, decode_hex(response, sig_at + 13, n - 2))
}

/// Checks `signature` over `body` with `signer_der`, which the pinned root key must have
/// signed, whose subject CN must be `Intel SGX TCB Signing`, and which must be valid at `now_ms`; then reads issueDate/nextUpdate and requires
/// `issueDate <= now <= nextUpdate + grace_ms`.
public fun verify(
    body: vector<u8>,
    signature: &vector<u8>,
    signer_der: &vector<u8>,
    root_key: &vector<u8>,
    now_ms: u64,
    grace_ms: u64,
): SignedCollateral {
    let signer = x509::parse(signer_der);
    assert!(signer.is_signed_by(root_key), ESignerNotTrusted);
    // Intel's root also signs the PCK CAs: only its TCB signing certificate may sign collateral.
    assert!(signer.subject_has_common_name(&TCB_SIGNING_CN), ESignerNotTcbSigning);
    assert!(!signer.not_yet_valid(now_ms) && !signer.expired(now_ms), ESignerNotValid);
    assert!(signature.length() == 64, ECollateralSignature);
    let sig = x509::low_s(signature);
    assert!(ecdsa_r1::secp256r1_verify(&sig, signer.public_key(), &body, 1), ECollateralSignature);
    let issue_date_ms = date_field(&body, b"\"issueDate\":\"");
    let next_update_ms = date_field(&body, b"\"nextUpdate\":\"");
    assert!(issue_date_ms <= now_ms, ENotIssuedYet);
    assert!(now_ms <= next_update_ms + grace_ms, EStaleCollateral);
    SignedCollateral { body, issue_date_ms, next_update_ms }
}

public fun body(c: &SignedCollateral): &vector<u8> { &c.body }

public fun issue_date_ms(c: &SignedCollateral): u64 { c.issue_date_ms }

public fun next_update_ms(c: &SignedCollateral): u64 { c.next_update_ms }

/// The first `<name>"YYYY-MM-DDTHH:MM:SSZ"` of the signed body (e.g. `b"\"nextUpdate\":\""`),
/// as Unix milliseconds (the digits go through the DER GeneralizedTime reader).
public fun date_field(body: &vector<u8>, name: vector<u8>): u64 {
    let at = find(body, &name);
    let p = at + name.length();
    assert!(p + 21 <= body.length() && body[p + 20] == 0x22, EBadDate);
    let mut gen = vector[0x18, 15];
    let mut i = 0;
    while (i < 20) {
        let c = body[p + i];
        if (i == 4 || i == 7) assert!(c == 0x2d, EBadDate) // '-'
        else if (i == 10) assert!(c == 0x54, EBadDate) // 'T'
        else if (i == 13 || i == 16) assert!(c == 0x3a, EBadDate) // ':'
        else gen.push_back(c);
        i = i + 1;
    };
    let t = der::read(&gen, 0, gen.length());
    der::time_ms(&gen, &t)
}

// === Private ===

fun find(hay: &vector<u8>, needle: &vector<u8>): u64 {
    let (n, k) = (hay.length(), needle.length());
    let mut i = 0;
    while (i + k <= n) {
        let mut j = 0;
        while (j < k && hay[i + j] == needle[j]) j = j + 1;
        if (j == k) return i;
        i = i + 1;
    };
    abort EBadDate
}

fun decode_hex(data: &vector<u8>, from: u64, to: u64): vector<u8> {
    assert!((to - from) % 2 == 0, EMalformedResponse);
    let mut out = vector[];
    let mut i = from;
    while (i < to) {
        out.push_back(nibble(data[i]) * 16 + nibble(data[i + 1]));
        i = i + 2;
    };
    out
}

fun nibble(c: u8): u8 {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    assert!(c >= 0x41 && c <= 0x46, EMalformedResponse);
    c - 0x41 + 10
}
