import { describe, expect, it } from "vitest";
import { closedForm } from "../src/closed-form.js";
import { tiltFor } from "../src/report.js";
import { resolveScenario } from "../src/scenario.js";
import { clopperPearson, wilson } from "../src/stats.js";
import { run } from "../src/summary.js";

describe("confidence intervals", () => {
  it("Clopper–Pearson and Wilson match published values", () => {
    // R: binom.test(3, 10)$conf.int = 0.06673951 0.65245285
    const cp = clopperPearson(3, 10);
    expect(cp.lo).toBeCloseTo(0.06673951, 6);
    expect(cp.hi).toBeCloseTo(0.65245285, 6);
    // zero successes: upper = 1 − 0.025^(1/n)
    expect(clopperPearson(0, 1_000_000).hi).toBeCloseTo(1 - 0.025 ** (1 / 1_000_000), 12);
    const w = wilson(3, 10);
    expect(w.lo).toBeCloseTo(0.1077913, 6);
    expect(w.hi).toBeCloseTo(0.6032219, 6);
  });
});

describe("closed form", () => {
  it("binomial: f^N plus the 3N-union term (≈1.0e-7 + ≈4.4e-9 at f = 0.2, N = 10 for collude)", () => {
    const c = closedForm({ strategy: "collude", sampleSize: 10, quorumBps: 6_667, f: 0.2 });
    expect(c?.pAllSeats).toBeCloseTo(0.2 ** 10, 20);
    expect(c?.pEscalation).toBeGreaterThan(4.0e-9);
    expect(c?.pEscalation).toBeLessThan(5.0e-9);
    expect(closedForm({ strategy: "collude-smart", sampleSize: 1, quorumBps: 6_667, f: 0.3 })?.p).toBeCloseTo(0.3, 12);
  });
  it("hypergeometric: all N seats of A adversary nodes among A + H", () => {
    const c = closedForm({
      strategy: "collude-smart",
      sampleSize: 3,
      quorumBps: 6_667,
      f: 0.5,
      adversaryNodes: 250,
      honestNodes: 250,
    });
    expect(c?.p).toBeCloseTo((250 * 249 * 248) / (500 * 499 * 498), 12);
    expect(c?.method).toBe("hypergeometric");
  });
});

// The target: f ∈ {0.1, 0.2, 0.33, 0.5} × N ∈ {3, 5, 10}. Plain Monte Carlo where the
// run sees enough wrong outputs, importance sampling (tilted adversary weights) where not.
// Tolerance: 3.29 standard errors (99.9 %), so 12 fixed-seed points do not fail by chance.
describe("simulator vs closed form", () => {
  for (const n of [3, 5, 10]) {
    for (const f of [0.1, 0.2, 0.33, 0.5]) {
      it(`f = ${f}, N = ${n}`, () => {
        const requests = 20_000;
        const cf0 = closedForm({ strategy: "collude-smart", sampleSize: n, quorumBps: 6_667, f });
        const tilt = (cf0?.p ?? 0) * requests < 30 ? tiltFor(f) : 1;
        const s = resolveScenario(
          {
            name: "t",
            seed: `cf-${f}-${n}`,
            nodes: 1_000,
            requests,
            f,
            sampleSize: n,
            strategy: "collude-smart",
            tilt,
          },
          "test",
        );
        const r = run(s);
        expect(r.pClosedForm).not.toBeNull();
        const p = r.pClosedForm as number;
        const se = "normal" in r.pWrongCI ? r.pWrongCI.se : Math.sqrt((p * (1 - p)) / requests);
        expect(r.wrongSettled).toBeGreaterThan(20);
        expect(Math.abs(r.pWrong - p)).toBeLessThan(3.29 * se);
        expect(r.estimator).toBe(tilt === 1 ? "monte-carlo" : "importance-sampling");
      });
    }
  }
  it("honest failures: measured P(wrong) and escalation term against the enumeration (collude, f = 0.33, N = 3)", () => {
    const s = resolveScenario(
      {
        name: "t",
        seed: "cf-fail",
        requests: 60_000,
        f: 0.33,
        sampleSize: 3,
        strategy: "collude",
        honestCrash: 0.05,
        honestNondet: 0.05,
        topUp: true,
      },
      "test",
    );
    const r = run(s);
    const p = r.pClosedForm as number;
    expect(r.closedForm?.pEscalation).toBeGreaterThan(0.001);
    const se = Math.sqrt((p * (1 - p)) / s.requests);
    expect(Math.abs(r.pWrong - p)).toBeLessThan(3.29 * se);
  });
});
