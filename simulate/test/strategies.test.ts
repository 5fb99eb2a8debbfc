/**
 * Each adversary strategy does what it says: measured on small networks (1 000 nodes,
 * uniform stakes, two capabilities) with fixed seeds; assertions on the counters.
 */
import { describe, expect, it } from "vitest";
import { closedForm } from "../src/closed-form.js";
import { resolveScenario } from "../src/scenario.js";
import { simulate } from "../src/simulator.js";
import { run } from "../src/summary.js";

const base = { name: "t", nodes: 1_000, requests: 20_000, f: 0.2, sampleSize: 3 };
const sim = (o: Record<string, unknown>) => simulate(resolveScenario({ ...base, ...o }, "test"));

describe("adversary strategies", () => {
  it("none: no wrong output, no escalation, nobody slashed without failures; honest-but-slow never slashed", () => {
    const r = sim({ strategy: "none", slowFraction: 0.5 });
    expect(r.counters.wrongSettled).toBe(0);
    expect(r.counters.escalations).toBe(0);
    expect(r.counters.honestSlashed + r.counters.adversarySlashed).toBe(0);
    expect(r.counters.adversaryPaid).toBeGreaterThan(0);
  });

  it("honest failures: crashed/nondeterministic nodes are slashed, in-time honest nodes never while the correct output wins", () => {
    const r = sim({ strategy: "none", honestCrash: 0.02, honestNondet: 0.02, slowFraction: 0.3 });
    expect(r.counters.honestFailedSlashed).toBeGreaterThan(0);
    expect(r.counters.honestInTimeSlashedCorrectWon).toBe(0);
    expect(r.counters.honestSlowSlashed).toBe(0);
    expect(r.counters.wrongSettled).toBe(0);
    expect(r.counters.escalations).toBeGreaterThan(0);
  });

  it("collude: reveals the wrong hash whenever seated, so disputes follow every mixed sample and colluders are slashed", () => {
    const r = sim({ strategy: "collude" });
    const pMixed = 1 - 0.8 ** 3 - 0.2 ** 3; // ≈ P(0 < k0 < N)
    expect(Math.abs(r.counters.escalations / r.counters.requests - pMixed)).toBeLessThan(0.02);
    expect(r.counters.adversarySlashed).toBeGreaterThan(r.counters.adversaryPaid);
    expect(r.counters.wrongSettled).toBeGreaterThan(0);
  });

  it("collude-smart: cheats only with every seat, never slashed, no escalation", () => {
    const r = sim({ strategy: "collude-smart" });
    expect(r.counters.adversarySlashed).toBe(0);
    expect(r.counters.escalations).toBe(0);
    expect(r.counters.wrongSettled).toBeGreaterThan(100);
    expect(r.counters.adversaryPaid - r.counters.adversaryCompute).toBeGreaterThan(0);
  });

  it("lazy: never computes; its guess settles when it holds all seats, and it is slashed when it does not", () => {
    const r = sim({ strategy: "lazy" });
    expect(r.counters.adversaryCompute).toBe(0);
    expect(r.counters.wrongSettled).toBeGreaterThan(0);
    expect(r.counters.adversarySlashed).toBeGreaterThan(0);
    // copying round 0 in the escalation: lazy round-1 seats reveal the most common round-0 hash
    const lucky = sim({ strategy: "lazy", lazyGuessCorrect: 1 });
    expect(lucky.counters.wrongSettled).toBe(0);
    expect(lucky.counters.adversarySlashed).toBe(0);
  });

  it("withhold: commits and stays silent — slashed as a dissenter (A4), forces escalations, never settles a wrong output", () => {
    const r = sim({ strategy: "withhold" });
    expect(r.counters.wrongSettled).toBe(0);
    expect(r.counters.adversaryPaid).toBe(0);
    expect(r.counters.adversarySlashed).toBeGreaterThan(0);
    expect(r.counters.escalations / r.counters.requests).toBeGreaterThan(0.4);
  });

  it("grief: one garbage reveal per seated request forces an escalation; the griefer pays the dissent slash", () => {
    const r = sim({ strategy: "grief" });
    const pSeated = 1 - 0.8 ** 3;
    expect(Math.abs(r.counters.escalations / r.counters.requests - pSeated)).toBeLessThan(0.02);
    expect(r.counters.wrongSettled).toBe(0);
    expect(r.counters.adversarySlashed).toBeGreaterThan(r.counters.adversaryPaid);
  });

  it("sybil: the same stake in min_stake nodes gives ≥ 10× the nodes and no less P(wrong)", () => {
    const whale = run(resolveScenario({ ...base, strategy: "collude-smart", requests: 40_000 }, "test"));
    const sybil = run(resolveScenario({ ...base, strategy: "sybil", requests: 40_000 }, "test"));
    expect(sybil.adversaryNodes).toBeGreaterThanOrEqual(10 * whale.adversaryNodes);
    expect(Math.abs(sybil.fRealized - whale.fRealized)).toBeLessThan(0.001);
    expect(sybil.pWrong).toBeGreaterThan(whale.pWrong * 0.85);
  });

  it("requester: retried create_and_sample until every seat is adversarial; pays gas for each abort", () => {
    const r = run(resolveScenario({ ...base, strategy: "requester", requests: 2_000, steerAttempts: 200 }, "test"));
    const cf = closedForm({ strategy: "requester", sampleSize: 3, quorumBps: 6_667, f: 0.2, steerAttempts: 200 });
    expect(r.pWrong).toBeGreaterThan(0.7);
    expect(Math.abs(r.pWrong - (cf?.p ?? 0))).toBeLessThan(0.05);
    expect(r.adversaryBreakdownSui.gas).toBeGreaterThan(0);
  });

  it("steer: forces a dispute, then retries escalate until all 2N are adversarial — more wrong outputs than collude-smart", () => {
    const steer = sim({ strategy: "steer", requests: 5_000, f: 0.33, steerAttempts: 500 });
    const smart = sim({ strategy: "collude-smart", requests: 5_000, f: 0.33 });
    expect(steer.counters.steerWins).toBeGreaterThan(0);
    expect(steer.counters.wrongSettled).toBeGreaterThan(2 * smart.counters.wrongSettled);
    expect(steer.counters.adversaryGas).toBeGreaterThan(0);
  });
});
