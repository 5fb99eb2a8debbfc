/// Intel TDX attestations verified by the contract itself (no verifier): the quote, its PCK chain
/// up to the Intel root key pinned in the registry (`registry::set_tdx_root`), the collateral
/// recorded as `TdxCollateral` objects (Intel signatures checked in Move), the MRTD allow-list,
/// the key binding of the report data and the TCB status policy (platform TCB level from the
/// PCK certificate's SGX extension and the quote's TEE_TCB_SVN, QE TCB level from the QE
/// identity, converged as Intel's QVL does: `tee_verify::tdx_tcb`). The record says path 1
/// (`constants::attestation_path_tdx_on_chain`); the verdict path (`attestation::record_attestation`) stays
/// for SEV-SNP and as a fallback.
module atoma::tdx_attestation;

use atoma::constants;
use atoma::node::NodeCap;
use atoma::registry::Registry;
use sui::clock::Clock;
use sui::dynamic_field as df;
use sui::hash::blake2b256;
use tee_verify::crl;
use tee_verify::tdx;
use tee_verify::tdx_collateral;
use tee_verify::tdx_tcb;
use tee_verify::x509::Certificate;

// === Errors ===

#[error(code = 20)]
const ECollateralRootNotPinned: vector<u8> = b"collateral was verified under a root key that is not the pinned one";
#[error(code = 21)]
const EStaleCollateral: vector<u8> = b"TDX collateral is past its nextUpdate plus the registry's grace";
#[error(code = 22)]
const EMeasurementNotAllowed: vector<u8> = b"MRTD is not allow-listed for tee_kind 1 (TDX)";
#[error(code = 23)]
const EBindingMismatch: vector<u8> = b"report data does not start with blake2b256(sig_pk || enc_pk)";
#[error(code = 24)]
const ETcbStatusNotAllowed: vector<u8> = b"the platform's TCB status is not allowed by the registry's policy";
#[error(code = 26)]
const ETcbRevoked: vector<u8> = b"the platform's TCB level is Revoked";
#[error(code = 27)]
const ENotTdxTcbInfo: vector<u8> = b"TCB info id is not TDX";
#[error(code = 28)]
const EIssuedBeforeRevocation: vector<u8> = b"attestation at or before the node's last revocation";

#[error(code = 30)]
const ECrlSignature: vector<u8> = b"CRL is not signed by its CA certificate, or that CA is not signed by the pinned root";
#[error(code = 31)]
const ECrlIssuerMismatch: vector<u8> = b"CRL issuer is not the subject of the CA certificate given with it";
#[error(code = 32)]
const ECrlNotNewer: vector<u8> = b"a CRL of this issuer with the same or a later thisUpdate is already recorded";
#[error(code = 33)]
const EStaleCrl: vector<u8> = b"the recorded CRL is past its nextUpdate plus the registry's grace";
#[error(code = 34)]
const EPckRevoked: vector<u8> = b"the PCK leaf certificate's serial is on its CA's recorded CRL";
#[error(code = 35)]
const ECaRevoked: vector<u8> = b"the PCK CA certificate's serial is on the root CA's recorded CRL";

// === Structs ===

/// Intel collateral (TCB info, QE identity) whose signatures were checked in Move under the
/// root key pinned at recording time. Shared: any node's attestation may use it.
public struct TdxCollateral has key {
    id: UID,
    /// The pinned root key the TCB signing certificate chained to.
    root_key: vector<u8>,
    /// The signed TCB info object, byte for byte.
    tcb_info: vector<u8>,
    /// The signed QE identity object, byte for byte.
    qe_identity: vector<u8>,
    issue_date_ms: u64,
    /// The earlier nextUpdate of the two documents.
    next_update_ms: u64,
}

/// What `recorded_crl` returns.
public struct RecordedCrlView has copy, drop {
    this_update_ms: u64,
    next_update_ms: u64,
    revoked: vector<vector<u8>>,
}

/// Dynamic-field key (on the registry) of the newest recorded CRL of a CA, by its subject Name.
public struct CrlKey has copy, drop, store {
    issuer: vector<u8>,
}

/// A CRL whose signature was checked in Move: the revoked serials of one CA's certificates.
public struct RecordedCrl has drop, store {
    /// The pinned root key the CA chained to when recorded (a re-pinned root ignores it).
    root_key: vector<u8>,
    this_update_ms: u64,
    next_update_ms: u64,
    revoked: vector<vector<u8>>,
}

// === Public ===

/// Records a CRL (DER) of `ca_der`, the CA certificate that signed it: the Intel root CA
/// itself (the root CRL) or a PCK CA signed by the pinned root (the PCK CRL). Permissionless:
/// the signatures are the authority. Only a newer CRL (later thisUpdate) replaces a recorded
/// one, so nobody can roll revocations back. From then on `record_tdx_attestation` refuses a
/// PCK leaf (or PCK CA) whose serial its issuer's CRL lists, and refuses every quote of that
/// issuer once the CRL is past its nextUpdate plus the collateral grace.
public fun record_tdx_crl(registry: &mut Registry, crl_der: vector<u8>, ca_der: vector<u8>, clock: &Clock) {
    registry.assert_live();
    let root_key = registry.tdx_root_key();
    let now = clock.timestamp_ms();
    let ca = tee_verify::x509::parse(&ca_der);
    assert!(ca.is_signed_by(&root_key), ECrlSignature);
    let c = crl::parse(&crl_der);
    assert!(c.issuer() == ca.subject(), ECrlIssuerMismatch);
    assert!(c.is_signed_by(ca.public_key()), ECrlSignature);
    assert!(now <= c.next_update_ms() + registry.tdx_collateral_grace_ms(), EStaleCrl);
    let key = CrlKey { issuer: *c.issuer() };
    let host = registry.host_mut();
    if (df::exists_(host, key)) {
        let old: RecordedCrl = df::remove(host, key);
        assert!(old.root_key != root_key || c.this_update_ms() > old.this_update_ms, ECrlNotNewer);
    };
    let rec = RecordedCrl {
        root_key,
        this_update_ms: c.this_update_ms(),
        next_update_ms: c.next_update_ms(),
        revoked: *c.revoked(),
    };
    df::add(host, key, rec);
}

/// Verifies Intel PCS responses (`{"tcbInfo":{...},"signature":"..."}` and
/// `{"enclaveIdentity":{...},"signature":"..."}`) with the TCB signing certificate `signer_der`
/// under the pinned root and shares them as a `TdxCollateral`. Permissionless: the signatures
/// are the authority.
public fun record_tdx_collateral(
    registry: &Registry,
    tcb_info_response: vector<u8>,
    qe_identity_response: vector<u8>,
    signer_der: vector<u8>,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    registry.assert_live();
    let root_key = registry.tdx_root_key();
    let grace = registry.tdx_collateral_grace_ms();
    let now = clock.timestamp_ms();
    let (tcb_body, tcb_sig) = tdx_collateral::split_response(&tcb_info_response, b"tcbInfo");
    let (qe_body, qe_sig) = tdx_collateral::split_response(&qe_identity_response, b"enclaveIdentity");
    let tcb = tdx_collateral::verify(tcb_body, &tcb_sig, &signer_der, &root_key, now, grace);
    let qe = tdx_collateral::verify(qe_body, &qe_sig, &signer_der, &root_key, now, grace);
    assert!(starts_with(tcb.body(), &b"{\"id\":\"TDX\""), ENotTdxTcbInfo);
    let c = TdxCollateral {
        id: object::new(ctx),
        root_key,
        tcb_info: *tcb.body(),
        qe_identity: *qe.body(),
        issue_date_ms: max(tcb.issue_date_ms(), qe.issue_date_ms()),
        next_update_ms: min(tcb.next_update_ms(), qe.next_update_ms()),
    };
    let id = object::id(&c);
    transfer::share_object(c);
    id
}

/// Verifies the node's TDX quote on chain and records its attestation (path 1, no verifier).
/// Checks, in order: collateral under the pinned root and fresh (nextUpdate + grace); the quote
/// (signatures, QE binding, PCK chain to the pinned root valid at the Clock, not a debug TD);
/// MRTD allow-listed; report data bytes 0..32 = blake2b256(sig_pk || enc_pk); the TCB status
/// (`tcb_status`) allowed by the policy. Expires at the earliest of now +
/// attestation_validity_ms, the collateral's nextUpdate + grace and the PCK chain's notAfter;
/// the status is kept in the record so `registry::is_attested` re-checks the policy at use time.
entry fun record_tdx_attestation(
    registry: &mut Registry,
    cap: &NodeCap,
    collateral: &TdxCollateral,
    quote: vector<u8>,
    clock: &Clock,
) {
    registry.assert_live();
    let node_id = cap.node_id();
    let now = clock.timestamp_ms();
    let root_key = registry.tdx_root_key();
    assert!(collateral.root_key == root_key, ECollateralRootNotPinned);
    let stale_at = collateral.next_update_ms + registry.tdx_collateral_grace_ms();
    assert!(now <= stale_at, EStaleCollateral);
    let verified = tdx::verify(&quote, &root_key, now);
    let grace = registry.tdx_collateral_grace_ms();
    assert!(!is_revoked(registry, verified.pck_leaf(), &root_key, now, grace), EPckRevoked);
    assert!(!is_revoked(registry, verified.pck_intermediate(), &root_key, now, grace), ECaRevoked);
    let body = verified.body();
    let mrtd = body.mrtd();
    assert!(registry.is_measurement_allowed(constants::tee_kind_tdx(), &mrtd), EMeasurementNotAllowed);
    let mut keys = registry.node_sig_pk(node_id);
    keys.append(registry.node_enc_pk(node_id));
    let report_data_hash = blake2b256(&keys);
    assert!(tee_verify::der::slice(&body.report_data(), 0, 32) == report_data_hash, EBindingMismatch);
    let status = tcb_status(collateral, &verified);
    assert!(status != constants::tcb_status_revoked(), ETcbRevoked);
    assert!(registry.tdx_tcb_status_allowed(status), ETcbStatusNotAllowed);
    assert!(now > registry.node_attestation_floor_ms(node_id), EIssuedBeforeRevocation);
    let expires_ms = min(
        min(now + registry.params().attestation_validity_ms(), stale_at + 1),
        verified.chain_not_after_ms() + 1,
    );
    let evidence_hash = blake2b256(&quote);
    atoma::events::attestation_recorded(
        node_id,
        constants::tee_kind_tdx(),
        mrtd,
        report_data_hash,
        evidence_hash,
        @0x0,
        now,
        expires_ms,
        now,
    );
    let a = atoma::node_record::new_attestation(
        constants::tee_kind_tdx(),
        mrtd,
        report_data_hash,
        evidence_hash,
        @0x0,
        now,
        expires_ms,
        now,
        root_key,
        constants::attestation_path_tdx_on_chain(),
    ).with_tcb_status(status);
    registry.set_attestation(node_id, a);
}

// === Public-View ===

/// The recorded CRL of the CA named `issuer` (DER Name): (thisUpdate, nextUpdate, revoked
/// serials), if any.
public fun recorded_crl(registry: &Registry, issuer: vector<u8>): Option<RecordedCrlView> {
    let host = registry.tree_host();
    let key = CrlKey { issuer };
    if (!df::exists_(host, key)) return option::none();
    let r: &RecordedCrl = df::borrow(host, key);
    option::some(RecordedCrlView { this_update_ms: r.this_update_ms, next_update_ms: r.next_update_ms, revoked: r.revoked })
}

/// The TCB status (TCB_* code) of a verified quote under this collateral: the platform's
/// level (PCK SGX components and PCESVN, the quote's TDX components, FMSPC / PCE-ID / TDX
/// module matched) converged with the QE's level from the QE identity, as Intel's QVL does.
public fun tcb_status(c: &TdxCollateral, v: &tdx::VerifiedTdx): u8 {
    let pck = tdx_tcb::pck_tcb(v.pck_leaf());
    let platform = tdx_tcb::platform_status(&c.tcb_info, &pck, v.body().raw());
    let qe = tdx_tcb::qe_status(&c.qe_identity, v.qe_report());
    tdx_tcb::converge(platform, qe)
}

public fun collateral_root_key(c: &TdxCollateral): vector<u8> { c.root_key }

public fun collateral_tcb_info(c: &TdxCollateral): vector<u8> { c.tcb_info }

public fun collateral_qe_identity(c: &TdxCollateral): vector<u8> { c.qe_identity }

public fun collateral_issue_date_ms(c: &TdxCollateral): u64 { c.issue_date_ms }

public fun collateral_next_update_ms(c: &TdxCollateral): u64 { c.next_update_ms }

public fun crl_view_this_update_ms(v: &RecordedCrlView): u64 { v.this_update_ms }

public fun crl_view_revoked(v: &RecordedCrlView): vector<vector<u8>> { v.revoked }

// === Private ===

/// True when `cert`'s issuer has a CRL recorded under the pinned root that lists its serial;
/// aborts with `EStaleCrl` when that CRL is past nextUpdate + grace.
fun is_revoked(r: &Registry, cert: &Certificate, root_key: &vector<u8>, now: u64, grace: u64): bool {
    let key = CrlKey { issuer: *cert.issuer() };
    let host = r.tree_host();
    if (!df::exists_(host, key)) return false;
    let rec: &RecordedCrl = df::borrow(host, key);
    if (&rec.root_key != root_key) return false;
    assert!(now <= rec.next_update_ms + grace, EStaleCrl);
    rec.revoked.contains(&tee_verify::x509::serial(cert))
}

fun starts_with(s: &vector<u8>, prefix: &vector<u8>): bool {
    s.length() >= prefix.length() && tee_verify::der::slice(s, 0, prefix.length()) == *prefix
}

fun min(a: u64, b: u64): u64 { if (a < b) a else b }

fun max(a: u64, b: u64): u64 { if (a > b) a else b }

// === Test helpers ===

#[test_only]
public fun new_collateral_for_testing(
    root_key: vector<u8>,
    tcb_info: vector<u8>,
    qe_identity: vector<u8>,
    issue_date_ms: u64,
    next_update_ms: u64,
    ctx: &mut TxContext,
): TdxCollateral {
    TdxCollateral { id: object::new(ctx), root_key, tcb_info, qe_identity, issue_date_ms, next_update_ms }
}

#[test_only]
public fun destroy_collateral_for_testing(c: TdxCollateral) {
    let TdxCollateral { id, .. } = c;
    id.delete();
}
