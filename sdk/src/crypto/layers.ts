/**
 * Layers that compose: one request carries independently sealed parts, each a version-2
 * envelope with its own recipients, bound to the request (id or input hash), its layer and each
 * recipient (the envelope's AAD / key-wrap info):
 *
 * - user layer (1): the user's input, to the sampled attested nodes and the user;
 * - system layer (3): the dapp's system prompt / model configuration, to a cluster master key
 *   (so neither the user nor non-attested parties read it);
 * - application layer (4): application logic (e.g. a private WASM module), to its own recipients
 *   (a cluster key or the sampled nodes).
 *
 * Container wire format and the executor's combination rule: sdk/docs/encryption.md ("Layers").
 * Opening is all or nothing: `openLayers` returns every layer or throws a LayerError naming the
 * layer and the check, and wipes whatever it had opened.
 */
import { ensureBytes, InvalidInputError } from "../errors.js";
import { bytesToHex, equalBytes, objectIdBytes } from "./bytes.js";
import {
  decodeEnvelope,
  ENVELOPE_VERSION_2,
  type Envelope,
  encodeEnvelope,
  Kem,
  Layer,
  type LayerId,
  layerName,
  type NodeRecipient,
  nodeTarget,
  openEnvelope,
  type RequestBinding,
  type SealTarget,
  type SuiteId,
  sealEnvelope,
  userRecipientId,
} from "./envelope.js";
import { LayerError } from "./errors.js";

/** First byte of a layered container (never a valid envelope version). */
export const LAYERS_FORMAT = 0x82;
export const COMPOSABLE_LAYERS = [Layer.User, Layer.System, Layer.Application] as const;
export type ComposableLayer = (typeof COMPOSABLE_LAYERS)[number];
export type ComposableLayerName = "user" | "system" | "application";
const LAYER_OF: Record<ComposableLayerName, ComposableLayer> = {
  user: Layer.User,
  system: Layer.System,
  application: Layer.Application,
};

export interface LayerSpec {
  payload: Uint8Array;
  recipients: SealTarget[];
}

export interface SealLayersOptions {
  /** Required: the user's input. */
  user: LayerSpec;
  system?: LayerSpec;
  application?: LayerSpec;
  /** X25519 + ML-KEM-768 for every recipient of every layer (default true). */
  postQuantum?: boolean;
  suite?: SuiteId;
}

/** The user as a recipient (id = userRecipientId(userPk)). */
export function userTarget(userPk: Uint8Array, userMlkemPk?: Uint8Array): SealTarget {
  ensureBytes(userPk, "userPk", 32);
  return { id: userRecipientId(userPk), pk: userPk, mlkemPk: userMlkemPk, field: "user", pkField: "userPk" };
}

/** Sampled nodes as recipients, each checked against its attestation (and its ML-KEM binding when post-quantum). */
export function attestedNodeTargets(
  nodes: NodeRecipient[],
  o: { postQuantum?: boolean; nowMs?: bigint | number } = {},
): SealTarget[] {
  return nodes.map((n, i) =>
    nodeTarget(n, i, { requireAttestation: true, postQuantum: o.postQuantum ?? true, nowMs: o.nowMs ?? Date.now() }),
  );
}

/** A cluster master key as a recipient (id = cluster id). Check the key first (assertClusterKey / assertHybridClusterKey). */
export function clusterTarget(
  clusterId: string | Uint8Array,
  masterPk: Uint8Array,
  masterMlkemPk?: Uint8Array,
): SealTarget {
  ensureBytes(masterPk, "masterPk", 32);
  return { id: objectIdBytes(clusterId, "clusterId"), pk: masterPk, mlkemPk: masterMlkemPk, field: "cluster" };
}

/** Seals each given layer separately and packs them into one container (see encryption.md). */
export function sealLayers(binding: RequestBinding, o: SealLayersOptions): Uint8Array {
  if (!o.user) throw new InvalidInputError("layers.user", "the user layer is required");
  const postQuantum = o.postQuantum ?? true;
  const parts: { layer: ComposableLayer; bytes: Uint8Array }[] = [];
  for (const name of ["user", "system", "application"] as const) {
    const spec = o[name];
    if (!spec) continue;
    const env = sealEnvelope(binding, {
      layer: LAYER_OF[name],
      payload: spec.payload,
      targets: spec.recipients.map((t, i) => ({
        ...t,
        field: `layers.${name}.recipients[${i}]${t.field ? ` (${t.field})` : ""}`,
      })),
      postQuantum,
      version: ENVELOPE_VERSION_2,
      ...(o.suite !== undefined ? { suite: o.suite } : {}),
    });
    parts.push({ layer: LAYER_OF[name], bytes: encodeEnvelope(env) });
  }
  return encodeLayers(parts);
}

/** Packs envelopes: format 0x82 ‖ count (1) ‖ per layer: layer id (1) ‖ length (4, BE) ‖ envelope. */
export function encodeLayers(parts: { layer: ComposableLayer; bytes: Uint8Array }[]): Uint8Array {
  if (parts.length < 1 || parts.length > COMPOSABLE_LAYERS.length)
    throw new InvalidInputError("layers", `must hold 1..${COMPOSABLE_LAYERS.length} layers`);
  let n = 2;
  for (const p of parts) n += 5 + p.bytes.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  out[0] = LAYERS_FORMAT;
  out[1] = parts.length;
  let o = 2;
  let prev = 0;
  for (const p of parts) {
    if (!(COMPOSABLE_LAYERS as readonly number[]).includes(p.layer) || p.layer <= prev)
      throw new InvalidInputError(
        "layers",
        "layers must be user (1), system (3), application (4), each once, in order",
      );
    prev = p.layer;
    out[o] = p.layer;
    dv.setUint32(o + 1, p.bytes.length);
    out.set(p.bytes, o + 5);
    o += 5 + p.bytes.length;
  }
  return out;
}

/** Strict container parser: LayerError(layer "layers" or the slot's layer, check "container" / "layer" / "version"). */
export function decodeLayers(bytes: Uint8Array): Map<ComposableLayer, Envelope> {
  const fail = (msg: string, layer = "layers") => new LayerError(layer, "container", msg);
  if (!(bytes instanceof Uint8Array)) throw fail("must be a Uint8Array");
  if (bytes.length < 2) throw fail(`truncated: ${bytes.length} bytes`);
  if (bytes[0] !== LAYERS_FORMAT)
    throw fail(`format byte ${bytes[0]} is not ${LAYERS_FORMAT} (an envelope is not a layered request)`);
  const count = bytes[1] as number;
  if (count < 1 || count > COMPOSABLE_LAYERS.length) throw fail(`layer count ${count} is not 1..3`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<ComposableLayer, Envelope>();
  let o = 2;
  let prev = 0;
  let first: Envelope | null = null;
  for (let i = 0; i < count; i++) {
    if (bytes.length < o + 5) throw fail(`truncated at layer ${i}`);
    const layer = bytes[o] as number;
    if (!(COMPOSABLE_LAYERS as readonly number[]).includes(layer) || layer <= prev)
      throw fail(
        `layer ${i} has id ${layer}: layers must be user (1), system (3), application (4), each once, in order`,
      );
    prev = layer;
    const name = layerName(layer);
    const len = dv.getUint32(o + 1);
    if (bytes.length < o + 5 + len) throw fail(`truncated: ${len} bytes announced`, name);
    let env: Envelope;
    try {
      env = decodeEnvelope(bytes.subarray(o + 5, o + 5 + len));
    } catch (cause) {
      const what = (cause as { what?: string }).what ?? "";
      throw new LayerError(
        name,
        what === "envelope.version" ? "version" : what.endsWith("kemCiphertext") ? "kem-ciphertext" : "decode",
        (cause as Error).message,
        { cause },
      );
    }
    if (env.version !== ENVELOPE_VERSION_2)
      throw new LayerError(
        name,
        "version",
        `envelope version ${env.version} in a layered request (version 2 required)`,
      );
    if (env.layer !== layer)
      throw new LayerError(name, "layer", `the ${name} slot holds a ${layerName(env.layer)}-layer envelope`);
    if (first && (first.bindingKind !== env.bindingKind || !equalBytes(first.binding, env.binding)))
      throw new LayerError(name, "binding", "layers of one request are bound to different requests");
    first ??= env;
    out.set(layer as ComposableLayer, env);
    o += 5 + len;
  }
  if (o !== bytes.length) throw fail(`${bytes.length - o} trailing bytes`);
  if (!out.has(Layer.User)) throw fail("the user layer is missing", "user");
  return out;
}

/** How a party opens one layer. */
export interface LayerKey {
  /** Node id, cluster id (0x-hex or bytes), or userRecipientId(userPk). */
  recipientId: string | Uint8Array;
  x25519Sk: Uint8Array;
  mlkemSk?: Uint8Array;
}

export interface OpenLayersOptions {
  container: Uint8Array;
  /** A key for every layer the container holds; a layer without one fails check "recipient". */
  keys: Partial<Record<ComposableLayerName, LayerKey>>;
  /** Refuse X25519-only layers (default true). */
  requirePostQuantum?: boolean;
}

export interface OpenedLayers {
  user: Uint8Array;
  system?: Uint8Array;
  application?: Uint8Array;
}

/** Opens every layer of the container, or none (LayerError naming the layer and the check). */
export function openLayers(binding: RequestBinding, o: OpenLayersOptions): OpenedLayers {
  const envs = decodeLayers(o.container);
  const opened: [ComposableLayerName, Uint8Array][] = [];
  try {
    for (const [layer, env] of envs) {
      const name = layerName(layer) as ComposableLayerName;
      const k = o.keys[name];
      if (!k) throw new LayerError(name, "recipient", "no key given for this layer");
      const recipientId =
        typeof k.recipientId === "string" ? objectIdBytes(k.recipientId, `keys.${name}.recipientId`) : k.recipientId;
      ensureBytes(recipientId, `keys.${name}.recipientId`, 32);
      opened.push([
        name,
        openEnvelope(binding, {
          layer: layer as LayerId,
          envelope: env,
          recipientId,
          x25519Sk: k.x25519Sk,
          mlkemSk: k.mlkemSk,
          requirePostQuantum: o.requirePostQuantum ?? true,
          versions: [ENVELOPE_VERSION_2],
        }),
      ]);
    }
  } catch (e) {
    for (const [, p] of opened) p.fill(0);
    throw e;
  }
  const r = Object.fromEntries(opened) as Partial<OpenedLayers>;
  return r as OpenedLayers;
}

/**
 * Opens one layer of a container, for a party that holds that layer's key only (the user opening
 * the user part of a layered output, the cluster the system part). The container is checked
 * whole (format, order, bindings); the other layers stay sealed.
 */
export function openLayer(
  binding: RequestBinding,
  o: { container: Uint8Array; layer: ComposableLayerName; key: LayerKey; requirePostQuantum?: boolean },
): Uint8Array {
  const envs = decodeLayers(o.container);
  const id = { user: Layer.User, system: Layer.System, application: Layer.Application }[o.layer];
  const env = envs.get(id);
  if (!env) throw new LayerError(o.layer, "container", `the container has no ${o.layer} layer`);
  const recipientId =
    typeof o.key.recipientId === "string" ? objectIdBytes(o.key.recipientId, "key.recipientId") : o.key.recipientId;
  ensureBytes(recipientId, "key.recipientId", 32);
  return openEnvelope(binding, {
    layer: id as LayerId,
    envelope: env,
    recipientId,
    x25519Sk: o.key.x25519Sk,
    mlkemSk: o.key.mlkemSk,
    requirePostQuantum: o.requirePostQuantum ?? true,
    versions: [ENVELOPE_VERSION_2],
  });
}

/** Ids of the recipients of each layer (who can read what), e.g. to check the system layer goes to the cluster. */
export function layerRecipients(container: Uint8Array): Partial<Record<ComposableLayerName, string[]>> {
  const out: Partial<Record<ComposableLayerName, string[]>> = {};
  for (const [layer, env] of decodeLayers(container))
    out[layerName(layer) as ComposableLayerName] = env.recipients.map((r) => `0x${bytesToHex(r.id)}`);
  return out;
}

/** True when every layer of the container uses the X25519 + ML-KEM-768 hybrid. */
export function isPostQuantum(container: Uint8Array): boolean {
  return [...decodeLayers(container).values()].every((e) => e.kem === Kem.X25519MlKem768);
}

/**
 * The executor's combination rule. The application layer, when present, is the program that
 * runs (else the request's public model/module); the system layer is its configuration, given
 * before and apart from the user's input; the user layer is the input. For text models the
 * prompt is `system ‖ "\n\n" ‖ user` (`composePrompt`); nothing from the system or application
 * layer is ever copied into an output sealed to the user unless the program itself emits it.
 */
export interface ExecutorInput {
  program: Uint8Array | null;
  config: Uint8Array | null;
  input: Uint8Array;
}

export function combineLayers(l: OpenedLayers): ExecutorInput {
  return { program: l.application ?? null, config: l.system ?? null, input: l.user };
}

/** Text models: the system prompt, a blank line, then the user's prompt (UTF-8). */
export function composePrompt(l: OpenedLayers): string {
  const td = new TextDecoder("utf-8", { fatal: true });
  const user = td.decode(l.user);
  return l.system ? `${td.decode(l.system)}\n\n${user}` : user;
}
