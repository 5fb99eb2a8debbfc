/// Intel TDX attestations verified by the contract itself (no verifier): the quote, its PCK chain
/// up to the Intel root key pinned in the registry (`registry::set_tdx_root`), the collateral
/// recorded as `TdxCollateral` objects (Intel signatures checked in Move), the MRTD allow-list,
/// the key binding of the report data and the TCB status policy. The record says path 1
/// (`constants::attestation_path_tdx_on_chain`); the verdict path (`attestation::record_attestation`) stays
/// for SEV-SNP and as a fallback.
module atoma::tdx_attestation;

use atoma::constants;
use atoma::node::NodeCap;
use atoma::registry::Registry;
use sui::clock::Clock;
use sui::hash::blake2b256;
use tee_verify::tdx;
use tee_verify::tdx_collateral;
use tee_verify::tdx_quote;

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
#[error(code = 25)]
const ENoTcbLevel: vector<u8> = b"no TDX TCB level of the TCB info matches the quote's TEE_TCB_SVN";
#[error(code = 26)]
const ETcbRevoked: vector<u8> = b"the platform's TCB level is Revoked";
#[error(code = 27)]
const ENotTdxTcbInfo: vector<u8> = b"TCB info id is not TDX";
#[error(code = 28)]
const EIssuedBeforeRevocation: vector<u8> = b"attestation at or before the node's last revocation";
#[error(code = 29)]
const EBadTcbInfo: vector<u8> = b"TCB info tcbLevels are not in the expected shape";

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

// === Public ===

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
/// derived from the TCB info allowed by the policy. Expires at the earlier of now +
/// attestation_validity_ms and the collateral's nextUpdate + grace.
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
    let body = verified.body();
    let mrtd = body.mrtd();
    assert!(registry.is_measurement_allowed(constants::tee_kind_tdx(), &mrtd), EMeasurementNotAllowed);
    let mut keys = registry.node_sig_pk(node_id);
    keys.append(registry.node_enc_pk(node_id));
    let report_data_hash = blake2b256(&keys);
    assert!(tee_verify::der::slice(&body.report_data(), 0, 32) == report_data_hash, EBindingMismatch);
    let status = tcb_status(&collateral.tcb_info, &tee_tcb_svn(body));
    assert!(status != constants::tcb_status_revoked(), ETcbRevoked);
    assert!(registry.tdx_tcb_status_allowed(status), ETcbStatusNotAllowed);
    assert!(now > registry.node_attestation_floor_ms(node_id), EIssuedBeforeRevocation);
    let expires_ms = min(now + registry.params().attestation_validity_ms(), stale_at + 1);
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
    );
    registry.set_attestation(node_id, a);
}

// === Public-View ===

/// The TCB status (`constants::tcb_status_*`) of the first TDX TCB level whose `tdxtcbcomponents` SVNs are all
/// at most the quote's TEE_TCB_SVN (Intel's rule for the TDX components; the SGX components and
/// PCESVN of the PCK certificate's extension are not compared here).
public fun tcb_status(tcb_info: &vector<u8>, tee_tcb_svn: &vector<u8>): u8 {
    let mut p = 0;
    loop {
        let (found, at) = find_from(tcb_info, &b"\"tdxtcbcomponents\":[", p);
        if (!found) abort ENoTcbLevel;
        p = at;
        let mut ok = true;
        let mut i = 0;
        while (i < 16) {
            let (f, svn_at) = find_from(tcb_info, &b"{\"svn\":", p);
            assert!(f, EBadTcbInfo);
            let (svn, next) = read_uint(tcb_info, svn_at);
            if (svn > (tee_tcb_svn[i] as u64)) ok = false;
            p = next;
            i = i + 1;
        };
        let (f, status_at) = find_from(tcb_info, &b"\"tcbStatus\":\"", p);
        assert!(f, EBadTcbInfo);
        let mut end = status_at;
        while (end < tcb_info.length() && tcb_info[end] != 0x22) end = end + 1;
        p = end;
        if (ok) return status_code(tee_verify::der::slice(tcb_info, status_at, end))
    }
}

public fun collateral_root_key(c: &TdxCollateral): vector<u8> { c.root_key }

public fun collateral_tcb_info(c: &TdxCollateral): vector<u8> { c.tcb_info }

public fun collateral_issue_date_ms(c: &TdxCollateral): u64 { c.issue_date_ms }

public fun collateral_next_update_ms(c: &TdxCollateral): u64 { c.next_update_ms }

// === Private ===

fun tee_tcb_svn(body: &tdx_quote::TdReport): vector<u8> { tee_verify::der::slice(body.raw(), 0, 16) }

fun status_code(s: vector<u8>): u8 {
    if (s == b"UpToDate") constants::tcb_status_up_to_date()
    else if (s == b"SWHardeningNeeded") constants::tcb_status_sw_hardening_needed()
    else if (s == b"ConfigurationNeeded") constants::tcb_status_configuration_needed()
    else if (s == b"ConfigurationAndSWHardeningNeeded") constants::tcb_status_configuration_and_sw_hardening_needed()
    else if (s == b"OutOfDate") constants::tcb_status_out_of_date()
    else if (s == b"OutOfDateConfigurationNeeded") constants::tcb_status_out_of_date_configuration_needed()
    else if (s == b"Revoked") constants::tcb_status_revoked()
    else abort EBadTcbInfo
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
    assert!(i > from && i - from <= 5, EBadTcbInfo);
    (v, i)
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
    issue_date_ms: u64,
    next_update_ms: u64,
    ctx: &mut TxContext,
): TdxCollateral {
    TdxCollateral { id: object::new(ctx), root_key, tcb_info, qe_identity: vector[], issue_date_ms, next_update_ms }
}

#[test_only]
public fun destroy_collateral_for_testing(c: TdxCollateral) {
    let TdxCollateral { id, .. } = c;
    id.delete();
}
