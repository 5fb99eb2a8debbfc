/// Settlement: `settle` (anyone; the only deadline-driven transition), `escalate` (entry,
/// `Random`), payouts, slashing, margin, refunds.
///
/// Money: paid + margin + refund + slashed_to_treasury == escrow + slashed. The treasury's part
/// (margin + slashed_to_treasury) stays in the request's escrow until `fees::sweep_fees`.
/// Cost: O(A) over the request's assignments (A <= 3N) plus O(A · D) to count D distinct hashes.
module atoma::settlement;

use atoma::constants;
use atoma::events;
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

/// Reputation lost per absent / dissenting reveal.
const REP_ABSENT: u64 = 5;
const REP_DISSENT: u64 = 10;

/// Anyone. Never blocked by the pause switch, so escrow is never locked.
public fun settle(request: &mut Request, registry: &mut Registry, clock: &Clock, ctx: &mut TxContext) {
    request.assert_version_settleable();
    registry.assert_version();
    let now = clock.timestamp_ms();
    let status = request.status();
    if (status == request::status_created()) {
        assert!(now >= request.sample_deadline_ms(), EWrongStatus);
        fail(request, registry, constants::failure_reason_never_sampled(), now, ctx);
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
                settle_with(request, registry, hashes[0], now, ctx);
            } else {
                request.set_status(request::status_disputed());
                let deadline = now + registry.params().commit_window_ms();
                request.set_dispute_deadline(deadline);
                events::dispute_opened(request.id(), hashes, 2 * n, deadline);
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
                settle_with(request, registry, hashes[i.destroy_some()], now, ctx);
            } else {
                fail(request, registry, constants::failure_reason_no_quorum(), now, ctx);
            }
        }
    } else if (status == request::status_disputed()) {
        assert!(now >= request.dispute_deadline_ms(), EWrongStatus);
        // An escalation that found too few fresh nodes left its reason (see `escalate_with`).
        let reason = request.take_pending_failure().destroy_with_default(constants::failure_reason_no_quorum());
        fail(request, registry, reason, now, ctx);
    } else {
        abort EWrongStatus
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

/// Slashes nodes that never committed (absent), nodes that committed but did not reveal
/// (withheld: dissent rate, issue 13 A4, so withholding a wrong hash never costs less than
/// revealing it) and, when `winner` is some, revealers of another hash (dissent).
fun slash_all(request: &Request, registry: &mut Registry, winner: &Option<vector<u8>>): (Balance<SUI>, u64) {
    let p = *registry.params();
    let request_id = request.id();
    let mut pool = balance::zero<SUI>();
    request.assignments().do_ref!(|a| {
        let id = a.a_node_id();
        if (!a.a_committed()) {
            pool.join(registry.slash(request_id, id, p.slash_absent_bps(), constants::slash_reason_absent(), REP_ABSENT));
        } else if (!a.a_revealed()) {
            pool.join(registry.slash(request_id, id, p.slash_dissent_bps(), constants::slash_reason_dissent(), REP_DISSENT));
        } else if (winner.is_some() && a.a_tally_key(request_id) != *winner.borrow()) {
            pool.join(registry.slash(request_id, id, p.slash_dissent_bps(), constants::slash_reason_dissent(), REP_DISSENT));
        }
    });
    let total = pool.value();
    (pool, total)
}

fun settle_with(request: &mut Request, registry: &mut Registry, winner: vector<u8>, now: u64, ctx: &mut TxContext) {
    let request_id = request.id();
    let (mut pool, slashed_total) = slash_all(request, registry, &option::some(winner));
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
            registry.reward(id, amount);
            events::node_paid(request_id, id, amount);
            let operator = registry.node_operator(id);
            if (amount > 0) transfer::public_transfer(coin::from_balance(pay, ctx), operator)
            else pay.destroy_zero();
            agreeing.push_back(id);
        }
    });
    let margin_bps = registry.params().margin_bps();
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

fun fail(request: &mut Request, registry: &mut Registry, reason: u8, now: u64, ctx: &mut TxContext) {
    let (pool, _) = slash_all(request, registry, &option::none());
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
/// samples nobody and ends the dispute window now: the next `settle` (anyone, at once) fails
/// the request with reason 1 (NoEligibleNodes: full refund, no dissent slashing). It reads the
/// Registry only (issue 13 B: no global object written per request), so the slashing of absent
/// or withholding round-0 nodes that failing implies is left to that `settle`. `entry`: takes
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
