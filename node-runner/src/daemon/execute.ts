/**
 * Turns a request into an executor job: opens the node layer of a confidential input with the
 * node's X25519 key (or, for a layered input, the user layer with the node's keys and the
 * system/application layers with the cluster master key), combines the layers, picks the
 * executor by capability id, hashes the output.
 */
import {
  BindingKind,
  blake2b256,
  bytesToHex,
  canonicalJson,
  clusterLayerKey,
  clusterTarget,
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
  Limits,
  masterPublicKeys,
  type OpenedLayers,
  objectIdBytes,
  objectIdHex,
  openAsNode,
  openEnvelope,
  openLayers,
  type RequestBinding,
  sealForUser,
  sealLayers,
  userTarget,
} from "@atoma/sdk";
import type { RequestView } from "./chain-port.js";
import type { ExecuteOutcome } from "./task-runner.js";

/** The most output bytes the contract accepts (`constants::max_output_bytes`). */
export const MAX_OUTPUT_BYTES = Limits.maxOutputBytes;

export interface ExecutorJob {
  requestId: string;
  /** 0 Inference, 1 Wasm. */
  kind: number;
  capability: string;
  /** Plaintext input (node layer already opened). */
  input: Uint8Array;
  fuel: bigint;
  maxTokens: bigint;
  /** A private WASM module from the application layer (its digest is the request's capability). */
  module?: Uint8Array;
}

/** A small plugin interface: each executor declares the capability ids it serves. */
export interface Executor {
  readonly name: string;
  /** Exact ids, or prefixes ending in `*` (e.g. `wasm:*`). */
  readonly capabilities: readonly string[];
  /** Runs private WASM modules given with the job (`job.module`) for any `wasm:<digest>` capability. */
  readonly privateModules?: boolean;
  run(job: ExecutorJob): Promise<Uint8Array>;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const isWasmModule = (b: Uint8Array | undefined): b is Uint8Array =>
  !!b && b.length >= 8 && WASM_MAGIC.every((x, i) => b[i] === x);
/** The digest a WASM capability names (`wasm:<64 hex>` or the bare 64 hex registered on chain), or null. */
function wasmCapabilityDigest(capability: string): string | null {
  return /^(?:wasm:)?([0-9a-f]{64})$/.exec(capability)?.[1] ?? null;
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
): LayeredInput {
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
  // The application layer of a WASM request is the private module: the user layer is its input
  // (no combination), and the module must hash to the digest the request's capability names.
  const digest = wasmCapabilityDigest(new TextDecoder().decode(r.capability));
  let module: Uint8Array | null = null;
  if (digest && isWasmModule(opened.application)) {
    const got = bytesToHex(blake2b256(opened.application));
    if (got !== digest)
      throw new ExecutionRefused(
        `application layer: the private WASM module hashes to ${got}, the request's capability names ${digest}`,
      );
    if (opened.system) throw new ExecutionRefused("a private WASM request carries no system layer");
    module = opened.application;
  }
  return {
    module,
    input: module ? stripReplyTo(opened.user) : combineLayeredInput(r.kind, opened),
    replyTo: replyToOf(opened.user),
    // the system layer's output goes back to the key of the cluster that opened it
    systemCluster:
      opened.system && k && clusterId && envs.get(Layer.System) && !toNode(envs.get(Layer.System) as Envelope)
        ? { clusterId, secretKey: k.secretKey }
        : null,
    inputBytes: {
      user: opened.user.length,
      system: opened.system?.length ?? 0,
      application: opened.application?.length ?? 0,
    },
  };
}

interface LayeredInput {
  input: Uint8Array;
  module: Uint8Array | null;
  replyTo: ReplyTo | null;
  systemCluster: { clusterId: string; secretKey: Uint8Array } | null;
  inputBytes: { user: number; system: number; application: number };
}

/**
 * The system layer's output: the run's usage for the dapp (which owns the system layer), the same
 * bytes on every honest node. Sealed to the cluster key, never to the user.
 */
export function systemOutputOf(o: {
  requestId: string;
  outputHash: Uint8Array;
  outputBytes: number;
  inputBytes: LayeredInput["inputBytes"];
}): Uint8Array {
  return canonicalJson({
    inputBytes: o.inputBytes,
    outputBytes: o.outputBytes,
    outputHash: bytesToHex(o.outputHash),
    requestId: objectIdHex(o.requestId),
  });
}

export function makeExecute(o: {
  nodeId: string;
  encSk: Uint8Array;
  executors: readonly Executor[];
  layered?: LayeredKeys;
}): (r: RequestView) => Promise<ExecuteOutcome> {
  return async (r) => {
    const capability = new TextDecoder().decode(r.capability);
    let executor = findExecutor(o.executors, capability);
    if (!executor && !(r.confidential && r.input[0] === LAYERS_FORMAT && wasmCapabilityDigest(capability)))
      throw new ExecutionRefused(`unknown capability ${JSON.stringify(capability)}`);
    let input = r.input;
    let replyTo: ReplyTo | null = null;
    let layered: LayeredInput | null = null;
    const pq = o.layered?.mlkemSk ? { mlkemSk: o.layered.mlkemSk } : {};
    if (r.confidential) {
      try {
        // Sealed before creation: bound to the input hash; after sampling: to the request id.
        if (r.input[0] === LAYERS_FORMAT) {
          const first = decodeLayers(r.input).values().next().value;
          const binding: RequestBinding =
            first?.bindingKind === BindingKind.InputHash ? { inputHash: r.inputHash } : { requestId: r.id };
          layered = openLayered(r, o, binding);
          ({ input, replyTo } = layered);
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
    if (layered?.module) {
      // a private module: run by an executor that takes modules with the job
      executor = o.executors.find((e) => e.privateModules);
      if (!executor) throw new ExecutionRefused("this node runs no private WASM modules");
    }
    if (!executor) throw new ExecutionRefused(`unknown capability ${JSON.stringify(capability)}`);
    const output = await executor.run({
      ...(layered?.module ? { module: layered.module } : {}),
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
    // posted sealed to the user; the commitment is over the plaintext's hash. With a system layer
    // opened by a cluster key, the output is layered like the input: user layer to the user,
    // system layer (the run's usage, systemOutputOf) to that cluster key.
    const sc = layered?.systemCluster;
    let sealed: Uint8Array;
    if (sc && layered) {
      const m = masterPublicKeys(sc.secretKey);
      const pq = replyTo.userMlkemPk !== undefined && m.masterMlkemPk !== undefined;
      sealed = sealLayers(
        { requestId: r.id },
        {
          user: { payload: output, recipients: [userTarget(replyTo.userPk, replyTo.userMlkemPk)] },
          system: {
            payload: systemOutputOf({
              requestId: r.id,
              outputHash,
              outputBytes: output.length,
              inputBytes: layered.inputBytes,
            }),
            recipients: [clusterTarget(sc.clusterId, m.masterPk, m.masterMlkemPk)],
          },
          postQuantum: pq,
        },
      );
    } else
      sealed = sealForUser({
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
