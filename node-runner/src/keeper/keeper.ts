/**
 * The keeper: follows the package's events with a durable cursor (the SDK's follower, like the
 * node daemon) and feeds its duties — `FeeSweeper` (finished requests → treasury) and
 * `NodeRefresher` (slashed nodes, and every known node after a `stake_cap`/`min_stake` change →
 * sampling trees, jailed nodes out) — then sends what is due, a few batches per duty per pass,
 * passing again at once while a duty has more due (a long refresh never holds up the sweeps). Each page's ids are saved to the duties' pending lists before the cursor moves past it, so
 * a crash loses nothing: a restart re-reads at most the last page and finds the lists.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { followEvents, Wakeup } from "@atoma/sdk";
import type { Logger } from "pino";
import { readCursorFile, writeCursorFile } from "../durable-file.js";
import type { KeeperChain, KeeperEvent } from "./chain.js";
import {
  type BatchPolicy,
  DEFAULT_BATCH,
  type DutyName,
  type FlushResult,
  type KeeperClock,
  type KeeperMetrics,
  systemClock,
} from "./duty.js";
import { FeeSweeper } from "./fee-sweeper.js";
import { NodeRefresher } from "./node-refresher.js";

export interface KeeperOptions {
  chain: KeeperChain;
  /** Cursor and lists (`keeper-cursor.json`, `sweep-pending.json`, `refresh-pending.json`, `known-nodes.json`). */
  stateDir: string;
  logger: Logger;
  clock?: KeeperClock;
  metrics?: KeeperMetrics;
  /** Event poll interval (default 1 s). */
  pollMs?: number;
  sweep?: Partial<BatchPolicy>;
  refresh?: Partial<BatchPolicy>;
  /** Called after each flush that did something (the CLI prints it). */
  onFlush?: (duty: DutyName, result: FlushResult) => void;
}

export class Keeper {
  readonly sweeper: FeeSweeper;
  readonly refresher: NodeRefresher;
  private readonly controller = new AbortController();
  private readonly wakeup = new Wakeup();
  private loop?: Promise<void>;
  private cursor: string | null;
  private readonly cursorFile: string;
  /** Events read, and the wall time (ms) of the last page handled. */
  readonly stats = { events: 0, lastPollOkMs: 0 };

  constructor(private readonly o: KeeperOptions) {
    mkdirSync(o.stateDir, { recursive: true });
    const clock = o.clock ?? systemClock;
    const common = { chain: o.chain, clock, logger: o.logger, ...(o.metrics ? { metrics: o.metrics } : {}) };
    this.sweeper = new FeeSweeper({
      ...common,
      file: path.join(o.stateDir, "sweep-pending.json"),
      policy: { ...DEFAULT_BATCH, ...o.sweep },
    });
    this.refresher = new NodeRefresher({
      ...common,
      file: path.join(o.stateDir, "refresh-pending.json"),
      policy: { ...DEFAULT_BATCH, ...o.refresh },
    });
    this.cursorFile = path.join(o.stateDir, "keeper-cursor.json");
    this.cursor = readCursorFile(this.cursorFile);
  }

  /** Starts following (pending items of a previous run are sent when due). */
  start(): void {
    this.loop = this.watch();
  }

  /** Stops following; what is pending stays in the lists for the next start. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
  }

  /** Ends the follower's idle wait at once (a new checkpoint, or a test that wants a flush now). */
  wake(): void {
    this.wakeup.wake();
  }

  /** Sends every pending item now, whatever the batch policy (a test, an operator's last call). */
  async flushAll(): Promise<void> {
    this.report("sweep", await this.sweeper.flush(true));
    this.report("refresh", await this.refresher.flush(true));
  }

  /**
   * One pass: reads the events up to the chain's latest (from the saved cursor), then sends every
   * pending item (`atoma-node keeper --once`, for cron). Not with `start`.
   */
  async runOnce(): Promise<void> {
    await this.follow(true);
    await this.flushAll();
  }

  private report(duty: DutyName, result: FlushResult): void {
    if (result.done.length || result.refused.length || result.failed) this.o.onFlush?.(duty, result);
  }

  /** Handles one page of events: queue, then save the lists (before the cursor moves past it). */
  handle(events: readonly KeeperEvent[]): void {
    for (const ev of events) {
      this.sweeper.onEvent(ev);
      this.refresher.onEvent(ev);
    }
    this.sweeper.duty.save();
    this.refresher.save();
    this.stats.events += events.length;
    if (events.length) this.o.metrics?.events(events.length);
  }

  private saveCursor(): void {
    writeCursorFile(this.cursorFile, this.cursor);
  }

  private watch(): Promise<void> {
    return this.follow(false);
  }

  private async follow(untilCaughtUp: boolean): Promise<void> {
    const signal = this.controller.signal;
    const pages = followEvents((after, limit) => this.o.chain.nextEvents(after, limit), {
      after: this.cursor,
      pageSize: 100,
      pollMs: this.o.pollMs ?? 1_000,
      maxBackoffMs: 10_000,
      signal,
      wakeup: this.wakeup,
      untilCaughtUp,
      onError: (err, retryInMs) =>
        this.o.logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs }, "event poll failed"),
      save: (cursor) => {
        this.cursor = cursor;
        this.saveCursor();
        this.stats.lastPollOkMs = Date.now();
      },
    });
    for await (const batch of pages) {
      this.handle(batch.events);
      // The duties' transactions run between polls: a slow chain slows the follower, never loses ids.
      if (untilCaughtUp) continue;
      this.report("sweep", await this.sweeper.flush());
      this.report("refresh", await this.refresher.flush());
      // More due than one pass sends (a refresh of every node): the next pass comes without the idle wait.
      if (this.sweeper.duty.due() || this.refresher.duty.due()) this.wakeup.wake();
    }
  }
}
