/**
 * Builds the node population of a scenario on a FastChain: honest stakes from the chosen
 * distribution, the adversary's stake sized so that its share of the capped sampling weight
 * is f, split into `stake`-sized nodes (min_stake-sized for `sybil`), spread over capabilities.
 */
import { FastChain } from "./chain.js";
import { Rng } from "./rng.js";
import type { Scenario } from "./scenario.js";

export interface Network {
  chain: FastChain;
  /** 1 for an adversary node. */
  adversary: Uint8Array;
  /** 1 for an honest node that is slow but inside the windows. */
  slow: Uint8Array;
  honestNodes: number;
  adversaryNodes: number;
  /** Realized adversary share of the capped weight. */
  fRealized: number;
  /** Largest eligible set of one capability (the contract caps it at max_eligible_per_capability). */
  largestEligible: number;
  /** Extra room for nodes joining by churn. */
  joinRoom: number;
  /** Adversary and honest node counts per capability (for the exact closed form). */
  adversaryPerCapability: number[];
  honestPerCapability: number[];
}

/** Slots for concurrent requests: enough for arrivalRate × the longest request lifetime. */
export function slotsFor(s: Scenario): number {
  const lifetime = (2 * (s.params.commitWindowMs + s.params.revealWindowMs) + 4 * s.netDelayMs) / 1000;
  return Math.max(64, Math.ceil(s.arrivalRate * lifetime * 1.5) + 64);
}

export function buildNetwork(s: Scenario, rng = new Rng(`${s.seed}/network`)): Network {
  const p = s.params;
  const capW = (stake: number) => Math.min(stake, p.stakeCap);
  const honestStakes: number[] = [];
  const honestCount = s.strategy === "none" && s.f === 0 ? s.nodes : Math.max(1, Math.round(s.nodes * (1 - s.f)));
  for (let i = 0; i < honestCount; i++) {
    let st: number;
    if (s.stakeDist === "uniform") st = s.stake;
    else if (s.stakeDist === "pareto") st = Math.floor(rng.pareto(Math.max(s.stake, p.minStake), s.paretoAlpha));
    else st = i < s.whales ? s.whaleStake : s.stake;
    honestStakes.push(Math.max(st, p.minStake));
  }
  const hw = honestStakes.reduce((a, b) => a + capW(b), 0);
  const target = s.f > 0 ? (s.f / (1 - s.f)) * hw : 0;
  // The adversary uses nodes of `stake` (capped) unless it splits into min_stake nodes (Sybil).
  const unit = s.strategy === "sybil" ? p.minStake : capW(Math.max(s.stake, p.minStake));
  const advStakes: number[] = [];
  if (target > 0) {
    // Equal stakes stay equal (whole nodes, f rounded to a node); otherwise a remainder node.
    const equal = s.stakeDist === "uniform" && unit === capW(s.stake);
    const whole = equal ? Math.round(target / unit) : Math.floor(target / unit);
    for (let i = 0; i < whole; i++) advStakes.push(unit);
    const rest = Math.round(target - whole * unit);
    if (!equal && rest >= p.minStake) advStakes.push(rest);
    if (advStakes.length === 0) advStakes.push(p.minStake);
  }
  const joinRoom = s.churn > 0 ? Math.ceil(s.requests * s.churn) + 16 : 0;
  const total = honestStakes.length + advStakes.length;
  const chain = new FastChain({
    params: p,
    maxNodes: total + joinRoom,
    capabilities: s.capabilities,
    slots: slotsFor(s),
    maxSampleSize: s.sampleSize,
  });
  const adversary = new Uint8Array(total + joinRoom);
  const slow = new Uint8Array(total + joinRoom);
  // Adversary nodes first: they registered early, so they sit at the front of the eligible lists
  // (what a gas-steering adversary wants); interleaving would not change the sampling odds.
  let k = 0;
  const advPer = new Array<number>(s.capabilities).fill(0);
  const honPer = new Array<number>(s.capabilities).fill(0);
  for (const st of advStakes) {
    const c = k++ % s.capabilities;
    const id = chain.addNode(st, s.price, 1 << c);
    adversary[id] = 1;
    advPer[c] = (advPer[c] as number) + 1;
  }
  for (const st of honestStakes) {
    const c = k++ % s.capabilities;
    const id = chain.addNode(st, s.price, 1 << c);
    if (rng.next() < s.slowFraction) slow[id] = 1;
    honPer[c] = (honPer[c] as number) + 1;
  }
  const aw = advStakes.reduce((a, b) => a + capW(b), 0);
  let largest = 0;
  for (let c = 0; c < s.capabilities; c++) largest = Math.max(largest, chain.eligibleLen[c] as number);
  return {
    chain,
    adversary,
    slow,
    honestNodes: honestStakes.length,
    adversaryNodes: advStakes.length,
    fRealized: aw / (aw + hw),
    largestEligible: largest,
    joinRoom,
    adversaryPerCapability: advPer,
    honestPerCapability: honPer,
  };
}
