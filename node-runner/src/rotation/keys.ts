/**
 * Local storage of cluster master keys (one JSON file per cluster epoch, mode 0600, written
 * atomically) and the key-distribution hook: the coordinator seals the new master secret to
 * each attested member's X25519 key (node-layer envelope, bound to cluster/epoch/commitment)
 * and publishes it; members fetch and open it.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import {
  blake2b256,
  bytesToHex,
  concatBytes,
  equalBytes,
  hexToBytes,
  InvalidInputError,
  masterSecretCommitment,
  objectIdBytes,
  objectIdHex,
} from "@atoma/sdk";
import { writeFileAtomic } from "../config.js";

const LABEL = new TextEncoder().encode("atoma/cluster-key/v1");

/**
 * The 32-byte input-hash binding of a key-distribution envelope:
 * `blake2b256("atoma/cluster-key/v1" ‖ clusterId ‖ u64be(epoch) ‖ commitment)`.
 */
export function rotationBinding(clusterId: string, epoch: bigint, commitment: Uint8Array): Uint8Array {
  const e = new Uint8Array(8);
  new DataView(e.buffer).setBigUint64(0, epoch);
  return blake2b256(concatBytes(LABEL, objectIdBytes(clusterId, "clusterId"), e, commitment));
}

/** Where the coordinator publishes key envelopes and members fetch them. */
export interface KeyDistribution {
  put(clusterId: string, epoch: bigint, envelope: Uint8Array): Promise<void>;
  /** The envelope for `clusterId`/`epoch`, or null when none is published (yet). */
  get(clusterId: string, epoch: bigint): Promise<Uint8Array | null>;
}

/** In-process distribution (one coordinator and its members in the same process, tests). */
export class MemoryKeyDistribution implements KeyDistribution {
  #m = new Map<string, Uint8Array>();
  async put(clusterId: string, epoch: bigint, envelope: Uint8Array): Promise<void> {
    this.#m.set(`${objectIdHex(clusterId)}:${epoch}`, Uint8Array.from(envelope));
  }
  async get(clusterId: string, epoch: bigint): Promise<Uint8Array | null> {
    return this.#m.get(`${objectIdHex(clusterId)}:${epoch}`) ?? null;
  }
}

/** A shared folder (NFS, synced bucket): `<dir>/<clusterId>-<epoch>.envelope`, written atomically. */
export class DirKeyDistribution implements KeyDistribution {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  #file(clusterId: string, epoch: bigint) {
    return path.join(this.dir, `${objectIdHex(clusterId)}-${epoch}.envelope`);
  }
  async put(clusterId: string, epoch: bigint, envelope: Uint8Array): Promise<void> {
    writeFileAtomic(this.#file(clusterId, epoch), Buffer.from(envelope).toString("base64"));
  }
  async get(clusterId: string, epoch: bigint): Promise<Uint8Array | null> {
    const f = this.#file(clusterId, epoch);
    if (!existsSync(f)) return null;
    return new Uint8Array(Buffer.from(readFileSync(f, "utf8"), "base64"));
  }
}

/** `pending` until the rotation completes on chain, then `active`; `aborted` if it did not. */
export type KeyStatus = "pending" | "active" | "aborted";

export interface StoredMasterKey {
  clusterId: string;
  epoch: bigint;
  commitment: Uint8Array;
  secretKey: Uint8Array;
  status: KeyStatus;
}

interface KeyFile {
  version: 1;
  clusterId: string;
  epoch: string;
  commitment: string;
  secretKey: string;
  status: KeyStatus;
}

/** Master secret keys on disk: `<dir>/<clusterId>/epoch-<n>.json`, mode 0600, atomic writes. */
export class MasterKeyStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  #file(clusterId: string, epoch: bigint): string {
    return path.join(this.dir, objectIdHex(clusterId, "clusterId"), `epoch-${epoch}.json`);
  }

  /**
   * Stores a key after checking its commitment: blake2b256(pk) for a 32-byte X25519 secret,
   * the hybrid commitment for a 96-byte X25519 ‖ ML-KEM-768 seed secret.
   */
  save(k: StoredMasterKey): void {
    if (!equalBytes(masterSecretCommitment(k.secretKey), k.commitment))
      throw new InvalidInputError("secretKey", "the commitment of its public key(s) does not equal the commitment");
    const f = this.#file(k.clusterId, k.epoch);
    mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
    const body: KeyFile = {
      version: 1,
      clusterId: objectIdHex(k.clusterId),
      epoch: String(k.epoch),
      commitment: bytesToHex(k.commitment),
      secretKey: bytesToHex(k.secretKey),
      status: k.status,
    };
    writeFileAtomic(f, `${JSON.stringify(body)}\n`, 0o600);
    chmodSync(f, 0o600);
  }

  load(clusterId: string, epoch: bigint): StoredMasterKey | null {
    const f = this.#file(clusterId, epoch);
    if (!existsSync(f)) return null;
    const mode = statSync(f).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new InvalidInputError("master key file", `${f} has mode ${mode.toString(8)}; must be 600`);
    let b: KeyFile;
    try {
      b = JSON.parse(readFileSync(f, "utf8")) as KeyFile;
    } catch {
      throw new InvalidInputError("master key file", `${f} is not valid JSON`);
    }
    const hex = /^[0-9a-f]{64}$/;
    if (
      b.version !== 1 ||
      !hex.test(b.commitment ?? "") ||
      !/^(?:[0-9a-f]{64}|[0-9a-f]{192})$/.test(b.secretKey ?? "") ||
      !/^\d+$/.test(b.epoch ?? "")
    )
      throw new InvalidInputError(
        "master key file",
        `${f} must hold version 1, a decimal epoch, a 32-byte hex commitment and a 32- or 96-byte hex secret`,
      );
    return {
      clusterId: b.clusterId,
      epoch: BigInt(b.epoch),
      commitment: hexToBytes(b.commitment),
      secretKey: hexToBytes(b.secretKey),
      status: b.status,
    };
  }

  setStatus(clusterId: string, epoch: bigint, status: KeyStatus): StoredMasterKey | null {
    const k = this.load(clusterId, epoch);
    if (!k) return null;
    this.save({ ...k, status });
    return { ...k, status };
  }

  /**
   * Destroys a stored key on disk: overwrites the file with zeros (fsync), then unlinks it.
   * Returns false when there was none. (Overwriting is best effort on copy-on-write or
   * journaling file systems; the secret is never written anywhere else by this store.)
   */
  destroy(clusterId: string, epoch: bigint): boolean {
    const f = this.#file(clusterId, epoch);
    if (!existsSync(f)) return false;
    const n = statSync(f).size;
    const fd = openSync(f, "r+");
    try {
      writeSync(fd, new Uint8Array(n), 0, n, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(f);
    return true;
  }

  /** Every stored key of a cluster, by epoch. */
  list(clusterId: string): StoredMasterKey[] {
    const d = path.join(this.dir, objectIdHex(clusterId, "clusterId"));
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .map((n) => /^epoch-(\d+)\.json$/.exec(n)?.[1])
      .filter((e): e is string => e !== undefined)
      .map((e) => this.load(clusterId, BigInt(e)))
      .filter((k): k is StoredMasterKey => k !== null)
      .sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
  }
}

/**
 * Destroys (on disk) every stored key of `clusterId` older than the cluster's current epoch,
 * except the previous epoch's while its grace period runs (`nowMs < previous_valid_until_ms`).
 * Returns the destroyed epochs.
 */
export function destroyExpiredKeys(
  store: MasterKeyStore,
  clusterId: string,
  cluster: { epoch: string | number | bigint; previous_valid_until_ms: string | number | bigint },
  nowMs: bigint | number,
): bigint[] {
  const current = BigInt(cluster.epoch);
  const graceOver = BigInt(nowMs) >= BigInt(cluster.previous_valid_until_ms);
  const out: bigint[] = [];
  for (const k of store.list(clusterId)) {
    if (k.epoch >= current) continue;
    if (k.epoch === current - 1n && !graceOver && k.status !== "aborted") continue;
    if (store.destroy(clusterId, k.epoch)) out.push(k.epoch);
  }
  return out;
}
