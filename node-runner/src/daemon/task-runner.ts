/**
 * One task (a request sampled to this node, one round) as a phase machine, one handler per
 * phase (./task.ts names them):
 *
 *   (none)     execute: open the input, run the executor       → executed (or done: skipped)
 *   executed   commit the output hash                          → committed (or done: commit refused)
 *   committed  reveal once every node committed or the window closed → revealed
 *   revealed   drive the request to its end (settle, escalate) → settled
 *   settled    post the output if it is this node's turn       → done
 *
 * The runner persists the record after each handler, so a restarted node resumes at the phase it
 * reached (a crash after `executed` reveals the journaled output; it never executes again).
 * A handler returns null when the daemon is stopping: the record stays at its phase.
 *
 * A task reads its request once when it starts (the input is only in the object) and then follows
 * it from the request's events (`notify`, ./request-state.ts): no read after the sampling, the last
 * commit or the last reveal. It reads again only where its view cannot decide: a dispute, a
 * deadline, a transaction the chain refused, a settle that is not the round's first node's, a
 * long silence (`quietReadMs`).
 *
 * Deadlines are read on the chain clock (`ChainClock`); wall time only paces polling. A Move abort
 * (the SDK's `MoveAbortError`) is final: never retried; any other chain failure is retried a few
 * times, then the task fails and the daemon runs it again from the journal.
 */
import { randomBytes } from "node:crypto";
import { blindedHash, MoveAbortError, tallyKey } from "@atoma/sdk";
import type { Logger } from "pino";
import { type ChainClock, type ChainPort, type RequestEvent, RequestStatus, type RequestView } from "./chain-port.js";
import { InputHashMismatch } from "./execute.js";
import { applyEvent } from "./request-state.js";
import { type Semaphore, sleep } from "./semaphore.js";
import type { TaskJournal, TaskPhase, TaskRecord } from "./task.js";

export type Fault = "wrong-output" | "silent" | "late";
export const FAULTS: readonly Fault[] = ["wrong-output", "silent", "late"];

export interface ExecuteOutcome {
  output: Uint8Array;
  outputHash: Uint8Array;
}

/** Steps a task counts (Prometheus label `step` of atoma_node_task_steps_total). */
export type TaskStep =
  | "executed"
  | "committed"
  | "revealed"
  | "settled_calls"
  | "posted"
  | "skipped"
  /** A confidential input that does not hash to the request's input_hash (also counted as skipped). */
  | "input_mismatch"
  | "task_done";

/** Durable points a test can stop the process at (`--test-kill-after`). */
export type DurableStep = "journaled" | "committed" | "revealed";

export interface TaskRunnerOptions {
  nodeId: string;
  chain: ChainPort;
  clock: ChainClock;
  journal: TaskJournal;
  /** Opens the input (decrypts the node layer when sealed) and runs the executor. */
  execute(request: RequestView): Promise<ExecuteOutcome>;
  /** Bounds the executions running at once (not the tasks waiting on other nodes). */
  executions: Semaphore;
  logger: Logger;
  pollMs: number;
  /**
   * A waiting task whose request had no event for this long reads it again (events delayed or
   * missed); default 30 s. Its view follows the events otherwise.
   */
  quietReadMs?: number;
  fault?: Fault;
  /** Aborted when the daemon stops. */
  signal: AbortSignal;
  count(step: TaskStep): void;
  onStep?: (step: DurableStep, requestId: string) => void;
  /** Called for each chain read of a task (benchmarks count the reads per request and phase). */
  onRead?: (read: ChainRead) => void;
}

interface Task {
  requestId: string;
  round: number;
  log: Logger;
  /** The request as read when the task (re)started (its input is what runs). */
  request: RequestView;
  /** This task's own transaction settled the request with its output posted. */
  posted?: boolean;
  /**
   * The state (`stateKey`) this task's own settle or escalation moved on from: no second one
   * from that state while its events are on their way.
   */
  acted?: string;
}

/**
 * What the runner knows of a request with a task here: its view (one read, then its events:
 * ./request-state.ts), the events seen (a wait that saw an older count returns at once) and when
 * the last one came, and the waits to wake.
 */
interface Followed {
  events: number;
  wake: Set<Nap>;
  tasks: number;
  view?: RequestView;
  /** The view cannot follow an event (a read is due before the next decision). */
  stale: boolean;
  /** Events that arrived while a read was in flight: applied to what it returns. */
  pending: RequestEvent[] | null;
  /** A read in flight (shared by the tasks of the request). */
  reading?: Promise<RequestView>;
  lastEventAt: number;
  /** The phase the request's task is in (what a read is counted under). */
  phase: ChainRead["phase"];
}

/**
 * One nap of a task (`TaskRunner.nap`): in its request's wake set and the runner's naps until an
 * event, its timer, the chain's clock reaching its deadline or the daemon's stop ends it. An
 * object with a method rather than closures per nap.
 */
class Nap {
  resolve!: (why: Woke) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The chain time (ms) at which it is due, when it waits for a deadline. */
  chainDue: bigint | undefined;
  constructor(
    private readonly wake: Set<Nap>,
    private readonly napping: Set<Nap>,
  ) {}

  end(why: Woke): void {
    clearTimeout(this.timer);
    this.wake.delete(this);
    this.napping.delete(this);
    this.resolve(why);
  }
}

/**
 * When a waiting task next has something to decide without an event: a chain deadline (`chainMs`,
 * chain time) and/or a local time (`at`, `Date.now()` ms). The quiet period's end is always one.
 */
interface NapDue {
  chainMs?: bigint;
  at?: number;
}

const napTimedOut = (nap: Nap) => nap.end("timeout");

/** One chain read a task made: of the request object or of the clock, and in which phase. */
export interface ChainRead {
  what: "request" | "clock";
  requestId: string;
  /** "start": the read at the task's start (the input), before anything ran. */
  phase: ActivePhase | "start";
}

/** Why a wait ended: an event of the request, or its due time came (the only time a deadline is checked). */
type Woke = "event" | "timeout";

type ActivePhase = Exclude<TaskPhase, "done">;
type Handler = (task: Task, rec: TaskRecord) => Promise<TaskRecord | null>;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The durable step a record reaching `phase` marks, if any. */
const DURABLE: Partial<Record<TaskPhase, DurableStep>> = {
  executed: "journaled",
  committed: "committed",
  revealed: "revealed",
};

/**
 * How long the n-th node of a round waits, after every node revealed, before it settles too: at
 * least this, and at least a few of this node's recent transaction round trips (a loaded chain
 * or a busy signer lane lands the first node's settle later; a settle sent before it lands is
 * refused and wasted).
 */
const SETTLE_STAGGER_MS = 2_000;
const SETTLE_STAGGER_ROUND_TRIPS = 3;
/** Reads, not transactions (`retry`'s `what`). */
const READS = new Set(["getRequest", "clock"]);

/** A request's round and status: what a settle or an escalation moves on from. */
const stateKey = (round: number, status: number) => `${round}:${status}`;

const assignment = (r: RequestView, nodeId: string, round: number) =>
  r.assignments.find((a) => a.nodeId === nodeId && a.round === round);

export class TaskRunner {
  private readonly handlers: Record<ActivePhase, Handler> = {
    executed: (t, r) => this.commit(t, r),
    committed: (t, r) => this.reveal(t, r),
    revealed: (t, r) => this.driveToEnd(t, r),
    settled: (t, r) => this.postOutput(t, r),
  };

  /** Per request with a task running here: its view, its events (./request-state.ts). */
  private readonly progress = new Map<string, Followed>();

  /** Chain reads made per kind (the request object, the clock): what benchmarks and tests count. */
  readonly reads = { request: 0, clock: 0 };

  constructor(private readonly o: TaskRunnerOptions) {
    o.signal.addEventListener(
      "abort",
      () => {
        for (const nap of [...this.napping]) nap.end("timeout");
      },
      { once: true },
    );
    o.clock.onAdvance?.((ms) => this.clockAdvanced(ms));
  }

  /** The earliest chain deadline a nap waits for (no scan of the naps before the clock reaches it). */
  private nextChainDue: bigint | undefined;

  /** The chain's clock moved to `ms` (a checkpoint): the naps whose deadline it reached wake now. */
  private clockAdvanced(ms: bigint): void {
    if (this.nextChainDue === undefined || ms < this.nextChainDue) return;
    let next: bigint | undefined;
    for (const nap of [...this.napping]) {
      const due = nap.chainDue;
      if (due === undefined) continue;
      if (due <= ms) nap.end("timeout");
      else if (next === undefined || due < next) next = due;
    }
    this.nextChainDue = next;
  }

  /**
   * An event of a request arrived (a new round, a commit, a reveal, a settlement): tasks waiting
   * on that request apply it to their view and decide again now, without reading the request.
   */
  notify(ev: RequestEvent): void {
    const p = this.progress.get(ev.requestId);
    if (!p) return;
    if (p.pending) p.pending.push(ev);
    if (p.view && applyEvent(p.view, ev) === "refresh") p.stale = true;
    p.events++;
    p.lastEventAt = Date.now();
    for (const nap of p.wake) nap.end("event");
  }

  /**
   * Reads the request (at a task's start, or when its view cannot follow an event) and applies
   * the events that came while the read was in flight; concurrent callers share one read.
   */
  private load(requestId: string): Promise<RequestView> {
    const p = this.progress.get(requestId);
    if (!p) return this.retry(() => this.readRequest(requestId), "getRequest");
    if (p.reading) return p.reading;
    p.pending = [];
    p.stale = false;
    const reading = this.retry(() => this.readRequest(requestId), "getRequest")
      .then((r) => {
        p.stale = false; // an event that asked for a read while this one was in flight: this is it
        for (const ev of p.pending ?? []) if (applyEvent(r, ev) === "refresh") p.stale = true;
        p.view = r;
        return r;
      })
      .finally(() => {
        p.pending = null;
        p.reading = undefined;
      });
    p.reading = reading;
    return reading;
  }

  private readRequest(requestId: string): Promise<RequestView> {
    this.counted("request", requestId);
    return this.o.chain.getRequest(requestId);
  }

  /** The request as its events left it; read only when the view cannot follow (or has none yet). */
  private current(requestId: string): Promise<RequestView> {
    const p = this.progress.get(requestId);
    if (p?.view && !p.stale) return Promise.resolve(p.view);
    return this.load(requestId);
  }

  /** Asks for a read before the next decision on `requestId` (the view may be behind). */
  private invalidate(requestId: string): void {
    const p = this.progress.get(requestId);
    if (p) p.stale = true;
  }

  /**
   * After a `pollMs` wake: whether the request had no event for `quietReadMs` (events missed or
   * delayed: a read then catches the view up, and the quiet period starts again).
   */
  private quiet(requestId: string): boolean {
    const p = this.progress.get(requestId);
    if (!p) return true;
    if (Date.now() - p.lastEventAt < (this.o.quietReadMs ?? 30_000)) return false;
    p.lastEventAt = Date.now();
    return true;
  }

  /** Events seen so far for `requestId` (what a later `nap` compares against). */
  private eventCount(requestId: string): number {
    return this.progress.get(requestId)?.events ?? 0;
  }

  /**
   * Sleeps until an event of `requestId` arrives (or arrived since `seen` was read), what `due`
   * names falls due, the quiet period ends, or the daemon stops (as a timeout). A chain deadline
   * wakes it when the clock's checkpoints reach it (`ChainClock.onAdvance`), with a timer at the
   * deadline's distance from the known chain time as a fallback; a clock that cannot say either
   * (no checkpoints) is polled every `pollMs`, as is a deadline on such a clock. An event ends the
   * nap's timer too.
   */
  private nap(requestId: string, seen: number, due: NapDue = {}): Promise<Woke> {
    const p = this.progress.get(requestId);
    if (!p || p.events !== seen) return Promise.resolve("event");
    if (this.o.signal.aborted) return Promise.resolve("timeout");
    const now = Date.now();
    let ms = p.lastEventAt + (this.o.quietReadMs ?? 30_000) - now;
    if (due.at !== undefined) ms = Math.min(ms, due.at - now);
    const nap = new Nap(p.wake, this.napping);
    if (due.chainMs !== undefined) {
      const known = this.o.clock.onAdvance ? this.o.clock.knownMs?.() : undefined;
      if (known === undefined) ms = Math.min(ms, this.o.pollMs);
      else {
        ms = Math.min(ms, Math.max(this.o.pollMs, Number(due.chainMs - known)));
        nap.chainDue = due.chainMs;
        if (this.nextChainDue === undefined || due.chainMs < this.nextChainDue) this.nextChainDue = due.chainMs;
      }
    }
    const woke = new Promise<Woke>((resolve) => {
      nap.resolve = resolve;
    });
    nap.timer = setTimeout(napTimedOut, Math.max(1, ms), nap);
    p.wake.add(nap);
    this.napping.add(nap);
    return woke;
  }

  /**
   * The naps in progress (their timeout ends): the daemon stopping ends them all through one abort
   * listener, not one listener per nap (a nap is taken on every wake of every waiting task).
   */
  private readonly napping = new Set<Nap>();

  /** Runs the task from the phase its journal record reached (from execution without one). */
  async run(requestId: string, round: number): Promise<void> {
    const rec = this.o.journal.get(requestId, round);
    if (rec?.phase === "done") return;
    const entry: Followed = this.progress.get(requestId) ?? {
      events: 0,
      wake: new Set<Nap>(),
      tasks: 0,
      stale: false,
      pending: null,
      lastEventAt: Date.now(),
      phase: "start",
    };
    entry.tasks++;
    this.progress.set(requestId, entry);
    try {
      await this.runPhases(requestId, round, rec);
    } finally {
      if (--entry.tasks === 0) this.progress.delete(requestId);
    }
  }

  private async runPhases(requestId: string, round: number, journaled: TaskRecord | undefined): Promise<void> {
    let rec = journaled;
    const log = this.o.logger.child({ requestId, round });
    // The one read of a task: the input is only in the object; from here on, events keep it current.
    const request = await this.load(requestId);
    if (!assignment(request, this.o.nodeId, round)) {
      log.warn("not assigned to this node in this round; skipping");
      return;
    }
    const task: Task = { requestId, round, log, request };
    if (!rec) {
      rec = await this.execute(task);
      await this.persist(rec);
    }
    while (rec.phase !== "done") {
      if (this.o.signal.aborted) return;
      const entry = this.progress.get(requestId);
      if (entry) entry.phase = rec.phase;
      const next = await this.handlers[rec.phase](task, rec);
      if (!next) return;
      await this.persist(next);
      rec = next;
    }
  }

  private async persist(rec: TaskRecord): Promise<void> {
    await this.o.journal.put(rec);
    const step = DURABLE[rec.phase];
    if (step) this.o.onStep?.(step, rec.requestId);
  }

  /** No record yet: execute, then journal output, hash and salt before anything leaves the machine. */
  private async execute(t: Task): Promise<TaskRecord> {
    if (this.o.fault === "silent") {
      t.log.warn("fault injection: staying silent");
      return this.skipped(t, "fault injection: silent");
    }
    let outcome: ExecuteOutcome;
    try {
      outcome = await this.o.executions.run(() => this.o.execute(t.request));
    } catch (err) {
      if (err instanceof InputHashMismatch) this.o.count("input_mismatch");
      return this.skipped(t, `could not execute: ${describe(err)}`);
    }
    this.o.count("executed");
    let outputHash = outcome.outputHash;
    if (this.o.fault === "wrong-output") {
      outputHash = new Uint8Array(outputHash);
      outputHash[0] = (outputHash[0] ?? 0) ^ 0xff;
      t.log.warn("fault injection: committing a wrong output hash");
    }
    return {
      requestId: t.requestId,
      round: t.round,
      phase: "executed",
      outputHash: hex(outputHash),
      salt: hex(new Uint8Array(randomBytes(32))),
      output: Buffer.from(outcome.output).toString("base64"),
    };
  }

  private skipped(t: Task, reason: string): TaskRecord {
    this.o.count("skipped");
    t.log.warn({ reason }, "request skipped");
    return {
      requestId: t.requestId,
      round: t.round,
      phase: "done",
      outputHash: "",
      salt: "",
      output: "",
      outcome: "skipped",
      reason,
    };
  }

  /** executed → committed: send the commitment unless the chain already has it. */
  private async commit(t: Task, rec: TaskRecord): Promise<TaskRecord | null> {
    if (!assignment(await this.current(t.requestId), this.o.nodeId, t.round)?.committed) {
      if (this.o.fault === "late") {
        await this.waitFor(
          t.requestId,
          () => false,
          (r) => r.commitDeadlineMs,
        );
        if (this.o.signal.aborted) return null;
      }
      try {
        await this.retry(
          () => this.o.chain.commit(t.requestId, t.round, unhex(rec.outputHash), unhex(rec.salt)),
          "commit",
        );
        this.o.count("committed");
        t.log.info("committed");
      } catch (err) {
        if (!(err instanceof MoveAbortError)) throw err;
        t.log.warn({ err: describe(err) }, "commit rejected");
        return { ...rec, phase: "done", outcome: "failed", reason: `commit rejected: ${describe(err)}` };
      }
    }
    return { ...rec, phase: "committed" };
  }

  /** committed → revealed: once every node of the round committed or the commit window closed. */
  private async reveal(t: Task, rec: TaskRecord): Promise<TaskRecord | null> {
    const request = await this.waitFor(
      t.requestId,
      // Anything but the commit phase of this round ends the wait: a task resumed from the journal
      // for a request that is already settled must not sit in the task table until a deadline.
      (r) => r.round !== t.round || r.status !== RequestStatus.Sampled,
      (r) => r.commitDeadlineMs,
    );
    // Stopping mid-wait: the reveal may not be due yet; the next start reveals.
    if (this.o.signal.aborted) return null;
    const revealable = request.status === RequestStatus.Sampled || request.status === RequestStatus.Revealing;
    if (!assignment(request, this.o.nodeId, t.round)?.revealed && request.round === t.round && revealable) {
      const outputHash = unhex(rec.outputHash);
      const salt = unhex(rec.salt);
      const last = this.lastRevealer(request, t.round);
      try {
        if (last) {
          // This reveal completes the round: settle (and post the output when the settle is sure
          // to agree on it) in the same transaction. A state read is never ahead of the chain, so
          // "every other node revealed" cannot be wrong; if the combined transaction still aborts
          // (say the post does), the plain reveal follows.
          const output = this.agreedOutputIfSure(request, t.round, rec);
          try {
            await this.retry(
              () => this.o.chain.revealAndSettle(t.requestId, t.round, outputHash, salt, output),
              "reveal+settle",
            );
            this.o.count("settled_calls");
            if (output) {
              this.o.count("posted");
              t.posted = true;
            }
            t.acted = stateKey(t.round, RequestStatus.Revealing);
          } catch (err) {
            if (!(err instanceof MoveAbortError)) throw err;
            t.log.debug({ err: describe(err) }, "reveal+settle refused; revealing alone");
            this.invalidate(t.requestId);
            await this.retry(() => this.o.chain.reveal(t.requestId, t.round, outputHash, salt), "reveal");
          }
        } else await this.retry(() => this.o.chain.reveal(t.requestId, t.round, outputHash, salt), "reveal");
        this.o.count("revealed");
        t.log.info({ settled: last }, "revealed");
      } catch (err) {
        if (!(err instanceof MoveAbortError)) throw err; // transient: the task is retried from the journal
        t.log.warn({ err: describe(err) }, "reveal rejected");
        this.invalidate(t.requestId);
      }
    }
    return { ...rec, phase: "revealed" };
  }

  /** Whether every other node sampled in `round` has revealed (this node's reveal completes the round). */
  private lastRevealer(r: RequestView, round: number): boolean {
    const current = r.assignments.filter((a) => a.round === round);
    return (
      current.some((a) => a.nodeId === this.o.nodeId) && current.every((a) => a.nodeId === this.o.nodeId || a.revealed)
    );
  }

  /**
   * The output to post with the settle, when the settle is sure to agree on this node's hash: a
   * public round-0 request whose every node revealed (or, with this reveal, will have revealed)
   * this node's blinded hash `t`: one value revealed by the whole sample meets any quorum, so
   * `settle` agrees on it and `post_output` (which checks the output against it) follows.
   * Otherwise undefined.
   */
  private agreedOutputIfSure(r: RequestView, round: number, rec: TaskRecord): Uint8Array | undefined {
    if (r.confidential || round !== 0 || this.o.fault) return undefined;
    const current = r.assignments.filter((a) => a.round === round);
    const mine = hex(blindedHash(unhex(rec.outputHash), r.id));
    const same = current.every(
      (a) => a.nodeId === this.o.nodeId || (a.revealed && hex(tallyKey(a.outputHash, r.id, a.round)) === mine),
    );
    return same ? new Uint8Array(Buffer.from(rec.output, "base64")) : undefined;
  }

  /**
   * revealed → settled: drive the request to its end. Settle when due (any node may), escalate a
   * dispute, settle a dispute whose escalation never came; another node doing it first is fine.
   */
  private async driveToEnd(t: Task, rec: TaskRecord): Promise<TaskRecord | null> {
    // When every node revealed, the first node of the round (in sampling order) settles at once
    // and the others only after SETTLE_STAGGER_MS each: one settle transaction per request
    // instead of one per node, and still a settle if that node died.
    let dueSince: number | null = null;
    let woke: Woke = "event";
    for (;;) {
      if (this.o.signal.aborted) return null;
      if (woke === "timeout" && this.quiet(t.requestId)) this.invalidate(t.requestId);
      const seen = this.eventCount(t.requestId);
      const r = await this.current(t.requestId);
      if (r.status === RequestStatus.Settled || r.status === RequestStatus.Failed) return { ...rec, phase: "settled" };
      let action: "settle" | "escalate" | null = null;
      let output: Uint8Array | undefined;
      let confident = false;
      /** What this task waits for next, short of an event. */
      const due: NapDue = {};
      // This node's own settle or escalation left this state: its events are on their way.
      if (t.acted === stateKey(r.round, r.status)) action = null;
      else if (r.status === RequestStatus.Disputed) {
        action = (await this.now(t.requestId)) >= r.disputeDeadlineMs ? "settle" : "escalate";
        due.chainMs = r.disputeDeadlineMs;
      } else if (r.status === RequestStatus.Sampled || r.status === RequestStatus.Revealing) {
        const current = r.assignments.filter((a) => a.round === r.round);
        // The clock is read only while a reveal is missing, on a quiet wake (the deadline then decides).
        if (!current.every((a) => a.revealed)) {
          if (woke === "timeout" && (await this.now(t.requestId)) >= r.revealDeadlineMs) action = "settle";
          due.chainMs = r.revealDeadlineMs;
        } else {
          dueSince ??= Date.now();
          // A node of an earlier round (waiting for this one to end) comes after the round's own nodes.
          const index = current.findIndex((a) => a.nodeId === this.o.nodeId);
          const rank = index < 0 ? current.length : index;
          if (Date.now() - dueSince >= rank * this.settleStaggerMs()) {
            action = "settle";
            confident = rank === 0;
            if (r.round === t.round) output = this.agreedOutputIfSure(r, t.round, rec);
          } else due.at = dueSince + rank * this.settleStaggerMs();
        }
      }
      // Only the first node of the round acts on its view alone (when every node revealed): a
      // settle on a deadline, on a dispute, or of a node that waited its turn is decided on a
      // fresh read, so a view behind the chain (events still on their way) sends nothing stale.
      if (action && !(confident && action === "settle")) {
        const fresh = await this.load(t.requestId);
        if (stateKey(fresh.round, fresh.status) !== stateKey(r.round, r.status)) continue;
      }
      if (action) {
        try {
          if (action === "settle") {
            try {
              const post = output ? { output, outputHash: unhex(rec.outputHash) } : undefined;
              await this.retry(() => this.o.chain.settle(t.requestId, post), "settle");
              if (output) {
                this.o.count("posted");
                t.posted = true;
              }
            } catch (err) {
              // Only a refused post is worth a plain settle; a refused settle (another node
              // settled first) would be refused again.
              if (!(output && err instanceof MoveAbortError) || err.module === "settlement") throw err;
              await this.retry(() => this.o.chain.settle(t.requestId), "settle");
            }
            this.o.count("settled_calls");
            t.acted = stateKey(r.round, r.status);
          } else {
            await this.retry(() => this.o.chain.escalate(t.requestId), "escalate");
            t.acted = stateKey(r.round, r.status);
          }
          t.log.info({ action }, "request advanced");
          continue;
        } catch (err) {
          // Another node did it first: the view is behind the chain; read before deciding again
          // (after `pollMs`, whatever else it waits for).
          this.invalidate(t.requestId);
          due.at = Date.now() + this.o.pollMs;
          t.log.debug({ action, err: describe(err) }, "not needed (another node did it)");
        }
      }
      woke = await this.nap(t.requestId, seen, due);
    }
  }

  /**
   * settled → done: post the output when this node agreed and it is its turn. Confidential
   * requests: every agreeing node posts its own output once (the chain keeps each post and the
   * requester accepts one, so a bad first post cannot block a good one). Public requests: the
   * first agreeing node posts; the next ones step in, one by one, if it does not.
   */
  private async postOutput(t: Task, rec: TaskRecord): Promise<TaskRecord | null> {
    const request = await this.current(t.requestId);
    const everyonePosts = request.confidential;
    if (
      !t.posted &&
      request.status === RequestStatus.Settled &&
      request.agreedBlindedHash &&
      (!request.outputPosted || everyonePosts)
    ) {
      // Agreement is on the blinded t (round 0 reveals t, round 1 the output hash, tallied as its t).
      const agreedHex = hex(request.agreedBlindedHash);
      const winners = request.assignments.filter(
        (a) => a.revealed && hex(tallyKey(a.outputHash, t.requestId, a.round)) === agreedHex,
      );
      const rank = winners.findIndex((a) => a.nodeId === this.o.nodeId);
      const signal = this.o.signal;
      const agrees = hex(blindedHash(unhex(rec.outputHash), t.requestId)) === agreedHex;
      // The n-th agreeing node steps in after n × 2 s if nobody posted (OutputPosted keeps the view
      // current), and reads the request once before it does.
      let stillMissing = everyonePosts ? rank >= 0 : rank === 0;
      if (agrees && rank > 0 && !everyonePosts) {
        const until = Date.now() + rank * 2_000;
        const posted = async () => (await this.current(t.requestId)).outputPosted;
        while (!signal.aborted && Date.now() < until && !(await posted()))
          await this.nap(t.requestId, this.eventCount(t.requestId), { at: until });
        stillMissing = !signal.aborted && !(await posted()) && !(await this.load(t.requestId)).outputPosted;
      }
      if (agrees && stillMissing) {
        try {
          const output = new Uint8Array(Buffer.from(rec.output, "base64"));
          const post = { output, outputHash: unhex(rec.outputHash) };
          await this.retry(() => this.o.chain.postOutput(t.requestId, post), "post_output");
          this.o.count("posted");
          t.log.info("output posted");
        } catch (err) {
          t.log.warn({ err: describe(err) }, "post_output rejected");
        }
      }
    }
    this.o.count("task_done");
    return { ...rec, phase: "done", outcome: request.status === RequestStatus.Settled ? "settled" : "failed" };
  }

  /** The last clock read (shared by every task of the node for `pollMs`). */
  private clockRead: { at: number; value: Promise<bigint> } | undefined;

  /**
   * The chain's time, for a deadline decision. Every waiting task checks its deadline on each
   * `pollMs` wake; a read younger than `pollMs` answers them all (a deadline is seen at most two
   * polls late, as with one read per task).
   */
  private now(requestId: string): Promise<bigint> {
    const known = this.o.clock.knownMs?.();
    if (known !== undefined) return Promise.resolve(known);
    const last = this.clockRead;
    if (last && Date.now() - last.at < this.o.pollMs) return last.value;
    const value = this.retry(() => {
      this.counted("clock", requestId);
      return this.o.clock.nowMs();
    }, "clock");
    const read = { at: Date.now(), value };
    this.clockRead = read;
    value.catch(() => {
      if (this.clockRead === read) this.clockRead = undefined;
    });
    return value;
  }

  private counted(what: ChainRead["what"], requestId: string): void {
    this.reads[what]++;
    this.o.onRead?.({ what, requestId, phase: this.progress.get(requestId)?.phase ?? "start" });
  }

  /** This node's transaction round trip, smoothed (ms; 0 before the first). */
  private txMs = 0;

  /** The wait of each settle rank after the one before it (SETTLE_STAGGER_MS at least). */
  private settleStaggerMs(): number {
    return Math.max(SETTLE_STAGGER_MS, SETTLE_STAGGER_ROUND_TRIPS * this.txMs);
  }

  /** Retries a chain call on transient failures; a Move abort is final and thrown at once. */
  private async retry<T>(fn: () => Promise<T>, what: string, attempts = 5): Promise<T> {
    let delay = 200;
    for (let i = 1; ; i++) {
      const t0 = Date.now();
      try {
        const out = await fn();
        if (!READS.has(what)) this.txMs = this.txMs === 0 ? Date.now() - t0 : 0.8 * this.txMs + 0.2 * (Date.now() - t0);
        return out;
      } catch (err) {
        if (err instanceof MoveAbortError || i >= attempts || this.o.signal.aborted) throw err;
        this.o.logger.warn({ what, attempt: i, err: describe(err) }, "chain call failed; retrying");
        await sleep(delay, this.o.signal);
        delay *= 2;
      }
    }
  }

  /**
   * Waits until `pred(request)` holds or the chain time reaches `untilMs` (or the daemon stops).
   * The view follows the request's events (`notify`); a quiet `pollMs` wake reads the clock (the
   * only way a deadline passes), and a passed deadline reads the request once, so what the caller
   * decides on a deadline it decides on the chain's state.
   */
  private async waitFor(
    requestId: string,
    pred: (r: RequestView) => boolean,
    untilMs: (r: RequestView) => bigint,
  ): Promise<RequestView> {
    let woke: Woke = "event";
    for (;;) {
      if (woke === "timeout" && this.quiet(requestId)) this.invalidate(requestId);
      const seen = this.eventCount(requestId);
      const r = await this.current(requestId);
      if (pred(r) || this.o.signal.aborted) return r;
      if (woke === "timeout" && (await this.now(requestId)) >= untilMs(r)) return this.load(requestId);
      woke = await this.nap(requestId, seen, { chainMs: untilMs(r) });
    }
  }
}
