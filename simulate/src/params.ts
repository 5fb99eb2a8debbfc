/**
 * The protocol parameters the fast model needs, with the defaults of `move/packages/atoma/sources/config.move`
 * (`config::defaults()`), and the constants of `settlement.move` / `registry.move`.
 * Amounts are MIST as JS numbers: every amount the model handles stays below 2^53.
 */
export interface ProtocolParams {
  minStake: number;
  stakeCap: number;
  maxSampleSize: number;
  defaultSampleSize: number;
  commitWindowMs: number;
  revealWindowMs: number;
  quorumBps: number;
  marginBps: number;
  slashDissentBps: number;
  slashAbsentBps: number;
  unbondingMs: number;
  maxEligiblePerCapability: number;
}

/** `config::defaults()` (move/packages/atoma/sources/config.move). */
export const CONTRACT_DEFAULTS: Readonly<ProtocolParams> = Object.freeze({
  minStake: 100_000_000_000,
  stakeCap: 10_000_000_000_000,
  maxSampleSize: 32,
  defaultSampleSize: 3,
  commitWindowMs: 300_000,
  revealWindowMs: 120_000,
  quorumBps: 6_667,
  marginBps: 500,
  slashDissentBps: 1_000,
  slashAbsentBps: 200,
  unbondingMs: 7 * 86_400_000,
  maxEligiblePerCapability: 512,
});

/** `config::max_eligible_bound()`. */
export const MAX_ELIGIBLE_BOUND = 900;

/** settlement.move: reputation penalties and RequestFailed reasons. */
export const REP_ABSENT = 5;
export const REP_DISSENT = 10;
export const INITIAL_REPUTATION = 1_000;
export const REASON_NO_QUORUM = 0;
export const REASON_NO_NODES = 1;
export const REASON_UNSAMPLED = 2;
export const SLASH_ABSENT = 0;
export const SLASH_DISSENT = 1;

/** One SUI in MIST. */
export const SUI = 1_000_000_000;
