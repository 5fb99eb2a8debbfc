/// Remote attestations: `record_attestation` checks a verdict signed (Ed25519) by an
/// allow-listed verifier. The `Attestation` record type lives in `node_record`.
module atoma::attestation;

use atoma::constants;
use atoma::node::NodeCap;
use atoma::registry::Registry;
use sui::bcs;
use sui::clock::Clock;
use sui::ed25519;
use sui::hash::blake2b256;

#[error(code = 1)]
const EUnknownVerifier: vector<u8> = b"verifier_pk is not allow-listed";
#[error(code = 2)]
const EInvalidTeeKind: vector<u8> = b"tee_kind must be 0..=4";
#[error(code = 3)]
const EReportDataMismatch: vector<u8> = b"report_data_hash != blake2b256(sig_pk || enc_pk)";
#[error(code = 4)]
const EAttestationExpired: vector<u8> = b"expires_ms is not after now";
#[error(code = 5)]
const EValidityTooLong: vector<u8> = b"expires_ms is beyond issued_ms + attestation_validity_ms";
#[error(code = 6)]
const EMeasurementNotAllowed: vector<u8> = b"measurement not allow-listed for tee_kind";
#[error(code = 7)]
const EBadVerdictSignature: vector<u8> = b"verdict signature does not verify";
#[error(code = 8)]
const EInvalidHash: vector<u8> = b"evidence_hash must be 32 bytes";
#[error(code = 9)]
const EIssuedInFuture: vector<u8> = b"issued_ms is after now";
#[error(code = 10)]
const EIssuedBeforeRevocation: vector<u8> = b"verdict issued at or before the node's last revocation";

const PREFIX: vector<u8> = b"ATOMA_ATTESTATION_V2";

/// The message a verifier signs:
/// PREFIX ‖ bcs(node_id as address) ‖ bcs(tee_kind) ‖ bcs(measurement) ‖ bcs(report_data_hash)
/// ‖ bcs(evidence_hash) ‖ bcs(issued_ms) ‖ bcs(expires_ms).
public fun verdict_message(
    node_id: ID,
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    issued_ms: u64,
    expires_ms: u64,
): vector<u8> {
    let mut msg = PREFIX;
    msg.append(bcs::to_bytes(&node_id.to_address()));
    msg.append(bcs::to_bytes(&tee_kind));
    msg.append(bcs::to_bytes(&measurement));
    msg.append(bcs::to_bytes(&report_data_hash));
    msg.append(bcs::to_bytes(&evidence_hash));
    msg.append(bcs::to_bytes(&issued_ms));
    msg.append(bcs::to_bytes(&expires_ms));
    msg
}

/// Sui address of an Ed25519 public key: blake2b256(0x00 ‖ pk).
public fun verifier_address(pk: vector<u8>): address {
    let mut b = vector[0u8];
    b.append(pk);
    sui::address::from_bytes(blake2b256(&b))
}

public fun record_attestation(
    registry: &mut Registry,
    cap: &NodeCap,
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    issued_ms: u64,
    expires_ms: u64,
    verifier_pk: vector<u8>,
    signature: vector<u8>,
    clock: &Clock,
) {
    registry.assert_live();
    let node_id = cap.node_id();
    let now = clock.timestamp_ms();
    assert!(registry.is_verifier(&verifier_pk), EUnknownVerifier);
    assert!(tee_kind <= constants::tee_kind_nitro(), EInvalidTeeKind);
    let mut keys = registry.node_sig_pk(node_id);
    keys.append(registry.node_enc_pk(node_id));
    assert!(report_data_hash == blake2b256(&keys), EReportDataMismatch);
    assert!(evidence_hash.length() == constants::hash_bytes(), EInvalidHash);
    assert!(issued_ms <= now, EIssuedInFuture);
    assert!(issued_ms > registry.node_attestation_floor_ms(node_id), EIssuedBeforeRevocation);
    assert!(expires_ms > now, EAttestationExpired);
    assert!(expires_ms <= issued_ms + registry.params().attestation_validity_ms(), EValidityTooLong);
    assert!(tee_kind == constants::tee_kind_none() || registry.is_measurement_allowed(tee_kind, &measurement), EMeasurementNotAllowed);
    let msg = verdict_message(node_id, tee_kind, measurement, report_data_hash, evidence_hash, issued_ms, expires_ms);
    assert!(ed25519::ed25519_verify(&signature, &verifier_pk, &msg), EBadVerdictSignature);
    let verifier = verifier_address(verifier_pk);
    atoma::events::attestation_recorded(
        node_id,
        tee_kind,
        measurement,
        report_data_hash,
        evidence_hash,
        verifier,
        now,
        expires_ms,
        issued_ms,
    );
    let a = atoma::node_record::new_attestation(
        tee_kind,
        measurement,
        report_data_hash,
        evidence_hash,
        verifier,
        now,
        expires_ms,
        issued_ms,
        verifier_pk,
        constants::attestation_path_verdict(),
    );
    registry.set_attestation(node_id, a);
}
