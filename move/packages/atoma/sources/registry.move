/// The shared `Registry`: parameters, the node records (`node_record::Node`, stored here and
/// changed through their own module), eligible sets per capability, verifier and measurement
/// allow-lists, pause switch, treasury, upgrades.
module atoma::registry;

use atoma::config::{Self, Params};
use atoma::constants;
use atoma::events;
use atoma::node_account::NodeAccount;
use atoma::node_record::{Self, Node, Attestation};
use atoma::protocol_version;
use atoma::sum_tree::{Self, Tree};
use sui::balance::{Self, Balance};
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::dynamic_field as df;
use sui::sui::SUI;
use sui::table::{Self, Table};
use sui::vec_map::{Self, VecMap};

#[error(code = 1)]
const EWrongVersion: vector<u8> = b"object version does not match the package version";
#[error(code = 2)]
const EPaused: vector<u8> = b"the protocol is paused";
#[error(code = 3)]
const ENotUpgrade: vector<u8> = b"registry version is not lower than the package version";
#[error(code = 4)]
const EInvalidKey: vector<u8> = b"public key must be 32 bytes";
#[error(code = 5)]
const EUnknownNode: vector<u8> = b"node is not registered";
#[error(code = 6)]
const ENoAttestation: vector<u8> = b"node has no attestation";
#[error(code = 8)]
const EInsufficientTreasury: vector<u8> = b"treasury holds less than the amount";
#[error(code = 9)]
const EInvalidTeeKind: vector<u8> = b"tee_kind must be 1..=4 for a measurement";
#[error(code = 10)]
const EVerifierExists: vector<u8> = b"verifier already allow-listed";
#[error(code = 11)]
const EUnknownVerifier: vector<u8> = b"verifier not allow-listed";
#[error(code = 12)]
const EUnknownMeasurement: vector<u8> = b"measurement not allow-listed";
#[error(code = 13)]
const EInvalidMeasurement: vector<u8> = b"measurement must be 1..=128 bytes";
#[error(code = 14)]
const EInvalidTdxRoot: vector<u8> = b"TDX root key must be a 33-byte compressed P-256 point (0x02/0x03 prefix)";
#[error(code = 15)]
const ENoTdxRoot: vector<u8> = b"no TDX root key pinned (set_tdx_root first)";
#[error(code = 16)]
const EInvalidTcbPolicy: vector<u8> = b"TCB policy: statuses must be 0..=5 (Revoked never), grace at most 90 days";

/// Default freshness grace past the collateral's nextUpdate: 30 days (Intel issues TCB info for
/// about a month, so a missed cycle still verifies; a 7-day maximum age caused an outage elsewhere).
const DEFAULT_TDX_GRACE_MS: u64 = 30 * 24 * 3600 * 1000;
const MAX_TDX_GRACE_MS: u64 = 90 * 24 * 3600 * 1000;

public struct Registry has key {
    id: UID,
    version: u64,
    params: Params,
    paused: bool,
    nodes: Table<ID, Node>,
    /// Per capability, the sum trees of its Active nodes (fields under `id`, see `sum_tree`).
    eligible: Table<vector<u8>, Eligible>,
    verifiers: vector<vector<u8>>,
    measurements: VecMap<u8, vector<vector<u8>>>,
    treasury: Balance<SUI>,
    node_count: u64,
}

public struct AdminCap has key, store { id: UID }

/// The sampling sets of one capability: every Active node, and the Active nodes with a
/// recorded, unrevoked attestation (confidential requests draw from the second). Weight =
/// min(stake, stake_cap) when last synced (see `sync_node`).
public struct Eligible has store {
    all: Tree,
    attested: Tree,
}

/// Dynamic-field key on the registry for the TDX on-chain verification settings.
public struct TdxConfigKey has copy, drop, store {}

/// The pinned Intel SGX root key and the admin's policy for on-chain TDX attestations.
public struct TdxConfig has drop, store {
    /// Compressed SEC1 P-256 key (33 bytes).
    root_key: vector<u8>,
    /// TCB statuses (`constants::tcb_status_*`) that may serve confidential requests.
    allowed_tcb_statuses: vector<u8>,
    /// Collateral is fresh until its nextUpdate plus this grace.
    collateral_grace_ms: u64,
}

fun init(ctx: &mut TxContext) {
    transfer::share_object(new(ctx));
    transfer::transfer(AdminCap { id: object::new(ctx) }, ctx.sender());
}

fun new(ctx: &mut TxContext): Registry {
    Registry {
        id: object::new(ctx),
        version: protocol_version::current(),
        params: config::defaults(),
        paused: false,
        nodes: table::new(ctx),
        eligible: table::new(ctx),
        verifiers: vector[],
        measurements: vec_map::empty(),
        treasury: balance::zero(),
        node_count: 0,
    }
}

// === Checks ===

public(package) fun assert_version(r: &Registry) {
    assert!(r.version == protocol_version::current(), EWrongVersion);
}

/// Version check and pause check, for state-changing non-admin calls.
public(package) fun assert_live(r: &Registry) {
    assert!(r.version == protocol_version::current(), EWrongVersion);
    assert!(!r.paused, EPaused);
}

public(package) fun assert_key(k: &vector<u8>) { assert!(k.length() == constants::key_bytes(), EInvalidKey); }

// === Admin ===

public fun set_param(r: &mut Registry, _: &AdminCap, name: vector<u8>, value: u64) {
    r.assert_version();
    config::set(&mut r.params, name, value);
    events::param_changed(name, value);
}

public fun set_paused(r: &mut Registry, _: &AdminCap, paused: bool) {
    r.assert_version();
    r.paused = paused;
}

/// Pins the Intel SGX root key on-chain TDX verification trusts (compressed SEC1). Attestations
/// resting on a previous root end (`is_attested`). The first call sets the default policy:
/// UpToDate only, 30 days of collateral grace.
public fun set_tdx_root(r: &mut Registry, _: &AdminCap, root_key: vector<u8>) {
    r.assert_version();
    assert!(root_key.length() == constants::tdx_root_key_bytes() && (root_key[0] == 2 || root_key[0] == 3), EInvalidTdxRoot);
    if (df::exists_(&r.id, TdxConfigKey {})) {
        let c: &mut TdxConfig = df::borrow_mut(&mut r.id, TdxConfigKey {});
        c.root_key = root_key;
    } else {
        let c = TdxConfig {
            root_key,
            allowed_tcb_statuses: vector[constants::tcb_status_up_to_date()],
            collateral_grace_ms: DEFAULT_TDX_GRACE_MS,
        };
        df::add(&mut r.id, TdxConfigKey {}, c);
    }
}

/// Which TCB statuses may serve confidential requests (codes 0..=5, see docs/attestation.md) and
/// the collateral grace past nextUpdate (at most 90 days).
public fun set_tdx_policy(r: &mut Registry, _: &AdminCap, allowed_tcb_statuses: vector<u8>, grace_ms: u64) {
    r.assert_version();
    assert!(df::exists_(&r.id, TdxConfigKey {}), ENoTdxRoot);
    assert!(grace_ms <= MAX_TDX_GRACE_MS, EInvalidTcbPolicy);
    let highest = constants::tcb_status_out_of_date_configuration_needed();
    allowed_tcb_statuses.do_ref!(|s| assert!(*s <= highest, EInvalidTcbPolicy));
    let c: &mut TdxConfig = df::borrow_mut(&mut r.id, TdxConfigKey {});
    c.allowed_tcb_statuses = allowed_tcb_statuses;
    c.collateral_grace_ms = grace_ms;
}

public fun add_verifier(r: &mut Registry, _: &AdminCap, pk: vector<u8>) {
    r.assert_version();
    assert_key(&pk);
    assert!(!r.verifiers.contains(&pk), EVerifierExists);
    r.verifiers.push_back(pk);
}

public fun remove_verifier(r: &mut Registry, _: &AdminCap, pk: vector<u8>) {
    r.assert_version();
    let (found, i) = r.verifiers.index_of(&pk);
    assert!(found, EUnknownVerifier);
    r.verifiers.remove(i);
}

public fun allow_measurement(r: &mut Registry, _: &AdminCap, tee_kind: u8, measurement: vector<u8>) {
    r.assert_version();
    assert!(tee_kind >= constants::tee_kind_tdx() && tee_kind <= constants::tee_kind_nitro(), EInvalidTeeKind);
    assert!(measurement.length() >= 1 && measurement.length() <= constants::max_measurement_bytes(), EInvalidMeasurement);
    if (!r.measurements.contains(&tee_kind)) r.measurements.insert(tee_kind, vector[]);
    let list = r.measurements.get_mut(&tee_kind);
    if (!list.contains(&measurement)) list.push_back(measurement);
}

public fun disallow_measurement(r: &mut Registry, _: &AdminCap, tee_kind: u8, measurement: vector<u8>) {
    r.assert_version();
    assert!(r.measurements.contains(&tee_kind), EUnknownMeasurement);
    let list = r.measurements.get_mut(&tee_kind);
    let (found, i) = list.index_of(&measurement);
    assert!(found, EUnknownMeasurement);
    list.remove(i);
}

public fun withdraw_treasury(r: &mut Registry, _: &AdminCap, amount: u64, ctx: &mut TxContext): Coin<SUI> {
    r.assert_version();
    assert!(r.treasury.value() >= amount, EInsufficientTreasury);
    coin::from_balance(r.treasury.split(amount), ctx)
}

public fun migrate(r: &mut Registry, _: &AdminCap) {
    assert!(r.version < protocol_version::current(), ENotUpgrade);
    r.version = protocol_version::current();
}

/// Ends the node's attestation and refuses every verdict issued at or before now, so the
/// revoked verdict (or any other signed before the revocation) cannot be recorded again.
public fun revoke_attestation(r: &mut Registry, _: &AdminCap, node_id: ID, clock: &Clock, ctx: &TxContext) {
    r.assert_version();
    assert!(r.nodes.contains(node_id), EUnknownNode);
    let now = clock.timestamp_ms();
    let node = &mut r.nodes[node_id];
    assert!(node.has_attestation(), ENoAttestation);
    node.revoke_attestation(now);
    events::attestation_revoked(node_id, ctx.sender(), now);
    sync_node(r, node_id);
}

// === Read API ===

public fun version(r: &Registry): u64 { r.version }
public fun params(r: &Registry): &Params { &r.params }
public fun is_paused(r: &Registry): bool { r.paused }
public fun treasury_value(r: &Registry): u64 { r.treasury.value() }
public fun node_count(r: &Registry): u64 { r.node_count }
public fun verifiers(r: &Registry): &vector<vector<u8>> { &r.verifiers }
public fun has_node(r: &Registry, id: ID): bool { r.nodes.contains(id) }

public fun is_verifier(r: &Registry, pk: &vector<u8>): bool { r.verifiers.contains(pk) }

public fun is_measurement_allowed(r: &Registry, tee_kind: u8, m: &vector<u8>): bool {
    r.measurements.contains(&tee_kind) && r.measurements.get(&tee_kind).contains(m)
}

/// The nodes in `capability`'s sampling set, in slot order (O(M) loads: a read for tools and
/// tests, never used on the request path). Settlements never write it: a node slashed below
/// `min_stake` stays listed (and drawable) until `refresh_node` jails it (see `sync_node`).
public fun eligible_nodes(r: &Registry, capability: vector<u8>): vector<ID> {
    if (r.eligible.contains(capability)) sum_tree::ids(&r.id, &r.eligible[capability].all) else vector[]
}

/// The sum tree a request samples from: attested members only when `confidential`.
public(package) fun eligible_tree(r: &Registry, capability: &vector<u8>, confidential: bool): &Tree {
    let e = &r.eligible[*capability];
    if (confidential) &e.attested else &e.all
}

public(package) fun has_eligible(r: &Registry, capability: &vector<u8>): bool {
    r.eligible.contains(*capability)
}

/// The UID the sum trees' fields hang under.
public(package) fun tree_host(r: &Registry): &UID { &r.id }

/// The same UID, mutable: `tdx_attestation` keeps the recorded CRLs under it.
public(package) fun host_mut(r: &mut Registry): &mut UID { &mut r.id }

/// Whether a drawn node may serve: Active, price <= max_price, attested at `now_ms` when
/// confidential. Evaluates every condition (no short circuit) so that every node that passes
/// costs the same to check (issue 13 A1).
public(package) fun may_serve(r: &Registry, id: ID, max_price: u64, confidential: bool, now_ms: u64): bool {
    let n = &r.nodes[id];
    let active = n.is_active();
    let cheap = n.price() <= max_price;
    let attested = if (confidential) attested_fixed_cost(r, n, now_ms) else true;
    active && cheap && attested
}

/// `is_attested` with full scans of the allow-lists (the work does not depend on where the
/// node's verifier or measurement sits in them), and both signer rules evaluated whatever the
/// record's path (verdict: an allow-listed verifier; on-chain TDX: the pinned root).
fun attested_fixed_cost(r: &Registry, n: &Node, now_ms: u64): bool {
    if (!n.has_attestation()) return false;
    let a = n.attestation().borrow();
    let verifier_pk = a.attestation_verifier_pk();
    let measurement = a.attestation_measurement();
    let tee_kind = a.attestation_tee_kind();
    let mut verifier_hits = 0;
    r.verifiers.do_ref!(|v| if (v == &verifier_pk) { verifier_hits = verifier_hits + 1; });
    let mut measurement_hits = 0;
    let keys = r.measurements.keys();
    keys.do_ref!(|k| {
        r.measurements.get(k).do_ref!(|m| if (m == &measurement) { if (*k == tee_kind) measurement_hits = measurement_hits + 1; });
    });
    let tcb_allowed = tdx_tcb_still_allowed(r, a);
    let root_matches = r.tdx_root() == option::some(verifier_pk) && tcb_allowed;
    let signer_ok = if (a.attestation_path() == constants::attestation_path_tdx_on_chain()) root_matches
        else if (a.attestation_path() == constants::attestation_path_nitro_on_chain()) true
        else verifier_hits > 0;
    let fresh = a.attestation_expires_ms() > now_ms;
    let live = !a.attestation_revoked();
    let kind = tee_kind != constants::tee_kind_none();
    signer_ok && measurement_hits > 0 && fresh && live && kind
}

fun node(r: &Registry, id: ID): &Node {
    assert!(r.nodes.contains(id), EUnknownNode);
    &r.nodes[id]
}

// The node read API by id (aborts with EUnknownNode): the record's own accessors in `node_record`.
// Stake, unbonding, reputation and the served / slashed counters are the node's account's
// (`node_account::stake(&NodeAccount)` etc.; issue 13 B stage 2).
public fun node_operator(r: &Registry, id: ID): address { node(r, id).operator() }
public fun node_sig_pk(r: &Registry, id: ID): vector<u8> { node(r, id).sig_pk() }
public fun node_enc_pk(r: &Registry, id: ID): vector<u8> { node(r, id).enc_pk() }
public fun node_capabilities(r: &Registry, id: ID): vector<vector<u8>> { *node(r, id).capabilities() }
public fun node_price(r: &Registry, id: ID): u64 { node(r, id).price() }
public fun node_status(r: &Registry, id: ID): u8 { node(r, id).status() }
public fun node_attestation(r: &Registry, id: ID): Option<Attestation> { *node(r, id).attestation() }
public fun node_mlkem_pk_hash(r: &Registry, id: ID): vector<u8> { node(r, id).mlkem_pk_hash() }

/// Attested at `now_ms`: an attestation with tee_kind != 0, not revoked, expires_ms > now_ms,
/// whose verifier is still allow-listed and whose measurement is still allowed (checked at use
/// time, so removing a verifier or disallowing a measurement ends the attestations resting on it).
public fun is_attested(r: &Registry, id: ID, now_ms: u64): bool {
    let n = node(r, id);
    if (!n.has_attestation()) return false;
    let a = n.attestation().borrow();
    a.attestation_tee_kind() != constants::tee_kind_none() && !a.attestation_revoked()
        && a.attestation_expires_ms() > now_ms
        && (if (a.attestation_path() == constants::attestation_path_tdx_on_chain())
            r.tdx_root() == option::some(a.attestation_verifier_pk()) && tdx_tcb_still_allowed(r, a)
            else if (a.attestation_path() == constants::attestation_path_nitro_on_chain()) true
            else r.verifiers.contains(&a.attestation_verifier_pk()))
        && r.is_measurement_allowed(a.attestation_tee_kind(), &a.attestation_measurement())
}

/// The pinned Intel root key, if any.
public fun tdx_root(r: &Registry): Option<vector<u8>> {
    if (!df::exists_(&r.id, TdxConfigKey {})) return option::none();
    let c: &TdxConfig = df::borrow(&r.id, TdxConfigKey {});
    option::some(c.root_key)
}

/// The pinned root key; aborts with ENoTdxRoot when none is.
public fun tdx_root_key(r: &Registry): vector<u8> { tdx_config(r).root_key }

public fun tdx_tcb_status_allowed(r: &Registry, status: u8): bool {
    tdx_config(r).allowed_tcb_statuses.contains(&status)
}

public fun tdx_collateral_grace_ms(r: &Registry): u64 { tdx_config(r).collateral_grace_ms }

/// The record's TCB status is still in the policy (tightening the policy ends attestations
/// that no longer qualify, as the revocation floor does).
fun tdx_tcb_still_allowed(r: &Registry, a: &Attestation): bool {
    df::exists_(&r.id, TdxConfigKey {}) && r.tdx_tcb_status_allowed(a.attestation_tcb_status())
}

fun tdx_config(r: &Registry): &TdxConfig {
    assert!(df::exists_(&r.id, TdxConfigKey {}), ENoTdxRoot);
    df::borrow(&r.id, TdxConfigKey {})
}

/// Verdicts issued at or before this time are refused for the node (its last revocation; 0 if none).
public fun node_attestation_floor_ms(r: &Registry, id: ID): u64 { node(r, id).attestation_floor_ms() }

/// Sampling weight last synced from the node's account: min(stake, stake_cap) then.
public fun node_weight(r: &Registry, id: ID): u64 { node(r, id).weight() }

// === Package-internal node state ===

public(package) fun add_node(
    r: &mut Registry,
    account: &NodeAccount,
    sig_pk: vector<u8>,
    enc_pk: vector<u8>,
    capabilities: vector<vector<u8>>,
    price: u64,
) {
    let node_id = account.node_id();
    let w = account.weight(r.params.stake_cap());
    r.nodes.add(node_id, node_record::new(node_id, account.operator(), sig_pk, enc_pk, capabilities, price, w));
    r.node_count = r.node_count + 1;
    sync_node(r, node_id);
}

/// Brings the node's entries in its capabilities' sum trees in line with its record: Active
/// nodes are members of `all` with the record's weight (min(stake, stake_cap) when last synced
/// from its account), and of `attested` when they hold a recorded, unrevoked attestation; other
/// nodes are in neither. Cost: per capability (<= 16) and tree, O(log16 M) field loads. Every
/// state change a node's own transaction makes (register, stake, unstake, capabilities,
/// attestation, `jail`) syncs at once; a settlement does not (it takes no Registry by `&mut`,
/// and slashing up to 3N nodes would need up to 3N · 16 · 2 · log M loads, past Sui's limit,
/// issue 13 A7): sampling re-checks status on the drawn record, and `refresh_node` (anyone)
/// applies a slash later, jailing the node when its stake fell below `min_stake`. A
/// `stake_cap` change reaches a node's weight the same way.
fun sync_node(r: &mut Registry, id: ID) {
    let caps = *r.nodes[id].capabilities();
    caps.do_ref!(|c| sync_in(r, id, c));
}

fun sync_in(r: &mut Registry, id: ID, c: &vector<u8>) {
    let n = &r.nodes[id];
    let active = n.is_active() && n.capabilities().contains(c);
    let attested = active && n.has_live_attestation();
    let w = n.weight();
    if (!r.eligible.contains(*c)) {
        if (!active) return;
        let mut all_tag = *c;
        all_tag.push_back(0);
        let mut att_tag = *c;
        att_tag.push_back(1);
        r.eligible.add(*c, Eligible { all: sum_tree::new(all_tag), attested: sum_tree::new(att_tag) });
    };
    let e = &mut r.eligible[*c];
    sync_tree(&mut r.id, &mut e.all, id, active, w);
    sync_tree(&mut r.id, &mut e.attested, id, attested, w);
}

fun sync_tree(uid: &mut UID, t: &mut Tree, id: ID, member: bool, w: u64) {
    let has = sum_tree::contains(uid, t, id);
    if (member && has) sum_tree::set_weight(uid, t, id, w)
    else if (member) sum_tree::insert(uid, t, id, w)
    else if (has) sum_tree::remove(uid, t, id);
}

/// Anyone: re-syncs a node's sampling weight and membership with its account (after a
/// settlement slashed it, or after `stake_cap` or `min_stake` changed): weight =
/// min(stake, stake_cap), and an Active node whose stake is below `min_stake` is jailed (it
/// leaves its sampling sets). Idempotent. Takes the account read-only.
public fun refresh_node(r: &mut Registry, account: &NodeAccount) {
    r.assert_version();
    let id = account.node_id();
    assert!(r.nodes.contains(id), EUnknownNode);
    let min = r.params.min_stake();
    let w = account.weight(r.params.stake_cap());
    let n = &mut r.nodes[id];
    n.jail_if_low(account.stake(), min, account.unbonding_until_ms());
    n.set_weight(w);
    sync_node(r, id);
}

/// Adds stake to the account; a Jailed node back at >= min_stake becomes Active and rejoins its
/// eligible sets with its new weight.
public(package) fun deposit_stake(r: &mut Registry, account: &mut NodeAccount, b: Balance<SUI>) {
    let id = account.node_id();
    account.deposit(b);
    let min = r.params.min_stake();
    let w = account.weight(r.params.stake_cap());
    let n = &mut r.nodes[id];
    n.activate_if_funded(account.stake(), min, account.unbonding_until_ms());
    n.set_weight(w);
    sync_node(r, id);
}

/// Moves all stake to unbonding; the node is Leaving and leaves every eligible set now.
public(package) fun begin_unstake(r: &mut Registry, account: &mut NodeAccount, now_ms: u64) {
    let id = account.node_id();
    account.begin_unstake(now_ms, r.params.unbonding_ms());
    let n = &mut r.nodes[id];
    n.set_leaving(account.unbonding_until_ms());
    n.set_weight(0);
    sync_node(r, id);
}

public(package) fun set_mlkem_pk_hash_internal(r: &mut Registry, id: ID, mlkem_pk_hash: vector<u8>) {
    r.nodes[id].set_mlkem_pk_hash(mlkem_pk_hash);
}

public(package) fun set_price_internal(r: &mut Registry, id: ID, price: u64) { r.nodes[id].set_price(price); }

public(package) fun set_capabilities_internal(r: &mut Registry, id: ID, capabilities: vector<vector<u8>>) {
    let old = r.nodes[id].swap_capabilities(capabilities);
    old.do_ref!(|c| sync_in(r, id, c)); // leaves the dropped ones
    sync_node(r, id);
    r.nodes[id].emit_updated();
}

/// Jails an Active node whose account's stake is below min_stake and takes it out of its
/// sampling sets. Returns whether it was jailed.
public(package) fun jail_if_low(r: &mut Registry, account: &NodeAccount): bool {
    let id = account.node_id();
    let min = r.params.min_stake();
    let w = account.weight(r.params.stake_cap());
    let n = &mut r.nodes[id];
    let jailed = n.jail_if_low(account.stake(), min, account.unbonding_until_ms());
    if (jailed) {
        n.set_weight(w);
        sync_node(r, id);
    };
    jailed
}

public(package) fun deposit_treasury(r: &mut Registry, b: Balance<SUI>) { r.treasury.join(b); }

public(package) fun set_attestation(r: &mut Registry, id: ID, a: Attestation) {
    r.nodes[id].set_attestation(a);
    sync_node(r, id);
}

// === Test helpers ===

#[test_only]
public fun new_for_testing(ctx: &mut TxContext): (Registry, AdminCap) {
    (new(ctx), AdminCap { id: object::new(ctx) })
}

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) { init(ctx) }

#[test_only]
public fun set_version_for_testing(r: &mut Registry, v: u64) { r.version = v; }

#[test_only]
public fun share_for_testing(r: Registry) { transfer::share_object(r) }
