/**
 * Confidential clusters: the master key (X25519), its on-chain commitment
 * `blake2b256(master public key)` (`cluster::Cluster.commitment`), which keys are active at a
 * given time (current, or previous within its grace period — `cluster::is_valid_commitment`),
 * and sealing to the cluster only after that check.
 *
 * Envelope choice: `sealForCluster` writes a **node-layer** envelope (Layer.Node) with a single
 * recipient whose id is the **cluster id** and whose key is the master public key. Members that
 * hold the master secret open it with `openForCluster` (= `openAsNode({ nodeId: clusterId,
 * encSk: masterSk })`). The cluster id is bound into the key wrap (recipient id in the HKDF
 * info and AAD), so an envelope for one cluster does not open as another's.
 */
import { blake2b256 } from "../attestation/binding.js";
import type { ClusterData } from "../bcs/schemas.js";
import { bytesToHex, equalBytes, objectIdHex } from "../crypto/bytes.js";
import { openAsNode, type RequestBinding, type SuiteId, sealForNodes } from "../crypto/envelope.js";
import { generateMlKemKeyPair, MLKEM768_PUBLIC_KEY_LEN, MLKEM768_SEED_LEN, mlkemPublicKey } from "../crypto/hybrid.js";
import { generateEncryptionKeyPair, type KeyPair, x25519PublicKey } from "../crypto/keys.js";
import { AtomaError, ensureBytes, InvalidInputError } from "../errors.js";

/** The fields of a Cluster these checks read (ClusterData from `AtomaClient.getCluster` fits). */
export type ClusterKeyState = Pick<
  ClusterData,
  "epoch" | "commitment" | "previous_commitment" | "previous_valid_until_ms"
> & { id?: ClusterData["id"] };

/** Why a master key was refused. */
export type ClusterKeyRejection = "unknown-key" | "grace-expired";

/**
 * A master public key that is not an active key of the cluster: it matches neither commitment
 * (`unknown-key`), or only the previous one after its grace period (`grace-expired`).
 */
export class ClusterKeyError extends AtomaError {
  override name = "ClusterKeyError";
  constructor(
    readonly reason: ClusterKeyRejection,
    message: string,
  ) {
    // The SDK's closed error-code set has no cluster code yet; an inactive master key is a key
    // that the chain does not (or no longer) vouch for.
    super("KEY_NOT_ATTESTED", message);
  }
}

/** `blake2b256(masterPk)`: the 32-byte commitment `create_cluster` / `start_rotation` take. */
export function masterKeyCommitment(masterPk: Uint8Array): Uint8Array {
  ensureBytes(masterPk, "masterPk", 32);
  return blake2b256(masterPk);
}

const LABEL_HYBRID_COMMITMENT = new TextEncoder().encode("atoma/cluster-key/v2");
/** Length of a hybrid master secret: X25519 secret (32) ‖ ML-KEM-768 seed (64). */
export const HYBRID_MASTER_SECRET_LEN = 32 + MLKEM768_SEED_LEN;

/**
 * Commitment of a hybrid (post-quantum) master key:
 * `blake2b256("atoma/cluster-key/v2" ‖ masterPk ‖ masterMlkemPk)` — the on-chain commitment
 * then carries the ML-KEM key too (same 32-byte field as the classic `blake2b256(masterPk)`).
 */
export function hybridMasterKeyCommitment(masterPk: Uint8Array, masterMlkemPk: Uint8Array): Uint8Array {
  ensureBytes(masterPk, "masterPk", 32);
  ensureBytes(masterMlkemPk, "masterMlkemPk", MLKEM768_PUBLIC_KEY_LEN);
  const buf = new Uint8Array(LABEL_HYBRID_COMMITMENT.length + 32 + MLKEM768_PUBLIC_KEY_LEN);
  buf.set(LABEL_HYBRID_COMMITMENT, 0);
  buf.set(masterPk, LABEL_HYBRID_COMMITMENT.length);
  buf.set(masterMlkemPk, LABEL_HYBRID_COMMITMENT.length + 32);
  return blake2b256(buf);
}

/** The public parts of a master secret (32-byte classic or 96-byte hybrid). */
export function masterPublicKeys(masterSk: Uint8Array): { masterPk: Uint8Array; masterMlkemPk?: Uint8Array } {
  ensureBytes(masterSk, "masterSk");
  if (masterSk.length === 32) return { masterPk: x25519PublicKey(masterSk) };
  if (masterSk.length === HYBRID_MASTER_SECRET_LEN)
    return {
      masterPk: x25519PublicKey(masterSk.subarray(0, 32)),
      masterMlkemPk: mlkemPublicKey(masterSk.subarray(32)),
    };
  throw new InvalidInputError(
    "masterSk",
    `must be 32 bytes (X25519) or ${HYBRID_MASTER_SECRET_LEN} bytes (X25519 ‖ ML-KEM-768 seed), got ${masterSk.length}`,
  );
}

/** The commitment of a master secret, classic or hybrid. */
export function masterSecretCommitment(masterSk: Uint8Array): Uint8Array {
  const p = masterPublicKeys(masterSk);
  return p.masterMlkemPk ? hybridMasterKeyCommitment(p.masterPk, p.masterMlkemPk) : masterKeyCommitment(p.masterPk);
}

/** A fresh hybrid master key: secret = X25519 secret ‖ ML-KEM-768 seed (96 bytes), its public keys and commitment. */
export function generateHybridMasterKey(): {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  mlkemPublicKey: Uint8Array;
  commitment: Uint8Array;
} {
  const kp = generateEncryptionKeyPair();
  const ml = generateMlKemKeyPair();
  const secretKey = new Uint8Array(HYBRID_MASTER_SECRET_LEN);
  secretKey.set(kp.secretKey, 0);
  secretKey.set(ml.secretKey, 32);
  return {
    secretKey,
    publicKey: kp.publicKey,
    mlkemPublicKey: ml.publicKey,
    commitment: hybridMasterKeyCommitment(kp.publicKey, ml.publicKey),
  };
}

/** A fresh X25519 master key pair and its commitment. */
export function generateMasterKey(): KeyPair & { commitment: Uint8Array } {
  const kp = generateEncryptionKeyPair();
  return { ...kp, commitment: masterKeyCommitment(kp.publicKey) };
}

export interface ActiveClusterKeys {
  epoch: bigint;
  /** The current commitment. */
  current: Uint8Array;
  /** The previous commitment while `nowMs < previous_valid_until_ms`, else null. */
  previous: { commitment: Uint8Array; validUntilMs: bigint } | null;
}

function u64(v: string | number | bigint, field: string): bigint {
  try {
    const b = BigInt(v);
    if (b < 0n) throw new Error("negative");
    return b;
  } catch {
    throw new InvalidInputError(field, "must be a non-negative integer (u64)");
  }
}

/** Commitments valid at `nowMs`: the current one and, within its grace period, the previous one. */
export function activeClusterKeys(cluster: ClusterKeyState, nowMs: bigint | number): ActiveClusterKeys {
  const current = Uint8Array.from(cluster.commitment);
  ensureBytes(current, "cluster.commitment", 32);
  const now = u64(nowMs, "nowMs");
  const validUntilMs = u64(cluster.previous_valid_until_ms, "cluster.previous_valid_until_ms");
  const prev = Uint8Array.from(cluster.previous_commitment);
  const previous = prev.length === 32 && now < validUntilMs ? { commitment: prev, validUntilMs } : null;
  return { epoch: u64(cluster.epoch, "cluster.epoch"), current, previous };
}

/**
 * Throws ClusterKeyError unless `blake2b256(masterPk)` is the cluster's current commitment, or
 * its previous one with `nowMs < previous_valid_until_ms` (the same rule as
 * `cluster::is_valid_commitment`). Returns which one matched.
 */
export function assertClusterKey(
  cluster: ClusterKeyState,
  masterPk: Uint8Array,
  nowMs: bigint | number,
  masterMlkemPk?: Uint8Array,
): "current" | "previous" {
  const c = masterMlkemPk ? hybridMasterKeyCommitment(masterPk, masterMlkemPk) : masterKeyCommitment(masterPk);
  const keys = activeClusterKeys(cluster, nowMs);
  if (equalBytes(c, keys.current)) return "current";
  if (keys.previous && equalBytes(c, keys.previous.commitment)) return "previous";
  const prev = Uint8Array.from(cluster.previous_commitment);
  const where = cluster.id ? `cluster ${cluster.id.id}` : "cluster";
  if (prev.length === 32 && equalBytes(c, prev)) {
    throw new ClusterKeyError(
      "grace-expired",
      `${where}: masterPk is the epoch ${keys.epoch - 1n} key; its grace period ended at ${cluster.previous_valid_until_ms} ms (now ${nowMs} ms)`,
    );
  }
  throw new ClusterKeyError(
    "unknown-key",
    `${where}: blake2b256(masterPk) = ${bytesToHex(c)} matches neither the current commitment (epoch ${keys.epoch}) nor the previous one`,
  );
}

export type SealForClusterOptions = RequestBinding & {
  cluster: ClusterKeyState;
  /** The cluster id (default: `cluster.id.id`). */
  clusterId?: string;
  masterPk: Uint8Array;
  /** The master key's ML-KEM-768 public key (hybrid clusters): the envelope is then post-quantum. */
  masterMlkemPk?: Uint8Array;
  payload: Uint8Array;
  /** Clock for the grace-period check, ms (default Date.now()). */
  nowMs?: bigint | number;
  suite?: SuiteId;
};

function clusterIdOf(o: { cluster: ClusterKeyState; clusterId?: string }): string {
  const id = o.clusterId ?? o.cluster.id?.id;
  if (id === undefined) throw new InvalidInputError("clusterId", "is required when cluster.id is absent");
  return objectIdHex(id, "clusterId");
}

/**
 * Checks `masterPk` with assertClusterKey, then seals `payload` in a node-layer envelope to the
 * master key with the cluster id as recipient id, bound to the request id or input hash.
 */
export function sealForCluster(o: SealForClusterOptions): Uint8Array {
  assertClusterKey(o.cluster, o.masterPk, o.nowMs ?? Date.now(), o.masterMlkemPk);
  const clusterId = clusterIdOf(o);
  const binding: RequestBinding =
    o.requestId !== undefined ? { requestId: o.requestId } : { inputHash: o.inputHash as Uint8Array };
  return sealForNodes({
    ...binding,
    payload: o.payload,
    recipients: [{ nodeId: clusterId, encPk: o.masterPk, ...(o.masterMlkemPk ? { mlkemPk: o.masterMlkemPk } : {}) }],
    requireAttestation: false,
    postQuantum: o.masterMlkemPk !== undefined,
    ...(o.suite !== undefined ? { suite: o.suite } : {}),
  }).envelope;
}

export type OpenForClusterOptions = RequestBinding & {
  clusterId: string;
  envelope: Uint8Array;
  masterSk: Uint8Array;
};

/** Opens an envelope from sealForCluster with a master secret key (DecryptError otherwise). */
export function openForCluster(o: OpenForClusterOptions): Uint8Array {
  const binding: RequestBinding =
    o.requestId !== undefined ? { requestId: o.requestId } : { inputHash: o.inputHash as Uint8Array };
  masterPublicKeys(o.masterSk); // checks the length
  const hybrid = o.masterSk.length === HYBRID_MASTER_SECRET_LEN;
  return openAsNode({
    ...binding,
    envelope: o.envelope,
    nodeId: objectIdHex(o.clusterId, "clusterId"),
    encSk: hybrid ? o.masterSk.subarray(0, 32) : o.masterSk,
    ...(hybrid ? { mlkemSk: o.masterSk.subarray(32) } : {}),
  });
}

/**
 * Master secret keys a member holds, by commitment. `activeSecret` picks the key for the
 * cluster's current commitment (or the previous one within grace); `open` tries the active keys.
 */
export class ClusterKeyring {
  #keys = new Map<string, Uint8Array>();

  /** Adds a master secret key; returns its commitment. */
  add(masterSk: Uint8Array): Uint8Array {
    const c = masterSecretCommitment(masterSk);
    this.#keys.set(bytesToHex(c), Uint8Array.from(masterSk));
    return c;
  }

  has(commitment: Uint8Array): boolean {
    return this.#keys.has(bytesToHex(commitment));
  }

  /** Number of keys held. */
  get size(): number {
    return this.#keys.size;
  }

  /** Forgets keys whose commitment is not active in `cluster` at `nowMs`; returns how many. */
  prune(cluster: ClusterKeyState, nowMs: bigint | number): number {
    const a = activeClusterKeys(cluster, nowMs);
    const keep = new Set([bytesToHex(a.current), ...(a.previous ? [bytesToHex(a.previous.commitment)] : [])]);
    let n = 0;
    for (const [k, sk] of this.#keys) {
      if (!keep.has(k)) {
        sk.fill(0);
        this.#keys.delete(k);
        n++;
      }
    }
    return n;
  }

  /** The secret for the current commitment, else the previous one within grace; ClusterKeyError if none. */
  activeSecret(
    cluster: ClusterKeyState,
    nowMs: bigint | number,
  ): { masterSk: Uint8Array; which: "current" | "previous" } {
    const a = activeClusterKeys(cluster, nowMs);
    const cur = this.#keys.get(bytesToHex(a.current));
    if (cur) return { masterSk: cur, which: "current" };
    const prev = a.previous ? this.#keys.get(bytesToHex(a.previous.commitment)) : undefined;
    if (prev) return { masterSk: prev, which: "previous" };
    throw new ClusterKeyError("unknown-key", `keyring holds no key for the active commitments of epoch ${a.epoch}`);
  }

  /** Opens `envelope` with whichever active key it was sealed to. */
  open(
    o: RequestBinding & { cluster: ClusterKeyState; clusterId?: string; envelope: Uint8Array; nowMs?: bigint | number },
  ): Uint8Array {
    const clusterId = clusterIdOf(o);
    const a = activeClusterKeys(o.cluster, o.nowMs ?? Date.now());
    const candidates = [a.current, ...(a.previous ? [a.previous.commitment] : [])]
      .map((c) => this.#keys.get(bytesToHex(c)))
      .filter((k): k is Uint8Array => k !== undefined);
    if (candidates.length === 0)
      throw new ClusterKeyError("unknown-key", `keyring holds no key for the active commitments of epoch ${a.epoch}`);
    const binding: RequestBinding =
      o.requestId !== undefined ? { requestId: o.requestId } : { inputHash: o.inputHash as Uint8Array };
    let last: unknown;
    for (const masterSk of candidates) {
      try {
        return openForCluster({ ...binding, clusterId, envelope: o.envelope, masterSk });
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
}

/** The key `openLayers` needs for a layer sealed to a cluster (system / application layer). */
export function clusterLayerKey(
  clusterId: string,
  masterSk: Uint8Array,
): { recipientId: string; x25519Sk: Uint8Array; mlkemSk?: Uint8Array } {
  masterPublicKeys(masterSk);
  const id = objectIdHex(clusterId, "clusterId");
  return masterSk.length === HYBRID_MASTER_SECRET_LEN
    ? { recipientId: id, x25519Sk: masterSk.subarray(0, 32), mlkemSk: masterSk.subarray(32) }
    : { recipientId: id, x25519Sk: masterSk };
}
