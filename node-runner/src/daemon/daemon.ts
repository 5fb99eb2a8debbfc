/**
 * The node daemon: follows the package's events with a durable cursor, and for every request
 * sampled to this node runs a task (./task-runner.ts: execute → commit → reveal → settle → post
 * output, one handler per phase, the phase journaled), with bounded execution concurrency and
 * retries. A bad request is skipped with a logged reason; the daemon never dies of one.
 *
 * `concurrency` bounds the executions running at once, not the tasks in flight: a task that waits
 * for the other sampled nodes (their commits, reveals, an escalation round) holds no execution
 * slot. Otherwise nodes whose slots are all held by waiting tasks wait on each other until a
 * deadline passes, and a node sampled again for the dispute round misses its commit and is
 * slashed for it (node-runner/test/daemon/daemon.test.ts, "one execution slot per node").
 */
import { setMaxListeners } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { followEvents, Wakeup } from "@atoma/sdk";
import type { Logger } from "pino";
import { readCursorFile, writeCursorFile, writeCursorFileAsync } from "../durable-file.js";
import type { ChainClock, ChainPort, DaemonEvent, RequestView } from "./chain-port.js";
import { Semaphore, sleep } from "./semaphore.js";
import type { TaskJournal } from "./task.js";
import {
  type ChainRead,
  type DurableStep,
  describe,
  type ExecuteOutcome,
  type Fault,
  TaskRunner,
  type TaskStep,
} from "./task-runner.js";

/** What the daemon counts: task steps, and tasks that failed (retried from the journal). */
export type DaemonStep = TaskStep | "errors";

/** Where the daemon reports what it does (`createMetrics` in ../metrics.ts: Prometheus). */
export interface DaemonMetrics {
  /** One step done: an execution, a transaction, a task ended or failed. */
  step(step: DaemonStep): void;
  /** `count` chain events read. */
  events(count: number): void;
  /** Tasks queued or running now. */
  pending(count: number): void;
}

export interface DaemonOptions {
  nodeId: string;
  chain: ChainPort;
  /** The chain's time, against which every deadline is measured (`SdkChainClock`: the Clock object). */
  clock: ChainClock;
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
  /** A waiting task reads its request again after this long without an event of it (default 30 s). */
  quietReadMs?: number;
  /** The event cursor is saved at most this often, ms (default 1000; every page read is handled first). */
  cursorSaveMs?: number;
  fault?: Fault;
  metrics?: DaemonMetrics;
  /** Called after a durable step; tests use it to kill the process at a known point. */
  onStep?: (step: DurableStep, requestId: string) => void;
  /** Called for each chain read a task makes (the request, the clock; benchmarks count them). */
  onRead?: (read: ChainRead) => void;
}

const STAT: Record<DaemonStep, keyof NodeDaemon["stats"] | null> = {
  executed: "executed",
  committed: "committed",
  revealed: "revealed",
  settled_calls: "settledCalls",
  posted: "posted",
  skipped: "skipped",
  input_mismatch: "inputMismatch",
  errors: "errors",
  task_done: null,
};

/** How many times a task that failed before its first journal record is tried again (1 s, 2 s, … apart). */
const UNJOURNALED_RETRIES = 8;

export class NodeDaemon {
  private readonly o: DaemonOptions & { concurrency: number; maxTasks: number; pollMs: number; cursorSaveMs: number };
  private readonly tasks: TaskRunner;
  private cursor: string | null = null;
  private readonly active = new Map<string, Promise<void>>();
  private readonly queue: Array<{ requestId: string; round: number }> = [];
  private readonly controller = new AbortController();
  private loop?: Promise<void>;
  readonly stats = {
    executed: 0,
    committed: 0,
    revealed: 0,
    settledCalls: 0,
    posted: 0,
    skipped: 0,
    /** Confidential inputs refused: they did not hash to the request's input_hash. */
    inputMismatch: 0,
    errors: 0,
  };
  lastPollOk = 0;

  constructor(options: DaemonOptions) {
    this.o = { concurrency: 4, maxTasks: 1024, pollMs: 250, cursorSaveMs: 1_000, ...options };
    // Every waiting task sleeps on this signal (one listener each, removed when the sleep ends):
    // more than ten tasks in flight is normal, not a leak.
    setMaxListeners(0, this.controller.signal);
    this.tasks = new TaskRunner({
      nodeId: this.o.nodeId,
      chain: this.o.chain,
      clock: this.o.clock,
      // The first durable record of a task releases the event cursor it held (see `hold`).
      journal: {
        get: (requestId, round) => this.o.journal.get(requestId, round),
        pending: () => this.o.journal.pending(),
        put: async (rec) => {
          await this.o.journal.put(rec);
          this.release(`${rec.requestId}:${rec.round}`);
        },
      },
      execute: this.o.execute,
      executions: new Semaphore(this.o.concurrency),
      logger: this.o.logger,
      pollMs: this.o.pollMs,
      ...(this.o.quietReadMs ? { quietReadMs: this.o.quietReadMs } : {}),
      ...(this.o.fault ? { fault: this.o.fault } : {}),
      signal: this.controller.signal,
      count: (step) => this.count(step),
      ...(this.o.onStep ? { onStep: this.o.onStep } : {}),
      ...(this.o.onRead ? { onRead: this.o.onRead } : {}),
    });
    mkdirSync(this.o.stateDir, { recursive: true });
    this.cursor = readCursorFile(this.cursorPath());
  }

  private cursorPath(): string {
    return path.join(this.o.stateDir, "cursor.json");
  }

  /** The cursor's durable write in flight, and whether the cursor moved since it started. */
  private cursorWrite: Promise<void> | null = null;
  private cursorDirty = false;
  private cursorSavedAt = 0;

  /**
   * `cursor.json`: `{"cursor":{"after":…}}` (the SDK's `EventCursor`), replaced atomically, off the
   * event loop and at most once per `cursorSaveMs` (one fsync for every page read meanwhile, not
   * one per page). A crash replays the events after the last saved cursor, which the daemon
   * handles as it did the first time (a journaled task resumes, a done one is skipped).
   */
  private saveCursor(): void {
    this.cursorDirty = true;
    if (this.cursorWrite) return;
    const wait = Math.max(0, this.cursorSavedAt + this.o.cursorSaveMs - Date.now());
    this.cursorWrite = (async () => {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (this.cursorDirty) {
        this.cursorDirty = false;
        await writeCursorFileAsync(this.cursorPath(), this.cursor);
        this.cursorSavedAt = Date.now();
      }
    })()
      .catch((err: unknown) => this.o.logger.warn({ err: describe(err) }, "saving the event cursor failed"))
      .finally(() => {
        this.cursorWrite = null;
      });
  }

  /**
   * Tasks of the events read but not yet journaled: a page's cursor is not saved while a task it
   * sampled this node for has no durable record (a crash would skip the event, and the node would
   * miss its commit). `held` are the cursors read meanwhile, oldest first, each with the tasks it
   * waits for; the durable cursor moves to the newest whose tasks, and all before, are journaled
   * or ended.
   */
  private readonly unjournaled = new Set<string>();
  /** Failed attempts of each unjournaled task (see `pump`). */
  private readonly unjournaledTries = new Map<string, number>();
  private readonly held: { cursor: string | null; waits: Set<string> }[] = [];

  /** The follower read a page up to `cursor`: saved now, or held until its new tasks are journaled. */
  private advance(cursor: string | null): void {
    const waits = new Set([...this.unjournaled].filter((k) => !this.held.some((h) => h.waits.has(k))));
    if (waits.size === 0 && this.held.length === 0) {
      this.cursor = cursor;
      this.saveCursor();
    } else this.held.push({ cursor, waits });
  }

  /** Task `key` has a durable record (or ended without one): the cursors it held move on. */
  private release(key: string): void {
    if (!this.unjournaled.delete(key)) return;
    for (const h of this.held) h.waits.delete(key);
    let moved = false;
    while (this.held[0]?.waits.size === 0) {
      this.cursor = (this.held.shift() as { cursor: string | null }).cursor;
      moved = true;
    }
    if (moved) this.saveCursor();
  }

  /** Waits for the cursor's write in flight, then saves what is left (at stop). */
  private async flushCursor(): Promise<void> {
    await this.cursorWrite;
    if (this.cursorDirty) {
      this.cursorDirty = false;
      writeCursorFile(this.cursorPath(), this.cursor);
    }
  }

  get nodeId(): string {
    return this.o.nodeId;
  }

  /** Chain reads the tasks made: the request object, the clock (event polls not included). */
  get reads(): { readonly request: number; readonly clock: number } {
    return this.tasks.reads;
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
    await this.flushCursor();
  }

  private count(step: DaemonStep): void {
    const stat = STAT[step];
    if (stat) this.stats[stat]++;
    this.o.metrics?.step(step);
    this.o.metrics?.pending(this.pendingTasks);
  }

  private enqueue(requestId: string, round: number): void {
    const key = `${requestId}:${round}`;
    if (this.active.has(key) || this.queue.some((q) => q.requestId === requestId && q.round === round)) return;
    if (this.o.journal.get(requestId, round)?.phase === "done") return;
    this.queue.push({ requestId, round });
    this.pump();
  }

  private pump(): void {
    while (this.active.size < this.o.maxTasks && this.queue.length && !this.controller.signal.aborted) {
      const next = this.queue.shift() as { requestId: string; round: number };
      const key = `${next.requestId}:${next.round}`;
      const p = this.tasks
        .run(next.requestId, next.round)
        .then(
          () => false,
          (err) => {
            this.count("errors");
            this.o.logger.error({ requestId: next.requestId, round: next.round, err: describe(err) }, "task failed");
            return true;
          },
        )
        .then(async (failed) => {
          this.active.delete(key);
          // A journaled task that failed on a transient error is retried until it ends. One that
          // failed before its first record (only chain reads come before it: executor errors are
          // journaled as skipped) is retried UNJOURNALED_RETRIES times, its event cursor held
          // meanwhile: an RPC outage longer than the reads' own retries does not lose a sampling.
          const rec = this.o.journal.get(next.requestId, next.round);
          const tries = (this.unjournaledTries.get(key) ?? 0) + 1;
          const retry =
            failed &&
            !this.controller.signal.aborted &&
            (rec ? rec.phase !== "done" : this.unjournaled.has(key) && tries <= UNJOURNALED_RETRIES);
          // Stopping: an unjournaled task keeps its hold, so the cursor flushed at stop stays
          // before its sampling and the restart runs it.
          if (!this.controller.signal.aborted) {
            if (!rec && retry) this.unjournaledTries.set(key, tries);
            else {
              this.unjournaledTries.delete(key);
              this.release(key);
            }
          }
          if (retry) {
            await sleep(rec ? 1_000 : 1_000 * tries, this.controller.signal);
            if (!this.controller.signal.aborted) this.enqueue(next.requestId, next.round);
          }
          this.pump();
        });
      this.active.set(key, p);
    }
  }

  /** Ends the follower's idle wait (`wake`). */
  private readonly wakeup = new Wakeup();

  /** Wake-ups received (metric for tests and benchmarks). */
  get wakes(): number {
    return this.wakeup.count;
  }

  /**
   * Ends the current idle wait of the event poll at once (a new checkpoint arrived on the
   * stream): the daemon reacts to a sampling without waiting for a poll interval. The event
   * list (durable cursor) stays the source of truth, so a missed or repeated wake-up is harmless.
   */
  wake(): void {
    this.wakeup.wake();
  }

  /** Follows the events (the SDK's follower) from the saved cursor, saving it after each page handled. */
  private async watch(): Promise<void> {
    const signal = this.controller.signal;
    const pages = followEvents((after, limit) => this.o.chain.nextEvents(after, limit), {
      after: this.cursor,
      pageSize: 100,
      pollMs: this.o.pollMs,
      maxBackoffMs: 10_000,
      signal,
      wakeup: this.wakeup,
      onError: (err, retryInMs) => this.o.logger.warn({ err: describe(err), retryInMs }, "event poll failed; retrying"),
      save: (cursor) => {
        this.advance(cursor);
        this.lastPollOk = Date.now();
      },
    });
    for await (const batch of pages) {
      for (const ev of batch.events) this.onEvent(ev);
      if (batch.events.length) {
        this.o.metrics?.events(batch.events.length);
        this.o.metrics?.pending(this.pendingTasks);
      }
    }
  }

  private onEvent(ev: DaemonEvent): void {
    // Tasks of this request follow it from the event (commits, reveals, a settlement, a new round).
    if ("requestId" in ev) this.tasks.notify(ev);
    if (ev.name === "NodesSampled" && ev.nodes.includes(this.o.nodeId)) {
      this.o.logger.info({ requestId: ev.requestId, round: ev.round }, "sampled");
      if (!this.o.journal.get(ev.requestId, ev.round)) this.unjournaled.add(`${ev.requestId}:${ev.round}`);
      this.enqueue(ev.requestId, ev.round);
    }
    // KeyRotationStarted is not acked here: a blind ack would vouch for a key this node never
    // received. The RotationParticipant (node-runner/src/rotation, `run --cluster-key-dir`) acks
    // only after opening the new master key and checking it against the on-chain commitment.
  }
}
