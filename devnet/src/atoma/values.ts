/**
 * Conversions between the runtime's object values (struct fields as the devnet passes them:
 * UID `{ id }`, Balance `{ value }`, vector<u8> as number[], Option as value | null, VecMap as
 * `{ contents: [{ key, value }] }`, Table as `{ id, size }` with its entries as dynamic fields)
 * and the protocol state machine's values (../protocol/types.ts).
 */
import type * as p from "../protocol/index.js";
import type { CallContext } from "../types.js";

export type Bytes = number[];
export interface UidV {
  id: string;
}
export interface BalanceV {
  value: bigint;
}
export interface TableV {
  id: UidV;
  size: bigint;
}
export interface AttestationV {
  tee_kind: number;
  measurement: Bytes;
  report_data_hash: Bytes;
  evidence_hash: Bytes;
  verifier: string;
  recorded_ms: bigint;
  expires_ms: bigint;
  revoked: boolean;
}
export interface NodeV {
  node_id: string;
  operator: string;
  stake: BalanceV;
  unbonding: BalanceV;
  unbonding_until_ms: bigint;
  sig_pk: Bytes;
  enc_pk: Bytes;
  capabilities: Bytes[];
  price: bigint;
  reputation: bigint;
  status: number;
  attestation: AttestationV | null;
  served: bigint;
  earned: bigint;
  slashed: bigint;
}
export interface RegistryV {
  id: UidV;
  version: bigint;
  params: p.Params;
  paused: boolean;
  nodes: TableV;
  eligible: TableV;
  verifiers: Bytes[];
  measurements: { contents: { key: number; value: Bytes[] }[] };
  treasury: BalanceV;
  node_count: bigint;
  request_count: bigint;
}
export interface AssignmentV {
  node_id: string;
  round: number;
  price: bigint;
  commitment: Bytes;
  output_hash: Bytes;
  committed: boolean;
  revealed: boolean;
}
export interface RequestV {
  id: UidV;
  version: bigint;
  requester: string;
  kind: number;
  capability: Bytes;
  input_hash: Bytes;
  input: Bytes;
  max_tokens: bigint;
  fuel: bigint;
  sample_size: bigint;
  quorum_bps: bigint;
  confidential: boolean;
  max_price: bigint;
  escrow: BalanceV;
  status: number;
  round: number;
  created_ms: bigint;
  sample_deadline_ms: bigint;
  commit_deadline_ms: bigint;
  reveal_deadline_ms: bigint;
  dispute_deadline_ms: bigint;
  assignments: AssignmentV[];
  agreed_output_hash: Bytes | null;
  output: Bytes;
  output_node: string | null;
  settled_ms: bigint;
}
export interface RotationV {
  epoch: bigint;
  commitment: Bytes;
  acks: string[];
  deadline_ms: bigint;
}
export interface ClusterV {
  id: UidV;
  version: bigint;
  members: string[];
  epoch: bigint;
  commitment: Bytes;
  previous_commitment: Bytes;
  previous_valid_until_ms: bigint;
  ack_quorum_bps: bigint;
  pending: RotationV | null;
}
export interface NodeCapV {
  id: UidV;
  node_id: string;
}
export interface MasterCapV {
  id: UidV;
  cluster_id: string;
}
export interface CoinV {
  id: UidV;
  balance: BalanceV;
}

export const u8a = (b: Bytes | Uint8Array): Uint8Array => Uint8Array.from(b);
export const arr = (b: Uint8Array | Bytes): Bytes => Array.from(b);

/** Deep conversion of protocol values (events) to runtime values: Uint8Array → number[]. */
export function toRuntime(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(toRuntime);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toRuntime(x);
    return out;
  }
  return v;
}

/** Deep equality of runtime values (bigint, number, string, boolean, null, arrays, objects). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

export function nodeFrom(v: NodeV): p.Node {
  const a = v.attestation;
  return {
    node_id: v.node_id,
    operator: v.operator,
    stake: v.stake.value,
    unbonding: v.unbonding.value,
    unbonding_until_ms: v.unbonding_until_ms,
    sig_pk: u8a(v.sig_pk),
    enc_pk: u8a(v.enc_pk),
    capabilities: v.capabilities.map(u8a),
    price: v.price,
    reputation: v.reputation,
    status: v.status,
    attestation: a
      ? {
          ...a,
          measurement: u8a(a.measurement),
          report_data_hash: u8a(a.report_data_hash),
          evidence_hash: u8a(a.evidence_hash),
        }
      : null,
    served: v.served,
    earned: v.earned,
    slashed: v.slashed,
  };
}
export function nodeTo(n: p.Node): NodeV {
  const a = n.attestation;
  return {
    node_id: n.node_id,
    operator: n.operator,
    stake: { value: n.stake },
    unbonding: { value: n.unbonding },
    unbonding_until_ms: n.unbonding_until_ms,
    sig_pk: arr(n.sig_pk),
    enc_pk: arr(n.enc_pk),
    capabilities: n.capabilities.map(arr),
    price: n.price,
    reputation: n.reputation,
    status: n.status,
    attestation: a
      ? {
          tee_kind: a.tee_kind,
          measurement: arr(a.measurement),
          report_data_hash: arr(a.report_data_hash),
          evidence_hash: arr(a.evidence_hash),
          verifier: a.verifier,
          recorded_ms: a.recorded_ms,
          expires_ms: a.expires_ms,
          revoked: a.revoked,
        }
      : null,
    served: n.served,
    earned: n.earned,
    slashed: n.slashed,
  };
}

const NODE_T = "registry::Node";
const ID_T = "0x2::object::ID";
const BYTES_T = "vector<u8>";
const IDS_T = "vector<0x2::object::ID>";

/**
 * A `Table<K, V>` seen as a Map: entries load from the table's dynamic fields on first access
 * and are written back by `flush` (added, or mutated in place when they changed).
 */
export class TableMap<V, R> extends Map<string, V> {
  private readonly loaded = new Map<string, { raw: R | undefined; value: V }>();
  constructor(
    private readonly ctx: CallContext,
    private readonly table: TableV,
    private readonly keyType: string,
    private readonly valueType: string,
    private readonly key: (k: string) => unknown,
    private readonly from: (r: R) => V,
    private readonly to: (v: V) => R,
  ) {
    super();
  }
  override get(k: string): V | undefined {
    const hit = this.loaded.get(k);
    if (hit) return hit.value;
    const df = this.ctx.dynamicField;
    if (!df.exists(this.table.id.id, this.keyType, this.key(k))) return undefined;
    const raw = df.read<R>(this.table.id.id, this.keyType, this.key(k));
    const value = this.from(raw);
    this.loaded.set(k, { raw, value });
    return value;
  }
  override has(k: string): boolean {
    return this.get(k) !== undefined;
  }
  override set(k: string, v: V): this {
    if (this.get(k) === undefined) this.loaded.set(k, { raw: undefined, value: v });
    else this.loaded.get(k)!.value = v;
    return this;
  }
  override delete(): boolean {
    throw new TypeError("TableMap.delete: the atoma package never removes table entries");
  }
  override values(): MapIterator<V> {
    throw new TypeError("TableMap: a Table cannot be iterated (entries are dynamic fields)");
  }
  /** Writes new and changed entries back as dynamic fields; keeps `size` in step. */
  flush(): void {
    const df = this.ctx.dynamicField;
    for (const [k, { raw, value }] of this.loaded) {
      const next = this.to(value);
      if (raw === undefined) {
        df.add(this.table.id.id, this.keyType, this.key(k), this.valueType, next);
        this.table.size += 1n;
      } else if (!same(raw, next)) {
        const target = df.borrow<Record<string, unknown>>(this.table.id.id, this.keyType, this.key(k));
        if (Array.isArray(target)) {
          target.length = 0;
          target.push(...(next as unknown[]));
        } else Object.assign(target, next);
      }
    }
  }
}

export interface RegistryView {
  registry: p.Registry;
  /** Writes the registry (and its changed table entries) back into the runtime value. */
  writeBack(): void;
}

/** `prefix`: "" inside the atoma package, `0x…::` (the atoma package id) when called from another package. */
export function registryFrom(ctx: CallContext, v: RegistryV, prefix = ""): RegistryView {
  const nodes = new TableMap<p.Node, NodeV>(ctx, v.nodes, ID_T, `${prefix}${NODE_T}`, (k) => k, nodeFrom, nodeTo);
  const eligible = new TableMap<string[], string[]>(
    ctx,
    v.eligible,
    BYTES_T,
    IDS_T,
    (k) => k.match(/../g)?.map((x) => Number.parseInt(x, 16)) ?? [],
    (r) => [...r],
    (x) => [...x],
  );
  const registry: p.Registry = {
    id: v.id.id,
    version: v.version,
    params: { ...v.params },
    paused: v.paused,
    nodes,
    eligible,
    verifiers: v.verifiers.map(u8a),
    measurements: v.measurements.contents.map((e) => ({ key: e.key, value: e.value.map(u8a) })),
    treasury: v.treasury.value,
    node_count: v.node_count,
    request_count: v.request_count,
  };
  return {
    registry,
    writeBack() {
      nodes.flush();
      eligible.flush();
      v.version = registry.version;
      v.params = { ...registry.params };
      v.paused = registry.paused;
      v.verifiers = registry.verifiers.map(arr);
      v.measurements = { contents: registry.measurements.map((e) => ({ key: e.key, value: e.value.map(arr) })) };
      v.treasury.value = registry.treasury;
      v.node_count = registry.node_count;
      v.request_count = registry.request_count;
    },
  };
}

export function requestFrom(v: RequestV): p.Request {
  return {
    id: v.id.id,
    version: v.version,
    requester: v.requester,
    kind: v.kind,
    capability: u8a(v.capability),
    input_hash: u8a(v.input_hash),
    input: u8a(v.input),
    max_tokens: v.max_tokens,
    fuel: v.fuel,
    sample_size: v.sample_size,
    quorum_bps: v.quorum_bps,
    confidential: v.confidential,
    max_price: v.max_price,
    escrow: v.escrow.value,
    status: v.status,
    round: v.round,
    created_ms: v.created_ms,
    sample_deadline_ms: v.sample_deadline_ms,
    commit_deadline_ms: v.commit_deadline_ms,
    reveal_deadline_ms: v.reveal_deadline_ms,
    dispute_deadline_ms: v.dispute_deadline_ms,
    assignments: v.assignments.map((a) => ({ ...a, commitment: u8a(a.commitment), output_hash: u8a(a.output_hash) })),
    agreed_output_hash: v.agreed_output_hash === null ? null : u8a(v.agreed_output_hash),
    output: u8a(v.output),
    output_node: v.output_node,
    settled_ms: v.settled_ms,
  };
}
export function requestTo(r: p.Request): RequestV {
  return {
    id: { id: r.id },
    version: r.version,
    requester: r.requester,
    kind: r.kind,
    capability: arr(r.capability),
    input_hash: arr(r.input_hash),
    input: arr(r.input),
    max_tokens: r.max_tokens,
    fuel: r.fuel,
    sample_size: r.sample_size,
    quorum_bps: r.quorum_bps,
    confidential: r.confidential,
    max_price: r.max_price,
    escrow: { value: r.escrow },
    status: r.status,
    round: r.round,
    created_ms: r.created_ms,
    sample_deadline_ms: r.sample_deadline_ms,
    commit_deadline_ms: r.commit_deadline_ms,
    reveal_deadline_ms: r.reveal_deadline_ms,
    dispute_deadline_ms: r.dispute_deadline_ms,
    assignments: r.assignments.map((a) => ({
      node_id: a.node_id,
      round: a.round,
      price: a.price,
      commitment: arr(a.commitment),
      output_hash: arr(a.output_hash),
      committed: a.committed,
      revealed: a.revealed,
    })),
    agreed_output_hash: r.agreed_output_hash === null ? null : arr(r.agreed_output_hash),
    output: arr(r.output),
    output_node: r.output_node,
    settled_ms: r.settled_ms,
  };
}

export function clusterFrom(v: ClusterV): p.Cluster {
  return {
    id: v.id.id,
    version: v.version,
    members: [...v.members],
    epoch: v.epoch,
    commitment: u8a(v.commitment),
    previous_commitment: u8a(v.previous_commitment),
    previous_valid_until_ms: v.previous_valid_until_ms,
    ack_quorum_bps: v.ack_quorum_bps,
    pending: v.pending
      ? {
          epoch: v.pending.epoch,
          commitment: u8a(v.pending.commitment),
          acks: [...v.pending.acks],
          deadline_ms: v.pending.deadline_ms,
        }
      : null,
  };
}
export function clusterTo(c: p.Cluster): ClusterV {
  return {
    id: { id: c.id },
    version: c.version,
    members: [...c.members],
    epoch: c.epoch,
    commitment: arr(c.commitment),
    previous_commitment: arr(c.previous_commitment),
    previous_valid_until_ms: c.previous_valid_until_ms,
    ack_quorum_bps: c.ack_quorum_bps,
    pending: c.pending
      ? {
          epoch: c.pending.epoch,
          commitment: arr(c.pending.commitment),
          acks: [...c.pending.acks],
          deadline_ms: c.pending.deadline_ms,
        }
      : null,
  };
}

/** Copies `next`'s fields onto the runtime value `target` (a `&mut` argument is mutated in place). */
export function assignInto<T extends object>(target: T, next: T): void {
  Object.assign(target, next);
}
