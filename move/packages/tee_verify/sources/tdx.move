/// Intel TDX DCAP quote verification in Move, the on-chain twin of the SDK's
/// `verifyTdxQuote` (sdk/src/attestation/tdx.ts): the quote signature over header || body
/// with the attestation key, the QE report-data binding of that key, the PCK chain
/// leaf -> intermediate -> pinned root at a given time, the QE report signature with the PCK
/// leaf key, and no debug TD. TCB info / QE identity collateral is evaluated by
/// `tee_verify::tdx_tcb` from what this returns (the PCK leaf, the QE report, the TD report).
module tee_verify::tdx;

use std::hash::sha2_256;
use sui::ecdsa_r1;
use tee_verify::tdx_quote::{Self, Quote, TdReport};
use tee_verify::x509::{Self, Certificate};

// === Errors ===

#[error(code = 60)]
const EQuoteSignature: vector<u8> = b"quote signature does not verify with the attestation key";
#[error(code = 61)]
const EQeReportDataBinding: vector<u8> = b"QE report data is not sha256(attestation key || QE auth data) || zeros";
#[error(code = 62)]
const EPckChainLength: vector<u8> = b"PCK chain is not leaf, intermediate, root";
#[error(code = 63)]
const EUntrustedRoot: vector<u8> = b"PCK chain root key is not the pinned root key";
#[error(code = 64)]
const EIntermediateSignature: vector<u8> = b"PCK intermediate certificate is not signed by the pinned root";
#[error(code = 65)]
const ELeafSignature: vector<u8> = b"PCK leaf certificate is not signed by the intermediate";
#[error(code = 66)]
const EIssuerMismatch: vector<u8> = b"a PCK certificate's issuer is not the subject of the next one";
#[error(code = 67)]
const ECertificateNotYetValid: vector<u8> = b"a PCK chain certificate is not valid yet (before notBefore)";
#[error(code = 68)]
const ECertificateExpired: vector<u8> = b"a PCK chain certificate has expired (after notAfter)";
#[error(code = 69)]
const EQeReportSignature: vector<u8> = b"QE report signature does not verify with the PCK leaf key";
#[error(code = 70)]
const EDebugTd: vector<u8> = b"TD attributes have the DEBUG bit set";
#[error(code = 72)]
const ERootSignature: vector<u8> = b"PCK chain root certificate is not self-signed by the pinned key";
#[error(code = 71)]
const EBadRootKey: vector<u8> = b"pinned root key is not a 33-byte compressed P-256 point";

// === Constants ===

const SHA256: u8 = 1;

// === Structs ===

/// What a verified quote proves: this TD report came from a genuine, non-debug TDX platform.
public struct VerifiedTdx has copy, drop {
    version: u16,
    body: TdReport,
    /// PCK leaf certificate subject (DER Name).
    pck_subject: vector<u8>,
    /// The PCK leaf certificate (its SGX extension carries the platform's TCB).
    pck_leaf: Certificate,
    /// The PCK intermediate (platform/processor CA) certificate.
    pck_intermediate: Certificate,
    /// The 384-byte QE report (SGX report body) the PCK key signed.
    qe_report: vector<u8>,
    /// The earliest notAfter of the three PCK chain certificates.
    chain_not_after_ms: u64,
}

// === Public-View ===

/// Verifies `quote` against the pinned Intel root key (compressed SEC1) at `now_ms`; aborts
/// with the error of the first failing check, in the order listed in the module doc.
public fun verify(quote: &vector<u8>, root_key: &vector<u8>, now_ms: u64): VerifiedTdx {
    assert!(root_key.length() == 33, EBadRootKey);
    let q = tdx_quote::parse(quote);
    check_quote_signature(&q);
    check_qe_report_binding(&q);
    let (leaf, inter, root) = check_chain(q.pck_chain(), root_key, now_ms);
    let qe_sig = x509::low_s(q.qe_report_signature());
    assert!(ecdsa_r1::secp256r1_verify(&qe_sig, leaf.public_key(), q.qe_report(), SHA256), EQeReportSignature);
    check_not_debug(q.body());
    let mut chain_not_after_ms = leaf.not_after_ms();
    if (inter.not_after_ms() < chain_not_after_ms) chain_not_after_ms = inter.not_after_ms();
    if (root.not_after_ms() < chain_not_after_ms) chain_not_after_ms = root.not_after_ms();
    VerifiedTdx {
        version: q.version(),
        body: *q.body(),
        pck_subject: *leaf.subject(),
        pck_leaf: leaf,
        pck_intermediate: inter,
        qe_report: *q.qe_report(),
        chain_not_after_ms,
    }
}

/// Aborts with `EDebugTd` when the TD runs in debug mode.
public fun check_not_debug(body: &TdReport) {
    assert!(!body.is_debug(), EDebugTd);
}

/// Checks leaf -> intermediate -> root: issuer names, the root's key equal to the pinned one
/// and its self-signature, the intermediate signed by the pinned key (never by a key taken
/// from the quote), the leaf by the intermediate, every certificate valid at `now_ms`.
/// Returns the leaf.
public fun check_pck_chain(chain: &vector<vector<u8>>, root_key: &vector<u8>, now_ms: u64): Certificate {
    let (leaf, _, _) = check_chain(chain, root_key, now_ms);
    leaf
}

public fun version(v: &VerifiedTdx): u16 { v.version }

public fun body(v: &VerifiedTdx): &TdReport { &v.body }

public fun pck_subject(v: &VerifiedTdx): &vector<u8> { &v.pck_subject }

public fun pck_leaf(v: &VerifiedTdx): &Certificate { &v.pck_leaf }

public fun pck_intermediate(v: &VerifiedTdx): &Certificate { &v.pck_intermediate }

public fun qe_report(v: &VerifiedTdx): &vector<u8> { &v.qe_report }

public fun chain_not_after_ms(v: &VerifiedTdx): u64 { v.chain_not_after_ms }

// === Private ===

fun check_chain(chain: &vector<vector<u8>>, root_key: &vector<u8>, now_ms: u64): (Certificate, Certificate, Certificate) {
    assert!(chain.length() == 3, EPckChainLength);
    let leaf = x509::parse(&chain[0]);
    let inter = x509::parse(&chain[1]);
    let root = x509::parse(&chain[2]);
    assert!(leaf.issuer() == inter.subject() && inter.issuer() == root.subject(), EIssuerMismatch);
    assert!(root.public_key() == root_key, EUntrustedRoot);
    assert!(root.is_signed_by(root_key), ERootSignature);
    assert!(inter.is_signed_by(root_key), EIntermediateSignature);
    assert!(leaf.is_signed_by(inter.public_key()), ELeafSignature);
    check_validity(&leaf, now_ms);
    check_validity(&inter, now_ms);
    check_validity(&root, now_ms);
    (leaf, inter, root)
}

fun check_quote_signature(q: &Quote) {
    let mut ak = vector[4u8];
    ak.append(*q.attestation_key());
    let sig = x509::low_s(q.signature());
    assert!(ecdsa_r1::secp256r1_verify(&sig, &x509::compress_p256(&ak), q.signed_bytes(), SHA256), EQuoteSignature);
}

fun check_qe_report_binding(q: &Quote) {
    let mut preimage = *q.attestation_key();
    preimage.append(*q.qe_auth_data());
    let mut expected = sha2_256(preimage);
    let mut i = 0;
    while (i < 32) {
        expected.push_back(0);
        i = i + 1;
    };
    assert!(q.qe_report_data() == expected, EQeReportDataBinding);
}

fun check_validity(cert: &Certificate, now_ms: u64) {
    assert!(!cert.not_yet_valid(now_ms), ECertificateNotYetValid);
    assert!(!cert.expired(now_ms), ECertificateExpired);
}
