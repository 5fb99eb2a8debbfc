/**
 * Integer arithmetic as Move does it (u64/u128 with truncating division) on JS numbers, exact
 * as long as inputs and results stay below 2^53 (the model keeps every amount there).
 */
import { SimError } from "./errors.js";

const SAFE = Number.MAX_SAFE_INTEGER;

/** floor(a * b / d) for non-negative integers, exact when a·b exceeds 2^53 but the result does not. */
export function mulDiv(a: number, b: number, d: number): number {
  const p = a * b;
  if (p <= SAFE) {
    let q = Math.floor(p / d);
    // p / d is rounded to nearest; step back or forward when that crossed an integer.
    if (q * d > p) q--;
    else if ((q + 1) * d <= p) q++;
    return q;
  }
  const q = Math.floor(a / d);
  const r = a - q * d;
  const out = q * b + mulDiv(r, b, d);
  if (out > SAFE) throw new SimError(`mulDiv(${a}, ${b}, ${d}) exceeds 2^53: use smaller amounts`);
  return out;
}

/** `request::escrow_for`: N × max_price × (10_000 + margin_bps) / 10_000. */
export function escrowFor(sampleSize: number, maxPrice: number, marginBps: number): number {
  return mulDiv(sampleSize * maxPrice, 10_000 + marginBps, 10_000);
}

/**
 * `settlement::min_escalation`: the fewest escalation nodes E such that N round-0 revealers alone
 * never reach the quorum of both rounds, floor(N × (10_000 − q) / q) + 1 (issue 13 A5).
 */
export function minEscalation(sampleSize: number, quorumBps: number): number {
  return mulDiv(sampleSize, 10_000 - quorumBps, quorumBps) + 1;
}
