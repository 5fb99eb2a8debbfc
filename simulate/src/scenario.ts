/**
 * A simulation scenario: the network, the adversary and the protocol parameters. One
 * definition used by the CLI flags, the config file and the tests; `resolveScenario` checks
 * every field and names the bad one.
 */
import { ConfigError } from "./errors.js";
import { CONTRACT_DEFAULTS, type ProtocolParams, SUI } from "./params.js";

export const STRATEGIES = [
  "none",
  "collude",
  "collude-smart",
  "lazy",
  "withhold",
  "grief",
  "sybil",
  "requester",
  "steer",
] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const STRATEGY_HELP: Record<Strategy, string> = {
  none: "adversary nodes behave honestly (baseline)",
  collude: "every adversary node reveals the same wrong hash, always",
  "collude-smart": "wrong hash only when the adversary holds every seat of round 0 (or can win round 1); else honest",
  lazy: "never computes: reveals a cheap guess in round 0, copies the most common round-0 hash in an escalation",
  withhold: "commits, then never reveals",
  grief: "one adversary node reveals garbage in round 0 to force an escalation; honest otherwise",
  sybil: "collude-smart with the stake split into min_stake nodes",
  requester:
    "the requester colludes: retries create_and_sample with a gas budget that aborts unless every seat is adversarial (the contract before issue 13 A1)",
  steer:
    "forces a dispute with a wrong reveal, then retries escalate with a gas budget that aborts unless all 2N are adversarial (the contract before issue 13 A1)",
};

export const SAMPLERS = ["fenwick", "linear"] as const;
export type Sampler = (typeof SAMPLERS)[number];

export const STAKE_DISTS = ["uniform", "pareto", "whales"] as const;
export type StakeDist = (typeof STAKE_DISTS)[number];

export interface Scenario {
  name: string;
  seed: string;
  nodes: number;
  requests: number;
  /** Adversary share of the total sampling weight (capped stake). */
  f: number;
  sampleSize: number;
  quorumBps: number;
  strategy: Strategy;
  stakeDist: StakeDist;
  /** Stake of every node under `uniform`, of the small nodes under `whales`, the Pareto scale otherwise (MIST). */
  stake: number;
  paretoAlpha: number;
  /** Number of honest whales (stake `whaleStake`) under `whales`. */
  whales: number;
  whaleStake: number;
  /** Number of capabilities; node i serves capability i mod capabilities; requests pick one uniformly. */
  capabilities: number;
  /** Node price (MIST); requests use max_price = price. */
  price: number;
  /** What a node spends to compute one output (MIST), for profit figures. */
  computeCost: number;
  /** External value the adversary gains per wrong output settled (MIST). */
  wrongValue: number;
  /** Honest failures per node and round: crash (absent), timeout (absent), nondeterministic output. */
  honestCrash: number;
  honestTimeout: number;
  honestNondet: number;
  /** Share of honest nodes that are slow but inside the windows (50–95 % of the commit window). */
  slowFraction: number;
  /** Median execution time of a normal node (ms), log-normal with sigma `latencySigma`. */
  latencyMs: number;
  latencySigma: number;
  /** Network delay per transaction (ms). */
  netDelayMs: number;
  /** Mean requests per second (Poisson arrivals). */
  arrivalRate: number;
  /** Probability per request of a churn event (join, unstake or top-up of a jailed node). */
  churn: number;
  /** Operators top their stake back up after a slash (keeps f constant). */
  topUp: boolean;
  /** Probability that a lazy node's cheap guess equals the correct output. */
  lazyGuessCorrect: number;
  /** Attempts a gas-steering adversary gets (requester: per request; steer: before an honest escalation lands). */
  steerAttempts: number;
  /** Gas one aborted steering attempt costs (MIST). */
  steerGas: number;
  /** Importance sampling: adversary sampling weights × tilt (1 = plain Monte Carlo). */
  tilt: number;
  /** `fenwick` (O(log M) per draw) or `linear` (the contract's walk, O(M): the benchmark's peer). */
  sampler: Sampler;
  params: ProtocolParams;
}

export const DEFAULT_SCENARIO: Readonly<Scenario> = Object.freeze({
  name: "default",
  seed: "atoma",
  nodes: 1_000,
  requests: 100_000,
  f: 0.2,
  sampleSize: CONTRACT_DEFAULTS.defaultSampleSize,
  quorumBps: CONTRACT_DEFAULTS.quorumBps,
  strategy: "collude-smart" as Strategy,
  stakeDist: "uniform" as StakeDist,
  stake: 1_000 * SUI,
  paretoAlpha: 1.5,
  whales: 5,
  whaleStake: 100_000 * SUI,
  capabilities: 2,
  price: SUI / 100,
  computeCost: SUI / 200,
  wrongValue: 0,
  honestCrash: 0,
  honestTimeout: 0,
  honestNondet: 0,
  slowFraction: 0.1,
  latencyMs: 2_000,
  latencySigma: 0.5,
  netDelayMs: 500,
  arrivalRate: 50,
  churn: 0,
  topUp: true,
  lazyGuessCorrect: 0,
  steerAttempts: 1_000,
  steerGas: 5_000_000,
  tilt: 1,
  sampler: "fenwick" as Sampler,
  params: { ...CONTRACT_DEFAULTS },
});

type Check = (v: unknown) => string | undefined;
const num =
  (lo: number, hi: number, int = false): Check =>
  (v) =>
    typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))
      ? `must be ${int ? "an integer" : "a number"} in ${lo}..${hi} (got ${JSON.stringify(v)})`
      : undefined;
const oneOf =
  (xs: readonly string[]): Check =>
  (v) =>
    typeof v === "string" && xs.includes(v) ? undefined : `must be one of ${xs.join(", ")} (got ${JSON.stringify(v)})`;
const str: Check = (v) => (typeof v === "string" && v.length > 0 ? undefined : "must be a non-empty string");
const bool: Check = (v) => (typeof v === "boolean" ? undefined : "must be true or false");
const MAX_MIST = 2 ** 50;

const CHECKS: Record<Exclude<keyof Scenario, "params">, Check> = {
  name: str,
  seed: str,
  nodes: num(1, 1_000_000, true),
  requests: num(1, 100_000_000, true),
  f: num(0, 0.99),
  sampleSize: num(1, 32, true),
  quorumBps: num(5_001, 10_000, true),
  strategy: oneOf(STRATEGIES),
  stakeDist: oneOf(STAKE_DISTS),
  stake: num(1, MAX_MIST, true),
  paretoAlpha: num(0.1, 100),
  whales: num(0, 1_000_000, true),
  whaleStake: num(1, MAX_MIST, true),
  capabilities: num(1, 32, true),
  price: num(1, 2 ** 40, true),
  computeCost: num(0, 2 ** 40, true),
  wrongValue: num(0, MAX_MIST, true),
  honestCrash: num(0, 1),
  honestTimeout: num(0, 1),
  honestNondet: num(0, 1),
  slowFraction: num(0, 1),
  latencyMs: num(0, 1e9),
  latencySigma: num(0, 10),
  netDelayMs: num(0, 1e9),
  arrivalRate: num(1e-6, 1e9),
  churn: num(0, 1),
  topUp: bool,
  lazyGuessCorrect: num(0, 1),
  steerAttempts: num(1, 1e9, true),
  steerGas: num(0, MAX_MIST, true),
  tilt: num(1, 1e6),
  sampler: oneOf(SAMPLERS),
};

const PARAM_CHECKS: Record<keyof ProtocolParams, Check> = {
  minStake: num(1, MAX_MIST, true),
  stakeCap: num(1, MAX_MIST, true),
  maxSampleSize: num(1, 64, true),
  defaultSampleSize: num(1, 64, true),
  commitWindowMs: num(10_000, 7 * 86_400_000, true),
  revealWindowMs: num(10_000, 7 * 86_400_000, true),
  quorumBps: num(5_001, 10_000, true),
  marginBps: num(0, 5_000, true),
  slashDissentBps: num(0, 10_000, true),
  slashAbsentBps: num(0, 10_000, true),
  unbondingMs: num(0, 90 * 86_400_000, true),
  maxEligiblePerCapability: num(1, 900, true),
};

/** Merges `over` onto `base` and checks every field; `where` prefixes error locations. */
export function resolveScenario(
  over: Record<string, unknown>,
  where: string,
  base: Scenario = DEFAULT_SCENARIO,
): Scenario {
  const out: Scenario = { ...base, params: { ...base.params } };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (k === "params") {
      if (typeof v !== "object" || v === null || Array.isArray(v))
        throw new ConfigError(`${where}.params`, "must be an object");
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) {
        const check = PARAM_CHECKS[pk as keyof ProtocolParams];
        if (!check)
          throw new ConfigError(
            `${where}.params.${pk}`,
            `unknown parameter (known: ${Object.keys(PARAM_CHECKS).join(", ")})`,
          );
        const err = check(pv);
        if (err) throw new ConfigError(`${where}.params.${pk}`, err);
        (out.params as unknown as Record<string, unknown>)[pk] = pv;
      }
      continue;
    }
    const check = CHECKS[k as keyof typeof CHECKS];
    if (!check)
      throw new ConfigError(`${where}.${k}`, `unknown field (known: ${Object.keys(CHECKS).join(", ")}, params)`);
    const err = check(v);
    if (err) throw new ConfigError(`${where}.${k}`, err);
    (out as unknown as Record<string, unknown>)[k] = v;
  }
  if (out.sampleSize > out.params.maxSampleSize)
    throw new ConfigError(`${where}.sampleSize`, `exceeds params.maxSampleSize ${out.params.maxSampleSize}`);
  if (out.params.stakeCap < out.params.minStake)
    throw new ConfigError(`${where}.params.stakeCap`, "must be >= params.minStake");
  if (out.stake < out.params.minStake && out.stakeDist === "uniform")
    throw new ConfigError(`${where}.stake`, `below params.minStake ${out.params.minStake}`);
  if (out.honestCrash + out.honestTimeout + out.honestNondet > 1)
    throw new ConfigError(`${where}.honestCrash`, "honestCrash + honestTimeout + honestNondet must be <= 1");
  return out;
}
