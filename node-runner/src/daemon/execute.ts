/**
 * Turns a request into an executor job: opens the node layer of a confidential input with the
 * node's X25519 key (or, for a layered input, the user layer with the node's keys and the
 * system/application layers with the cluster master key), combines the layers, picks the
 * executor by capability id, hashes the output.
 */
import {
  BindingKind,
  bytesToHex,
  clusterLayerKey,
  composePrompt,
  decodeEnvelope,
  decodeLayers,
  type Envelope,
  equalBytes,
  hashOutput,
  LAYERS_FORMAT,
  Layer,
  type LayerId,
  type LayerKey,
  type OpenedLayers,
  objectIdBytes,
  objectIdHex,
  openAsNode,
  openEnvelope,
  openLayers,
  type RequestBinding,
  sealForUser,
} from "@atoma/sdk";
import type { RequestView } from "./chain-port.js";
import type { ExecuteOutcome } from "./task-runner.js";

export const MAX_OUTPUT_BYTES = 16_384;

export interface ExecutorJob {
  requestId: string;
  /** 0 Inference, 1 Wasm. */
  kind: number;
  capability: string;
  /** Plaintext input (node layer already opened). */
  input: Uint8Array;
  fuel: bigint;
  maxTokens: bigint;
}

/** A small plugin interface: each executor declares the capability ids it serves. */
export interface Executor {
  readonly name: string;
  /** Exact ids, or prefixes ending in `*` (e.g. `wasm:*`). */
  readonly capabilities: readonly string[];
  run(job: ExecutorJob): Promise<Uint8Array>;
}

export class ExecutionRefused extends Error {
  override name = "ExecutionRefused";
}

/**
 * The opened (decrypted) input of a confidential request does not hash to the request's
 * `input_hash`: the requester sealed this node an input other than the one it committed to on
 * chain (e.g. a different input for each sampled node, so that honest nodes disagree and are
 * slashed for dissent). The node executes nothing and commits nothing (docs/protocol.md,
 * "Confidential inputs: the node checks `input_hash`").
 */
export class InputHashMismatch extends ExecutionRefused {
  override name = "InputHashMismatch";
  constructor(
    readonly requestId: string,
    readonly expected: Uint8Array,
    readonly actual: Uint8Array,
  ) {
    super(
      `request ${requestId}: the opened input hashes to ${bytesToHex(actual)}, not to the request's ` +
        `input_hash ${bytesToHex(expected)}; refusing to execute it (nothing is committed)`,
    );
  }
}

/**
 * The check behind `InputHashMismatch`: `blake2b256(plaintext) == input_hash`, where the
 * plaintext is the sealed input as opened (a single envelope's payload, or the user layer of a
 * layered input, exactly as sealed). Public inputs are not checked: they are the same bytes on
 * chain for every sampled node, so a wrong hash cannot set nodes against each other.
 */
export function checkInputHash(r: RequestView, plaintext: Uint8Array): void {
  const actual = hashOutput(plaintext);
  if (!equalBytes(actual, r.inputHash)) throw new InputHashMismatch(r.id, r.inputHash, actual);
}

export function findExecutor(executors: readonly Executor[], capability: string): Executor | undefined {
  return executors.find((e) =>
    e.capabilities.some((c) => (c.endsWith("*") ? capability.startsWith(c.slice(0, -1)) : c === capability)),
  );
}

/** What a node needs to open layered (user / system / application) confidential inputs. */
export interface LayeredKeys {
  /** The node's ML-KEM-768 secret (expanded 2400-byte key or 64-byte seed). */
  mlkemSk?: Uint8Array;
  /** The cluster whose master key opens system/application layers. */
  clusterId?: string;
  /** Master secrets this node holds for the cluster, newest epoch first (current, then in-grace previous). */
  clusterKeys?: () => { epoch: bigint; secretKey: Uint8Array }[];
  /**
   * Instead of `clusterId` + `clusterKeys`: the master secrets held for any cluster id, newest
   * first (a node in several clusters; the cluster is the recipient of the system/application layer).
   */
  clusterKeysFor?: (clusterId: string) => { epoch: bigint; secretKey: Uint8Array }[];
  /** Called with the bytes opened under a cluster key (the node's rotation meter). */
  onClusterBytes?: (clusterId: string, epoch: bigint, bytes: number) => void;
}

export interface ReplyTo {
  userPk: Uint8Array;
  userMlkemPk?: Uint8Array;
}

/**
 * The user's reply keys, when the user layer (a JSON object) carries
 * `"replyTo": { "x25519": "<32-byte hex>", "mlkem768"?: "<1184-byte hex>" }`: the output is then
 * posted sealed to them (user-layer envelope bound to the request id; post-quantum with mlkem768),
 * while the nodes still agree on the hash of the plaintext output.
 */
export function replyToOf(user: Uint8Array): ReplyTo | null {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(user));
  } catch {
    return null;
  }
  const r = (v as { replyTo?: { x25519?: unknown; mlkem768?: unknown } } | null)?.replyTo;
  if (r === undefined || v === null || typeof v !== "object") return null;
  const hex = (h: unknown, n: number, what: string) => {
    if (typeof h !== "string" || !new RegExp(`^[0-9a-f]{${2 * n}}$`).test(h))
      throw new ExecutionRefused(`user layer replyTo.${what} must be ${n} bytes of lowercase hex`);
    return new Uint8Array(Buffer.from(h, "hex"));
  };
  return {
    userPk: hex(r?.x25519, 32, "x25519"),
    ...(r?.mlkem768 !== undefined ? { userMlkemPk: hex(r.mlkem768, 1184, "mlkem768") } : {}),
  };
}

function stripReplyTo(user: Uint8Array): Uint8Array {
  try {
    const v = JSON.parse(new TextDecoder().decode(user)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v) && "replyTo" in v) {
      const { replyTo: _r, ...rest } = v as Record<string, unknown>;
      return new TextEncoder().encode(JSON.stringify(rest));
    }
  } catch {
    /* not JSON: the input as is */
  }
  return user;
}

/**
 * The combination rule for inference inputs (JSON with a `prompt`): the system layer is put
 * before the user's prompt (`system ‖ "\n\n" ‖ prompt`); the application layer, a JSON object of
 * application settings owned by the dapp, overrides the user's settings; the user's other
 * fields stay. Without system/application layers the user layer is the input as is.
 */
export function combineLayeredInput(kind: number, l: OpenedLayers): Uint8Array {
  if (!l.system && !l.application) return stripReplyTo(l.user);
  if (kind !== 0) throw new ExecutionRefused("system/application layers are only combined for inference inputs");
  const parse = (b: Uint8Array, what: string): Record<string, unknown> => {
    let v: unknown;
    try {
      v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b));
    } catch {
      throw new ExecutionRefused(`${what} layer is not JSON`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new ExecutionRefused(`${what} layer must be a JSON object`);
    return v as Record<string, unknown>;
  };
  const { replyTo: _replyTo, ...u } = parse(l.user, "user");
  if (typeof u.prompt !== "string") throw new ExecutionRefused("user layer has no string prompt");
  const app = l.application ? parse(l.application, "application") : {};
  const prompt = composePrompt({
    user: new TextEncoder().encode(u.prompt),
    ...(l.system ? { system: l.system } : {}),
  });
  return new TextEncoder().encode(JSON.stringify({ ...u, ...app, prompt }));
}

function openLayered(
  r: RequestView,
  o: { nodeId: string; encSk: Uint8Array; layered?: LayeredKeys | undefined },
  binding: RequestBinding,
): { input: Uint8Array; replyTo: ReplyTo | null } {
  const envs = decodeLayers(r.input);
  const user: LayerKey = {
    recipientId: o.nodeId,
    x25519Sk: o.encSk,
    ...(o.layered?.mlkemSk ? { mlkemSk: o.layered.mlkemSk } : {}),
  };
  // A system/application layer addressed to this node opens with the node's keys; one
  // addressed to the cluster (the usual case) with the cluster master key.
  const me = objectIdBytes(o.nodeId);
  const toNode = (e: Envelope) => e.recipients.some((x) => x.id.every((b, i) => b === me[i]));
  const clusterLayers = [...envs].filter(([l, e]) => l !== Layer.User && !toNode(e));
  const needsCluster = clusterLayers.length > 0;
  let clusterId = o.layered?.clusterId;
  let candidates = needsCluster && clusterId ? (o.layered?.clusterKeys?.() ?? []) : [];
  if (needsCluster && candidates.length === 0 && o.layered?.clusterKeysFor) {
    for (const rcpt of (clusterLayers[0] as [LayerId, Envelope])[1].recipients) {
      const id = objectIdHex(rcpt.id);
      const held = o.layered.clusterKeysFor(id);
      if (held.length > 0) {
        clusterId = id;
        candidates = held;
        break;
      }
    }
  }
  if (needsCluster && (!clusterId || candidates.length === 0))
    throw new ExecutionRefused("layered input has system/application layers and this node holds no cluster key");
  // The cluster key: the first candidate (newest first) that opens the first cluster-sealed layer.
  let k: { epoch: bigint; secretKey: Uint8Array } | null = null;
  if (needsCluster) {
    const [layer, env] = clusterLayers[0] as [LayerId, Envelope];
    for (const c of candidates) {
      const ck = clusterLayerKey(clusterId as string, c.secretKey);
      try {
        openEnvelope(binding, {
          layer,
          envelope: env,
          recipientId: objectIdBytes(ck.recipientId),
          x25519Sk: ck.x25519Sk,
          mlkemSk: ck.mlkemSk,
        }).fill(0);
        k = c;
        break;
      } catch {
        /* try the next key */
      }
    }
    k ??= candidates[0] ?? null;
  }
  const ck = k && clusterId ? clusterLayerKey(clusterId, k.secretKey) : undefined;
  const keyFor = (l: LayerId) => {
    const e = envs.get(l as 3 | 4);
    return e && !toNode(e) ? ck : user;
  };
  const sys = keyFor(Layer.System);
  const app = keyFor(Layer.Application);
  const opened = openLayers(binding, {
    container: r.input,
    keys: { user, ...(sys ? { system: sys } : {}), ...(app ? { application: app } : {}) },
  });
  if (k && clusterId)
    o.layered?.onClusterBytes?.(
      clusterId,
      k.epoch,
      clusterLayers.reduce((n, [l]) => n + ((l === Layer.System ? opened.system : opened.application)?.length ?? 0), 0),
    );
  checkInputHash(r, opened.user);
  return { input: combineLayeredInput(r.kind, opened), replyTo: replyToOf(opened.user) };
}

export function makeExecute(o: {
  nodeId: string;
  encSk: Uint8Array;
  executors: readonly Executor[];
  layered?: LayeredKeys;
}): (r: RequestView) => Promise<ExecuteOutcome> {
  return async (r) => {
    const capability = new TextDecoder().decode(r.capability);
    const executor = findExecutor(o.executors, capability);
    if (!executor) throw new ExecutionRefused(`unknown capability ${JSON.stringify(capability)}`);
    let input = r.input;
    let replyTo: ReplyTo | null = null;
    const pq = o.layered?.mlkemSk ? { mlkemSk: o.layered.mlkemSk } : {};
    if (r.confidential) {
      try {
        // Sealed before creation: bound to the input hash; after sampling: to the request id.
        if (r.input[0] === LAYERS_FORMAT) {
          const first = decodeLayers(r.input).values().next().value;
          const binding: RequestBinding =
            first?.bindingKind === BindingKind.InputHash ? { inputHash: r.inputHash } : { requestId: r.id };
          ({ input, replyTo } = openLayered(r, o, binding));
        } else {
          const env = decodeEnvelope(r.input);
          input =
            env.bindingKind === BindingKind.InputHash
              ? openAsNode({ inputHash: r.inputHash, envelope: env, nodeId: o.nodeId, encSk: o.encSk, ...pq })
              : openAsNode({ requestId: r.id, envelope: env, nodeId: o.nodeId, encSk: o.encSk, ...pq });
          checkInputHash(r, input);
        }
      } catch (err) {
        if (err instanceof ExecutionRefused) throw err;
        throw new ExecutionRefused(`undecryptable input: ${(err as Error).message}`);
      }
    }
    const output = await executor.run({
      requestId: r.id,
      kind: r.kind,
      capability,
      input,
      fuel: r.fuel,
      maxTokens: r.maxTokens,
    });
    if (output.length > MAX_OUTPUT_BYTES)
      throw new ExecutionRefused(`output of ${output.length} bytes exceeds ${MAX_OUTPUT_BYTES}`);
    const outputHash = hashOutput(output);
    if (!replyTo) return { output, outputHash };
    // posted sealed to the user; the commitment is over the plaintext's hash
    const sealed = sealForUser({
      requestId: r.id,
      payload: output,
      userPk: replyTo.userPk,
      ...(replyTo.userMlkemPk ? { userMlkemPk: replyTo.userMlkemPk } : {}),
    });
    if (sealed.length > MAX_OUTPUT_BYTES)
      throw new ExecutionRefused(`sealed output of ${sealed.length} bytes exceeds ${MAX_OUTPUT_BYTES}`);
    return { output: sealed, outputHash };
  };
}
