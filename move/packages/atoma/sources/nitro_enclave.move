/// AWS Nitro Enclaves attestations verified on chain (no verifier). The document is verified by
/// Sui's own native, `sui::nitro_attestation::load_nitro_attestation` (COSE_Sign1 ES384
/// signature, certificate chain to the AWS Nitro root pinned by Sui, each certificate valid at
/// the Clock): it is an `entry` function, so a PTB calls it first and passes the
/// `NitroAttestationDocument` it returns to `record_nitro_attestation`, which checks the rest:
/// not a debug enclave, the measurement blake2b256(PCR0 || PCR1 || PCR2) allow-listed for
/// tee_kind 4, user_data binding the node's keys as the off-chain rule does, the document's
/// timestamp fresh against the Clock and after the node's last revocation. The record says path 2
/// (`constants::attestation_path_nitro_on_chain`).
module atoma::nitro_enclave;

use atoma::node::NodeCap;
use atoma::registry::Registry;
use sui::clock::Clock;
use sui::hash::blake2b256;
use sui::nitro_attestation::NitroAttestationDocument;

// === Errors ===

#[error(code = 40)]
const EDebugEnclave: vector<u8> = b"PCR0, PCR1 and PCR2 are all zero: a debug-mode enclave";
#[error(code = 41)]
const EMeasurementNotAllowed: vector<u8> = b"blake2b256(PCR0 || PCR1 || PCR2) is not allow-listed for tee_kind 4 (Nitro)";
#[error(code = 42)]
const ENoUserData: vector<u8> = b"the document has no user_data of at least 32 bytes to bind the node's keys";
#[error(code = 43)]
const EBindingMismatch: vector<u8> = b"user_data does not start with blake2b256(sig_pk || enc_pk)";
#[error(code = 44)]
const EDocumentInFuture: vector<u8> = b"document timestamp is more than the allowed skew after the Clock";
#[error(code = 45)]
const EDocumentTooOld: vector<u8> = b"document timestamp is older than the maximum age";
#[error(code = 46)]
const EIssuedBeforeRevocation: vector<u8> = b"document created at or before the node's last revocation";
#[error(code = 47)]
const EMissingPcr: vector<u8> = b"the document lacks PCR0, PCR1 or PCR2";

// === Constants ===

/// A document is accepted up to 10 minutes after its timestamp (Nitro documents are requested
/// for the transaction that records them).
const MAX_AGE_MS: u64 = 10 * 60 * 1000;
/// The enclave's clock may run up to 1 minute ahead of Sui's Clock (which trails wall time).
const MAX_FUTURE_SKEW_MS: u64 = 60 * 1000;

// === Public ===

/// Records the node's Nitro attestation (path 2) from a document that
/// `sui::nitro_attestation::load_nitro_attestation` verified in the same PTB.
/// Checks, in order: PCR0..2 present (`EMissingPcr`) and not all zero (`EDebugEnclave`);
/// blake2b256(PCR0 || PCR1 || PCR2) allow-listed for tee_kind 4 (`EMeasurementNotAllowed`);
/// user_data (`ENoUserData`) bytes 0..32 = blake2b256(sig_pk || enc_pk) (`EBindingMismatch`);
/// now - 10 min <= timestamp <= now + 1 min (`EDocumentTooOld`, `EDocumentInFuture`);
/// timestamp after the node's last revocation (`EIssuedBeforeRevocation`).
public fun record_nitro_attestation(
    registry: &mut Registry,
    cap: &NodeCap,
    document: NitroAttestationDocument,
    clock: &Clock,
) {
    let evidence_hash = blake2b256(&sui::bcs::to_bytes(&document));
    let mut pcrs = vector[vector[], vector[], vector[]];
    let mut found = 0;
    document.pcrs().do_ref!(|e| {
        let i = e.index() as u64;
        if (i < 3) {
            *&mut pcrs[i] = *e.value();
            found = found + 1;
        }
    });
    assert!(found == 3, EMissingPcr);
    record_checked(
        registry,
        cap.node_id(),
        pcrs,
        *document.user_data(),
        *document.timestamp(),
        evidence_hash,
        clock.timestamp_ms(),
    );
}

// === Public-View ===

/// The Nitro measurement the registry allow-lists: blake2b256(PCR0 || PCR1 || PCR2).
public fun measurement(pcr0: &vector<u8>, pcr1: &vector<u8>, pcr2: &vector<u8>): vector<u8> {
    let mut m = *pcr0;
    m.append(*pcr1);
    m.append(*pcr2);
    blake2b256(&m)
}

public fun max_age_ms(): u64 { MAX_AGE_MS }

public fun max_future_skew_ms(): u64 { MAX_FUTURE_SKEW_MS }

// === Private ===

fun record_checked(
    registry: &mut Registry,
    node_id: ID,
    pcrs: vector<vector<u8>>,
    user_data: Option<vector<u8>>,
    timestamp: u64,
    evidence_hash: vector<u8>,
    now: u64,
) {
    registry.assert_live();
    assert!(!(all_zero(&pcrs[0]) && all_zero(&pcrs[1]) && all_zero(&pcrs[2])), EDebugEnclave);
    let m = measurement(&pcrs[0], &pcrs[1], &pcrs[2]);
    assert!(registry.is_measurement_allowed(atoma::constants::tee_kind_nitro(), &m), EMeasurementNotAllowed);
    assert!(user_data.is_some() && user_data.borrow().length() >= 32, ENoUserData);
    let mut keys = registry.node_sig_pk(node_id);
    keys.append(registry.node_enc_pk(node_id));
    let report_data_hash = blake2b256(&keys);
    assert!(tee_verify::der::slice(user_data.borrow(), 0, 32) == report_data_hash, EBindingMismatch);
    assert!(timestamp <= now + MAX_FUTURE_SKEW_MS, EDocumentInFuture);
    assert!(now <= timestamp + MAX_AGE_MS, EDocumentTooOld);
    assert!(timestamp > registry.node_attestation_floor_ms(node_id), EIssuedBeforeRevocation);
    let expires_ms = now + registry.params().attestation_validity_ms();
    atoma::events::attestation_recorded(
        node_id,
        atoma::constants::tee_kind_nitro(),
        m,
        report_data_hash,
        evidence_hash,
        @0x0,
        now,
        expires_ms,
        timestamp,
    );
    let a = atoma::node_record::new_attestation(
        atoma::constants::tee_kind_nitro(),
        m,
        report_data_hash,
        evidence_hash,
        @0x0,
        now,
        expires_ms,
        timestamp,
        vector[],
        atoma::constants::attestation_path_nitro_on_chain(),
    );
    registry.set_attestation(node_id, a);
}

fun all_zero(v: &vector<u8>): bool {
    let mut i = 0;
    while (i < v.length()) {
        if (v[i] != 0) return false;
        i = i + 1;
    };
    true
}

// === Test helpers ===

/// The checks after the native, on fields a Move unit test supplies (the framework offers no
/// way to construct a `NitroAttestationDocument` in a unit test).
#[test_only]
public fun record_for_testing(
    registry: &mut Registry,
    cap: &NodeCap,
    pcrs: vector<vector<u8>>,
    user_data: Option<vector<u8>>,
    timestamp: u64,
    clock: &Clock,
) {
    assert!(pcrs.length() == 3, EMissingPcr);
    record_checked(registry, cap.node_id(), pcrs, user_data, timestamp, b"test-evidence", clock.timestamp_ms());
}
