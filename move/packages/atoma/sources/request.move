/// Compute requests: one shared `Request` per request; create, sample (entry, `Random`),
/// create-and-sample in one call (entry, `Random`), commit, reveal, post output, and the read
/// API for contracts. Shared code: `new` (checks, escrow, change, RequestCreated) and
/// `sample_with` (sampling checks, round 0, NodesSampled).
module atoma::request;

use atoma::blinding;
use atoma::constants;
use atoma::events;
use atoma::node::NodeCap;
use atoma::protocol_version;
use atoma::registry::Registry;
use sui::balance::Balance;
use sui::clock::Clock;
use sui::coin::Coin;
use sui::dynamic_field as df;
use sui::hash::blake2b256;
use sui::random::{Random, RandomGenerator};
use sui::sui::SUI;

#[error(code = 1)]
const EWrongVersion: vector<u8> = b"request version does not match the package version";
#[error(code = 2)]
const EInvalidKind: vector<u8> = b"kind must be 0 (Inference) or 1 (Wasm)";
#[error(code = 3)]
const EInvalidSampleSize: vector<u8> = b"sample_size must be 1..=max_sample_size";
#[error(code = 4)]
const EInvalidQuorum: vector<u8> = b"quorum_bps must be 5_001..=10_000";
#[error(code = 5)]
const EInvalidHash: vector<u8> = b"hash must be 32 bytes";
#[error(code = 6)]
const EInputTooLarge: vector<u8> = b"input exceeds max_inline_bytes";
#[error(code = 7)]
const EInvalidPrice: vector<u8> = b"max_price must be positive and the escrow must fit in u64";
#[error(code = 8)]
const EInsufficientPayment: vector<u8> = b"payment is below the escrow";
#[error(code = 9)]
const EWrongStatus: vector<u8> = b"request is not in a status that allows this call";
#[error(code = 10)]
const EDeadlinePassed: vector<u8> = b"deadline has passed";
#[error(code = 11)]
const ENotEnoughNodes: vector<u8> = b"fewer eligible nodes than sample_size";
#[error(code = 12)]
const ENotSampled: vector<u8> = b"node is not sampled in the current round";
#[error(code = 13)]
const EAlreadyCommitted: vector<u8> = b"node already committed";
#[error(code = 14)]
const ERevealTooEarly: vector<u8> = b"reveal before all commits or the commit deadline";
#[error(code = 15)]
const ENotCommitted: vector<u8> = b"node did not commit";
#[error(code = 16)]
const EAlreadyRevealed: vector<u8> = b"node already revealed";
#[error(code = 17)]
const ECommitmentMismatch: vector<u8> = b"blake2b256(output_hash || node_id || salt) != commitment";
#[error(code = 18)]
const ENotAgreeing: vector<u8> = b"node did not reveal the agreed output hash";
#[error(code = 19)]
const EOutputAlreadyPosted: vector<u8> = b"output already posted";
#[error(code = 20)]
const EOutputTooLarge: vector<u8> = b"output exceeds 16_384 bytes";
#[error(code = 21)]
const EInvalidCapability: vector<u8> = b"capability must be 1..=64 bytes";
#[error(code = 22)]
const EOutputMismatch: vector<u8> = b"blake2b256(output) != agreed output hash (public request)";
#[error(code = 23)]
const EOutputAccepted: vector<u8> = b"the requester already accepted an output";
#[error(code = 24)]
const ENotRequester: vector<u8> = b"only the requester may accept the output";
#[error(code = 25)]
const ENotConfidential: vector<u8> = b"only confidential requests accept an output";
#[error(code = 26)]
const ENoOutputFromNode: vector<u8> = b"the node posted no output for this request";
#[error(code = 27)]
const EOutputHashMismatch: vector<u8> = b"blake2b256(output_hash || request_id) != agreed blinded hash";

public struct Assignment has copy, drop, store {
    node_id: ID,
    round: u8,
    price: u64,
    commitment: vector<u8>,
    output_hash: vector<u8>,
    committed: bool,
    revealed: bool,
}

public struct Request has key {
    id: UID,
    version: u64,
    requester: address,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    max_tokens: u64,
    fuel: u64,
    sample_size: u64,
    quorum_bps: u64,
    confidential: bool,
    max_price: u64,
    escrow: Balance<SUI>,
    status: u8,
    round: u8,
    created_ms: u64,
    sample_deadline_ms: u64,
    commit_deadline_ms: u64,
    reveal_deadline_ms: u64,
    dispute_deadline_ms: u64,
    assignments: vector<Assignment>,
    agreed_output_hash: Option<vector<u8>>,
    output: vector<u8>,
    output_node: Option<ID>,
    settled_ms: u64,
    /// Confidential requests: the requester accepted `output` (no more posts, no more swaps).
    output_accepted: bool,
    /// The agreed blinded hash `t = blake2b256(output_hash ‖ request_id)` (`blinding`), set at
    /// settlement. `agreed_output_hash` is set with it by a round-1 settlement, else by the
    /// first post whose output hash blinds to it.
    agreed_blinded_hash: Option<vector<u8>>,
}

// === Create ===

/// Escrow for N nodes at `max_price`: N × max_price × (10_000 + margin_bps) / 10_000.
public fun escrow_for(sample_size: u64, max_price: u64, margin_bps: u64): u64 {
    let e = (sample_size as u128) * (max_price as u128) * ((10_000 + margin_bps) as u128) / 10_000;
    assert!(e <= 18_446_744_073_709_551_615, EInvalidPrice);
    (e as u64)
}

/// Creates and shares a request; escrows the fee, returns the change to the sender.
/// `public` so Move contracts can offload computations. Returns the request id.
public fun create_request(
    registry: &Registry,
    payment: Coin<SUI>,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    max_tokens: u64,
    fuel: u64,
    sample_size: u64,
    quorum_bps: u64,
    max_price: u64,
    confidential: bool,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    let req = new(
        registry,
        payment,
        kind,
        capability,
        input_hash,
        input,
        max_tokens,
        fuel,
        sample_size,
        quorum_bps,
        max_price,
        confidential,
        clock,
        ctx,
    );
    let id = object::id(&req);
    transfer::share_object(req);
    id
}

public(package) fun new(
    registry: &Registry,
    mut payment: Coin<SUI>,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    max_tokens: u64,
    fuel: u64,
    sample_size: u64,
    quorum_bps: u64,
    max_price: u64,
    confidential: bool,
    clock: &Clock,
    ctx: &mut TxContext,
): Request {
    registry.assert_live();
    let p = *registry.params();
    let n = if (sample_size == 0) p.default_sample_size() else sample_size;
    let q = if (quorum_bps == 0) p.quorum_bps() else quorum_bps;
    assert!(kind <= constants::request_kind_wasm(), EInvalidKind);
    assert!(capability.length() >= 1 && capability.length() <= constants::max_capability_bytes(), EInvalidCapability);
    assert!(n >= 1 && n <= p.max_sample_size(), EInvalidSampleSize);
    assert!(q >= 5_001 && q <= 10_000, EInvalidQuorum);
    assert!(input_hash.length() == constants::hash_bytes(), EInvalidHash);
    assert!(input.length() <= p.max_inline_bytes(), EInputTooLarge);
    assert!(max_price > 0, EInvalidPrice);
    let escrow_amount = escrow_for(n, max_price, p.margin_bps());
    assert!(payment.value() >= escrow_amount, EInsufficientPayment);
    let escrow = payment.balance_mut().split(escrow_amount);
    if (payment.value() > 0) transfer::public_transfer(payment, ctx.sender())
    else payment.destroy_zero();
    let now = clock.timestamp_ms();
    let req = Request {
        id: object::new(ctx),
        version: protocol_version::current(),
        requester: ctx.sender(),
        kind,
        capability,
        input_hash,
        input,
        max_tokens,
        fuel,
        sample_size: n,
        quorum_bps: q,
        confidential,
        max_price,
        escrow,
        status: constants::request_status_created(),
        round: constants::round_first(),
        created_ms: now,
        sample_deadline_ms: now + p.commit_window_ms(),
        commit_deadline_ms: 0,
        reveal_deadline_ms: 0,
        dispute_deadline_ms: 0,
        assignments: vector[],
        agreed_output_hash: option::none(),
        output: vector[],
        output_node: option::none(),
        settled_ms: 0,
        output_accepted: false,
        agreed_blinded_hash: option::none(),
    };
    events::request_created(
        object::id(&req),
        req.requester,
        kind,
        req.capability,
        req.input_hash,
        n,
        q,
        confidential,
        max_price,
        escrow_amount,
        now,
    );
    req
}

// === Sample ===

/// `create_request` then `sample_nodes` in one call, for a one-transaction request: a
/// Request shared by `create_request` cannot be an input of a later command of the same PTB.
/// Same checks, same events (RequestCreated, then NodesSampled), same escrow and change; the
/// Request id takes the first fresh id and the generator the next, as in the two calls.
/// `entry` (never `public`), like `sample_nodes`.
entry fun create_and_sample(
    registry: &Registry,
    payment: Coin<SUI>,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    max_tokens: u64,
    fuel: u64,
    sample_size: u64,
    quorum_bps: u64,
    max_price: u64,
    confidential: bool,
    r: &Random,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let mut req = new(
        registry,
        payment,
        kind,
        capability,
        input_hash,
        input,
        max_tokens,
        fuel,
        sample_size,
        quorum_bps,
        max_price,
        confidential,
        clock,
        ctx,
    );
    let mut g = r.new_generator(ctx);
    sample_with(&mut req, registry, &mut g, clock);
    transfer::share_object(req);
}

/// Samples N distinct nodes with on-chain randomness. `entry` (never `public`): a public
/// function taking `Random` could be aborted after peeking at the result.
entry fun sample_nodes(request: &mut Request, registry: &Registry, r: &Random, clock: &Clock, ctx: &mut TxContext) {
    let mut g = r.new_generator(ctx);
    sample_with(request, registry, &mut g, clock);
}

public(package) fun sample_with(request: &mut Request, registry: &Registry, g: &mut RandomGenerator, clock: &Clock) {
    request.assert_version();
    registry.assert_live();
    let now = clock.timestamp_ms();
    assert!(request.status == constants::request_status_created(), EWrongStatus);
    assert!(now < request.sample_deadline_ms, EDeadlinePassed);
    let nodes = atoma::sampling::sample(
        registry,
        &request.capability,
        request.sample_size,
        request.max_price,
        request.confidential,
        &vector[],
        now,
        g,
    );
    assert!(nodes.length() == request.sample_size, ENotEnoughNodes);
    request.start_round(registry, nodes, constants::round_first(), now);
}

/// Appends the assignments of `round`, sets its deadlines and moves to `Sampled`.
public(package) fun start_round(request: &mut Request, registry: &Registry, nodes: vector<ID>, round: u8, now: u64) {
    let p = registry.params();
    nodes.do_ref!(|id| {
        request
            .assignments
            .push_back(Assignment {
                node_id: *id,
                round,
                price: registry.node_price(*id),
                commitment: vector[],
                output_hash: vector[],
                committed: false,
                revealed: false,
            });
    });
    request.round = round;
    request.status = constants::request_status_sampled();
    request.commit_deadline_ms = now + p.commit_window_ms();
    request.reveal_deadline_ms = request.commit_deadline_ms + p.reveal_window_ms();
    events::nodes_sampled(object::id(request), round, nodes, request.commit_deadline_ms, request.reveal_deadline_ms);
}

// === Commit / reveal ===

fun find(request: &Request, node_id: ID, round: u8): Option<u64> {
    request.assignments.find_index!(|a| a.node_id == node_id && a.round == round)
}

/// Commits `blake2b256(value ‖ node_id ‖ salt)`, where `value` is what the node will reveal:
/// in round 0 the blinded hash `t = blake2b256(output_hash ‖ request_id)`
/// (`blinding::blinded`), in the escalation round `output_hash` itself.
public fun commit(request: &mut Request, cap: &NodeCap, commitment: vector<u8>, clock: &Clock) {
    request.assert_version();
    let node_id = cap.node_id();
    let idx = find(request, node_id, request.round);
    assert!(idx.is_some(), ENotSampled);
    assert!(request.status == constants::request_status_sampled(), EWrongStatus);
    assert!(clock.timestamp_ms() < request.commit_deadline_ms, EDeadlinePassed);
    assert!(commitment.length() == constants::hash_bytes(), EInvalidHash);
    let i = idx.destroy_some();
    let round = request.round;
    let a = &mut request.assignments[i];
    assert!(!a.committed, EAlreadyCommitted);
    a.committed = true;
    a.commitment = commitment;
    events::result_committed(object::id(request), node_id, round, commitment);
    let all = request.assignments.all!(|a| a.round != round || a.committed);
    if (all) request.status = constants::request_status_revealing();
}

/// Commitment helper (same bytes a node must hash): blake2b256(output_hash ‖ node_id ‖ salt).
public fun commitment_of(output_hash: vector<u8>, node_id: ID, salt: vector<u8>): vector<u8> {
    let mut b = output_hash;
    b.append(node_id.to_bytes());
    b.append(salt);
    blake2b256(&b)
}

/// Reveals the committed value: round 0 `t = blake2b256(output_hash ‖ request_id)`, the
/// escalation round `output_hash` (tallied as its `t`, so a round-0 `t` copied here dissents).
public fun reveal(request: &mut Request, cap: &NodeCap, output_hash: vector<u8>, salt: vector<u8>, clock: &Clock) {
    request.assert_version();
    let now = clock.timestamp_ms();
    let node_id = cap.node_id();
    if (request.status == constants::request_status_sampled() && now >= request.commit_deadline_ms)
        request.status = constants::request_status_revealing();
    assert!(request.status == constants::request_status_revealing(), ERevealTooEarly);
    assert!(now < request.reveal_deadline_ms, EDeadlinePassed);
    let idx = find(request, node_id, request.round);
    assert!(idx.is_some(), ENotSampled);
    let i = idx.destroy_some();
    let round = request.round;
    let a = &mut request.assignments[i];
    assert!(a.committed, ENotCommitted);
    assert!(!a.revealed, EAlreadyRevealed);
    assert!(output_hash.length() == constants::hash_bytes(), EInvalidHash);
    assert!(commitment_of(output_hash, node_id, salt) == a.commitment, ECommitmentMismatch);
    a.revealed = true;
    a.output_hash = output_hash;
    events::result_revealed(object::id(request), node_id, round, output_hash);
}

/// One node that revealed the agreed hash stores the (encrypted) output, <= 16_384 bytes, with
/// `output_hash`, the hash of the plaintext output: it must blind to the agreed blinded hash
/// (`EOutputHashMismatch`); the first such post sets `agreed_output_hash` (round-0
/// settlements) and emits `OutputHashAgreed`. Public requests: `blake2b256(output)` must be
/// `output_hash` (`EOutputMismatch`), so the first post is the right one and later posts abort.
/// Confidential requests (the output may be sealed to the requester, which the chain cannot
/// check): every agreeing node may post once; the first post fills `output`, later ones are kept
/// per node (`output_of`), until the requester, who can decrypt them, accepts one
/// (`accept_output`).
public fun post_output(request: &mut Request, cap: &NodeCap, output: vector<u8>, output_hash: vector<u8>, _clock: &Clock) {
    request.assert_version();
    assert!(request.status == constants::request_status_settled(), EWrongStatus);
    let node_id = cap.node_id();
    let request_id = object::id(request);
    let agreed = *request.agreed_blinded_hash.borrow();
    let agrees = request.assignments.any!(|a| {
        a.node_id == node_id && a.revealed && blinding::tally_key(a.round, a.output_hash, request_id) == agreed
    });
    assert!(agrees, ENotAgreeing);
    assert!(!request.output_accepted, EOutputAccepted);
    assert!(output.length() <= constants::max_output_bytes(), EOutputTooLarge);
    assert!(output_hash.length() == constants::hash_bytes(), EInvalidHash);
    assert!(blinding::blinded(output_hash, request_id) == agreed, EOutputHashMismatch);
    let size = output.length();
    if (!request.confidential) {
        assert!(request.output_node.is_none(), EOutputAlreadyPosted);
        assert!(blake2b256(&output) == output_hash, EOutputMismatch);
    } else {
        let posted = request.output_node == option::some(node_id) || df::exists_(&request.id, node_id);
        assert!(!posted, EOutputAlreadyPosted);
    };
    if (request.agreed_output_hash.is_none()) {
        request.agreed_output_hash = option::some(output_hash);
        events::output_hash_agreed(request_id, output_hash, option::some(node_id));
    };
    if (request.output_node.is_none()) {
        request.output = output;
        request.output_node = option::some(node_id);
    } else df::add(&mut request.id, node_id, output);
    events::output_posted(request_id, node_id, size);
}

/// Confidential requests: the requester accepts the output `node_id` posted (after decrypting
/// it and checking its hash against the agreed one). It becomes `output`; the previous `output`
/// is kept as that node's post. No post or acceptance follows.
public fun accept_output(request: &mut Request, node_id: ID, ctx: &TxContext) {
    request.assert_version();
    assert!(request.confidential, ENotConfidential);
    assert!(ctx.sender() == request.requester, ENotRequester);
    assert!(!request.output_accepted, EOutputAccepted);
    if (request.output_node != option::some(node_id)) {
        assert!(df::exists_(&request.id, node_id), ENoOutputFromNode);
        let chosen: vector<u8> = df::remove(&mut request.id, node_id);
        let prev = request.output;
        request.output = chosen;
        let prev_node = request.output_node.swap(node_id);
        df::add(&mut request.id, prev_node, prev);
    };
    request.output_accepted = true;
    events::output_accepted(object::id(request), node_id);
}

// === Read API ===

public fun id(r: &Request): ID { object::id(r) }
public fun version(r: &Request): u64 { r.version }
public fun status(r: &Request): u8 { r.status }
public fun is_settled(r: &Request): bool { r.status == constants::request_status_settled() }
public fun is_failed(r: &Request): bool { r.status == constants::request_status_failed() }
/// The agreed output hash: set by a round-1 settlement, or (round-0 settlement) by the first
/// post whose output hash blinds to `agreed_blinded_hash`; none before that.
public fun agreed_output_hash(r: &Request): Option<vector<u8>> { r.agreed_output_hash }
/// The agreed blinded hash `t = blake2b256(output_hash ‖ request_id)`, set at settlement.
public fun agreed_blinded_hash(r: &Request): Option<vector<u8>> { r.agreed_blinded_hash }
public fun output(r: &Request): vector<u8> { r.output }
public fun output_node(r: &Request): Option<ID> { r.output_node }
public fun output_accepted(r: &Request): bool { r.output_accepted }

/// The output `node_id` posted (confidential requests keep every agreeing node's post).
public fun output_of(r: &Request, node_id: ID): Option<vector<u8>> {
    if (r.output_node == option::some(node_id)) option::some(r.output)
    else if (df::exists_(&r.id, node_id)) option::some(*df::borrow<ID, vector<u8>>(&r.id, node_id))
    else option::none()
}
public fun requester(r: &Request): address { r.requester }
public fun kind(r: &Request): u8 { r.kind }
public fun capability(r: &Request): vector<u8> { r.capability }
public fun input_hash(r: &Request): vector<u8> { r.input_hash }
public fun input(r: &Request): vector<u8> { r.input }
public fun max_tokens(r: &Request): u64 { r.max_tokens }
public fun fuel(r: &Request): u64 { r.fuel }
public fun sample_size(r: &Request): u64 { r.sample_size }
public fun quorum_bps(r: &Request): u64 { r.quorum_bps }
public fun confidential(r: &Request): bool { r.confidential }
public fun max_price(r: &Request): u64 { r.max_price }
public fun round(r: &Request): u8 { r.round }
public fun escrow_value(r: &Request): u64 { r.escrow.value() }
public fun created_ms(r: &Request): u64 { r.created_ms }
public fun sample_deadline_ms(r: &Request): u64 { r.sample_deadline_ms }
public fun commit_deadline_ms(r: &Request): u64 { r.commit_deadline_ms }
public fun reveal_deadline_ms(r: &Request): u64 { r.reveal_deadline_ms }
public fun dispute_deadline_ms(r: &Request): u64 { r.dispute_deadline_ms }
public fun settled_ms(r: &Request): u64 { r.settled_ms }

/// The nodes sampled in `round`, in sampling order.
public fun sampled_nodes(r: &Request, round: u8): vector<ID> {
    let mut out = vector[];
    r.assignments.do_ref!(|a| if (a.round == round) out.push_back(a.node_id));
    out
}

public fun status_created(): u8 { constants::request_status_created() }
public fun status_sampled(): u8 { constants::request_status_sampled() }
public fun status_revealing(): u8 { constants::request_status_revealing() }
public fun status_settled(): u8 { constants::request_status_settled() }
public fun status_disputed(): u8 { constants::request_status_disputed() }
public fun status_failed(): u8 { constants::request_status_failed() }

// === Package-internal (settlement) ===

public(package) fun assert_version(r: &Request) {
    assert!(r.version == protocol_version::current(), EWrongVersion);
}

/// For `settle`: a request created by an older package version can still be settled by the
/// newer one, so an upgrade never locks escrow.
public(package) fun assert_version_settleable(r: &Request) {
    assert!(r.version <= protocol_version::current(), EWrongVersion);
}

public(package) fun assignments(r: &Request): &vector<Assignment> { &r.assignments }
public(package) fun a_node_id(a: &Assignment): ID { a.node_id }
public(package) fun a_round(a: &Assignment): u8 { a.round }
public(package) fun a_price(a: &Assignment): u64 { a.price }
public(package) fun a_revealed(a: &Assignment): bool { a.revealed }
public(package) fun a_committed(a: &Assignment): bool { a.committed }
public(package) fun a_output_hash(a: &Assignment): vector<u8> { a.output_hash }
/// What the assignment's reveal is tallied on (`blinding::tally_key`).
public(package) fun a_tally_key(a: &Assignment, request_id: ID): vector<u8> {
    blinding::tally_key(a.round, a.output_hash, request_id)
}

/// For `escalate`: a `Disputed` request created by an older package version moves to this
/// version (its dispute round then runs under the new code), so an upgrade never strands a
/// dispute (issue 13 A7).
public(package) fun adopt_version(r: &mut Request) {
    r.assert_version_settleable();
    r.version = protocol_version::current();
}

public(package) fun escrow_mut(r: &mut Request): &mut Balance<SUI> { &mut r.escrow }
public(package) fun set_status(r: &mut Request, s: u8) { r.status = s; }
public(package) fun set_dispute_deadline(r: &mut Request, ms: u64) { r.dispute_deadline_ms = ms; }

/// `blinded` is the agreed `t`. A round-1 settlement also sets `agreed_output_hash`: an
/// escalation node revealed a preimage of `t` (the quorum of both rounds needs one).
public(package) fun finish_settled(r: &mut Request, blinded: vector<u8>, now: u64) {
    r.status = constants::request_status_settled();
    r.agreed_blinded_hash = option::some(blinded);
    r.settled_ms = now;
    let request_id = object::id(r);
    let i = r.assignments.find_index!(|a| {
        a.round == constants::round_escalation() && a.revealed && blinding::blinded(a.output_hash, request_id) == blinded
    });
    if (i.is_some()) {
        let a = &r.assignments[i.destroy_some()];
        r.agreed_output_hash = option::some(a.output_hash);
        events::output_hash_agreed(request_id, a.output_hash, option::none());
    }
}

/// Dynamic-field key on a `Disputed` request whose escalation found too few fresh nodes: the
/// failure reason `settle` ends it with (`escalate` reads the Registry only, so it cannot slash).
public struct PendingFailureKey has copy, drop, store {}

public(package) fun set_pending_failure(r: &mut Request, reason: u8) {
    df::add(&mut r.id, PendingFailureKey {}, reason);
}

/// Removes and returns the reason `set_pending_failure` left, if any.
public(package) fun take_pending_failure(r: &mut Request): Option<u8> {
    if (df::exists_(&r.id, PendingFailureKey {})) option::some(df::remove(&mut r.id, PendingFailureKey {}))
    else option::none()
}

public(package) fun finish_failed(r: &mut Request, now: u64) {
    r.status = constants::request_status_failed();
    r.settled_ms = now;
}

// === Test helpers ===

#[test_only]
public fun share_for_testing(r: Request) { transfer::share_object(r) }

#[test_only]
public fun sample_nodes_for_testing(request: &mut Request, registry: &Registry, r: &Random, clock: &Clock, ctx: &mut TxContext) {
    sample_nodes(request, registry, r, clock, ctx)
}

#[test_only]
public fun create_and_sample_for_testing(
    registry: &Registry,
    payment: Coin<SUI>,
    kind: u8,
    capability: vector<u8>,
    input_hash: vector<u8>,
    input: vector<u8>,
    max_tokens: u64,
    fuel: u64,
    sample_size: u64,
    quorum_bps: u64,
    max_price: u64,
    confidential: bool,
    r: &Random,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    create_and_sample(
        registry,
        payment,
        kind,
        capability,
        input_hash,
        input,
        max_tokens,
        fuel,
        sample_size,
        quorum_bps,
        max_price,
        confidential,
        r,
        clock,
        ctx,
    )
}

#[test_only]
public fun set_version_for_testing(r: &mut Request, v: u64) { r.version = v; }
