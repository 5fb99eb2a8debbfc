/**
 * One scenario's figures: P(wrong) with Wilson and Clopper–Pearson intervals (or the
 * importance-sampling interval) beside the closed form, slashes of honest nodes, the
 * adversary's profit per request, the requester's cost against one node, settle times.
 */
import { type ClosedForm, closedForm } from "./closed-form.js";
import { SUI } from "./params.js";
import type { Scenario } from "./scenario.js";
import { type Progress, quantileMs, type SimResult, simulate } from "./simulator.js";
import { clopperPearson, type Interval, weightedInterval, wilson } from "./stats.js";

export interface Summary {
  inputs: {
    name: string;
    seed: string;
    nodes: number;
    requests: number;
    f: number;
    sampleSize: number;
    quorumBps: number;
    strategy: string;
    stakeDist: string;
    tilt: number;
  };
  requests: number;
  wrongSettled: number;
  pWrong: number;
  /** How pWrong was estimated. */
  estimator: "monte-carlo" | "importance-sampling";
  pWrongCI: { wilson: Interval; clopperPearson: Interval } | { normal: Interval; se: number };
  pClosedForm: number | null;
  closedFormMethod: string | null;
  closedForm: ClosedForm | null;
  withinCI: boolean | null;
  fRealized: number;
  nodesRealized: number;
  adversaryNodes: number;
  largestEligible: number;
  settled: number;
  failed: number;
  escalationRate: number;
  honestSlashed: number;
  pHonestSlashed: number;
  honestCorrectSlashed: number;
  honestSlowSlashed: number;
  honestFailedSlashed: number;
  honestInTimeSlashedCorrectWon: number;
  /** Adversary profit in SUI (payments − slashes − compute − gas + wrongValue per wrong output). */
  adversaryProfit: number;
  adversaryProfitPerRequest: number;
  /** Profit per request of the same nodes behaving honestly is `none`'s figure. */
  adversaryBreakdownSui: { paid: number; slashed: number; compute: number; gas: number; external: number };
  /** External value per wrong output at which the strategy breaks even (SUI), null without wrong outputs. */
  breakEvenWrongValue: number | null;
  steerAttempts: number;
  steerWins: number;
  requesterCostPerRequest: number;
  /** Requester's mean cost per request over the cost of one node (price × (1 + margin)). */
  costVsOneNode: number;
  settleMs: { mean: number; p50: number; p99: number };
  seconds: number;
  requestsPerSecond: number;
}

export function summarize(r: SimResult): Summary {
  const s = r.scenario;
  const c = r.counters;
  const n = c.requests;
  const is = s.tilt !== 1;
  let pWrong: number;
  let ci: Summary["pWrongCI"];
  let lo: number;
  let hi: number;
  if (is) {
    const w = weightedInterval(c.wrongWeight, c.wrongWeightSq, n);
    pWrong = w.mean;
    ci = { normal: { lo: w.lo, hi: w.hi }, se: w.se };
    lo = w.lo;
    hi = w.hi;
  } else {
    pWrong = c.wrongSettled / n;
    const wi = wilson(c.wrongSettled, n);
    const cp = clopperPearson(c.wrongSettled, n);
    ci = { wilson: wi, clopperPearson: cp };
    lo = cp.lo;
    hi = cp.hi;
  }
  const cf = closedFormOf(r);
  const profitMist = c.adversaryPaid - c.adversarySlashed - c.adversaryCompute - c.adversaryGas + c.adversaryExternal;
  const oneNode = (s.price * (10_000 + s.params.marginBps)) / 10_000;
  const lossNoExternal = -(profitMist - c.adversaryExternal);
  return {
    inputs: {
      name: s.name,
      seed: s.seed,
      nodes: s.nodes,
      requests: s.requests,
      f: s.f,
      sampleSize: s.sampleSize,
      quorumBps: s.quorumBps,
      strategy: s.strategy,
      stakeDist: s.stakeDist,
      tilt: s.tilt,
    },
    requests: n,
    wrongSettled: c.wrongSettled,
    pWrong,
    estimator: is ? "importance-sampling" : "monte-carlo",
    pWrongCI: ci,
    pClosedForm: cf ? cf.p : null,
    closedFormMethod: cf ? cf.method : null,
    closedForm: cf,
    withinCI: cf ? cf.p >= lo && cf.p <= hi : null,
    fRealized: r.network.fRealized,
    nodesRealized: r.network.honestNodes + r.network.adversaryNodes,
    adversaryNodes: r.network.adversaryNodes,
    largestEligible: r.network.largestEligible,
    settled: c.settled,
    failed: c.failed,
    escalationRate: c.escalations / n,
    honestSlashed: c.honestSlashed,
    pHonestSlashed: c.honestAssignments ? c.honestSlashed / c.honestAssignments : 0,
    honestCorrectSlashed: c.honestCorrectSlashed,
    honestSlowSlashed: c.honestSlowSlashed,
    honestFailedSlashed: c.honestFailedSlashed,
    honestInTimeSlashedCorrectWon: c.honestInTimeSlashedCorrectWon,
    adversaryProfit: profitMist / SUI,
    adversaryProfitPerRequest: profitMist / SUI / n,
    adversaryBreakdownSui: {
      paid: c.adversaryPaid / SUI,
      slashed: c.adversarySlashed / SUI,
      compute: c.adversaryCompute / SUI,
      gas: c.adversaryGas / SUI,
      external: c.adversaryExternal / SUI,
    },
    breakEvenWrongValue: c.wrongSettled > 0 ? Math.max(0, lossNoExternal) / c.wrongSettled / SUI : null,
    steerAttempts: c.steerAttempts,
    steerWins: c.steerWins,
    requesterCostPerRequest: c.requesterCost / n / SUI,
    costVsOneNode: c.requesterCost / n / oneNode,
    settleMs: {
      mean: c.settleMsSum / n,
      p50: quantileMs(r.settleHistogram, 0.5),
      p99: quantileMs(r.settleHistogram, 0.99),
    },
    seconds: r.seconds,
    requestsPerSecond: n / r.seconds,
  };
}

/**
 * The closed form for the run's network: exact (hypergeometric per capability, averaged over
 * the uniformly chosen capability) for equal stakes without churn, else binomial at the
 * realized f. Escalations draw from the same capability as round 0.
 */
export function closedFormOf(r: SimResult): ClosedForm | null {
  const s = r.scenario;
  const base = {
    strategy: s.strategy,
    sampleSize: s.sampleSize,
    quorumBps: s.quorumBps,
    absent: s.honestCrash + s.honestTimeout,
    nondet: s.honestNondet,
    steerAttempts: s.steerAttempts,
  };
  const uniformAdv = s.strategy !== "sybil" || s.stake === s.params.minStake;
  if (s.stakeDist !== "uniform" || s.churn > 0 || !uniformAdv) return closedForm({ ...base, f: r.network.fRealized });
  const caps = r.network.adversaryPerCapability.length;
  let acc: ClosedForm | null = null;
  for (let c = 0; c < caps; c++) {
    const cf = closedForm({
      ...base,
      f: r.network.fRealized,
      adversaryNodes: r.network.adversaryPerCapability[c] as number,
      honestNodes: r.network.honestPerCapability[c] as number,
    });
    if (!cf) return null;
    if (!acc) acc = { p: 0, method: cf.method, pAllSeats: 0, pEscalation: 0 };
    acc.p += cf.p / caps;
    acc.pAllSeats += cf.pAllSeats / caps;
    acc.pEscalation += cf.pEscalation / caps;
  }
  return acc;
}

export function run(s: Scenario, progress?: Progress): Summary {
  return summarize(simulate(s, progress));
}
