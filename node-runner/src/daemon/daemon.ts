/**
 * The node daemon: follows the package's events with a durable cursor, and for every request
 * sampled to this node runs execute → journal → commit → reveal → settle → post output, with
 * bounded execution concurrency, deadline margins and retries. A bad request is skipped with a
 * logged reason; the daemon never dies of one.
 *
 * `concurrency` bounds the executions running at once, not the tasks in flight: a task that waits
 * for the other sampled nodes (their commits, reveals, an escalation round) holds no execution
 * slot. Otherwise nodes whose slots are all held by waiting tasks wait on each other until a
 * deadline passes, and a node sampled again for the dispute round misses its commit and is
 * slashed for it (node-runner/test/daemon/daemon.test.ts, "one execution slot per node").
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { ChainPort, DaemonEvent, RequestView } from "./chain-port.js";
import { RequestStatus } from "./chain-port.js";

export type Fault = "wrong-output" | "silent" | "late";
export const FAULTS: readonly Fault[] = ["wrong-output", "silent", "late"];

/** Durable per-task record; written (and fsynced) before the commit transaction is sent. */
export interface TaskRecord {
  requestId: string;
  round: number;
  outputHash: string; // hex
  salt: string; // hex
  output: string; // base64 of the output bytes (posted after settlement)
  committed: boolean;
  revealed: boolean;
  settled: boolean;
  outcome?: "settled" | "failed" | "skipped";
  reason?: string;
}

/** The journal the daemon needs (FileTaskJournal in ./file-journal.ts). */
export interface TaskJournal {
  get(requestId: string, round: number): TaskRecord | undefined;
  put(record: TaskRecord): Promise<void>;
  pending(): TaskRecord[];
}

export interface ExecuteOutcome {
  output: Uint8Array;
  outputHash: Uint8Array;
}

export type DaemonMetric =
  | "executed"
  | "committed"
  | "revealed"
  | "settled_calls"
  | "posted"
  | "skipped"
  | "errors"
  | "task_done"
  | "events";

export interface DaemonOptions {
  nodeId: string;
  chain: ChainPort;
  journal: TaskJournal;
  /** Opens the input (decrypts the node layer when sealed) and runs the executor. */
  execute(request: RequestView): Promise<ExecuteOutcome>;
  logger: Logger;
  stateDir: string;
  /** Executions (the executor's work) running at once; default 4. */
  concurrency?: number;
  /** Tasks in flight, waiting included (bounds memory; the rest queue); default 1024. */
  maxTasks?: number;
  pollMs?: number;
  fault?: Fault;
  onMetric?: (name: DaemonMetric, value?: number) => void;
  /** Called after a durable step; tests use it to kill the process at a known point. */
  onStep?: (step: "journaled" | "committed" | "revealed", requestId: string) => void;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Move aborts are deterministic ("someone else already did it", "too late"): never retried. */
export function isFinalAbort(err: unknown): boolean {
  if ((err as { code?: unknown } | null)?.code === "MOVE_ABORT") return true;
  return /MoveAbort|EWrongStatus|EAlreadyCommitted|EAlreadyRevealed|EOutputAlreadyPosted|EDeadlinePassed|ENotSampled/.test(
    describe(err),
  );
}

/** A counting semaphore: at most `limit` calls of `run` at once, the rest wait in order. */
class Semaphore {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    }
  }
}

export class NodeDaemon {
  private readonly o: DaemonOptions & { concurrency: number; maxTasks: number; pollMs: number };
  private readonly executions: Semaphore;
  private cursor: unknown = null;
  private readonly active = new Map<string, Promise<void>>();
  private readonly queue: Array<{ requestId: string; round: number }> = [];
  private readonly controller = new AbortController();
  private loop?: Promise<void>;
  readonly stats = { executed: 0, committed: 0, revealed: 0, settledCalls: 0, posted: 0, skipped: 0, errors: 0 };
  lastPollOk = 0;

  constructor(options: DaemonOptions) {
    this.o = { concurrency: 4, maxTasks: 1024, pollMs: 250, ...options };
    this.executions = new Semaphore(this.o.concurrency);
    // Every waiting task sleeps on this signal (one listener each, removed when the sleep ends):
    // more than ten tasks in flight is normal, not a leak.
    setMaxListeners(0, this.controller.signal);
    mkdirSync(this.o.stateDir, { recursive: true });
    const cursorFile = this.cursorPath();
    if (existsSync(cursorFile)) this.cursor = JSON.parse(readFileSync(cursorFile, "utf8")).cursor ?? null;
  }

  private cursorPath(): string {
    return path.join(this.o.stateDir, "cursor.json");
  }

  private saveCursor(): void {
    const file = this.cursorPath();
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ cursor: this.cursor }));
    renameSync(tmp, file);
  }

  get nodeId(): string {
    return this.o.nodeId;
  }

  get pendingTasks(): number {
    return this.active.size + this.queue.length;
  }

  /** Starts the watch loop; resumes journaled work first. */
  start(): void {
    for (const rec of this.o.journal.pending()) this.enqueue(rec.requestId, rec.round);
    this.loop = this.watch();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
    await Promise.allSettled([...this.active.values()]);
  }

  private metric(name: DaemonMetric, value?: number): void {
    this.o.onMetric?.(name, value);
  }

  private enqueue(requestId: string, round: number): void {
    const key = `${requestId}:${round}`;
    if (this.active.has(key) || this.queue.some((q) => q.requestId === requestId && q.round === round)) return;
    if (this.o.journal.get(requestId, round)?.settled) return;
    this.queue.push({ requestId, round });
    this.pump();
  }

  private pump(): void {
    while (this.active.size < this.o.maxTasks && this.queue.length && !this.controller.signal.aborted) {
      const next = this.queue.shift() as { requestId: string; round: number };
      const key = `${next.requestId}:${next.round}`;
      const p = this.runTask(next.requestId, next.round)
        .then(
          () => false,
          (err) => {
            this.stats.errors++;
            this.metric("errors");
            this.o.logger.error({ requestId: next.requestId, round: next.round, err: describe(err) }, "task failed");
            return true;
          },
        )
        .then(async (failed) => {
          this.active.delete(key);
          // A journaled task that failed on a transient error is retried until it ends.
          const rec = this.o.journal.get(next.requestId, next.round);
          if (failed && rec && !rec.settled && !this.controller.signal.aborted) {
            await sleep(1_000, this.controller.signal);
            if (!this.controller.signal.aborted) this.enqueue(next.requestId, next.round);
          }
          this.pump();
        });
      this.active.set(key, p);
    }
  }

  private wakeIdle?: () => void;
  /** Wake-ups received (metric for tests and benchmarks). */
  wakes = 0;

  /**
   * Ends the current idle wait of the event poll at once (a new checkpoint arrived on the
   * stream): the daemon reacts to a sampling without waiting for a poll interval. The event
   * list (durable cursor) stays the source of truth, so a missed or repeated wake-up is harmless.
   */
  wake(): void {
    this.wakes++;
    this.wakeIdle?.();
  }

  private async watch(): Promise<void> {
    const signal = this.controller.signal;
    let backoff = this.o.pollMs;
    while (!signal.aborted) {
      try {
        const batch = await this.o.chain.nextEvents(this.cursor, 100);
        for (const ev of batch.events) this.onEvent(ev);
        if (batch.events.length) this.metric("events", batch.events.length);
        this.cursor = batch.cursor;
        this.saveCursor();
        this.lastPollOk = Date.now();
        backoff = this.o.pollMs;
        if (batch.events.length === 0)
          await new Promise<void>((resolve) => {
            this.wakeIdle = resolve;
            void sleep(this.o.pollMs, signal).then(resolve);
          });
        this.wakeIdle = undefined;
      } catch (err) {
        this.o.logger.warn({ err: describe(err), retryInMs: backoff }, "event poll failed; retrying");
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  private onEvent(ev: DaemonEvent): void {
    if (ev.name === "NodesSampled" && ev.nodes.includes(this.o.nodeId)) {
      this.o.logger.info({ requestId: ev.requestId, round: ev.round }, "sampled");
      this.enqueue(ev.requestId, ev.round);
    }
    // KeyRotationStarted is not acked here: a blind ack would vouch for a key this node never
    // received. The RotationParticipant (node-runner/src/rotation, `run --cluster-key-dir`) acks
    // only after opening the new master key and checking it against the on-chain commitment.
  }

  private async retry<T>(fn: () => Promise<T>, what: string, attempts = 5): Promise<T> {
    let delay = 200;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (isFinalAbort(err) || i >= attempts || this.controller.signal.aborted) throw err;
        this.o.logger.warn({ what, attempt: i, err: describe(err) }, "chain call failed; retrying");
        await sleep(delay, this.controller.signal);
        delay *= 2;
      }
    }
  }

  /** Waits until `pred(request)` holds or the chain time passes `untilMs`. */
  private async waitFor(
    requestId: string,
    pred: (r: RequestView, now: bigint) => boolean,
    untilMs: (r: RequestView) => bigint,
  ): Promise<RequestView> {
    for (;;) {
      const [r, now] = await this.retry(
        () => Promise.all([this.o.chain.getRequest(requestId), this.o.chain.nowMs()]),
        "getRequest",
      );
      if (pred(r, now) || now >= untilMs(r) || this.controller.signal.aborted) return r;
      await sleep(this.o.pollMs, this.controller.signal);
    }
  }

  private async skip(requestId: string, round: number, reason: string): Promise<void> {
    this.stats.skipped++;
    this.metric("skipped");
    this.o.logger.warn({ requestId, round, reason }, "request skipped");
    await this.o.journal.put({
      requestId,
      round,
      outputHash: "",
      salt: "",
      output: "",
      committed: false,
      revealed: false,
      settled: true,
      outcome: "skipped",
      reason,
    });
  }

  private async runTask(requestId: string, round: number): Promise<void> {
    const log = this.o.logger.child({ requestId, round });
    let rec = this.o.journal.get(requestId, round);
    if (rec?.settled) return;
    let request = await this.retry(() => this.o.chain.getRequest(requestId), "getRequest");
    const mine = request.assignments.find((a) => a.nodeId === this.o.nodeId && a.round === round);
    if (!mine) {
      log.warn("not assigned to this node in this round; skipping");
      return;
    }

    if (!rec) {
      if (this.o.fault === "silent") {
        log.warn("fault injection: staying silent");
        return this.skip(requestId, round, "fault injection: silent");
      }
      let outcome: ExecuteOutcome;
      try {
        outcome = await this.executions.run(() => this.o.execute(request));
      } catch (err) {
        return this.skip(requestId, round, `could not execute: ${describe(err)}`);
      }
      this.stats.executed++;
      this.metric("executed");
      let outputHash = outcome.outputHash;
      if (this.o.fault === "wrong-output") {
        outputHash = new Uint8Array(outputHash);
        outputHash[0] = (outputHash[0] ?? 0) ^ 0xff;
        log.warn("fault injection: committing a wrong output hash");
      }
      rec = {
        requestId,
        round,
        outputHash: hex(outputHash),
        salt: hex(new Uint8Array(randomBytes(32))),
        output: Buffer.from(outcome.output).toString("base64"),
        committed: false,
        revealed: false,
        settled: false,
      };
      // Durable before the commitment leaves this machine: a crash after this point reveals.
      await this.o.journal.put(rec);
      this.o.onStep?.("journaled", requestId);
    }
    const task = rec;

    if (!task.committed && !mine.committed) {
      if (this.o.fault === "late") {
        await this.waitFor(
          requestId,
          () => false,
          (r) => r.commitDeadlineMs,
        );
      }
      try {
        await this.retry(() => this.o.chain.commit(requestId, unhex(task.outputHash), unhex(task.salt)), "commit");
        this.stats.committed++;
        this.metric("committed");
        log.info("committed");
      } catch (err) {
        if (!isFinalAbort(err)) throw err;
        log.warn({ err: describe(err) }, "commit rejected");
        rec = { ...task, settled: true, outcome: "failed", reason: `commit rejected: ${describe(err)}` };
        await this.o.journal.put(rec);
        return;
      }
    }
    if (!task.committed) {
      rec = { ...task, committed: true };
      await this.o.journal.put(rec);
      this.o.onStep?.("committed", requestId);
    }

    // Reveal once every node of the round committed, or the commit deadline passed.
    request = await this.waitFor(
      requestId,
      // Anything but the commit phase of this round ends the wait: a task resumed from the journal
      // for a request that is already settled must not sit in the task table until a deadline.
      (r, now) => r.round !== round || r.status !== RequestStatus.Sampled || now >= r.commitDeadlineMs,
      (r) => r.revealDeadlineMs,
    );
    const me = request.assignments.find((a) => a.nodeId === this.o.nodeId && a.round === round);
    const revealable = request.status === RequestStatus.Sampled || request.status === RequestStatus.Revealing;
    if (!rec.revealed && !me?.revealed && request.round === round && revealable) {
      try {
        await this.retry(() => this.o.chain.reveal(requestId, unhex(task.outputHash), unhex(task.salt)), "reveal");
        this.stats.revealed++;
        this.metric("revealed");
        log.info("revealed");
      } catch (err) {
        if (!isFinalAbort(err)) throw err; // transient: the task is retried from the journal
        log.warn({ err: describe(err) }, "reveal rejected");
      }
    }
    if (!rec.revealed) {
      rec = { ...rec, revealed: true };
      await this.o.journal.put(rec);
      this.o.onStep?.("revealed", requestId);
    }

    // Drive the request to its end: settle when due (any node may), escalate a dispute,
    // settle a dispute whose escalation never came, then post the output if it is our turn.
    for (;;) {
      if (this.controller.signal.aborted) return;
      const [r, now] = await this.retry(
        () => Promise.all([this.o.chain.getRequest(requestId), this.o.chain.nowMs()]),
        "getRequest",
      );
      request = r;
      if (r.status === RequestStatus.Settled || r.status === RequestStatus.Failed) break;
      let action: "settle" | "escalate" | null = null;
      if (r.status === RequestStatus.Disputed) action = now >= r.disputeDeadlineMs ? "settle" : "escalate";
      else if (r.status === RequestStatus.Sampled || r.status === RequestStatus.Revealing) {
        const current = r.assignments.filter((a) => a.round === r.round);
        if (now >= r.revealDeadlineMs || current.every((a) => a.revealed)) action = "settle";
      }
      if (action) {
        try {
          if (action === "settle") await this.retry(() => this.o.chain.settle(requestId), "settle");
          else await this.retry(() => this.o.chain.escalate(requestId), "escalate");
          if (action === "settle") {
            this.stats.settledCalls++;
            this.metric("settled_calls");
          }
          log.info({ action }, "request advanced");
          continue;
        } catch (err) {
          log.debug({ action, err: describe(err) }, "not needed (another node did it)");
        }
      }
      await sleep(this.o.pollMs, this.controller.signal);
    }

    // Confidential requests: every agreeing node posts its own output once (the chain keeps each
    // post and the requester accepts one, so a bad first post cannot block a good one).
    const everyonePosts = request.confidential;
    if (
      request.status === RequestStatus.Settled &&
      request.agreedOutputHash &&
      (!request.outputPosted || everyonePosts)
    ) {
      const agreedHex = hex(request.agreedOutputHash);
      const winners = request.assignments.filter((a) => a.revealed && hex(a.outputHash) === agreedHex);
      const rank = winners.findIndex((a) => a.nodeId === this.o.nodeId);
      if (rec.outputHash === agreedHex && rank >= 0 && !everyonePosts) {
        // The first agreeing node posts; the next ones step in, one by one, if it does not.
        for (let waited = 0; waited < rank * 2_000 && !this.controller.signal.aborted; waited += 250) {
          await sleep(250, this.controller.signal);
          if ((await this.o.chain.getRequest(requestId)).outputPosted) break;
        }
      }
      const stillMissing = everyonePosts
        ? rank >= 0
        : rank > 0 && !this.controller.signal.aborted
          ? !(await this.o.chain.getRequest(requestId)).outputPosted
          : rank === 0;
      if (rec.outputHash === agreedHex && stillMissing) {
        try {
          const output = new Uint8Array(Buffer.from(rec.output, "base64"));
          await this.retry(() => this.o.chain.postOutput(requestId, output), "post_output");
          this.stats.posted++;
          this.metric("posted");
          log.info("output posted");
        } catch (err) {
          log.warn({ err: describe(err) }, "post_output rejected");
        }
      }
    }
    rec = {
      ...rec,
      settled: true,
      outcome: request.status === RequestStatus.Settled ? "settled" : "failed",
    };
    await this.o.journal.put(rec);
    this.metric("task_done");
  }
}
