/**
 * The discrete-event simulator: Poisson request arrivals, round-0 sampling, node behaviour
 * (latency, absence, honest failures, adversary strategy), settlement at the end of each reveal
 * phase, escalation of disputes, slashes and payouts applied in event-time order on the fast
 * model (`FastChain`), so a slash changes the sampling weights of every later draw.
 * No allocation per request: all per-request state lives in typed arrays indexed by slot.
 */
import { DISPUTED, FAILED, type FastChain, NO_REVEAL, newOutcome, SETTLED } from "./chain.js";
import { ConfigError } from "./errors.js";
import { TimeHeap } from "./heap.js";
import { buildNetwork, type Network } from "./network.js";
import { Rng } from "./rng.js";
import type { Scenario } from "./scenario.js";

const HASH_CORRECT = 0;
const HASH_WRONG = 1;
const HASH_GUESS = 2;
const FIRST_UNIQUE = 3;

/** Who an assignment was, for the accounting. */
const KIND_HONEST = 0;
const KIND_SLOW = 1;
const KIND_FAILED = 2;
const KIND_ADVERSARY = 3;

/** Histogram of settle times: log buckets from 1 ms to ~10^7 ms. */
const BUCKETS = 280;
const BUCKET_PER_DECADE = 40;

export interface SimCounters {
  requests: number;
  settled: number;
  failed: number;
  /** Settled with an output other than the correct one. */
  wrongSettled: number;
  /** Importance-weighted sums (plain Monte Carlo: weight 1). */
  wrongWeight: number;
  wrongWeightSq: number;
  escalations: number;
  escalationsSettled: number;
  honestAssignments: number;
  honestSlashed: number;
  honestCorrectSlashed: number;
  honestSlowSlashed: number;
  honestFailedSlashed: number;
  /** Honest nodes that revealed the correct output in time and were slashed although it won (must stay 0). */
  honestInTimeSlashedCorrectWon: number;
  adversaryAssignments: number;
  adversaryPaid: number;
  adversarySlashed: number;
  adversaryCompute: number;
  adversaryGas: number;
  adversaryExternal: number;
  steerAttempts: number;
  steerWins: number;
  honestPaid: number;
  honestSlashedAmount: number;
  honestCompute: number;
  requesterCost: number;
  treasury: number;
  settleMsSum: number;
  churnEvents: number;
}

export interface SimResult {
  scenario: Scenario;
  network: Omit<Network, "chain" | "adversary" | "slow">;
  counters: SimCounters;
  /** Settle-time histogram (ms, log buckets). */
  settleHistogram: Float64Array;
  seconds: number;
}

export function bucketOf(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log10(ms) * BUCKET_PER_DECADE));
}
export function bucketUpperMs(b: number): number {
  return 10 ** ((b + 1) / BUCKET_PER_DECADE);
}

export function quantileMs(hist: Float64Array, q: number): number {
  let total = 0;
  for (const v of hist) total += v;
  let acc = 0;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b] as number;
    if (acc >= q * total) return bucketUpperMs(b);
  }
  return bucketUpperMs(hist.length - 1);
}

export type Progress = (done: number, total: number) => void;

export function simulate(s: Scenario, progress?: Progress): SimResult {
  if (s.tilt !== 1 && (s.strategy === "requester" || s.strategy === "steer"))
    throw new ConfigError("tilt", "importance sampling needs a strategy without retried draws (not requester/steer)");
  if (s.tilt !== 1 && s.churn > 0) throw new ConfigError("tilt", "importance sampling needs churn = 0");
  const t0 = performance.now();
  const net = buildNetwork(s);
  const { chain, adversary, slow } = net;
  if (s.tilt !== 1) for (let i = 0; i < chain.nodeCount; i++) if (adversary[i]) chain.setTilt(i, s.tilt);
  const rng = new Rng(`${s.seed}/run`);
  const p = s.params;
  const per = chain.perSlot;
  const slots = chain.slots;
  const arrival = new Float64Array(slots);
  const when = new Float64Array(slots);
  const lr = new Float64Array(slots);
  const gasAttempts = new Float64Array(slots);
  const aKind = new Uint8Array(slots * per);
  const aComputed = new Uint8Array(slots * per);
  const free = new Int32Array(slots);
  for (let i = 0; i < slots; i++) free[i] = slots - 1 - i;
  let freeTop = slots;
  const heap = new TimeHeap(slots, when);
  const scratch = new Int32Array(per);
  const out = newOutcome();
  const lrBox = { value: 1, trueTotal: 0 };
  const useLr = s.tilt !== 1;
  const linear = s.sampler === "linear";
  if (linear && useLr) throw new ConfigError("sampler", "importance sampling (tilt) needs the fenwick sampler");
  const hist = new Float64Array(BUCKETS);
  let unique = FIRST_UNIQUE;
  const c: SimCounters = {
    requests: 0,
    settled: 0,
    failed: 0,
    wrongSettled: 0,
    wrongWeight: 0,
    wrongWeightSq: 0,
    escalations: 0,
    escalationsSettled: 0,
    honestAssignments: 0,
    honestSlashed: 0,
    honestCorrectSlashed: 0,
    honestSlowSlashed: 0,
    honestFailedSlashed: 0,
    honestInTimeSlashedCorrectWon: 0,
    adversaryAssignments: 0,
    adversaryPaid: 0,
    adversarySlashed: 0,
    adversaryCompute: 0,
    adversaryGas: 0,
    adversaryExternal: 0,
    steerAttempts: 0,
    steerWins: 0,
    honestPaid: 0,
    honestSlashedAmount: 0,
    honestCompute: 0,
    requesterCost: 0,
    treasury: 0,
    settleMsSum: 0,
    churnEvents: 0,
  };
  const honestFail = s.honestCrash + s.honestTimeout;
  const honestNd = honestFail + s.honestNondet;
  const logMedian = Math.log(Math.max(1, s.latencyMs));
  const windowEnd = p.commitWindowMs + p.revealWindowMs;

  /** Counts adversary seats among the slot's assignments of `round`; returns [seats, start, count]. */
  const seat = { k: 0, start: 0, m: 0 };
  function seats(slot: number, round: number): void {
    const base = slot * per;
    const cnt = chain.rCount[slot] as number;
    let k = 0;
    let start = -1;
    for (let j = 0; j < cnt; j++) {
      if (chain.aRound[base + j] !== round) continue;
      if (start < 0) start = j;
      if (adversary[chain.aNode[base + j] as number]) k++;
    }
    seat.k = k;
    seat.start = start < 0 ? cnt : start;
    seat.m = cnt - seat.start;
  }

  /** Revealed counts before `round`: W count, revealers, and the most common hash. */
  const prior = { w: 0, revealers: 0, top: HASH_CORRECT };
  function priorTally(slot: number, upto: number): void {
    const base = slot * per;
    let w = 0;
    let rev = 0;
    let top = HASH_CORRECT;
    let topCount = 0;
    for (let j = 0; j < upto; j++) {
      const h = chain.aHash[base + j] as number;
      if (h === NO_REVEAL) continue;
      rev++;
      if (h === HASH_WRONG) w++;
      let n = 0;
      for (let i = 0; i < upto; i++) if (chain.aHash[base + i] === h) n++;
      if (n > topCount) {
        topCount = n;
        top = h;
      }
    }
    prior.w = w;
    prior.revealers = rev;
    prior.top = top;
  }

  /** Whether an adversary revealing W with `k` more seats out of `m` wins round 1 (quorum over round-0 revealers + all m escalation seats, A5). */
  function winsUnion(k: number, m: number, q: number): boolean {
    const w = prior.w + k;
    const r = prior.revealers + m;
    return w * 10_000 >= q * r;
  }

  /**
   * Plays the reveal phase of `round` starting at `tStart`: every sampled node's reveal (or
   * absence) and its timing. Returns the time the request can be settled.
   */
  function playRound(slot: number, round: number, tStart: number, steered: boolean): number {
    seats(slot, round);
    const { k, start, m } = seat;
    const base = slot * per;
    const q = chain.rQuorum[slot] as number;
    let adv = HASH_CORRECT; // what adversary nodes reveal this round; -1: nothing
    let griefFirst = false;
    const st = s.strategy;
    if (round === 1) priorTally(slot, start);
    if (k > 0) {
      if (st === "collude") adv = HASH_WRONG;
      else if (st === "collude-smart" || st === "sybil" || st === "requester" || st === "steer") {
        if (round === 0) adv = k === m || (st === "steer" && k > 0) ? HASH_WRONG : HASH_CORRECT;
        else adv = steered || winsUnion(k, m, q) ? HASH_WRONG : HASH_CORRECT;
      } else if (st === "lazy")
        adv = round === 0 ? (rng.next() < s.lazyGuessCorrect ? HASH_CORRECT : HASH_GUESS) : prior.top;
      else if (st === "withhold") adv = NO_REVEAL;
      else if (st === "grief") griefFirst = round === 0;
    }
    let allCommitted = true;
    let allRevealing = true;
    let lastCommit = 0;
    for (let j = start; j < start + m; j++) {
      const id = chain.aNode[base + j] as number;
      let h: number;
      let latency: number;
      if (adversary[id] && st !== "none") {
        aKind[base + j] = KIND_ADVERSARY;
        latency = s.netDelayMs;
        if (griefFirst) {
          h = unique++;
          griefFirst = false;
        } else h = adv;
        // Lazy nodes never compute; others compute when they reveal the correct output.
        aComputed[base + j] = h === HASH_CORRECT && st !== "lazy" ? 1 : 0;
        if (st === "withhold") {
          chain.aHash[base + j] = NO_REVEAL;
          chain.commit(slot, j);
          allRevealing = false;
          if (latency > lastCommit) lastCommit = latency;
          continue;
        }
      } else {
        const u = rng.next();
        const isSlow = slow[id] === 1;
        if (u < honestFail) {
          aKind[base + j] = KIND_FAILED;
          aComputed[base + j] = 0;
          chain.aHash[base + j] = NO_REVEAL;
          allCommitted = false;
          continue;
        }
        latency = isSlow
          ? (0.5 + 0.45 * rng.next()) * p.commitWindowMs
          : Math.exp(logMedian + s.latencySigma * rng.normal()) + s.netDelayMs;
        if (latency >= p.commitWindowMs) {
          aKind[base + j] = KIND_FAILED;
          aComputed[base + j] = 1;
          chain.aHash[base + j] = NO_REVEAL;
          allCommitted = false;
          continue;
        }
        if (u < honestNd) {
          aKind[base + j] = KIND_FAILED;
          h = unique++;
        } else {
          aKind[base + j] = isSlow ? KIND_SLOW : KIND_HONEST;
          h = HASH_CORRECT;
        }
        aComputed[base + j] = 1;
      }
      chain.aHash[base + j] = h;
      if (latency > lastCommit) lastCommit = latency;
    }
    if (unique > 0x7fff0000) unique = FIRST_UNIQUE;
    if (!allCommitted || !allRevealing) return tStart + windowEnd;
    return tStart + lastCommit + 2 * s.netDelayMs;
  }

  /** Draws round 0 (steered by a colluding requester when that is the strategy). */
  function sampleRound0(slot: number, cap: number): number {
    const n = chain.rN[slot] as number;
    lrBox.value = 1;
    let got = linear
      ? chain.sampleLinear(rng, cap, n, scratch)
      : chain.sample(rng, cap, n, scratch, -1, useLr ? lrBox : undefined);
    if (s.strategy === "requester") {
      // The requester's own create_and_sample, retried with a budget that aborts unless every
      // draw lands on an adversary node; after steerAttempts it sends a normal budget.
      let tries = 1;
      let won = got === n && allAdversary(scratch, got);
      while (!won && tries < s.steerAttempts) {
        gasAttempts[slot] = (gasAttempts[slot] as number) + 1;
        got = chain.sample(rng, cap, n, scratch, -1, undefined, adversary);
        tries++;
        won = got === n && allAdversary(scratch, got);
      }
      if (!won) {
        gasAttempts[slot] = (gasAttempts[slot] as number) + 1;
        got = chain.sample(rng, cap, n, scratch, -1);
      }
      c.steerAttempts += tries;
      if (won) c.steerWins++;
    }
    lr[slot] = lrBox.value;
    return got;
  }

  function allAdversary(nodes: Int32Array, count: number): boolean {
    if (count === 0) return false;
    for (let j = 0; j < count; j++) if (!adversary[nodes[j] as number]) return false;
    return true;
  }

  function churn(): void {
    c.churnEvents++;
    const kind = rng.int(3);
    if (kind === 0 && chain.nodeCount < chain.maxNodes) {
      let st = s.stake;
      if (s.stakeDist === "pareto") st = Math.floor(rng.pareto(Math.max(s.stake, p.minStake), s.paretoAlpha));
      const id = chain.addNode(Math.max(st, p.minStake), s.price, 1 << rng.int(s.capabilities));
      if (rng.next() < s.slowFraction) slow[id] = 1;
      return;
    }
    for (let tries = 0; tries < 16; tries++) {
      const id = rng.int(chain.nodeCount);
      if (adversary[id]) continue;
      if (kind === 1 && chain.status[id] === 0) {
        chain.unstake(id);
        return;
      }
      if (kind === 2 && chain.status[id] === 1) {
        chain.addStake(id, p.minStake);
        return;
      }
    }
  }

  function finish(slot: number, now: number): void {
    const base = slot * per;
    const cnt = chain.rCount[slot] as number;
    const settled = out.status === SETTLED;
    if (settled) c.settled++;
    else c.failed++;
    if (out.rounds === 2) {
      c.escalations++;
      if (settled) c.escalationsSettled++;
    }
    if (settled && out.winner !== HASH_CORRECT) {
      c.wrongSettled++;
      const w = lr[slot] as number;
      c.wrongWeight += w;
      c.wrongWeightSq += w * w;
      c.adversaryExternal += s.wrongValue;
    }
    c.requesterCost += out.paidTotal + out.margin;
    c.adversaryGas += (gasAttempts[slot] as number) * s.steerGas;
    const ms = now - (arrival[slot] as number);
    c.settleMsSum += ms;
    hist[bucketOf(ms)] = (hist[bucketOf(ms)] as number) + 1;
    for (let j = 0; j < cnt; j++) {
      const id = chain.aNode[base + j] as number;
      const paid = chain.aPaid[base + j] as number;
      const slashed = chain.aSlashed[base + j] as number;
      const kind = aKind[base + j] as number;
      const cost = aComputed[base + j] ? s.computeCost : 0;
      if (adversary[id]) {
        c.adversaryAssignments++;
        c.adversaryPaid += paid;
        c.adversarySlashed += slashed;
        c.adversaryCompute += cost;
      } else {
        c.honestAssignments++;
        c.honestPaid += paid;
        c.honestSlashedAmount += slashed;
        c.honestCompute += cost;
        if (slashed > 0) {
          c.honestSlashed++;
          if (kind !== KIND_FAILED && settled && out.winner === HASH_CORRECT) c.honestInTimeSlashedCorrectWon++;
          if (kind === KIND_SLOW) c.honestSlowSlashed++;
          else if (kind === KIND_HONEST) c.honestCorrectSlashed++;
          else c.honestFailedSlashed++;
        }
      }
      if (slashed > 0 && s.topUp && chain.status[id] !== 2) chain.addStake(id, slashed);
    }
    free[freeTop++] = slot;
  }

  /** The settle event of a slot: settle, then escalate a dispute or finish. */
  function onEvent(slot: number): void {
    const now = when[slot] as number;
    chain.settle(slot, out);
    if (out.status !== DISPUTED) {
      finish(slot, now);
      return;
    }
    // Dispute: someone escalates right away (honest nodes, the requester or the adversary).
    const n = chain.rN[slot] as number;
    let steered = false;
    if (s.strategy === "steer" && roundHasWrong(slot)) {
      let tries = 0;
      while (tries < s.steerAttempts) {
        tries++;
        const got = chain.sample(rng, chain.rCap[slot] as number, 2 * n, scratch, slot, undefined, adversary);
        if (got === 2 * n && allAdversary(scratch, got)) {
          steered = true;
          chain.escalateWith(slot, scratch, got, out);
          break;
        }
        gasAttempts[slot] = (gasAttempts[slot] as number) + 1;
      }
      c.steerAttempts += tries;
      if (steered) c.steerWins++;
    }
    if (!steered) {
      lrBox.value = lr[slot] as number;
      if (linear) {
        const got = chain.sampleLinear(rng, chain.rCap[slot] as number, 2 * n, scratch, slot);
        chain.escalateWith(slot, scratch, got, out);
      } else chain.escalate(slot, rng, scratch, out, useLr ? lrBox : undefined);
      lr[slot] = lrBox.value;
      if ((out.status as number) === FAILED) {
        finish(slot, now);
        return;
      }
    }
    when[slot] = playRound(slot, 1, now + s.netDelayMs, steered);
    heap.push(slot);
  }

  function roundHasWrong(slot: number): boolean {
    const base = slot * per;
    const cnt = chain.rCount[slot] as number;
    for (let j = 0; j < cnt; j++) if (chain.aHash[base + j] === HASH_WRONG) return true;
    return false;
  }

  let t = 0;
  const meanGap = 1000 / s.arrivalRate;
  const every = Math.max(1, Math.floor(s.requests / 200));
  for (let r = 0; r < s.requests; r++) {
    t += -Math.log(1 - rng.next()) * meanGap;
    while (heap.size > 0 && heap.peekTime() <= t) onEvent(heap.pop());
    while (freeTop === 0) onEvent(heap.pop());
    if (s.churn > 0 && rng.next() < s.churn) churn();
    const slot = free[--freeTop] as number;
    const cap = s.capabilities === 1 ? 0 : rng.int(s.capabilities);
    chain.create(slot, cap, s.sampleSize, s.quorumBps, s.price);
    arrival[slot] = t;
    gasAttempts[slot] = 0;
    c.requests++;
    const got = sampleRound0(slot, cap);
    if (got < s.sampleSize)
      throw new ConfigError("nodes", `capability ${cap} has fewer eligible nodes than sampleSize`);
    chain.startRound(slot, scratch, got, 0);
    when[slot] = playRound(slot, 0, t + s.netDelayMs, false);
    heap.push(slot);
    if (progress && r % every === 0) progress(r, s.requests);
  }
  while (heap.size > 0) onEvent(heap.pop());
  progress?.(s.requests, s.requests);
  c.treasury = chain.treasury;
  const { chain: _c, adversary: _a, slow: _s, ...network } = net;
  return { scenario: s, network, counters: c, settleHistogram: hist, seconds: (performance.now() - t0) / 1000 };
}

export type { FastChain };
