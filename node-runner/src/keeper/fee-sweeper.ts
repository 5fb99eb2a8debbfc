/**
 * Sweeps finished requests' protocol income into the treasury (`fees::sweep_fees`, batched):
 * every `RequestSettled`/`RequestFailed` queues its request, every `FeesSwept` (this keeper's or
 * another's) forgets it. A request swept twice moves 0, so a crash between a sweep and the save
 * of the list costs one idle call, never income.
 */
import type { Logger } from "pino";
import type { KeeperChain, KeeperEvent } from "./chain.js";
import { BatchDuty, type BatchPolicy, type FlushResult, type KeeperClock, type KeeperMetrics } from "./duty.js";

export class FeeSweeper {
  readonly duty: BatchDuty;
  /** MIST moved into the treasury, from the `FeesSwept` events seen (any sweeper's). */
  sweptMist = 0n;
  /** `FeesSwept` events seen (any sweeper's, a repeated sweep's included). */
  sweptEvents = 0;

  constructor(o: {
    chain: KeeperChain;
    file: string;
    policy: BatchPolicy;
    clock: KeeperClock;
    logger: Logger;
    metrics?: KeeperMetrics;
  }) {
    this.duty = new BatchDuty({
      name: "sweep",
      file: o.file,
      policy: o.policy,
      clock: o.clock,
      logger: o.logger,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      send: (ids) => o.chain.sweepFees(ids),
    });
  }

  onEvent(ev: KeeperEvent): void {
    if (ev.name === "RequestFinished") this.duty.add(ev.requestId);
    else if (ev.name === "FeesSwept") {
      this.duty.drop(ev.requestId);
      this.sweptMist += ev.amount;
      this.sweptEvents++;
    }
  }

  flush(all = false): Promise<FlushResult> {
    return this.duty.flush(all);
  }
}
