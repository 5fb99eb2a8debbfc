/**
 * Closed forms for P(wrong output settles), by exact enumeration of the sample compositions
 * and the contract's round-0 and round-1 rules:
 *
 *  - `hypergeometric`: equal node weights (the `uniform` stake distribution), so weighted
 *    sampling without replacement is uniform without replacement: round 0 draws k0 adversary
 *    nodes of N from (A, H), round 1 draws k1 of 2N from (A − k0, H − N + k0). Exact.
 *  - `binomial`: the many-node limit (each seat adversarial with probability f independently);
 *    the approximation for unequal stakes.
 *
 * Honest nodes fail independently per seat: absent with probability `absent` (crash, timeout),
 * a unique nondeterministic output with probability `nondet`. Strategies with a closed form:
 * collude (always the wrong hash), collude-smart and sybil (wrong only when it wins), requester
 * (steered round 0), none (0).
 */
import type { Strategy } from "./scenario.js";

export type Method = "hypergeometric" | "binomial";

export interface ClosedFormInput {
  strategy: Strategy;
  sampleSize: number;
  quorumBps: number;
  f: number;
  /** Adversary and honest node counts (hypergeometric); omit for binomial. */
  adversaryNodes?: number;
  honestNodes?: number;
  absent?: number;
  nondet?: number;
  steerAttempts?: number;
}

export interface ClosedForm {
  p: number;
  method: Method;
  /** P(the adversary holds every round-0 seat) — the f^N term. */
  pAllSeats: number;
  /** The rest: wrong outputs settled through round 0 with absent honest nodes or through round 1 (quorum over round-0 revealers + 2N). */
  pEscalation: number;
}

const lnFact: number[] = [0];
function lnF(n: number): number {
  for (let i = lnFact.length; i <= n; i++) lnFact.push((lnFact[i - 1] as number) + Math.log(i));
  return lnFact[n] as number;
}
function lnChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return lnF(n) - lnF(k) - lnF(n - k);
}
function binom(n: number, k: number, p: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(lnChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p));
}
function hyper(pop: number, good: number, draws: number, k: number): number {
  if (good < 0 || pop - good < 0 || draws > pop) return 0;
  return Math.exp(lnChoose(good, k) + lnChoose(pop - good, draws - k) - lnChoose(pop, draws));
}

/** Multinomial split of h honest seats into (absent, nondeterministic, correct). */
function splits(h: number, a: number, d: number, visit: (absent: number, nd: number, prob: number) => void): void {
  if (a === 0 && d === 0) {
    visit(0, 0, 1);
    return;
  }
  const c = 1 - a - d;
  for (let x = 0; x <= h; x++) {
    for (let y = 0; x + y <= h; y++) {
      const z = h - x - y;
      const lp =
        lnF(h) -
        lnF(x) -
        lnF(y) -
        lnF(z) +
        (x ? x * Math.log(a) : 0) +
        (y ? y * Math.log(d) : 0) +
        (z ? z * Math.log(c) : 0);
      if (!Number.isFinite(lp)) continue;
      visit(x, y, Math.exp(lp));
    }
  }
}

export function closedForm(i: ClosedFormInput): ClosedForm | null {
  const n = i.sampleSize;
  const q = i.quorumBps;
  const a = i.absent ?? 0;
  const d = i.nondet ?? 0;
  const exact = i.adversaryNodes !== undefined && i.honestNodes !== undefined;
  const A = i.adversaryNodes ?? 0;
  const H = i.honestNodes ?? 0;
  const method: Method = exact ? "hypergeometric" : "binomial";
  const p0 = (k: number) => (exact ? hyper(A + H, A, n, k) : binom(n, k, i.f));
  const p1 = (k0: number, k: number) => (exact ? hyper(A + H - n, A - k0, 2 * n, k) : binom(2 * n, k, i.f));
  const st = i.strategy;
  if (st === "none") return { p: 0, method, pAllSeats: 0, pEscalation: 0 };
  if (st === "requester") {
    const all = p0(n);
    const tries = i.steerAttempts ?? 1;
    const p = 1 - (1 - all) ** tries;
    return { p, method, pAllSeats: p, pEscalation: 0 };
  }
  if (st !== "collude" && st !== "collude-smart" && st !== "sybil") return null;
  const smart = st !== "collude";
  let pAll = 0;
  let pEsc = 0;
  for (let k0 = 0; k0 <= n; k0++) {
    const pk0 = p0(k0);
    if (pk0 === 0) continue;
    const h0 = n - k0;
    const advW = !smart || k0 === n; // round-0 adversary nodes reveal W
    splits(h0, a, d, (x0, y0, ps) => {
      const c0 = h0 - x0 - y0;
      const w0 = advW ? k0 : 0;
      const cTotal = c0 + (advW ? 0 : k0);
      const distinct = (w0 > 0 ? 1 : 0) + (cTotal > 0 ? 1 : 0) + y0;
      const rev0 = w0 + cTotal + y0;
      const prob = pk0 * ps;
      if (distinct === 1 && rev0 * 10_000 >= q * n) {
        if (w0 > 0) {
          if (k0 === n) pAll += prob;
          else pEsc += prob;
        }
        return;
      }
      // Disputed: 2N fresh seats (>= min_escalation, so escalation proceeds); honest round-1
      // seats only matter through absence, which no longer lowers the quorum (A5).
      for (let k1 = 0; k1 <= 2 * n; k1++) {
        const pk1 = p1(k0, k1);
        if (pk1 === 0) continue;
        const h1 = 2 * n - k1;
        const w1 = smart ? ((w0 + k1) * 10_000 >= q * (rev0 + 2 * n) ? k1 : 0) : k1;
        const wTotal = w0 + w1;
        if (wTotal === 0) continue;
        for (let x1 = 0; x1 <= h1; x1++) {
          const pa = binom(h1, x1, a);
          if (pa === 0) continue;
          // Quorum of both rounds over round-0 revealers plus every escalation node (A5).
          const r = rev0 + 2 * n - x1;
          if (r >= 1 && wTotal * 10_000 >= q * (rev0 + 2 * n)) pEsc += prob * pk1 * pa;
        }
      }
    });
  }
  return { p: pAll + pEsc, method, pAllSeats: pAll, pEscalation: pEsc };
}
