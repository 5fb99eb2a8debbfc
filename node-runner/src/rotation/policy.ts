/**
 * Automatic master-key rotation: a cluster policy `{ intervalMs, maxBytes }`; the coordinator
 * starts a rotation when the active key is older than `intervalMs` or when the bytes sealed under
 * it (counted by the member nodes and reported) reach `maxBytes`, drives the session to
 * completion (or abort), and destroys old master keys on disk once their grace period is over.
 *
 * The policy lives on chain (`cluster::set_rotation_policy`, fields `interval_ms` / `max_bytes`
 * of the Cluster): the AutoRotator publishes its configured policy when the chain's differs and
 * decides from the chain's (policy, `epoch_started_ms`, and the members' `sealed_bytes` reports,
 * see `ChainSealedBytesReports`), so every decision can be audited from the chain.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type AtomaClient, type ClusterData, InvalidInputError, objectIdHex, sleep } from "@atoma/sdk";
import type { Signer } from "@mysten/sui/cryptography";
import { writeFileAtomic } from "../config.js";
import { destroyExpiredKeys, type MasterKeyStore } from "./keys.js";
import type { CoordinatorStep, RotationChain, RotationCoordinator, StartedRotation } from "./rotation.js";

export interface RotationPolicy {
  /** Rotate when the active key is this old (ms of chain time). */
  intervalMs: number | bigint;
  /** Rotate when this many bytes were sealed under the active key (summed over the nodes' reports). */
  maxBytes: number | bigint;
}

function positive(v: unknown, field: string): bigint {
  let b: bigint;
  try {
    if (typeof v !== "number" && typeof v !== "bigint" && typeof v !== "string") throw new Error("type");
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new Error("not an integer");
    b = BigInt(v);
  } catch {
    throw new InvalidInputError(field, "must be a positive integer");
  }
  if (b <= 0n) throw new InvalidInputError(field, `must be > 0 (got ${b}): a zero policy would rotate without end`);
  return b;
}

/** Checks a policy: both limits positive integers. InvalidInputError naming `rotationPolicy.<field>` otherwise. */
export function validateRotationPolicy(p: unknown): { intervalMs: bigint; maxBytes: bigint } {
  if (typeof p !== "object" || p === null)
    throw new InvalidInputError("rotationPolicy", "must be { intervalMs, maxBytes }");
  const r = p as Record<string, unknown>;
  return {
    intervalMs: positive(r.intervalMs, "rotationPolicy.intervalMs"),
    maxBytes: positive(r.maxBytes, "rotationPolicy.maxBytes"),
  };
}

/** One node's cumulative count of bytes it sealed or opened under a cluster key epoch. */
export interface UsageReport {
  clusterId: string;
  epoch: bigint;
  nodeId: string;
  /** Cumulative (not a delta): a repeated report never counts twice. */
  bytes: bigint;
}

/** Where nodes report usage and the coordinator reads the total. */
export interface UsageReports {
  report(r: UsageReport): Promise<void>;
  /** Sum over nodes of their latest cumulative count for `clusterId`/`epoch`. */
  total(clusterId: string, epoch: bigint): Promise<bigint>;
}

/** In-process reports (coordinator and nodes in one process, tests, the demo). */
export class MemoryUsageReports implements UsageReports {
  #m = new Map<string, Map<string, bigint>>();
  async report(r: UsageReport): Promise<void> {
    const k = `${objectIdHex(r.clusterId)}:${r.epoch}`;
    const per = this.#m.get(k) ?? new Map<string, bigint>();
    const id = objectIdHex(r.nodeId);
    per.set(id, (per.get(id) ?? 0n) > r.bytes ? (per.get(id) as bigint) : r.bytes);
    this.#m.set(k, per);
  }
  async total(clusterId: string, epoch: bigint): Promise<bigint> {
    let t = 0n;
    for (const b of this.#m.get(`${objectIdHex(clusterId)}:${epoch}`)?.values() ?? []) t += b;
    return t;
  }
}

/** A shared folder: `<dir>/<clusterId>-<epoch>/<nodeId>.json` = {"bytes":"<decimal>"}, written atomically. */
export class DirUsageReports implements UsageReports {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  #folder(clusterId: string, epoch: bigint) {
    return path.join(this.dir, `${objectIdHex(clusterId)}-${epoch}`);
  }
  async report(r: UsageReport): Promise<void> {
    const d = this.#folder(r.clusterId, r.epoch);
    mkdirSync(d, { recursive: true });
    const f = path.join(d, `${objectIdHex(r.nodeId)}.json`);
    const prev = existsSync(f) ? BigInt((JSON.parse(readFileSync(f, "utf8")) as { bytes: string }).bytes) : 0n;
    if (r.bytes > prev) writeFileAtomic(f, `${JSON.stringify({ bytes: String(r.bytes) })}\n`);
  }
  async total(clusterId: string, epoch: bigint): Promise<bigint> {
    const d = this.#folder(clusterId, epoch);
    if (!existsSync(d)) return 0n;
    let t = 0n;
    for (const n of readdirSync(d)) {
      if (!n.endsWith(".json")) continue;
      const b = (JSON.parse(readFileSync(path.join(d, n), "utf8")) as { bytes?: unknown }).bytes;
      if (typeof b !== "string" || !/^\d+$/.test(b))
        throw new InvalidInputError("usage report", `${path.join(d, n)} must hold {"bytes":"<decimal>"}`);
      t += BigInt(b);
    }
    return t;
  }
}

/**
 * A node's reports on chain (`cluster::report_sealed_bytes`), batched: a report is sent once the
 * bytes not yet reported for an epoch reach `batchBytes` (or on `flush`), never once per request.
 * `total` reads the Cluster's `sealed_bytes` (the current epoch's sum of every member's reports).
 */
export class ChainSealedBytesReports implements UsageReports {
  #cumulative = new Map<string, bigint>();
  #reported = new Map<string, bigint>();
  readonly batchBytes: bigint;
  constructor(
    readonly o: {
      chain: Pick<AtomaClient, "getCluster" | "reportSealedBytes">;
      /** The reporting node's signer and NodeCap (omit both for a read-only coordinator view). */
      signer?: Signer;
      nodeCap?: string;
      batchBytes: number | bigint;
      onError?: (e: unknown) => void;
    },
  ) {
    this.batchBytes = positive(o.batchBytes, "batchBytes");
  }
  async report(r: UsageReport): Promise<void> {
    const k = `${objectIdHex(r.clusterId)}:${r.epoch}`;
    if (r.bytes > (this.#cumulative.get(k) ?? 0n)) this.#cumulative.set(k, r.bytes);
    if ((this.#cumulative.get(k) ?? 0n) - (this.#reported.get(k) ?? 0n) >= this.batchBytes) await this.#send(k);
  }
  /** Sends whatever is unreported (e.g. at shutdown). */
  async flush(): Promise<void> {
    for (const k of this.#cumulative.keys()) await this.#send(k);
  }
  async #send(k: string): Promise<void> {
    const { signer, nodeCap } = this.o;
    if (!signer || !nodeCap) throw new InvalidInputError("signer", "a read-only ChainSealedBytesReports cannot report");
    const total = this.#cumulative.get(k) ?? 0n;
    const delta = total - (this.#reported.get(k) ?? 0n);
    if (delta <= 0n) return;
    const [clusterId, epoch] = k.split(":") as [string, string];
    this.#reported.set(k, total); // claimed before the await: concurrent reports never send the same bytes twice
    try {
      await this.o.chain.reportSealedBytes(signer, { clusterId, nodeCap, epoch: BigInt(epoch), bytes: delta });
    } catch (e) {
      this.#reported.set(k, (this.#reported.get(k) ?? delta) - delta);
      throw e;
    }
  }
  async total(clusterId: string, epoch: bigint): Promise<bigint> {
    const c = await this.o.chain.getCluster(clusterId);
    return BigInt(c.epoch) === epoch ? BigInt(c.sealed_bytes) : 0n;
  }
}

/** A node's meter: counts bytes it seals/opens under the active cluster key and reports the running total. */
export class SealedBytesMeter {
  #counts = new Map<string, bigint>();
  constructor(
    readonly nodeId: string,
    readonly reports: UsageReports,
  ) {}
  /** Adds `bytes` for `clusterId`/`epoch` and reports the new cumulative count. */
  async add(clusterId: string, epoch: bigint | number | string, bytes: number | bigint): Promise<bigint> {
    const e = BigInt(epoch);
    const k = `${objectIdHex(clusterId)}:${e}`;
    const n = (this.#counts.get(k) ?? 0n) + BigInt(bytes);
    this.#counts.set(k, n);
    await this.reports.report({ clusterId, epoch: e, nodeId: this.nodeId, bytes: n });
    return n;
  }
}

export type AutoRotationEvent =
  | {
      kind: "started";
      reason: "interval" | "bytes";
      epoch: bigint;
      ageMs: bigint;
      bytes: bigint;
      started: StartedRotation;
    }
  | { kind: "step"; step: CoordinatorStep }
  | { kind: "destroyed"; epoch: bigint };

interface AutoState {
  version: 1;
  /** Chain time (ms, decimal) at which each epoch became active, as seen by this coordinator. */
  activeSince: Record<string, string>;
}

/**
 * Drives rotations by policy. Call `tick()` periodically (or `run`). Chain time comes from `now`
 * (the same clock as the Cluster's grace deadline).
 */
export class AutoRotator {
  /** The configured policy, published on chain by `tick` when the chain's differs (undefined: the chain's alone). */
  readonly policy: { intervalMs: bigint; maxBytes: bigint } | undefined;
  #state: AutoState = { version: 1, activeSince: {} };

  constructor(
    readonly o: {
      coordinator: RotationCoordinator;
      chain: Pick<RotationChain, "getCluster">;
      keys: MasterKeyStore;
      usage: UsageReports;
      /** Published on chain (set_rotation_policy) if the Cluster's differs; omitted: use the chain's. */
      policy?: RotationPolicy;
      /** How long members get to ack a started rotation (ms). */
      ackWindowMs: number | bigint;
      /** Chain-time clock in ms. */
      now: () => bigint | number;
      /** Persists when each epoch became active (atomic writes); omitted: in memory. */
      stateFile?: string;
    },
  ) {
    this.policy = o.policy === undefined ? undefined : validateRotationPolicy(o.policy);
    positive(o.ackWindowMs, "ackWindowMs");
    if (o.stateFile && existsSync(o.stateFile)) {
      const s = JSON.parse(readFileSync(o.stateFile, "utf8")) as AutoState;
      if (s?.version !== 1 || typeof s.activeSince !== "object")
        throw new InvalidInputError("stateFile", `${o.stateFile} must hold {"version":1,"activeSince":{...}}`);
      this.#state = s;
    }
  }

  #save() {
    if (this.o.stateFile) writeFileAtomic(this.o.stateFile, `${JSON.stringify(this.#state)}\n`);
  }

  #activeSince(epoch: bigint, now: bigint): bigint {
    const k = String(epoch);
    const v = this.#state.activeSince[k];
    if (v !== undefined) return BigInt(v);
    this.#state.activeSince[k] = String(now);
    this.#save();
    return now;
  }

  /** The policy on chain (the Cluster's `interval_ms` / `max_bytes`), or null when none is set. */
  static chainPolicy(c: ClusterData): { intervalMs: bigint; maxBytes: bigint } | null {
    const intervalMs = BigInt(c.interval_ms);
    return intervalMs > 0n ? { intervalMs, maxBytes: BigInt(c.max_bytes) } : null;
  }

  /** Publishes the configured policy when the chain's differs; returns the chain's policy after. */
  async syncPolicy(c: ClusterData): Promise<{ intervalMs: bigint; maxBytes: bigint } | null> {
    const onChain = AutoRotator.chainPolicy(c);
    const p = this.policy;
    if (!p || (onChain && onChain.intervalMs === p.intervalMs && onChain.maxBytes === p.maxBytes)) return onChain;
    await this.o.coordinator.setPolicy(p);
    return p;
  }

  /**
   * Why a rotation is due now, or null: the chain's policy (none: never), the key's age from the
   * Cluster's `epoch_started_ms` (this coordinator's record when the chain has none), and the bytes
   * sealed under it — the larger of the chain's `sealed_bytes` and `usage.total`.
   */
  async due(c?: ClusterData): Promise<{ reason: "interval" | "bytes"; ageMs: bigint; bytes: bigint } | null> {
    const cluster = c ?? (await this.o.chain.getCluster(this.o.coordinator.clusterId));
    if (cluster.pending) return null;
    const policy = AutoRotator.chainPolicy(cluster) ?? this.policy;
    if (!policy) return null;
    const now = BigInt(this.o.now());
    const epoch = BigInt(cluster.epoch);
    const startedOnChain = BigInt(cluster.epoch_started_ms);
    const ageMs = now - (startedOnChain > 0n ? startedOnChain : this.#activeSince(epoch, now));
    const reported = await this.o.usage.total(this.o.coordinator.clusterId, epoch);
    const onChain = BigInt(cluster.sealed_bytes);
    const bytes = reported > onChain ? reported : onChain;
    if (ageMs >= policy.intervalMs) return { reason: "interval", ageMs, bytes };
    if (bytes >= policy.maxBytes) return { reason: "bytes", ageMs, bytes };
    return null;
  }

  /** Destroys on disk every stored key older than the current epoch whose grace period is over. */
  destroyExpired(c: ClusterData, now: bigint): bigint[] {
    return destroyExpiredKeys(this.o.keys, this.o.coordinator.clusterId, c, now);
  }

  /** One round: advance a pending session, else start one if the policy says so; then destroy expired keys. */
  async tick(): Promise<AutoRotationEvent[]> {
    const ev: AutoRotationEvent[] = [];
    let c = await this.o.chain.getCluster(this.o.coordinator.clusterId);
    const now = BigInt(this.o.now());
    if (c.pending) {
      const step = await this.o.coordinator.step();
      ev.push({ kind: "step", step });
      if (step.state === "completed") {
        this.#state.activeSince[String(step.epoch)] = String(now);
        this.#save();
      }
      c = await this.o.chain.getCluster(this.o.coordinator.clusterId);
    } else {
      const before = AutoRotator.chainPolicy(c);
      const p = this.policy;
      if (p && (!before || before.intervalMs !== p.intervalMs || before.maxBytes !== p.maxBytes)) {
        await this.syncPolicy(c);
        c = await this.o.chain.getCluster(this.o.coordinator.clusterId);
      }
      const d = await this.due(c);
      if (d) {
        const started = await this.o.coordinator.startRotation({ deadlineMs: now + BigInt(this.o.ackWindowMs) });
        ev.push({ kind: "started", ...d, epoch: started.epoch, started });
      }
    }
    for (const epoch of this.destroyExpired(c, now)) ev.push({ kind: "destroyed", epoch });
    return ev;
  }

  /** Ticks every `pollMs` until `signal` aborts; errors go to `onError` and the loop goes on. */
  async run(o: {
    pollMs?: number;
    signal: AbortSignal;
    onEvent?: (e: AutoRotationEvent) => void;
    onError?: (e: unknown) => void;
  }): Promise<void> {
    while (!o.signal.aborted) {
      try {
        for (const e of await this.tick()) o.onEvent?.(e);
      } catch (e) {
        o.onError?.(e);
      }
      await sleep(o.pollMs ?? 1000, o.signal, "resolve");
    }
  }
}

/**
 * Keys for layered inputs from a node's master-key store: the system/application layers open
 * with the keys held for the cluster they are sealed to (newest first, aborted ones left out),
 * and the bytes opened are reported through `meter` (automatic rotation by `maxBytes`).
 */
export function clusterLayeredKeys(o: {
  store: MasterKeyStore;
  mlkemSk?: Uint8Array;
  meter?: SealedBytesMeter;
  onError?: (err: Error) => void;
}): {
  mlkemSk?: Uint8Array;
  clusterKeysFor: (clusterId: string) => { epoch: bigint; secretKey: Uint8Array }[];
  onClusterBytes: (clusterId: string, epoch: bigint, bytes: number) => void;
} {
  return {
    ...(o.mlkemSk ? { mlkemSk: o.mlkemSk } : {}),
    clusterKeysFor: (clusterId) =>
      o.store
        .list(clusterId)
        .filter((k) => k.status !== "aborted")
        .sort((a, b) => (a.epoch > b.epoch ? -1 : 1))
        .map((k) => ({ epoch: k.epoch, secretKey: k.secretKey })),
    onClusterBytes: (clusterId, epoch, bytes) => {
      o.meter?.add(clusterId, epoch, bytes).catch((e: Error) => o.onError?.(e));
    },
  };
}
