/// A node's record in the registry: operator, keys, capabilities, price, status, the node's
/// attestation and the sampling weight last synced from its account. The registry only stores
/// the records (`Table<ID, Node>`) and keeps its sampling sets in line with them
/// (`registry::sync_node`), as deepbook's `state` stores `account` records. What a settlement
/// writes (stake, unbonding, reputation, served / slashed) lives in the node's own shared
/// `node_account::NodeAccount` (issue 13 B stage 2), so settling writes no global object.
///
/// Every change here emits the events it always did (`StakeChanged`, `NodeStatusChanged`,
/// `NodeUpdated`, `NodeSlashed`), in the same order: the conformance scenarios compare them.
module atoma::node_record;

use atoma::constants;
use atoma::events;

public struct Node has store {
    node_id: ID,
    operator: address,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
    status: u8,
    attestation: Option<Attestation>,
    /// Verdicts issued at or before this clock time are refused (the last revocation's time).
    attestation_floor_ms: u64,
    /// `blake2b256("atoma/mlkem768-pk/v1" ‖ ML-KEM-768 public key)`, or empty: a node without one
    /// is refused for post-quantum requests (set by `node::set_pq_key`).
    mlkem_pk_hash: vector<u8>,
    /// Sampling weight last synced, min(stake, stake_cap) of the node's account when a call that
    /// took the account last synced it (registration, stake, unstake, `refresh_node`): price,
    /// capability and attestation changes re-sync the trees with it without the account.
    weight: u64,
}

public struct Attestation has copy, drop, store {
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    verifier: address,
    recorded_ms: u64,
    expires_ms: u64,
    revoked: bool,
    /// When the verifier issued the verdict (signed): a revocation refuses anything issued before it.
    issued_ms: u64,
    /// The key the attestation rests on: the verifier's Ed25519 key (verdict path; it ends when the
    /// key leaves the allow-list) or the pinned Intel root key (on-chain TDX path; it ends when
    /// the root changes).
    verifier_pk: vector<u8>,
    /// `constants::attestation_path_*`: verifier-signed verdict (`record_attestation`), TDX quote
    /// verified on chain (`record_tdx_attestation`, no verifier) or Nitro document verified on
    /// chain (`nitro_enclave::record_nitro_attestation`, no verifier).
    path: u8,
    /// On-chain TDX path: the TCB status derived on chain (`constants::tcb_status_*`), re-checked
    /// against the policy at use time (`registry::is_attested`); `TCB_NOT_EVALUATED` on other paths.
    tcb_status: u8,
}

/// `Attestation.tcb_status` of records whose TCB status was not derived on chain.
const TCB_NOT_EVALUATED: u8 = 255;

// === Create ===

/// A new Active record with no attestation and sampling weight `weight`.
public(package) fun new(
    node_id: ID,
    operator: address,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
    weight: u64,
): Node {
    Node {
        node_id,
        operator,
        sig_pk,
        enc_pk,
        capabilities,
        price,
        status: constants::node_status_active(),
        attestation: option::none(),
        attestation_floor_ms: 0,
        mlkem_pk_hash: vector[],
        weight,
    }
}

public(package) fun new_attestation(
    tee_kind: u8,
    measurement: vector<u8>,
    report_data_hash: vector<u8>,
    evidence_hash: vector<u8>,
    verifier: address,
    recorded_ms: u64,
    expires_ms: u64,
    issued_ms: u64,
    verifier_pk: vector<u8>,
    path: u8,
): Attestation {
    Attestation {
        tee_kind,
        measurement,
        report_data_hash,
        evidence_hash,
        verifier,
        recorded_ms,
        expires_ms,
        revoked: false,
        issued_ms,
        verifier_pk,
        path,
        tcb_status: TCB_NOT_EVALUATED,
    }
}

/// The record with the TCB status derived on chain (on-chain TDX path).
public(package) fun with_tcb_status(mut a: Attestation, status: u8): Attestation {
    a.tcb_status = status;
    a
}

// === Read ===

public fun node_id(n: &Node): ID { n.node_id }
public fun operator(n: &Node): address { n.operator }
public fun sig_pk(n: &Node): vector<u8> { n.sig_pk }
public fun enc_pk(n: &Node): vector<u8> { n.enc_pk }
public fun capabilities(n: &Node): &vector<vector<u8>> { &n.capabilities }
public fun price(n: &Node): u64 { n.price }
public fun status(n: &Node): u8 { n.status }
public fun attestation(n: &Node): &Option<Attestation> { &n.attestation }
public fun attestation_floor_ms(n: &Node): u64 { n.attestation_floor_ms }
public fun mlkem_pk_hash(n: &Node): vector<u8> { n.mlkem_pk_hash }

public fun is_active(n: &Node): bool { n.status == constants::node_status_active() }
public fun is_leaving(n: &Node): bool { n.status == constants::node_status_leaving() }

/// Sampling weight last synced: min(stake, stake_cap) of the account then.
public fun weight(n: &Node): u64 { n.weight }

/// Holds an attestation with a TEE (tee_kind != None) that was not revoked; whether its signer,
/// measurement and expiry still hold is the registry's question (`registry::is_attested`).
public fun has_live_attestation(n: &Node): bool {
    n.attestation.is_some() && {
        let a = n.attestation.borrow();
        a.tee_kind != constants::tee_kind_none() && !a.revoked
    }
}

public fun attestation_tee_kind(a: &Attestation): u8 { a.tee_kind }
public fun attestation_measurement(a: &Attestation): vector<u8> { a.measurement }
public fun attestation_report_data_hash(a: &Attestation): vector<u8> { a.report_data_hash }
public fun attestation_evidence_hash(a: &Attestation): vector<u8> { a.evidence_hash }
public fun attestation_verifier(a: &Attestation): address { a.verifier }
public fun attestation_recorded_ms(a: &Attestation): u64 { a.recorded_ms }
public fun attestation_expires_ms(a: &Attestation): u64 { a.expires_ms }
public fun attestation_revoked(a: &Attestation): bool { a.revoked }
public fun attestation_issued_ms(a: &Attestation): u64 { a.issued_ms }
public fun attestation_verifier_pk(a: &Attestation): vector<u8> { a.verifier_pk }
public fun attestation_path(a: &Attestation): u8 { a.path }
public fun attestation_tcb_status(a: &Attestation): u8 { a.tcb_status }

// === Change ===

/// Sets the status; emits `NodeStatusChanged` (with the account's `unbonding_until_ms`) when
/// it changes.
fun set_status(n: &mut Node, status: u8, unbonding_until_ms: u64) {
    let old = n.status;
    if (old == status) return;
    n.status = status;
    events::node_status_changed(n.node_id, old, status, unbonding_until_ms);
}

/// Sets the sampling weight (the registry re-syncs the trees after).
public(package) fun set_weight(n: &mut Node, weight: u64) { n.weight = weight; }

/// A Jailed node whose account holds `stake >= min_stake` becomes Active.
public(package) fun activate_if_funded(n: &mut Node, stake: u64, min_stake: u64, unbonding_until_ms: u64) {
    if (n.status == constants::node_status_jailed() && stake >= min_stake)
        set_status(n, constants::node_status_active(), unbonding_until_ms);
}

/// The node is Leaving (its account's stake moved to unbonding until `unbonding_until_ms`).
public(package) fun set_leaving(n: &mut Node, unbonding_until_ms: u64) {
    set_status(n, constants::node_status_leaving(), unbonding_until_ms);
}

/// Sets the price (`NodeUpdated`).
public(package) fun set_mlkem_pk_hash(n: &mut Node, mlkem_pk_hash: vector<u8>) {
    n.mlkem_pk_hash = mlkem_pk_hash;
    events::node_pq_key_set(n.node_id, mlkem_pk_hash);
}

public(package) fun set_price(n: &mut Node, price: u64) {
    n.price = price;
    events::node_updated(n.node_id, price, n.capabilities);
}

/// Replaces the capabilities (no event: the registry re-syncs the sampling sets first, then
/// calls `emit_updated`); returns the old ones.
public(package) fun swap_capabilities(n: &mut Node, capabilities: vector<vector<u8>>): vector<vector<u8>> {
    let old = n.capabilities;
    n.capabilities = capabilities;
    old
}

/// `NodeUpdated` with the record's price and capabilities.
public(package) fun emit_updated(n: &Node) { events::node_updated(n.node_id, n.price, n.capabilities); }

/// Jails an Active node whose account's `stake` is below `min_stake`; returns whether it did.
public(package) fun jail_if_low(n: &mut Node, stake: u64, min_stake: u64, unbonding_until_ms: u64): bool {
    if (n.status == constants::node_status_active() && stake < min_stake) {
        set_status(n, constants::node_status_jailed(), unbonding_until_ms);
        true
    } else false
}

/// Records (or replaces) the node's attestation.
public(package) fun set_attestation(n: &mut Node, a: Attestation) { n.attestation.swap_or_fill(a); }

/// Whether the node holds an attestation (revoked or not).
public fun has_attestation(n: &Node): bool { n.attestation.is_some() }

/// Marks the attestation revoked and refuses verdicts issued at or before `now_ms`. The caller
/// checks `has_attestation` first.
public(package) fun revoke_attestation(n: &mut Node, now_ms: u64) {
    n.attestation.borrow_mut().revoked = true;
    n.attestation_floor_ms = now_ms;
}
