/**
 * What one batch of events projects to, before it is written: append-only rows per table (typed
 * by the table's `$inferInsert`) and current-state patches folded per key (nodes, requests,
 * clusters, key rotations). Projectors (projectors.ts) fill it; ingest.ts writes it.
 */
import * as s from "./schema.js";

/** The append-only tables a projector may add rows to (keyed by the event id). */
export const APPEND_TABLES = {
  nodeHistory: s.nodeHistory,
  stakeChanges: s.stakeChanges,
  attestations: s.attestations,
  keyRotationAcks: s.keyRotationAcks,
  requestSamples: s.requestSamples,
  commits: s.commits,
  reveals: s.reveals,
  settlements: s.settlements,
  payouts: s.payouts,
  slashes: s.slashes,
  disputes: s.disputes,
  outputs: s.outputs,
} as const;
export type AppendTable = keyof typeof APPEND_TABLES;
export type AppendRow<T extends AppendTable> = (typeof APPEND_TABLES)[T]["$inferInsert"];

/** A partial current-state row: the columns an event sets (absent = keep the stored value). */
export type NodePatch = Partial<Omit<typeof s.nodes.$inferInsert, "nodeId">>;
export type RequestPatch = Partial<Omit<typeof s.requests.$inferInsert, "requestId">>;
export type ClusterPatch = Partial<Omit<typeof s.clusters.$inferInsert, "clusterId">>;
export type MemberRow = typeof s.clusterMembers.$inferInsert;
export type RotationPatch = Partial<typeof s.keyRotations.$inferInsert> &
  Pick<typeof s.keyRotations.$inferInsert, "clusterId" | "epoch">;

/** Node counters that events add to (every other node column is set, last write wins). */
export const NODE_COUNTERS = ["paidTotal", "slashedTotal", "reveals"] as const satisfies readonly (keyof NodePatch)[];
type Counter = (typeof NODE_COUNTERS)[number];

/** Sets the patch's defined columns over `map[key]`; counters named in `add` are summed instead. */
function fold<P extends object>(map: Map<string, P>, key: string, patch: P, add: readonly (keyof P)[] = []): void {
  const cur: Record<string, unknown> = { ...(map.get(key) ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    cur[k] = add.includes(k as keyof P) ? ((cur[k] as bigint | undefined) ?? 0n) + (v as bigint) : v;
  }
  map.set(key, cur as P);
}

/** The event a projector is applied to: its id, its position in the stream and its transaction. */
export interface EventContext {
  txDigest: string;
  eventSeq: number;
  pos: bigint;
}

export class Projection {
  readonly rows: { [T in AppendTable]: AppendRow<T>[] } = {
    nodeHistory: [],
    stakeChanges: [],
    attestations: [],
    keyRotationAcks: [],
    requestSamples: [],
    commits: [],
    reveals: [],
    settlements: [],
    payouts: [],
    slashes: [],
    disputes: [],
    outputs: [],
  };
  readonly nodes = new Map<string, NodePatch>();
  readonly requests = new Map<string, RequestPatch>();
  readonly clusters = new Map<string, ClusterPatch>();
  /** Keyed `${clusterId}:${epoch}`. */
  readonly rotations = new Map<string, RotationPatch>();
  /** Keyed `${clusterId}:${nodeId}`: the latest membership state in the batch. */
  readonly members = new Map<string, MemberRow>();

  append<T extends AppendTable>(table: T, row: AppendRow<T>): void {
    this.rows[table].push(row);
  }
  node(nodeId: string, patch: NodePatch, add: readonly Counter[] = []): void {
    fold(this.nodes, nodeId, patch, add);
  }
  request(requestId: string, patch: RequestPatch): void {
    fold(this.requests, requestId, patch);
  }
  cluster(clusterId: string, patch: ClusterPatch): void {
    fold(this.clusters, clusterId, patch);
  }
  member(row: MemberRow): void {
    this.members.set(`${row.clusterId}:${row.nodeId}`, row);
  }
  rotation(patch: RotationPatch): void {
    fold(this.rotations, `${patch.clusterId}:${patch.epoch}`, patch);
  }
}
