/**
 * The node's config file (JSON with `//` comment lines, written by `atoma-node init`) and its
 * key files. Keys live in a separate keystore file with mode 0600 and are never printed.
 */

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { expandMlKemSecret, InvalidInputError, Limits, PreparedEd25519Keypair, x25519PublicKey } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";

export interface NodeConfig {
  /** Sui JSON-RPC / devnet URL. */
  rpcUrl: string;
  packageId: string;
  registryId: string;
  /** Set by `register` (= the node's NodeAccount object id, `NodeCap.node_id`). */
  nodeId: string | null;
  /** Set by `register`: the NodeCap's object id (null in older configs: looked up by the CLI). */
  nodeCapId: string | null;
  /** Keystore file (0600), relative to the config file's folder. */
  keystore: string;
  /** Journal, cursor and blobs, relative to the config file's folder. */
  stateDir: string;
  capabilities: string[];
  /** MIST per request. */
  price: string;
  /** Stake at registration, MIST. */
  stake: string;
  /** OpenAI-compatible inference backend (optional). */
  inferenceUrl: string | null;
  /** Port of /metrics and /health for `run` (0 = pick one, null = off). */
  metricsPort: number | null;
  concurrency: number;
  pollMs: number;
}

export const DEFAULT_CONFIG: NodeConfig = {
  rpcUrl: "http://127.0.0.1:9000",
  packageId: "0x0",
  registryId: "0x0",
  nodeId: null,
  nodeCapId: null,
  keystore: "keystore.json",
  stateDir: "state",
  capabilities: ["builtin:textgen-v1", "builtin:forecast-v1", "wasm"],
  price: "40",
  stake: "100000000000",
  inferenceUrl: null,
  metricsPort: 9184,
  concurrency: 4,
  pollMs: 250,
};

const COMMENTS: Record<keyof NodeConfig, string> = {
  rpcUrl: "Sui JSON-RPC URL of the network (a devnet: http://127.0.0.1:9000)",
  packageId: "id of the published atoma package",
  registryId: "id of the shared Registry object",
  nodeId: "this node's id, written by `atoma-node register`",
  nodeCapId: "id of this node's NodeCap (owned by the keystore's address), written by `atoma-node register`",
  keystore: "Ed25519 + X25519 secret keys (mode 0600; never printed), relative to this file",
  stateDir: "journal of commitments, event cursor, relative to this file",
  capabilities: "capability ids this node serves",
  price: "price per request in MIST",
  stake: "stake put up at `register`, in MIST (>= min_stake)",
  inferenceUrl: "OpenAI-compatible backend (vLLM, llama.cpp server), or null for built-ins only",
  metricsPort: "port of /metrics (Prometheus) and /health during `run`; null = off",
  concurrency: "requests executed at once",
  pollMs: "event polling interval in ms",
};

/** The config as a JSON document with one `//` comment line above each field. */
export function renderConfig(c: NodeConfig): string {
  const keys = Object.keys(DEFAULT_CONFIG) as (keyof NodeConfig)[];
  const lines = ["// atoma-node configuration (JSON; lines starting with // are comments)", "{"];
  keys.forEach((k, i) => {
    lines.push(`  // ${COMMENTS[k]}`);
    lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(c[k])}${i < keys.length - 1 ? "," : ""}`);
  });
  lines.push("}", "");
  return lines.join("\n");
}

function want(cond: boolean, file: string, field: string, rule: string): void {
  if (!cond) throw new InvalidInputError(`${file}: ${field}`, rule);
}

export function parseConfig(text: string, file = "config"): NodeConfig {
  const json = text
    .split("\n")
    .filter((l) => !l.trim().startsWith("//"))
    .join("\n");
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new InvalidInputError(file, `must be JSON with // comment lines (${(err as Error).message})`);
  }
  want(typeof raw === "object" && raw !== null && !Array.isArray(raw), file, "(root)", "must be an object");
  const known = Object.keys(DEFAULT_CONFIG);
  for (const k of Object.keys(raw as object))
    if (!known.includes(k)) {
      const near = known.find((x) => x.toLowerCase() === k.toLowerCase());
      throw new InvalidInputError(
        `${file}: ${k}`,
        `is not a config field${near ? ` (did you mean "${near}"?)` : ""}; fields: ${known.join(", ")}`,
      );
    }
  const c = { ...DEFAULT_CONFIG, ...(raw as Partial<NodeConfig>) };
  const id = /^0x[0-9a-fA-F]{1,64}$/;
  want(typeof c.rpcUrl === "string" && /^https?:\/\//.test(c.rpcUrl), file, "rpcUrl", "must be an http(s) URL");
  want(typeof c.packageId === "string" && id.test(c.packageId), file, "packageId", "must be a 0x-prefixed hex id");
  want(typeof c.registryId === "string" && id.test(c.registryId), file, "registryId", "must be a 0x-prefixed hex id");
  want(
    c.nodeId === null || (typeof c.nodeId === "string" && id.test(c.nodeId)),
    file,
    "nodeId",
    "must be null or a 0x id",
  );
  want(
    c.nodeCapId === null || (typeof c.nodeCapId === "string" && id.test(c.nodeCapId)),
    file,
    "nodeCapId",
    "must be null or a 0x id",
  );
  want(typeof c.keystore === "string" && c.keystore.length > 0, file, "keystore", "must be a path");
  want(typeof c.stateDir === "string" && c.stateDir.length > 0, file, "stateDir", "must be a path");
  want(
    Array.isArray(c.capabilities) &&
      c.capabilities.length >= 1 &&
      c.capabilities.length <= Limits.maxCapabilities &&
      c.capabilities.every(
        (x) => typeof x === "string" && x.length >= 1 && Buffer.byteLength(x) <= Limits.maxCapabilityBytes,
      ),
    file,
    "capabilities",
    `must be 1..=${Limits.maxCapabilities} strings of 1..=${Limits.maxCapabilityBytes} bytes (a WASM app is its bare 64-hex digest or wasm:<hex>)`,
  );
  want(typeof c.price === "string" && /^\d+$/.test(c.price), file, "price", "must be a decimal string of MIST");
  want(typeof c.stake === "string" && /^\d+$/.test(c.stake), file, "stake", "must be a decimal string of MIST");
  want(
    c.inferenceUrl === null || (typeof c.inferenceUrl === "string" && /^https?:\/\//.test(c.inferenceUrl)),
    file,
    "inferenceUrl",
    "must be null or an http(s) URL",
  );
  want(
    c.metricsPort === null || (Number.isInteger(c.metricsPort) && c.metricsPort >= 0 && c.metricsPort < 65536),
    file,
    "metricsPort",
    "must be null or a port 0..65535",
  );
  want(
    Number.isInteger(c.concurrency) && c.concurrency >= 1 && c.concurrency <= 256,
    file,
    "concurrency",
    "must be an integer 1..=256",
  );
  want(Number.isInteger(c.pollMs) && c.pollMs >= 10, file, "pollMs", "must be an integer >= 10");
  return c;
}

/**
 * A capability id as registered on chain (at most 64 bytes): `wasm:<64 hex>` (69 bytes, the
 * form the WASM executor prints) becomes the bare digest, which the executor serves too.
 */
export function normalizeCapability(id: string): string {
  const m = /^wasm:([0-9a-fA-F]{64})$/.exec(id);
  return m ? m[1]!.toLowerCase() : id;
}

/** Writes `text` to `file` atomically (temp file, fsync, rename) with `mode`. */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function loadConfig(file: string): NodeConfig {
  if (!existsSync(file)) throw new InvalidInputError("--config", `${file} does not exist (run \`atoma-node init\`)`);
  return parseConfig(readFileSync(file, "utf8"), file);
}

export function saveConfig(file: string, c: NodeConfig): void {
  writeFileAtomic(file, renderConfig(c));
}

export function resolveFrom(configFile: string, p: string): string {
  return path.resolve(path.dirname(configFile), p);
}

// === keys ===

export interface NodeKeys {
  /** The node's transaction signer: @mysten/sui's Ed25519Keypair with its key prepared once (node:crypto). */
  signer: Ed25519Keypair;
  sigPk: Uint8Array;
  encSk: Uint8Array;
  encPk: Uint8Array;
  /** ML-KEM-768 decapsulation key (expanded, 2400 bytes) for post-quantum inputs; absent in older keystores. */
  mlkemSk?: Uint8Array;
  /** Its encapsulation key (1184 bytes); report data bytes 32..64 bind mlkemKeyHash(mlkemPk). */
  mlkemPk?: Uint8Array;
}

interface KeystoreFile {
  version: 1;
  /** Ed25519 secret key seed, hex. */
  ed25519: string;
  /** X25519 secret key, hex. */
  x25519: string;
  /** ML-KEM-768 seed d ‖ z (64 bytes), hex; optional (keystores written before it existed). */
  mlkem768?: string;
}

function keysFrom(ed: Uint8Array, x: Uint8Array, mlkemSeed?: Uint8Array): NodeKeys {
  const signer = PreparedEd25519Keypair.fromSeed(ed);
  const base = { signer, sigPk: signer.getPublicKey().toRawBytes(), encSk: x, encPk: x25519PublicKey(x) };
  if (!mlkemSeed) return base;
  const { dk, pk } = expandMlKemSecret(mlkemSeed, "keystore.mlkem768");
  return { ...base, mlkemSk: dk, mlkemPk: pk };
}

/** Creates a new keystore file with mode 0600; refuses to overwrite one. */
export function createKeystore(
  file: string,
  seed?: { ed25519: Uint8Array; x25519: Uint8Array; mlkem768?: Uint8Array },
): NodeKeys {
  if (existsSync(file)) throw new InvalidInputError("keystore", `${file} exists already; refusing to overwrite keys`);
  const ed = seed?.ed25519 ?? new Uint8Array(randomBytes(32));
  const x = seed?.x25519 ?? new Uint8Array(randomBytes(32));
  const ml = seed?.mlkem768 ?? new Uint8Array(randomBytes(64));
  const body: KeystoreFile = {
    version: 1,
    ed25519: Buffer.from(ed).toString("hex"),
    x25519: Buffer.from(x).toString("hex"),
    mlkem768: Buffer.from(ml).toString("hex"),
  };
  writeFileAtomic(file, `${JSON.stringify(body)}\n`, 0o600);
  return keysFrom(ed, x, ml);
}

/** Loads the keystore; rejects a file readable by group or others. */
export function loadKeystore(file: string): NodeKeys {
  if (!existsSync(file)) throw new InvalidInputError("keystore", `${file} does not exist (run \`atoma-node init\`)`);
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new InvalidInputError("keystore", `${file} has mode ${mode.toString(8)}; must be 600 (chmod 600)`);
  let body: KeystoreFile;
  try {
    body = JSON.parse(readFileSync(file, "utf8")) as KeystoreFile;
  } catch {
    throw new InvalidInputError("keystore", `${file} is not valid JSON`);
  }
  const hex = /^[0-9a-f]{64}$/;
  if (body.version !== 1 || !hex.test(body.ed25519 ?? "") || !hex.test(body.x25519 ?? ""))
    throw new InvalidInputError("keystore", `${file} must hold version 1 and two 32-byte hex keys`);
  if (body.mlkem768 !== undefined && !/^[0-9a-f]{128}$/.test(body.mlkem768))
    throw new InvalidInputError("keystore", `${file}: mlkem768 must be a 64-byte hex ML-KEM-768 seed`);
  return keysFrom(
    new Uint8Array(Buffer.from(body.ed25519, "hex")),
    new Uint8Array(Buffer.from(body.x25519, "hex")),
    body.mlkem768 !== undefined ? new Uint8Array(Buffer.from(body.mlkem768, "hex")) : undefined,
  );
}
