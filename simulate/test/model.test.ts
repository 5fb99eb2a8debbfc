import { describe, expect, it } from "vitest";
import { DISPUTED, FAILED, FastChain, JAILED, newOutcome, SAMPLED, SETTLED } from "../src/chain.js";
import { escrowFor, minEscalation, mulDiv } from "../src/int.js";
import { CONTRACT_DEFAULTS, REASON_NO_NODES, REASON_NO_QUORUM, SUI } from "../src/params.js";
import { Rng } from "../src/rng.js";

describe("integer arithmetic (Move u64/u128 truncation)", () => {
  it("mulDiv equals BigInt floor division, also past 2^53 intermediates", () => {
    const rng = new Rng("muldiv");
    for (let i = 0; i < 20_000; i++) {
      const a = Math.floor(rng.next() * 2 ** 52);
      const b = [1, 200, 500, 1_000, 6_667, 10_000, 10_500][i % 7] as number;
      const want = (BigInt(a) * BigInt(b)) / 10_000n;
      expect(BigInt(mulDiv(a, b, 10_000))).toBe(want);
    }
  });
  it("escrowFor matches request::escrow_for (N × max_price × (10000 + margin) / 10000)", () => {
    expect(escrowFor(3, 10_000_001, 500)).toBe(Number((3n * 10_000_001n * 10_500n) / 10_000n));
    expect(escrowFor(1, 1, 500)).toBe(1);
  });
});

function chainWith(stakes: number[], price = 10_000_000) {
  const c = new FastChain({
    params: CONTRACT_DEFAULTS,
    maxNodes: stakes.length,
    capabilities: 1,
    slots: 2,
    maxSampleSize: 4,
  });
  for (const s of stakes) c.addNode(s, price, 1);
  return c;
}

describe("sampling (Fenwick tree over capped stake)", () => {
  it("draws in proportion to min(stake, stake_cap), without replacement", () => {
    const cap = CONTRACT_DEFAULTS.stakeCap;
    // weights 1 : 2 : 3 : 4 (the last node's stake is over the cap: it counts as the cap)
    const c = chainWith([cap / 4, cap / 2, (3 * cap) / 4, 5 * cap]);
    const rng = new Rng("freq");
    const out = new Int32Array(4);
    const first = [0, 0, 0, 0];
    const T = 200_000;
    for (let t = 0; t < T; t++) {
      const got = c.sample(rng, 0, 2, out);
      expect(got).toBe(2);
      expect(out[0]).not.toBe(out[1]);
      first[out[0] as number] = (first[out[0] as number] as number) + 1;
    }
    for (let i = 0; i < 4; i++) {
      const p = (i + 1) / 10;
      const se = Math.sqrt((p * (1 - p)) / T);
      expect(Math.abs((first[i] as number) / T - p)).toBeLessThan(4 * se);
    }
    // the tree is restored after each draw
    expect(c.trees[0]?.total).toBe(cap / 4 + cap / 2 + (3 * cap) / 4 + cap);
  });
  it("escalation excludes round-0 nodes and takes all eligible when fewer than 2N", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    const rng = new Rng("esc");
    const out = new Int32Array(12);
    c.create(0, 0, 2, 0, 10_000_000);
    c.startRound(0, [0, 1], 2, 0);
    const o = newOutcome();
    const got = c.escalate(0, rng, out, o);
    expect(got).toBe(3);
    expect([...out.slice(0, 3)].sort()).toEqual([2, 3, 4]);
  });
  it("minEscalation equals settlement::min_escalation (floor(N × (10000 − q) / q) + 1)", () => {
    expect(minEscalation(3, 5_001)).toBe(3);
    expect(minEscalation(3, 6_667)).toBe(2);
    expect(minEscalation(3, 10_000)).toBe(1);
    expect(minEscalation(64, 5_001)).toBe(64);
    expect(minEscalation(1, 5_001)).toBe(1);
  });
  it("escalation (A5) with fewer than min_escalation fresh nodes fails (reason 1): full refund, no dissent slash", () => {
    // N = 3 at 50.01 %: round 0 [honest, dissent, dissent]; 1 fresh node < min_escalation(3, 5_001) = 3
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 3, 5_001, 10_000_000);
    c.startRound(0, [0, 1, 2], 3, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 7);
    c.reveal(0, 2, 7);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(DISPUTED);
    const got = c.escalate(0, new Rng("a5"), new Int32Array(12), o);
    expect(got).toBe(1);
    expect(o.status).toBe(FAILED);
    expect(o.reason).toBe(REASON_NO_NODES);
    expect(o.slashedTotal).toBe(0);
    expect(o.refund).toBe(escrowFor(3, 10_000_000, 500));
    expect([...c.stake.slice(0, 4)]).toEqual([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    expect(c.treasury).toBe(0);
  });
  it("escalation (A5) with exactly min_escalation fresh nodes starts round 1", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 3, 5_001, 10_000_000);
    c.startRound(0, [0, 1, 2], 3, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 7);
    c.reveal(0, 2, 7);
    const o = newOutcome();
    c.settle(0, o);
    const got = c.escalate(0, new Rng("a5"), new Int32Array(12), o);
    expect(got).toBe(3);
    expect(c.rStatus[0]).toBe(SAMPLED);
    expect(c.rRound[0]).toBe(1);
  });
  it("escalation with no eligible node fails the request (reason 1) and refunds", () => {
    const c = chainWith([200 * SUI, 200 * SUI]);
    c.create(0, 0, 2, 0, 10_000_000);
    c.startRound(0, [0, 1], 2, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 7);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(DISPUTED);
    c.escalate(0, new Rng("x"), new Int32Array(12), o);
    expect(o.status).toBe(FAILED);
    expect(o.reason).toBe(REASON_NO_NODES);
    expect(o.refund).toBe(escrowFor(2, 10_000_000, 500));
  });
});

describe("settlement (settlement.move)", () => {
  it("A4: a withheld reveal (committed, not revealed) is slashed at the dissent rate, a missing commit at the absence rate", () => {
    // N = 5 fast path: [withheld, absent, honest x3]: 3 of 5 < 66.67 % -> dispute; 2N = 10 fresh honest.
    const c = new FastChain({ params: CONTRACT_DEFAULTS, maxNodes: 15, capabilities: 1, slots: 1, maxSampleSize: 5 });
    for (let i = 0; i < 15; i++) c.addNode(1_000 * SUI, 10_000_000, 1);
    c.create(0, 0, 5, 0, 10_000_000);
    c.startRound(0, [0, 1, 2, 3, 4], 5, 0);
    c.commit(0, 0);
    for (let j = 2; j < 5; j++) c.reveal(0, j, 0);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(DISPUTED);
    c.escalateWith(0, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], 10, o);
    for (let j = 5; j < 15; j++) c.reveal(0, j, 0);
    c.settle(0, o);
    expect(o.status).toBe(SETTLED);
    expect(c.slashedAmt[0]).toBe(100 * SUI); // 10 % of 1 000 SUI
    expect(c.slashedAmt[1]).toBe(20 * SUI); // 2 %
    expect(o.slashedTotal).toBe(120 * SUI);
  });
  it("A4: the slash pool and escrow pay the escalation round first, then round 0", () => {
    // N = 3, price = max_price = 1 SUI, dissent 10 bps of 1 000 SUI = 1 SUI pool; escrow 3.15 SUI.
    const c = new FastChain({
      params: { ...CONTRACT_DEFAULTS, slashDissentBps: 10 },
      maxNodes: 9,
      capabilities: 1,
      slots: 1,
      maxSampleSize: 4,
    });
    for (let i = 0; i < 9; i++) c.addNode(1_000 * SUI, SUI, 1);
    c.create(0, 0, 3, 0, SUI);
    c.startRound(0, [0, 1, 2], 3, 0);
    c.commit(0, 0);
    c.reveal(0, 1, 0);
    c.reveal(0, 2, 0);
    const o = newOutcome();
    c.settle(0, o);
    c.escalateWith(0, [3, 4, 5, 6, 7, 8], 6, o);
    for (let j = 3; j < 9; j++) c.reveal(0, j, 0);
    c.settle(0, o);
    expect(o.status).toBe(SETTLED);
    expect([...c.earned.slice(3, 9)]).toEqual([SUI, SUI, SUI, SUI, 150_000_000, 0]);
    expect([c.earned[1], c.earned[2]]).toEqual([0, 0]);
    expect(o.refund).toBe(0);
    expect(o.margin).toBe(0);
  });
  it("unanimous round 0 pays each agreeing node its price, margin 5 %, refunds the rest", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI], 8_000_000);
    c.create(0, 0, 3, 0, 10_000_000);
    c.startRound(0, [0, 1, 2], 3, 0);
    for (let j = 0; j < 3; j++) c.reveal(0, j, 0);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(SETTLED);
    expect(o.paidTotal).toBe(24_000_000);
    expect(o.margin).toBe(1_200_000);
    expect(o.refund).toBe(escrowFor(3, 10_000_000, 500) - 24_000_000 - 1_200_000);
  });
  it("round 0 below quorum (one absent of 3 at 6667 bps) disputes; 2 of 3 is exactly below", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 3, 0, 10_000_000);
    c.startRound(0, [0, 1, 2], 3, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 0);
    const o = newOutcome();
    c.settle(0, o);
    // 2 × 10_000 = 20_000 < 6_667 × 3 = 20_001
    expect(o.status).toBe(DISPUTED);
  });
  it("round 1: winner by quorum of round-0 revealers + every escalation node; dissenters slashed 10 %, pool pays first", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 2, 0, 10_000_000);
    c.startRound(0, [0, 1], 2, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 1);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(DISPUTED);
    c.startRound(0, [2, 3, 4, 5], 4, 1);
    for (const j of [2, 3, 4, 5]) c.reveal(0, j, 0);
    c.settle(0, o);
    // 5 of (2 + 4): 50_000 >= 6_667 × 6 = 40_002
    expect(o.status).toBe(SETTLED);
    expect(o.winner).toBe(0);
    const dissent = (200 * SUI * 1_000) / 10_000;
    expect(o.slashedTotal).toBe(dissent);
    expect(c.stake[1]).toBe(200 * SUI - dissent);
    // 5 agreeing nodes × price, all paid from the pool (20 SUI ≥ 50_000_000 MIST); margin 5 % of that
    expect(o.paidTotal).toBe(50_000_000);
    expect(o.margin).toBe(2_500_000);
    expect(o.refund).toBe(escrowFor(2, 10_000_000, 500) - 2_500_000);
    expect(c.treasury).toBe(dissent - 50_000_000 + 2_500_000);
  });
  it("round 1 (A5): an absent escalation node counts against every hash, so 4 of 5 revealers fail; absent slashed 2 %, full refund", () => {
    const c = chainWith([200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 2, 0, 10_000_000);
    c.startRound(0, [0, 1], 2, 0);
    c.reveal(0, 0, 0);
    c.reveal(0, 1, 1);
    const o = newOutcome();
    c.settle(0, o);
    c.startRound(0, [2, 3, 4, 5], 4, 1);
    c.reveal(0, 2, 0);
    c.reveal(0, 3, 0);
    c.reveal(0, 4, 0);
    // node 5 absent: 4 of (2 + 4) → 40_000 < 6_667 × 6 = 40_002 (counting only revealers, 4 of 5 won)
    c.settle(0, o);
    expect(o.status).toBe(FAILED);
    expect(o.reason).toBe(REASON_NO_QUORUM);
    const absent = (200 * SUI * 200) / 10_000;
    expect(o.slashedTotal).toBe(absent);
    expect(c.stake[1]).toBe(200 * SUI);
    expect(c.stake[5]).toBe(200 * SUI - absent);
    expect(o.refund).toBe(escrowFor(2, 10_000_000, 500));
    expect(c.treasury).toBe(absent);
  });
  it("a slash below min_stake jails the node and removes it from sampling", () => {
    const c = chainWith([105 * SUI, 200 * SUI, 200 * SUI]);
    c.create(0, 0, 3, 0, 10_000_000);
    c.startRound(0, [0, 1, 2], 3, 0);
    c.reveal(0, 0, 9);
    c.reveal(0, 1, 0);
    c.reveal(0, 2, 0);
    const o = newOutcome();
    c.settle(0, o);
    expect(o.status).toBe(DISPUTED);
    c.expireDispute(0, o);
    expect(o.status).toBe(FAILED);
    // nobody absent: fail slashes nobody
    expect(c.status[0]).toBe(0);
    c.create(1, 0, 1, 0, 10_000_000);
    c.startRound(1, [0], 1, 0);
    c.settle(1, o); // no reveal at all: round 0 disputes, nothing slashed yet
    expect(o.status).toBe(DISPUTED);
    expect(c.stake[0]).toBe(105 * SUI);
    c.expireDispute(1, o); // nobody escalated: fail slashes the absent node 2 % → 102.9 SUI, still >= 100
    expect(c.stake[0]).toBe(105 * SUI - (105 * SUI * 200) / 10_000);
    c.create(1, 0, 2, 5_001, 10_000_000);
    c.startRound(1, [0, 1], 2, 0);
    c.reveal(1, 0, 9);
    c.reveal(1, 1, 0);
    c.settle(1, o);
    c.startRound(1, [2], 1, 1);
    c.reveal(1, 2, 0);
    c.settle(1, o); // 2 of 3 ≥ 5001 bps → settles (at 6667 bps 20_000 < 20_001 would fail); node 0 slashed 10 % → jailed
    expect(o.status).toBe(SETTLED);
    expect(c.status[0]).toBe(JAILED);
    expect(c.trees[0]?.weight(0)).toBe(0);
  });
});
