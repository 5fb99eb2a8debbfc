/**
 * Re-syncs nodes with the sampling trees (`registry::refresh_node`, batched): a settlement's slash
 * writes only the node's account (issue 13 B stage 2), so its sampling weight stays as it was and a
 * node left below `min_stake` stays Active (and drawable) until refreshed; a `stake_cap` change leaves
 * every node's weight (min(stake, stake_cap)) stale, and a `min_stake` rise leaves nodes below it
 * Active. The refresh applies the account and the current parameters (jailing a node below
 * `min_stake`, taking a jailed node out). So: every `NodeSlashed` queues its node, and every
 * `ParamChanged` of `stake_cap` or `min_stake` queues every node the keeper knows of (from the
 * `NodeRegistered` events it has read, kept in a durable list like the pending ones). Each node is
 * refreshed once per batch however often it was queued; a long list is sent a few batches per
 * pass of the keeper's loop (`maxBatchesPerPass`), between the sweeps.
 */
import path from "node:path";
import type { Logger } from "pino";
import type { KeeperChain, KeeperEvent } from "./chain.js";
import { BatchDuty, type BatchPolicy, type FlushResult, type KeeperClock, type KeeperMetrics } from "./duty.js";
import { PendingFile } from "./pending.js";

/** The `Params` fields that change a node's sampling weight or whether it is jailed. */
export const WEIGHT_PARAMS: ReadonlySet<string> = new Set(["stake_cap", "min_stake"]);

export class NodeRefresher {
  readonly duty: BatchDuty;
  /** Every node registered so far (from `NodeRegistered`), in registration order. */
  readonly known: PendingFile;
  /** `stake_cap`/`min_stake` changes seen, and the node refreshes they queued. */
  readonly paramStats = { changes: 0, queued: 0 };
  private readonly logger: Logger;
  private readonly clock: KeeperClock;

  constructor(o: {
    chain: KeeperChain;
    file: string;
    /** The known-nodes list (default: `known-nodes.json` next to `file`). */
    knownFile?: string;
    policy: BatchPolicy;
    clock: KeeperClock;
    logger: Logger;
    metrics?: KeeperMetrics;
  }) {
    this.logger = o.logger;
    this.clock = o.clock;
    this.duty = new BatchDuty({
      name: "refresh",
      file: o.file,
      policy: o.policy,
      clock: o.clock,
      logger: o.logger,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      send: (ids) => o.chain.refreshNodes(ids),
    });
    this.known = new PendingFile(o.knownFile ?? path.join(path.dirname(o.file), "known-nodes.json"));
  }

  onEvent(ev: KeeperEvent): void {
    if (ev.name === "NodeSlashed") this.duty.add(ev.nodeId);
    else if (ev.name === "NodeRegistered") this.known.add(ev.nodeId, this.clock.now());
    else if (ev.name === "ParamChanged" && WEIGHT_PARAMS.has(ev.param)) {
      const before = this.duty.pending.size;
      for (const id of this.known.ids()) this.duty.add(id);
      const queued = this.duty.pending.size - before;
      this.paramStats.changes++;
      this.paramStats.queued += queued;
      this.logger.info(
        {
          param: ev.param,
          value: ev.value.toString(),
          known: this.known.size,
          queued,
          pending: this.duty.pending.size,
        },
        "parameter changed: every known node queued for refresh",
      );
    }
  }

  /** Saves the pending and known-node lists (before the event cursor moves past what filled them). */
  save(): void {
    this.duty.save();
    this.known.save();
  }

  flush(all = false): Promise<FlushResult> {
    return this.duty.flush(all);
  }
}
