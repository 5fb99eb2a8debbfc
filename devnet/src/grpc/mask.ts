/**
 * Read masks (`google.protobuf.FieldMask`) as a Sui full node applies them (sui-rpc's
 * `FieldMaskTree` and `FieldMaskUtil::validate`): each path (snake_case, dot-separated) must name
 * a field of the message the mask applies to, nested paths descend into `sui.rpc.v2` messages
 * (repeated ones element by element), `*` alone selects everything, and a request without a mask
 * gets the method's default. The response then carries only the selected fields.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import type { FieldInfo, IMessageType } from "@protobuf-ts/runtime";
import { invalid } from "./status.js";

// biome-ignore lint/suspicious/noExplicitAny: the generated message types differ per method; the mask is generic over them.
export type AnyMessageType = IMessageType<any>;

const WILDCARD = "*";

/** Well-known types (Timestamp, Value, Duration…) are leaves, as in sui-rpc's field tables. */
const descends = (f: FieldInfo): f is FieldInfo & { kind: "message" } =>
  f.kind === "message" && !f.T().typeName.startsWith("google.protobuf.");

interface Node {
  children: Map<string, Node>;
}

/** The selected paths as a tree; a leaf selects its whole field. */
export class FieldMaskTree {
  private constructor(
    readonly wildcard: boolean,
    private readonly root: Node,
  ) {}

  static readonly all = new FieldMaskTree(true, { children: new Map() });

  /** `"a,b.c"` or `["a", "b.c"]`; `*` selects everything; empty selects nothing. */
  static of(paths: string | readonly string[]): FieldMaskTree {
    const list = typeof paths === "string" ? paths.split(",") : paths;
    if (list.includes(WILDCARD)) return FieldMaskTree.all;
    const root: Node = { children: new Map() };
    for (const p of list) {
      if (!p) continue;
      let node = root;
      let fresh = false;
      let covered = false;
      for (const seg of p.split(".")) {
        // An existing leaf (not the root) already selects everything below it.
        if (!fresh && node !== root && node.children.size === 0) {
          covered = true;
          break;
        }
        let next = node.children.get(seg);
        if (!next) {
          next = { children: new Map() };
          node.children.set(seg, next);
          fresh = true;
        }
        node = next;
      }
      if (!covered) node.children.clear();
    }
    return new FieldMaskTree(false, root);
  }

  private keyText?: string;
  /** A canonical text of the selection (equal selections, equal keys): for caches of masked answers. */
  get key(): string {
    if (this.keyText === undefined) {
      const text = (n: Node): string =>
        [...n.children.keys()]
          .sort()
          .map((k) => {
            const c = n.children.get(k)!;
            return c.children.size ? `${k}(${text(c)})` : k;
          })
          .join(",");
      this.keyText = this.wildcard ? WILDCARD : text(this.root);
    }
    return this.keyText;
  }

  /** Whether `field` (one field name) is selected, whole or in part. */
  contains(field: string): boolean {
    return this.wildcard || this.root.children.has(field);
  }

  /** The mask below `field`: everything when the field is selected whole. */
  subtree(field: string): FieldMaskTree | undefined {
    if (this.wildcard) return this;
    const node = this.root.children.get(field);
    if (!node) return undefined;
    if (node.children.size === 0) return FieldMaskTree.all;
    // One tree per field (its key is then worked out once: a tree and its subtrees are shared by
    // every call with the same mask, see readMaskOf).
    this.subtrees ??= new Map();
    let sub = this.subtrees.get(field);
    if (!sub) {
      sub = new FieldMaskTree(false, node);
      this.subtrees.set(field, sub);
    }
    return sub;
  }
  private subtrees?: Map<string, FieldMaskTree>;
}

/** Every path must name a field of `root` (nested through sui.rpc.v2 messages); else INVALID_ARGUMENT naming it. */
export function validateReadMask(root: AnyMessageType, paths: readonly string[]): void {
  for (const p of paths) {
    if (p === WILDCARD) continue;
    let t: AnyMessageType | undefined = root;
    for (const seg of p.split(".")) {
      const f: FieldInfo | undefined = t?.fields.find((x) => x.name === seg);
      if (!t || !f) throw invalid("read_mask", `unknown path "${p}" for ${root.typeName}`);
      t = descends(f) ? (f.T() as AnyMessageType) : undefined;
    }
  }
}

/** A copy of `msg` holding only the fields `mask` selects (oneof members and repeated messages included). */
export function applyMask<T extends object>(type: IMessageType<T>, msg: T, mask: FieldMaskTree): T {
  if (mask.wildcard) return msg;
  const src = msg as Record<string, unknown>;
  const out = type.create() as Record<string, unknown>;
  for (const f of type.fields) {
    if (!mask.contains(f.name)) continue;
    let v: unknown;
    if (f.oneof) {
      const group = src[f.oneof] as Record<string, unknown> | undefined;
      if (group?.oneofKind !== f.localName) continue;
      v = group[f.localName];
    } else v = src[f.localName];
    if (v === undefined) continue;
    if (descends(f)) {
      const sub = mask.subtree(f.name)!;
      const T = f.T() as IMessageType<object>;
      if (!sub.wildcard)
        v = Array.isArray(v) ? v.map((x: object) => applyMask(T, x, sub)) : applyMask(T, v as object, sub);
    }
    if (f.oneof) out[f.oneof] = { oneofKind: f.localName, [f.localName]: v };
    else out[f.localName] = v;
  }
  return out as T;
}

/** Where a method's read mask applies and what it selects when the request has none. */
export interface ReadMaskSpec {
  /** The message the paths are relative to. */
  root: AnyMessageType;
  /** Sui's default for the method: comma-separated paths, `*` for everything, `""` for nothing. */
  default: string;
}

/** The request's mask checked against `spec.root`, or the method's default. */
export function readMaskOf(spec: ReadMaskSpec, requested: { paths: string[] } | undefined): FieldMaskTree {
  let byPaths = checkedMasks.get(spec.root);
  if (!byPaths) {
    byPaths = new Map();
    checkedMasks.set(spec.root, byPaths);
  }
  // A client sends the same few masks call after call: each is checked and made into a tree once.
  const key = requested ? JSON.stringify(requested.paths) : `default:${spec.default}`;
  let tree = byPaths.get(key);
  if (!tree) {
    if (requested) validateReadMask(spec.root, requested.paths);
    tree = FieldMaskTree.of(requested ? requested.paths : spec.default);
    if (byPaths.size >= CHECKED_MASKS_PER_ROOT) byPaths.clear();
    byPaths.set(key, tree);
  }
  return tree;
}

/** Masks already checked, by the message they apply to and their paths (bounded: any client may send any mask). */
const checkedMasks = new Map<AnyMessageType, Map<string, FieldMaskTree>>();
const CHECKED_MASKS_PER_ROOT = 256;

/**
 * Each method's mask, with Sui's default (MystenLabs/sui `crates/sui-rpc-api`:
 * `read_mask_defaults.rs` and the handlers; SimulateTransaction selects everything without a mask,
 * SubscribeCheckpoints nothing but the cursor).
 */
export const READ_MASKS = {
  object: { root: GrpcTypes.Object, default: "object_id,version,digest" },
  ownedObject: { root: GrpcTypes.Object, default: "object_id,version,object_type" },
  transaction: { root: GrpcTypes.ExecutedTransaction, default: "digest" },
  executeTransaction: { root: GrpcTypes.ExecutedTransaction, default: "effects" },
  simulateTransaction: { root: GrpcTypes.SimulateTransactionResponse, default: "*" },
  checkpoint: { root: GrpcTypes.Checkpoint, default: "sequence_number,digest" },
  subscribeCheckpoints: { root: GrpcTypes.Checkpoint, default: "" },
  epoch: {
    root: GrpcTypes.Epoch,
    default: "epoch,first_checkpoint,last_checkpoint,start,end,reference_gas_price,protocol_config.protocol_version",
  },
  event: { root: GrpcTypes.Event, default: "event_type" },
  dynamicField: { root: GrpcTypes.DynamicField, default: "parent,field_id" },
} as const satisfies Record<string, ReadMaskSpec>;
