/**
 * The fast model of the contract: the registry's node records and eligible sets
 * (registry.move), requests and their assignments (request.move), sampling (sampling.move) and
 * settlement (settlement.move), on typed arrays with the contract's integer arithmetic.
 * Every rule here names the Move function it mirrors; `crosscheck.ts` runs the same requests
 * through the devnet and compares events request by request.
 *
 * Why one file past ~400 lines: settlement reads and writes the registry's arrays in the
 * contract's exact order (slash, jail, pay), and splitting them would spread one rule over two
 * files.
 */
import { NodeStatus, RequestStatus } from "@atoma/sdk/bcs";
import { Fenwick } from "./fenwick.js";
import { escrowFor, minEscalation, mulDiv } from "./int.js";
import {
  INITIAL_REPUTATION,
  type ProtocolParams,
  REASON_NO_NODES,
  REASON_NO_QUORUM,
  REP_ABSENT,
  REP_DISSENT,
  SLASH_ABSENT,
  SLASH_DISSENT,
} from "./params.js";
import type { Rng } from "./rng.js";

// The chain's u8 enumerations, named as the Move sources name them (values: @atoma/sdk).
export const { Active: ACTIVE, Jailed: JAILED, Leaving: LEAVING } = NodeStatus;
export const {
  Created: CREATED,
  Sampled: SAMPLED,
  Revealing: REVEALING,
  Settled: SETTLED,
  Disputed: DISPUTED,
  Failed: FAILED,
} = RequestStatus;

/** Hash code of an assignment that did not reveal. */
export const NO_REVEAL = -1;

/** Observer of the money movements, in the contract's event order (NodeSlashed, NodePaid, ...). */
export interface ChainListener {
  slashed?(slot: number, node: number, amount: number, reason: number, remaining: number): void;
  paid?(slot: number, node: number, amount: number): void;
}

export interface Outcome {
  status: number;
  /** Winning hash code when SETTLED, else -1. */
  winner: number;
  paidTotal: number;
  slashedTotal: number;
  margin: number;
  refund: number;
  /** RequestFailed reason when FAILED. */
  reason: number;
  rounds: number;
}

export interface ChainOptions {
  params: ProtocolParams;
  maxNodes: number;
  capabilities: number;
  slots: number;
  maxSampleSize: number;
}

export class FastChain {
  readonly p: ProtocolParams;
  readonly maxNodes: number;
  nodeCount = 0;
  readonly stake: Float64Array;
  readonly unbonding: Float64Array;
  readonly price: Float64Array;
  readonly status: Uint8Array;
  readonly reputation: Float64Array;
  readonly earned: Float64Array;
  readonly slashedAmt: Float64Array;
  readonly served: Float64Array;
  /** Bit c set: the node has capability c. */
  readonly capMask: Uint32Array;
  readonly caps: number;
  /** registry.eligible: per capability, node indices in the contract's list order (swap_remove on leave). */
  readonly eligible: Int32Array[];
  readonly eligibleLen: Int32Array;
  /** Sampling weights (capped stake of eligible nodes) per capability. */
  readonly trees: Fenwick[];
  /** Importance-sampling tilt per node (1 = none): the tree holds weight × tilt. */
  readonly tilt: Float64Array;
  /** Per capability, the sum of untilted weights (the contract's `total`). */
  readonly untilted: Float64Array;
  treasury = 0;

  // Requests: `slots` concurrent requests, each with up to 3 × maxSampleSize assignments.
  readonly slots: number;
  readonly perSlot: number;
  readonly rCap: Int32Array;
  readonly rN: Int32Array;
  readonly rQuorum: Int32Array;
  readonly rMaxPrice: Float64Array;
  readonly rEscrow: Float64Array;
  readonly rStatus: Uint8Array;
  readonly rRound: Uint8Array;
  readonly rCount: Int32Array;
  readonly aNode: Int32Array;
  readonly aRound: Uint8Array;
  readonly aPrice: Float64Array;
  readonly aHash: Int32Array;
  /** Per assignment: 1 once the node committed (a reveal implies it). */
  readonly aCommitted: Uint8Array;
  /** Per assignment of the last settlement: paid and slashed amounts (for accounting). */
  readonly aPaid: Float64Array;
  readonly aSlashed: Float64Array;

  listener: ChainListener | undefined;
  /** Scratch for draws and tallies (no per-request allocation). */
  readonly #drawn: Int32Array;
  readonly #hashes: Int32Array;
  readonly #counts: Int32Array;

  constructor(o: ChainOptions) {
    this.p = o.params;
    this.maxNodes = o.maxNodes;
    const m = o.maxNodes;
    this.stake = new Float64Array(m);
    this.unbonding = new Float64Array(m);
    this.price = new Float64Array(m);
    this.status = new Uint8Array(m);
    this.reputation = new Float64Array(m);
    this.earned = new Float64Array(m);
    this.slashedAmt = new Float64Array(m);
    this.served = new Float64Array(m);
    this.capMask = new Uint32Array(m);
    this.tilt = new Float64Array(m).fill(1);
    this.caps = o.capabilities;
    this.eligible = [];
    this.trees = [];
    for (let c = 0; c < o.capabilities; c++) {
      this.eligible.push(new Int32Array(m));
      this.trees.push(new Fenwick(m));
    }
    this.eligibleLen = new Int32Array(o.capabilities);
    this.untilted = new Float64Array(o.capabilities);
    this.slots = o.slots;
    this.perSlot = 3 * o.maxSampleSize;
    const s = o.slots;
    this.rCap = new Int32Array(s);
    this.rN = new Int32Array(s);
    this.rQuorum = new Int32Array(s);
    this.rMaxPrice = new Float64Array(s);
    this.rEscrow = new Float64Array(s);
    this.rStatus = new Uint8Array(s);
    this.rRound = new Uint8Array(s);
    this.rCount = new Int32Array(s);
    const a = s * this.perSlot;
    this.aNode = new Int32Array(a);
    this.aRound = new Uint8Array(a);
    this.aPrice = new Float64Array(a);
    this.aHash = new Int32Array(a);
    this.aCommitted = new Uint8Array(a);
    this.aPaid = new Float64Array(a);
    this.aSlashed = new Float64Array(a);
    this.#drawn = new Int32Array(this.perSlot);
    this.#hashes = new Int32Array(this.perSlot);
    this.#counts = new Int32Array(this.perSlot);
  }

  // === registry.move ===

  /** registry::node_weight: min(stake, stake_cap). */
  weight(i: number): number {
    const s = this.stake[i] as number;
    return s < this.p.stakeCap ? s : this.p.stakeCap;
  }

  /** node::register_node + registry::add_node (join_eligible). Returns the node index. */
  addNode(stake: number, price: number, capMask: number): number {
    const i = this.nodeCount++;
    if (i >= this.maxNodes) throw new RangeError(`more than ${this.maxNodes} nodes`);
    this.stake[i] = stake;
    this.price[i] = price;
    this.capMask[i] = capMask;
    this.status[i] = ACTIVE;
    this.reputation[i] = INITIAL_REPUTATION;
    this.#joinEligible(i);
    return i;
  }

  #joinEligible(i: number): void {
    const mask = this.capMask[i] as number;
    for (let c = 0; c < this.caps; c++) {
      if (!(mask & (1 << c))) continue;
      const len = this.eligibleLen[c] as number;
      (this.eligible[c] as Int32Array)[len] = i;
      this.eligibleLen[c] = len + 1;
    }
    this.#reweigh(i);
  }

  /** registry::leave_eligible: index_of then swap_remove. */
  #leaveEligible(i: number): void {
    const mask = this.capMask[i] as number;
    for (let c = 0; c < this.caps; c++) {
      if (!(mask & (1 << c))) continue;
      const list = this.eligible[c] as Int32Array;
      const len = this.eligibleLen[c] as number;
      for (let k = 0; k < len; k++) {
        if (list[k] === i) {
          list[k] = list[len - 1] as number;
          this.eligibleLen[c] = len - 1;
          break;
        }
      }
      this.#setWeight(c, i, 0);
    }
  }

  #setWeight(c: number, i: number, tilted: number): void {
    const t = this.trees[c] as Fenwick;
    const tilt = this.tilt[i] as number;
    this.untilted[c] = (this.untilted[c] as number) + tilted / tilt - t.weight(i) / tilt;
    t.set(i, tilted);
  }

  /** Sets the node's sampling weight in its capabilities' trees (0 unless Active). */
  #reweigh(i: number): void {
    const w = this.status[i] === ACTIVE ? this.weight(i) * (this.tilt[i] as number) : 0;
    const mask = this.capMask[i] as number;
    for (let c = 0; c < this.caps; c++) if (mask & (1 << c)) this.#setWeight(c, i, w);
  }

  /** Sets an importance-sampling tilt on a node (the tree then samples weight × tilt). */
  setTilt(i: number, t: number): void {
    const mask = this.capMask[i] as number;
    for (let c = 0; c < this.caps; c++) if (mask & (1 << c)) this.#setWeight(c, i, 0);
    this.tilt[i] = t;
    this.#reweigh(i);
  }

  /** registry::deposit_stake (node::add_stake): a Jailed node back at >= min_stake rejoins. */
  addStake(i: number, amount: number): void {
    this.stake[i] = (this.stake[i] as number) + amount;
    if (this.status[i] === JAILED && (this.stake[i] as number) >= this.p.minStake) {
      this.status[i] = ACTIVE;
      this.#joinEligible(i);
    } else this.#reweigh(i);
  }

  /** registry::begin_unstake (node::request_unstake). */
  unstake(i: number): void {
    if (this.status[i] === ACTIVE) this.#leaveEligible(i);
    this.unbonding[i] = (this.unbonding[i] as number) + (this.stake[i] as number);
    this.stake[i] = 0;
    this.status[i] = LEAVING;
  }

  /** registry::jail_if_low. */
  jailIfLow(i: number): boolean {
    if (this.status[i] === ACTIVE && (this.stake[i] as number) < this.p.minStake) {
      this.#leaveEligible(i);
      this.status[i] = JAILED;
      return true;
    }
    return false;
  }

  /**
   * node_account::slash (bps of (stake + unbonding), from stake first; reputation), followed at
   * once by what `registry::refresh_node` does after it (jail when low, else re-weigh): on chain a
   * settlement no longer jails or re-weighs (issue 13 B stage 2), the keeper's refresh does one
   * batch later; `crosscheck.ts` refreshes every assigned node in the settlement's PTB to match.
   */
  slash(slot: number, i: number, bps: number, reason: number, repPenalty: number): number {
    const old = this.stake[i] as number;
    const amount = mulDiv(old + (this.unbonding[i] as number), bps, 10_000);
    const fromStake = amount < old ? amount : old;
    this.stake[i] = old - fromStake;
    this.unbonding[i] = (this.unbonding[i] as number) - (amount - fromStake);
    this.slashedAmt[i] = (this.slashedAmt[i] as number) + amount;
    const rep = this.reputation[i] as number;
    this.reputation[i] = rep > repPenalty ? rep - repPenalty : 0;
    this.listener?.slashed?.(slot, i, amount, reason, this.stake[i] as number);
    if (!this.jailIfLow(i) && fromStake > 0) this.#reweigh(i);
    return amount;
  }

  // === request.move ===

  /** request::new: escrow for N nodes at max_price (+ margin). */
  create(slot: number, capability: number, sampleSize: number, quorumBps: number, maxPrice: number): number {
    const n = sampleSize === 0 ? this.p.defaultSampleSize : sampleSize;
    const q = quorumBps === 0 ? this.p.quorumBps : quorumBps;
    if (n < 1 || n > this.p.maxSampleSize || 3 * n > this.perSlot)
      throw new RangeError(`sample_size ${n} outside 1..=${Math.min(this.p.maxSampleSize, this.perSlot / 3)}`);
    if (q < 5_001 || q > 10_000) throw new RangeError(`quorum_bps ${q} outside 5_001..=10_000`);
    this.rCap[slot] = capability;
    this.rN[slot] = n;
    this.rQuorum[slot] = q;
    this.rMaxPrice[slot] = maxPrice;
    const e = escrowFor(n, maxPrice, this.p.marginBps);
    this.rEscrow[slot] = e;
    this.rStatus[slot] = CREATED;
    this.rRound[slot] = 0;
    this.rCount[slot] = 0;
    return e;
  }

  /** request::start_round: appends the round's assignments at the nodes' current prices. */
  startRound(slot: number, nodes: ArrayLike<number>, count: number, round: number): void {
    const base = slot * this.perSlot;
    let k = this.rCount[slot] as number;
    for (let j = 0; j < count; j++, k++) {
      const id = nodes[j] as number;
      this.aNode[base + k] = id;
      this.aRound[base + k] = round;
      this.aPrice[base + k] = this.price[id] as number;
      this.aHash[base + k] = NO_REVEAL;
      this.aCommitted[base + k] = 0;
      this.aPaid[base + k] = 0;
      this.aSlashed[base + k] = 0;
    }
    this.rCount[slot] = k;
    this.rRound[slot] = round;
    this.rStatus[slot] = SAMPLED;
  }

  /** request::commit: assignment `k` of the slot commits (and may then withhold its reveal). */
  commit(slot: number, k: number): void {
    this.aCommitted[slot * this.perSlot + k] = 1;
  }

  /** request::reveal (commit implied): assignment `k` of the slot reveals `hash`. */
  reveal(slot: number, k: number, hash: number): void {
    this.aHash[slot * this.perSlot + k] = hash;
    this.aCommitted[slot * this.perSlot + k] = 1;
  }

  // === sampling.move ===

  /**
   * sampling::sample with the Fenwick tree: up to `k` distinct nodes of the capability, each
   * draw proportional to weight among the remaining, excluding the slot's round-0 nodes when
   * `excludeRound0`. Writes into `out`; returns the count and, with tilts set, the likelihood
   * ratio P(draws) / P_tilted(draws) through `lr`.
   */
  sample(
    rng: Rng,
    capability: number,
    k: number,
    out: Int32Array,
    excludeSlot = -1,
    lr?: { value: number; trueTotal: number },
    stopUnless?: Uint8Array,
  ): number {
    const t = this.trees[capability] as Fenwick;
    if (lr) lr.trueTotal = this.untilted[capability] as number;
    const drawn = this.#drawn;
    let nd = 0;
    // Exclusions: zero their weight for the duration of the draw.
    if (excludeSlot >= 0) {
      const base = excludeSlot * this.perSlot;
      const cnt = this.rCount[excludeSlot] as number;
      for (let j = 0; j < cnt; j++) {
        if (this.aRound[base + j] !== 0) continue;
        const id = this.aNode[base + j] as number;
        drawn[nd++] = id;
      }
    }
    const excluded = nd;
    const savedW = this.#savedW(nd + k);
    for (let j = 0; j < excluded; j++) {
      const id = drawn[j] as number;
      savedW[j] = t.weight(id);
      if (lr) lr.trueTotal -= t.weight(id) / (this.tilt[id] as number);
      t.set(id, 0);
    }
    let got = 0;
    while (got < k && t.total > 0) {
      const x = Math.floor(rng.next() * t.total);
      const id = t.find(x < t.total ? x : t.total - 1);
      const tw = t.weight(id);
      if (lr) {
        const w = tw / (this.tilt[id] as number);
        // P_true(id) / P_tilted(id) = (w / trueTotal) / (tw / tiltedTotal)
        lr.value *= (w / lr.trueTotal) * (t.total / tw);
        lr.trueTotal -= w;
      }
      savedW[nd] = tw;
      drawn[nd++] = id;
      t.set(id, 0);
      out[got++] = id;
      // A gas-steered call aborts as soon as the walk passes its budget: stop drawing.
      if (stopUnless && !stopUnless[id]) break;
    }
    for (let j = 0; j < nd; j++) t.set(drawn[j] as number, savedW[j] as number);
    return got;
  }

  #candIds = new Int32Array(0);
  #candW = new Float64Array(0);

  /**
   * sampling::sample as the contract runs it: the candidate list in eligible-list order, then
   * per draw x ∈ [0, total) and a linear walk, swap_remove of the drawn candidate. O(k · M).
   * The peer of the Fenwick sampler in the benchmark; same distribution.
   */
  sampleLinear(rng: Rng, capability: number, k: number, out: Int32Array, excludeSlot = -1): number {
    const list = this.eligible[capability] as Int32Array;
    const len = this.eligibleLen[capability] as number;
    if (this.#candIds.length < len) {
      this.#candIds = new Int32Array(this.maxNodes);
      this.#candW = new Float64Array(this.maxNodes);
    }
    const ids = this.#candIds;
    const ws = this.#candW;
    let n = 0;
    let total = 0;
    const base = excludeSlot * this.perSlot;
    const cnt = excludeSlot >= 0 ? (this.rCount[excludeSlot] as number) : 0;
    for (let e = 0; e < len; e++) {
      const id = list[e] as number;
      if (this.status[id] !== ACTIVE) continue;
      let excluded = false;
      for (let j = 0; j < cnt; j++) if (this.aRound[base + j] === 0 && this.aNode[base + j] === id) excluded = true;
      if (excluded) continue;
      const w = this.weight(id);
      if (w <= 0) continue;
      ids[n] = id;
      ws[n] = w;
      total += w;
      n++;
    }
    let got = 0;
    while (got < k && n > 0) {
      const x = Math.floor(rng.next() * total);
      let acc = 0;
      let i = 0;
      for (; i < n; i++) {
        acc += ws[i] as number;
        if (x < acc) break;
      }
      if (i === n) i = n - 1;
      total -= ws[i] as number;
      out[got++] = ids[i] as number;
      ids[i] = ids[n - 1] as number;
      ws[i] = ws[n - 1] as number;
      n--;
    }
    return got;
  }

  #sw = new Float64Array(0);
  #savedW(n: number): Float64Array {
    if (this.#sw.length < n) this.#sw = new Float64Array(Math.max(n, 2 * this.#sw.length, 64));
    return this.#sw;
  }

  // === settlement.move ===

  /**
   * settlement::tally: distinct revealed hashes in first-reveal (assignment) order with counts,
   * over rounds <= maxRound. Writes #hashes/#counts; returns [distinct, revealers] packed.
   */
  #tally(slot: number, maxRound: number): { distinct: number; revealers: number } {
    const base = slot * this.perSlot;
    const cnt = this.rCount[slot] as number;
    const hashes = this.#hashes;
    const counts = this.#counts;
    let distinct = 0;
    let revealers = 0;
    for (let j = 0; j < cnt; j++) {
      if ((this.aRound[base + j] as number) > maxRound) continue;
      const h = this.aHash[base + j] as number;
      if (h === NO_REVEAL) continue;
      revealers++;
      let f = 0;
      while (f < distinct && hashes[f] !== h) f++;
      if (f < distinct) counts[f] = (counts[f] as number) + 1;
      else {
        hashes[distinct] = h;
        counts[distinct] = 1;
        distinct++;
      }
    }
    this.#tallyOut.distinct = distinct;
    this.#tallyOut.revealers = revealers;
    return this.#tallyOut;
  }
  readonly #tallyOut = { distinct: 0, revealers: 0 };

  /** Clears `out` for a settlement step of a request that reached `rounds` rounds. */
  #begin(out: Outcome, rounds: number): void {
    out.winner = -1;
    out.paidTotal = 0;
    out.slashedTotal = 0;
    out.margin = 0;
    out.refund = 0;
    out.reason = -1;
    out.rounds = rounds;
  }

  /**
   * The hash that reached the quorum in `round` (null: none). Round 0: the one hash revealed,
   * by >= quorum of N. Round 1: the first hash (first-reveal order) whose count over both rounds
   * is >= quorum of (round-0 revealers + every escalation node, revealed or not; issue 13 A5).
   */
  #quorumWinner(slot: number, round: number): number | null {
    const { distinct, revealers } = this.#tally(slot, round);
    const q = this.rQuorum[slot] as number;
    if (revealers === 0) return null;
    if (round === 0)
      return distinct === 1 && revealers * 10_000 >= q * (this.rN[slot] as number) ? (this.#hashes[0] as number) : null;
    const at = slot * this.perSlot;
    const cnt = this.rCount[slot] as number;
    let quorumBase = 0;
    for (let j = 0; j < cnt; j++) if (this.aRound[at + j] === 1 || this.aHash[at + j] !== NO_REVEAL) quorumBase++;
    for (let f = 0; f < distinct; f++)
      if ((this.#counts[f] as number) * 10_000 >= q * quorumBase) return this.#hashes[f] as number;
    return null;
  }

  /**
   * settlement::settle for a Sampled/Revealing request whose reveal phase is over: the quorum
   * hash settles; without one, round 0 becomes Disputed and round 1 Failed (no quorum).
   */
  settle(slot: number, out: Outcome): void {
    const round = this.rRound[slot] as number;
    this.#begin(out, round + 1);
    const winner = this.#quorumWinner(slot, round);
    if (winner !== null) this.#settleWith(slot, winner, out);
    else if (round === 0) {
      this.rStatus[slot] = DISPUTED;
      out.status = DISPUTED;
    } else this.#fail(slot, REASON_NO_QUORUM, out);
  }

  /** settlement::settle on a Disputed request past its dispute deadline (nobody escalated). */
  expireDispute(slot: number, out: Outcome): void {
    this.#begin(out, (this.rRound[slot] as number) + 1);
    this.#fail(slot, REASON_NO_QUORUM, out);
  }

  /**
   * settlement::escalate_with: 2N fresh nodes (never a round-0 node); Failed (no nodes, full
   * refund, no dissent slashing) when fewer than minEscalation(N, q) are eligible (issue 13
   * A5; on chain escalate only ends the dispute window then and the next settle fails the
   * request, both folded into this one step). Returns the number sampled.
   */
  escalate(
    slot: number,
    rng: Rng,
    scratch: Int32Array,
    out: Outcome,
    lr?: { value: number; trueTotal: number },
  ): number {
    const n = this.rN[slot] as number;
    const got = this.sample(rng, this.rCap[slot] as number, 2 * n, scratch, slot, lr);
    if (got < minEscalation(n, this.rQuorum[slot] as number)) {
      this.#begin(out, 1);
      this.#fail(slot, REASON_NO_NODES, out);
    } else this.startRound(slot, scratch, got, 1);
    return got;
  }

  /** Uses explicit nodes for round 1 (the cross-check feeds the chain's draw). */
  escalateWith(slot: number, nodes: ArrayLike<number>, count: number, out: Outcome): void {
    if (count < minEscalation(this.rN[slot] as number, this.rQuorum[slot] as number)) {
      this.#begin(out, 1);
      this.#fail(slot, REASON_NO_NODES, out);
    } else this.startRound(slot, nodes, count, 1);
  }

  /**
   * settlement::slash_all: absent (never committed) at the absent rate; committed but not
   * revealed (withheld) at the dissent rate (issue 13 A4); with a winner, revealers of another hash.
   */
  #slashAll(slot: number, winner: number): number {
    const base = slot * this.perSlot;
    const cnt = this.rCount[slot] as number;
    let pool = 0;
    for (let j = 0; j < cnt; j++) {
      const id = this.aNode[base + j] as number;
      const h = this.aHash[base + j] as number;
      let amt = 0;
      if (h === NO_REVEAL && this.aCommitted[base + j] === 0)
        amt = this.slash(slot, id, this.p.slashAbsentBps, SLASH_ABSENT, REP_ABSENT);
      else if (h === NO_REVEAL) amt = this.slash(slot, id, this.p.slashDissentBps, SLASH_DISSENT, REP_DISSENT);
      else if (winner >= 0 && h !== winner)
        amt = this.slash(slot, id, this.p.slashDissentBps, SLASH_DISSENT, REP_DISSENT);
      else continue;
      this.aSlashed[base + j] = amt;
      pool += amt;
    }
    return pool;
  }

  /**
   * settlement::settle_with: slash, pay agreeing nodes (escalation round first, then round 0)
   * from the pool then escrow, margin, refund.
   */
  #settleWith(slot: number, winner: number, out: Outcome): void {
    const slashed = this.#slashAll(slot, winner);
    let pool = slashed;
    let escrow = this.rEscrow[slot] as number;
    const base = slot * this.perSlot;
    const cnt = this.rCount[slot] as number;
    let paidTotal = 0;
    for (let pass = 0; pass < 2; pass++)
      for (let j = 0; j < cnt; j++) {
        if (this.aHash[base + j] !== winner || this.aRound[base + j] !== 1 - pass) continue;
        const id = this.aNode[base + j] as number;
        const price = this.aPrice[base + j] as number;
        const fromPool = price < pool ? price : pool;
        pool -= fromPool;
        const rest = price - fromPool;
        const fromEscrow = rest < escrow ? rest : escrow;
        escrow -= fromEscrow;
        const amount = fromPool + fromEscrow;
        paidTotal += amount;
        this.served[id] = (this.served[id] as number) + 1;
        this.earned[id] = (this.earned[id] as number) + amount;
        this.reputation[id] = (this.reputation[id] as number) + 1;
        this.aPaid[base + j] = amount;
        this.listener?.paid?.(slot, id, amount);
      }
    const want = mulDiv(paidTotal, this.p.marginBps, 10_000);
    const margin = want < escrow ? want : escrow;
    escrow -= margin;
    this.treasury += margin + pool;
    this.rEscrow[slot] = 0;
    this.rStatus[slot] = SETTLED;
    out.status = SETTLED;
    out.winner = winner;
    out.paidTotal = paidTotal;
    out.slashedTotal = slashed;
    out.margin = margin;
    out.refund = escrow;
    out.rounds = (this.rRound[slot] as number) + 1;
  }

  /** settlement::fail: slash absent and withheld only, everything else refunded. */
  #fail(slot: number, reason: number, out: Outcome): void {
    const pool = this.#slashAll(slot, -1);
    this.treasury += pool;
    out.status = FAILED;
    out.reason = reason;
    out.slashedTotal = pool;
    out.refund = this.rEscrow[slot] as number;
    this.rEscrow[slot] = 0;
    this.rStatus[slot] = FAILED;
  }
}

export function newOutcome(): Outcome {
  return { status: CREATED, winner: -1, paidTotal: 0, slashedTotal: 0, margin: 0, refund: 0, reason: -1, rounds: 0 };
}
