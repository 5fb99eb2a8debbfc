/**
 * Re-syncs slashed nodes with the sampling trees (`registry::refresh_node`, batched): a
 * settlement's slash leaves a node's sampling weight as it was, and a node it jailed (stake below
 * `min_stake`) keeps its leaf in the sampling trees (never drawn, but still walked over); the
 * refresh applies the new stake and takes a jailed node out. Each node is refreshed once per
 * batch however often it was slashed.
 */
import type { Logger } from "pino";
import type { KeeperChain, KeeperEvent } from "./chain.js";
import { BatchDuty, type BatchPolicy, type FlushResult, type KeeperClock, type KeeperMetrics } from "./duty.js";

export class NodeRefresher {
  readonly duty: BatchDuty;

  constructor(o: {
    chain: KeeperChain;
    file: string;
    policy: BatchPolicy;
    clock: KeeperClock;
    logger: Logger;
    metrics?: KeeperMetrics;
  }) {
    this.duty = new BatchDuty({
      name: "refresh",
      file: o.file,
      policy: o.policy,
      clock: o.clock,
      logger: o.logger,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      send: (ids) => o.chain.refreshNodes(ids),
    });
  }

  onEvent(ev: KeeperEvent): void {
    if (ev.name === "NodeSlashed") this.duty.add(ev.nodeId);
  }

  flush(all = false): Promise<FlushResult> {
    return this.duty.flush(all);
  }
}
