/// Settlement in three calls of one PTB (issue 13 B stage 2: no global object written):
/// `settle_begin` decides the outcome and returns a `Settlement` (a hot potato),
/// `settle_node` applies it to each assigned node's `NodeAccount` (slash or reward), and
/// `settle_end` pays the winners, keeps the protocol's part, refunds and finishes the request.
/// Also `escalate` (entry, `Random`).
///
/// Money: paid + margin + refund + slashed_to_treasury == escrow + slashed. The treasury's part
/// (margin + slashed_to_treasury) stays in the request's escrow until `fees::sweep_fees`.
/// Cost: O(A) over the request's assignments (A <= 3N) plus O(A · D) to count D distinct hashes;
/// `settle_node` O(A) to find its node.
module atoma::settlement;

use atoma::constants;
use atoma::events;
use atoma::node_account::NodeAccount;
use atoma::registry::Registry;
use atoma::request::{Self, Request};
use sui::balance::{Self, Balance};
use sui::clock::Clock;
use sui::coin;
use sui::random::{Random, RandomGenerator};
use sui::sui::SUI;

#[error(code = 1)]
const EWrongStatus: vector<u8> = b"request cannot be settled in its status";
#[error(code = 2)]
const ESettleTooEarly: vector<u8> = b"reveals missing and the reveal deadline has not passed";
#[error(code = 3)]
const EDeadlinePassed: vector<u8> = b"dispute deadline has passed";
#[error(code = 4)]
const ENotDisputed: vector<u8> = b"request is not Disputed";
#[error(code = 5)]
const ENodeNotInRequest: vector<u8> = b"settle_node: the account's node is not assigned to the settled request";
#[error(code = 6)]
const ENodeAlreadyApplied: vector<u8> = b"settle_node: the node was already applied to this settlement";
#[error(code = 7)]
const ENodesNotApplied: vector<u8> = b"settle_end: an assigned node was not applied (settle_node)";
#[error(code = 8)]
const EWrongRequest: vector<u8> = b"settle_end: the request is not the one settle_begin settled, or it changed since";

/// Reputation lost per absent / dissenting reveal.
const REP_ABSENT: u64 = 5;
const REP_DISSENT: u64 = 10;

/// What `settle_node` does to one assigned node.
const ACTION_NONE: u8 = 0;
const ACTION_SLASH_ABSENT: u8 = 1;
const ACTION_SLASH_WITHHELD: u8 = 2;
const ACTION_SLASH_DISSENT: u8 = 3;
const ACTION_REWARD: u8 = 4;

/// The outcome `settle_begin` decided.
const OUTCOME_NONE: u8 = 0; // a dispute was opened: nothing to pay or slash
const OUTCOME_SETTLED: u8 = 1;
const OUTCOME_FAILED: u8 = 2;

/// A settlement in progress: no abilities, so the PTB that began it must end it
/// (`settle_end`), after `settle_node` for every assigned node.
public struct Settlement {
    request_id: ID,
    /// The request's status and assignment count at `settle_begin` (`settle_end` checks them:
    /// a second settlement of the same request in the PTB cannot end too).
    status: u8,
    assignments: u64,
    outcome: u8,
    winner: vector<u8>,
    reason: u8,
    now: u64,
    /// Per assigned node, in assignment order: its id, action and whether it was applied.
    nodes: vector<ID>,
    actions: vector<u8>,
    applied: vector<bool>,
    /// Winners' payout addresses (the records' operators), index-aligned with `nodes`.
    operators: vector<address>,
    slash_absent_bps: u64,
    slash_dissent_bps: u64,
    margin_bps: u64,
    pool: Balance<SUI>,
}

/// Anyone: decides the outcome exactly as the single `settle` call did (dispute opening,
/// failure, or the winning hash) and returns the settlement to apply to every assigned node.
/// Opening a dispute happens here (`DisputeOpened`); the rest at `settle_end`. Never blocked by
/// the pause switch, so escrow is never locked. Reads the Registry only.
public fun settle_begin(request: &mut Request, registry: &Registry, clock: &Clock, _ctx: &mut TxContext): Settlement {
    request.assert_version_settleable();
    registry.assert_version();
    let now = clock.timestamp_ms();
    let status = request.status();
    let mut outcome = OUTCOME_FAILED;
    let mut winner = vector[];
    let mut reason = constants::failure_reason_no_quorum();
    if (status == request::status_created()) {
        assert!(now >= request.sample_deadline_ms(), EWrongStatus);
        reason = constants::failure_reason_never_sampled();
    } else if (status == request::status_sampled() || status == request::status_revealing()) {
        let round = request.round();
        let all_revealed = request.assignments().all!(|a| a.a_round() != round || a.a_revealed());
        assert!(all_revealed || now >= request.reveal_deadline_ms(), ESettleTooEarly);
        let (hashes, counts, revealers) = tally(request, round);
        if (round == constants::round_first()) {
            let n = request.sample_size();
            if (
                hashes.length() == 1 && (revealers as u128) * 10_000 >= (request.quorum_bps() as u128) * (n as u128)
            ) {
                outcome = OUTCOME_SETTLED;
                winner = hashes[0];
            } else {
                request.set_status(request::status_disputed());
                let deadline = now + registry.params().commit_window_ms();
                request.set_dispute_deadline(deadline);
                events::dispute_opened(request.id(), hashes, 2 * n, deadline);
                outcome = OUTCOME_NONE;
            }
        } else {
            // Quorum of both rounds: over round-0 revealers plus every escalation node, revealed
            // or not (issue 13 A5), so absent escalation nodes cannot hand the round-0 revealers
            // a quorum; with at least `min_escalation` escalation nodes, round-0 revealers alone
            // never reach it.
            let q = request.quorum_bps() as u128;
            let mut base = 0;
            request.assignments().do_ref!(|a| {
                if (a.a_round() == constants::round_escalation() || a.a_revealed()) base = base + 1;
            });
            let i = counts.find_index!(|c| (*c as u128) * 10_000 >= q * (base as u128));
            if (revealers >= 1 && i.is_some()) {
                outcome = OUTCOME_SETTLED;
                winner = hashes[i.destroy_some()];
            }
        }
    } else if (status == request::status_disputed()) {
        assert!(now >= request.dispute_deadline_ms(), EWrongStatus);
        // An escalation that found too few fresh nodes left its reason (see `escalate_with`).
        reason = request.take_pending_failure().destroy_with_default(constants::failure_reason_no_quorum());
    } else {
        abort EWrongStatus
    };
    let p = registry.params();
    let request_id = request.id();
    let mut nodes = vector[];
    let mut actions = vector[];
    let mut applied = vector[];
    let mut operators = vector[];
    request.assignments().do_ref!(|a| {
        let id = a.a_node_id();
        let action = action_of(a, request_id, outcome, &winner);
        nodes.push_back(id);
        actions.push_back(action);
        applied.push_back(false);
        operators.push_back(if (action == ACTION_REWARD) registry.node_operator(id) else @0x0);
    });
    Settlement {
        request_id,
        status: request.status(),
        assignments: nodes.length(),
        outcome,
        winner,
        reason,
        now,
        nodes,
        actions,
        applied,
        operators,
        slash_absent_bps: p.slash_absent_bps(),
        slash_dissent_bps: p.slash_dissent_bps(),
        margin_bps: p.margin_bps(),
        pool: balance::zero(),
    }
}

/// The action for one assignment: nodes that never committed are slashed (absent), nodes that
/// committed but did not reveal are slashed at the dissent rate (withheld, issue 13 A4, so
/// withholding a wrong hash never costs less than revealing it); with a winner, revealers of
/// another hash are slashed (dissent) and revealers of the winner rewarded.
fun action_of(a: &request::Assignment, request_id: ID, outcome: u8, winner: &vector<u8>): u8 {
    if (outcome == OUTCOME_NONE) ACTION_NONE
    else if (!a.a_committed()) ACTION_SLASH_ABSENT
    else if (!a.a_revealed()) ACTION_SLASH_WITHHELD
    else if (outcome == OUTCOME_SETTLED && a.a_tally_key(request_id) != *winner) ACTION_SLASH_DISSENT
    else if (outcome == OUTCOME_SETTLED) ACTION_REWARD
    else ACTION_NONE
}

/// Anyone (inside the PTB that began `s`): applies the settlement to one assigned node's
/// account, once per node, in any order: slashes go into the settlement's pool
/// (`StakeChanged`, `NodeSlashed`), a winner gets served + 1 and reputation + 1. Jailing a node
/// left below `min_stake` is `registry::refresh_node`'s (the keeper calls it after settlements
/// that slashed). Aborts for a node not assigned to the request or already applied.
public fun settle_node(s: &mut Settlement, account: &mut NodeAccount) {
    let id = account.node_id();
    let (found, i) = s.nodes.index_of(&id);
    assert!(found, ENodeNotInRequest);
    assert!(!s.applied[i], ENodeAlreadyApplied);
    *&mut s.applied[i] = true;
    let action = s.actions[i];
    let request_id = s.request_id;
    if (action == ACTION_SLASH_ABSENT) {
        s.pool.join(account.slash(request_id, s.slash_absent_bps, constants::slash_reason_absent(), REP_ABSENT));
    } else if (action == ACTION_SLASH_WITHHELD || action == ACTION_SLASH_DISSENT) {
        s.pool.join(account.slash(request_id, s.slash_dissent_bps, constants::slash_reason_dissent(), REP_DISSENT));
    } else if (action == ACTION_REWARD) {
        account.reward();
    }
}

/// Ends the settlement: aborts unless every assigned node was applied (a settler cannot skip a
/// slash), then, for a winner, pays the agreeing nodes (escalation round first from the slash
/// pool, then escrow: the amounts do not depend on the order of `settle_node` calls; `NodePaid`
/// each), keeps the margin and the pool left in the request for `fees::sweep_fees`, refunds and
/// emits `RequestSettled`; for a failure, refunds the escrow, keeps the pool and emits
/// `RequestFailed`; after a dispute opened, nothing.
public fun settle_end(s: Settlement, request: &mut Request, ctx: &mut TxContext) {
    let Settlement {
        request_id,
        status,
        assignments,
        outcome,
        winner,
        reason,
        now,
        nodes,
        actions: _,
        applied,
        operators,
        slash_absent_bps: _,
        slash_dissent_bps: _,
        margin_bps,
        pool,
    } = s;
    assert!(
        request.id() == request_id && request.status() == status && request.assignments().length() == assignments,
        EWrongRequest,
    );
    assert!(applied.all!(|a| *a), ENodesNotApplied);
    if (outcome == OUTCOME_SETTLED) {
        settle_with(request, pool, winner, &nodes, &operators, margin_bps, now, ctx);
    } else if (outcome == OUTCOME_FAILED) {
        fail(request, pool, reason, now, ctx);
    } else {
        pool.destroy_zero();
    }
}

/// Distinct revealed blinded hashes `t` (first-reveal order) with counts, over rounds <=
/// `max_round`: a round-0 reveal is `t`, an escalation reveal counts as `blinded(output_hash)`
/// (`blinding`, issue 13 A4), so a lazy escalation node that copies a round-0 `t` dissents.
fun tally(request: &Request, max_round: u8): (vector<vector<u8>>, vector<u64>, u64) {
    let mut hashes = vector[];
    let mut counts = vector[];
    let mut revealers = 0;
    let request_id = request.id();
    request.assignments().do_ref!(|a| {
        if (a.a_round() <= max_round && a.a_revealed()) {
            revealers = revealers + 1;
            let h = a.a_tally_key(request_id);
            let (found, i) = hashes.index_of(&h);
            if (found) {
                *&mut counts[i] = counts[i] + 1;
            } else {
                hashes.push_back(h);
                counts.push_back(1);
            }
        }
    });
    (hashes, counts, revealers)
}

fun settle_with(
    request: &mut Request,
    mut pool: Balance<SUI>,
    winner: vector<u8>,
    nodes: &vector<ID>,
    operators: &vector<address>,
    margin_bps: u64,
    now: u64,
    ctx: &mut TxContext,
) {
    let request_id = request.id();
    let slashed_total = pool.value();
    let mut agreeing = vector[];
    let mut paid_total = 0;
    let assignments = *request.assignments();
    // Escalation round first (issue 13 A4): the slashed stake pays the fresh nodes that a
    // dissenting or withholding round-0 node forced into the request, then round 0.
    let mut order = vector[];
    assignments.do_ref!(|a| if (a.a_round() == constants::round_escalation()) order.push_back(*a));
    assignments.do_ref!(|a| if (a.a_round() == constants::round_first()) order.push_back(*a));
    order.do_ref!(|a| {
        if (a.a_revealed() && a.a_tally_key(request_id) == winner) {
            let id = a.a_node_id();
            let price = a.a_price();
            let from_pool = if (price < pool.value()) price else pool.value();
            let mut pay = pool.split(from_pool);
            let rest = price - from_pool;
            let escrow = request.escrow_mut();
            let from_escrow = if (rest < escrow.value()) rest else escrow.value();
            pay.join(escrow.split(from_escrow));
            let amount = pay.value();
            paid_total = paid_total + amount;
            events::node_paid(request_id, id, amount);
            let (_, i) = nodes.index_of(&id);
            let operator = operators[i];
            if (amount > 0) transfer::public_transfer(coin::from_balance(pay, ctx), operator)
            else pay.destroy_zero();
            agreeing.push_back(id);
        }
    });
    let escrow = request.escrow_mut();
    let want = ((paid_total as u128) * (margin_bps as u128) / 10_000) as u64;
    let margin = if (want < escrow.value()) want else escrow.value();
    let margin_b = escrow.split(margin);
    let refund_b = escrow.withdraw_all();
    let refund = refund_b.value();
    // The protocol's income (margin, the slash pool left) waits in the request for
    // `fees::sweep_fees`: no Registry write per request for it (issue 13 B).
    escrow.join(margin_b);
    escrow.join(pool);
    pay_or_destroy(refund_b, request.requester(), ctx);
    let rounds = request.round() + 1;
    request.finish_settled(winner, now);
    events::request_settled(request_id, winner, agreeing, paid_total, slashed_total, margin, refund, rounds, now);
}

fun fail(request: &mut Request, pool: Balance<SUI>, reason: u8, now: u64, ctx: &mut TxContext) {
    let refund_b = request.escrow_mut().withdraw_all();
    let refund = refund_b.value();
    request.escrow_mut().join(pool); // the treasury's, swept later (`fees::sweep_fees`)
    pay_or_destroy(refund_b, request.requester(), ctx);
    request.finish_failed(now);
    events::request_failed(request.id(), reason, refund);
}

fun pay_or_destroy(b: Balance<SUI>, to: address, ctx: &mut TxContext) {
    if (b.value() > 0) transfer::public_transfer(coin::from_balance(b, ctx), to) else b.destroy_zero();
}

/// The fewest escalation nodes E such that N round-0 revealers alone can never reach the quorum
/// of both rounds: N · 10_000 < q · (N + E), i.e. E = floor(N · (10_000 - q) / q) + 1 (<= N).
public fun min_escalation(sample_size: u64, quorum_bps: u64): u64 {
    sample_size * (10_000 - quorum_bps) / quorum_bps + 1
}

/// Samples 2N fresh nodes (never a round-0 node) for the dispute round; takes all eligible
/// when fewer. When fewer than `min_escalation(N, quorum_bps)` fresh nodes are eligible it
/// samples nobody and ends the dispute window now: the next settlement (anyone, at once) fails
/// the request with reason 1 (NoEligibleNodes: full refund, no dissent slashing). It reads the
/// Registry only (issue 13 B: no global object written per request), so the slashing of absent
/// or withholding round-0 nodes that failing implies is left to that settlement. `entry`: takes
/// `Random`.
entry fun escalate(request: &mut Request, registry: &Registry, r: &Random, clock: &Clock, ctx: &mut TxContext) {
    let mut g = r.new_generator(ctx);
    escalate_with(request, registry, &mut g, clock, ctx);
}

public(package) fun escalate_with(
    request: &mut Request,
    registry: &Registry,
    g: &mut RandomGenerator,
    clock: &Clock,
    _ctx: &mut TxContext,
) {
    registry.assert_live();
    let now = clock.timestamp_ms();
    assert!(request.status() == request::status_disputed(), ENotDisputed);
    request.adopt_version();
    assert!(now < request.dispute_deadline_ms(), EDeadlinePassed);
    let exclude = request.sampled_nodes(0);
    let nodes = atoma::sampling::sample(
        registry,
        &request.capability(),
        2 * request.sample_size(),
        request.max_price(),
        request.confidential(),
        &exclude,
        now,
        g,
    );
    if (nodes.length() < min_escalation(request.sample_size(), request.quorum_bps())) {
        request.set_pending_failure(constants::failure_reason_no_eligible_nodes());
        request.set_dispute_deadline(now);
    } else {
        request.start_round(registry, nodes, constants::round_escalation(), now);
    }
}
