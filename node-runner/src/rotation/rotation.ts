/**
 * Coordinated master-key rotation (the `cluster` module) from the node-runner's side.
 *
 * - `RotationCoordinator` (holds the cluster's MasterCap): generates the next X25519 master key
 *   (stored 0600), seals its secret to every attested member's enc key and publishes the
 *   envelope through a `KeyDistribution`, then `start_rotation` with the commitment
 *   `blake2b256(pk)`; `step()` completes the session at the ack quorum or aborts it once the
 *   deadline has passed.
 * - `RotationParticipant` (a member node): accepts its invitations (`ClusterCreated`,
 *   `ClusterMemberInvited` naming it, still invited on chain) with its own NodeCap, since a
 *   listed node is no member until it does; ignores clusters it was removed from or left;
 *   on `KeyRotationStarted` for a cluster it belongs to,
 *   checks that its own key is attested, fetches and opens the envelope, checks the key
 *   against the on-chain commitment, stores it (pending) and acks; on `KeyRotationCompleted`
 *   marks it active, on `KeyRotationAborted` marks it aborted.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  type AtomaClient,
  type AtomaEvent,
  assertKeyAttested,
  attestedNodeOf,
  blake2b256,
  buildAbortRotation,
  buildCompleteRotation,
  buildCreateCluster,
  buildSetClusterPqKey,
  buildSetRotationPolicy,
  buildStartRotation,
  buildStartRotationPq,
  bytesToHex,
  type ClusterData,
  equalBytes,
  followEvents,
  generateEncryptionKeyPair,
  generateHybridMasterKey,
  InvalidInputError,
  KeyNotAttestedError,
  MoveAbortError,
  masterPublicKeys,
  masterSecretCommitment,
  mlkemKeyHash,
  type NodeData,
  objectIdHex,
  openAsNode,
  sealForNodes,
  sleep,
  x25519PublicKey,
} from "@atoma/sdk";
import type { Signer } from "@mysten/sui/cryptography";
import { Transaction } from "@mysten/sui/transactions";
import { writeFileAtomic } from "../config.js";
import { destroyExpiredKeys, type KeyDistribution, type MasterKeyStore, rotationBinding } from "./keys.js";

type Clock = () => bigint | number;
const nowOf = (c: Clock | undefined) => BigInt((c ?? Date.now)());

/** The chain calls rotation needs (an AtomaClient fits). */
export type RotationChain = Pick<
  AtomaClient,
  "config" | "getCluster" | "getNode" | "execute" | "listEvents" | "ackRotation" | "acceptMembership"
>;

const attestedRecord = (nodeId: string, n: NodeData) => attestedNodeOf(nodeId, n);

const quorumReached = (c: ClusterData) =>
  c.pending !== null && BigInt(c.pending.acks.length) * 10_000n >= BigInt(c.ack_quorum_bps) * BigInt(c.members.length);

export type CoordinatorStep =
  | { state: "idle"; epoch: bigint }
  | { state: "waiting"; epoch: bigint; acks: number; needed: bigint; deadlineMs: bigint }
  | { state: "completed"; epoch: bigint; commitment: Uint8Array }
  | { state: "aborted"; epoch: bigint };

export interface StartedRotation {
  epoch: bigint;
  commitment: Uint8Array;
  deadlineMs: bigint;
  /** Members the new key was sealed to (attested at start). */
  recipients: string[];
  /** Members left out and why (not attested, key not bound in the attestation). */
  skipped: { nodeId: string; reason: string }[];
}

export class RotationCoordinator {
  readonly clusterId: string;
  constructor(
    readonly o: {
      chain: RotationChain;
      signer: Signer;
      clusterId: string;
      masterCapId: string;
      keys: MasterKeyStore;
      distribution: KeyDistribution;
      /** Chain-time clock in ms (default Date.now). */
      now?: Clock;
      /**
       * Hybrid master keys (X25519 ‖ ML-KEM-768 seed, committed with hybridMasterKeyCommitment),
       * so that layers sealed to the cluster are post-quantum.
       */
      postQuantum?: boolean;
      /**
       * Members' attested ML-KEM-768 keys (off chain: node records carry none yet). When every
       * recipient has one, the key-distribution envelope is post-quantum too.
       */
      memberMlkemKey?: (nodeId: string) => { mlkemPk: Uint8Array; mlkemKeyHash: Uint8Array } | null;
    },
  ) {
    this.clusterId = objectIdHex(o.clusterId, "clusterId");
  }

  /** The newest master public keys this coordinator stored (for sealing to the cluster). */
  newKeyPair(): { secretKey: Uint8Array; commitment: Uint8Array } {
    if (this.o.postQuantum) {
      const k = generateHybridMasterKey();
      return { secretKey: k.secretKey, commitment: k.commitment };
    }
    const kp = generateEncryptionKeyPair();
    return { secretKey: kp.secretKey, commitment: blake2b256(kp.publicKey) };
  }

  /** create_cluster with a fresh master key (epoch 0, stored active); the MasterCap goes to the signer. */
  static async createCluster(o: {
    chain: RotationChain;
    signer: Signer;
    members: string[];
    ackQuorumBps: number | bigint;
    keys: MasterKeyStore;
    /** Start with a hybrid (X25519 ‖ ML-KEM-768) master key. */
    postQuantum?: boolean;
  }): Promise<{
    clusterId: string;
    masterCapId: string;
    commitment: Uint8Array;
    masterPk: Uint8Array;
    masterMlkemPk?: Uint8Array;
  }> {
    const h = o.postQuantum ? generateHybridMasterKey() : null;
    const kp = h ?? generateEncryptionKeyPair();
    const commitment = h ? h.commitment : blake2b256(kp.publicKey);
    const tx = new Transaction();
    tx.setSender(o.signer.toSuiAddress());
    buildCreateCluster(tx, {
      packageId: o.chain.config.packageId,
      registry: o.chain.config.registryId,
      members: o.members,
      commitment,
      ackQuorumBps: o.ackQuorumBps,
    });
    const r = await o.chain.execute(tx, o.signer);
    const clusterId = r.created.find((c) => c.type?.endsWith("::cluster::Cluster"))?.objectId;
    const masterCapId = r.created.find((c) => c.type?.endsWith("::cluster::MasterCap"))?.objectId;
    if (!clusterId || !masterCapId) throw new InvalidInputError("create_cluster", "created no Cluster/MasterCap");
    o.keys.save({ clusterId, epoch: 0n, commitment, secretKey: kp.secretKey, status: "active" });
    if (h) {
      // the cluster record carries the ML-KEM key hash next to the commitment (cluster::set_pq_key)
      const c = await o.chain.getCluster(clusterId);
      if (!c.meta.initialSharedVersion) throw new InvalidInputError("clusterId", "Cluster is not a shared object");
      const tx2 = new Transaction();
      tx2.setSender(o.signer.toSuiAddress());
      buildSetClusterPqKey(tx2, {
        packageId: o.chain.config.packageId,
        cluster: { objectId: clusterId, initialSharedVersion: c.meta.initialSharedVersion },
        masterCap: masterCapId,
        mlkemPkHash: mlkemKeyHash(h.mlkemPublicKey),
      });
      await o.chain.execute(tx2, o.signer);
    }
    return {
      clusterId,
      masterCapId,
      commitment,
      masterPk: kp.publicKey,
      ...(h ? { masterMlkemPk: h.mlkemPublicKey } : {}),
    };
  }

  async #clusterRef() {
    const c = await this.o.chain.getCluster(this.clusterId);
    if (!c.meta.initialSharedVersion) throw new InvalidInputError("clusterId", "Cluster is not a shared object");
    return { c, ref: { objectId: this.clusterId, initialSharedVersion: c.meta.initialSharedVersion } };
  }

  /**
   * Generates the next master key (stored 0600 as pending), seals its secret to the attested
   * members, publishes the envelope, then start_rotation(epoch + 1, blake2b256(pk), deadline).
   */
  async startRotation(a: { deadlineMs: bigint }): Promise<StartedRotation> {
    const { c, ref } = await this.#clusterRef();
    const epoch = BigInt(c.epoch) + 1n;
    const now = nowOf(this.o.now);
    const recipients: ReturnType<typeof attestedRecord>[] = [];
    const skipped: { nodeId: string; reason: string }[] = [];
    for (const m of c.members) {
      const rec = attestedRecord(m, await this.o.chain.getNode(m));
      try {
        assertKeyAttested(rec, now);
        recipients.push(rec);
      } catch (e) {
        if (!(e instanceof KeyNotAttestedError)) throw e;
        skipped.push({ nodeId: m, reason: e.reason });
      }
    }
    if (c.members.length === 0)
      throw new InvalidInputError(
        "cluster members",
        `no member has accepted yet (${c.invited.length} invited): a rotation needs members (cluster::ENoMembers)`,
      );
    const ackQuorum = (BigInt(c.ack_quorum_bps) * BigInt(c.members.length) + 9_999n) / 10_000n;
    if (BigInt(recipients.length) < ackQuorum)
      throw new InvalidInputError(
        "cluster members",
        `only ${recipients.length} attested members for an ack quorum of ${ackQuorum}: the rotation could not complete`,
      );
    const kp = this.newKeyPair();
    const commitment = kp.commitment;
    this.o.keys.save({ clusterId: this.clusterId, epoch, commitment, secretKey: kp.secretKey, status: "pending" });
    const pq = recipients.map((r) => this.o.memberMlkemKey?.(r.nodeId) ?? null);
    const postQuantum = pq.every((k) => k !== null);
    const { envelope } = sealForNodes({
      inputHash: rotationBinding(this.clusterId, epoch, commitment),
      payload: kp.secretKey,
      recipients: postQuantum
        ? recipients.map((r, i) => {
            const k = pq[i] as { mlkemPk: Uint8Array; mlkemKeyHash: Uint8Array };
            return {
              ...r,
              mlkemPk: k.mlkemPk,
              attestation: r.attestation ? { ...r.attestation, mlkemKeyHash: k.mlkemKeyHash } : null,
            };
          })
        : recipients,
      requireAttestation: true,
      postQuantum,
      nowMs: now,
    });
    await this.o.distribution.put(this.clusterId, epoch, envelope);
    const tx = new Transaction();
    tx.setSender(this.o.signer.toSuiAddress());
    const newMlkemPk = masterPublicKeys(kp.secretKey).masterMlkemPk;
    const base = { packageId: this.o.chain.config.packageId, cluster: ref, masterCap: this.o.masterCapId, epoch };
    if (newMlkemPk)
      buildStartRotationPq(tx, {
        ...base,
        commitment,
        mlkemPkHash: mlkemKeyHash(newMlkemPk),
        deadlineMs: a.deadlineMs,
      });
    else buildStartRotation(tx, { ...base, commitment, deadlineMs: a.deadlineMs });
    await this.o.chain.execute(tx, this.o.signer);
    return { epoch, commitment, deadlineMs: a.deadlineMs, recipients: recipients.map((r) => r.nodeId), skipped };
  }

  /** Completes at quorum, aborts after the deadline, else reports the wait. */
  /** set_rotation_policy with this coordinator's MasterCap (both bounds > 0, else cluster::EZeroPolicy). */
  async setPolicy(p: { intervalMs: bigint | number; maxBytes: bigint | number }): Promise<void> {
    const { ref } = await this.#clusterRef();
    const tx = new Transaction();
    tx.setSender(this.o.signer.toSuiAddress());
    buildSetRotationPolicy(tx, {
      packageId: this.o.chain.config.packageId,
      cluster: ref,
      masterCap: this.o.masterCapId,
      intervalMs: p.intervalMs,
      maxBytes: p.maxBytes,
    });
    await this.o.chain.execute(tx, this.o.signer);
  }

  async step(): Promise<CoordinatorStep> {
    const { c, ref } = await this.#clusterRef();
    if (!c.pending) return { state: "idle", epoch: BigInt(c.epoch) };
    const epoch = BigInt(c.pending.epoch);
    const deadlineMs = BigInt(c.pending.deadline_ms);
    const tx = new Transaction();
    tx.setSender(this.o.signer.toSuiAddress());
    const base = { packageId: this.o.chain.config.packageId, cluster: ref };
    if (quorumReached(c)) {
      buildCompleteRotation(tx, {
        ...base,
        registry: this.o.chain.config.registryId,
      });
      await this.o.chain.execute(tx, this.o.signer);
      this.o.keys.setStatus(this.clusterId, epoch, "active");
      return { state: "completed", epoch, commitment: Uint8Array.from(c.pending.commitment) };
    }
    if (nowOf(this.o.now) >= deadlineMs) {
      buildAbortRotation(tx, base);
      await this.o.chain.execute(tx, this.o.signer);
      this.o.keys.setStatus(this.clusterId, epoch, "aborted");
      return { state: "aborted", epoch };
    }
    const needed = (BigInt(c.ack_quorum_bps) * BigInt(c.members.length) + 9_999n) / 10_000n;
    return { state: "waiting", epoch, acks: c.pending.acks.length, needed, deadlineMs };
  }
}

export type ParticipantOutcome =
  | { kind: "joined"; clusterId: string; epoch: bigint }
  | { kind: "removed"; clusterId: string; epoch: bigint }
  | { kind: "acked"; clusterId: string; epoch: bigint; commitment: Uint8Array }
  | { kind: "activated"; clusterId: string; epoch: bigint }
  | { kind: "aborted"; clusterId: string; epoch: bigint }
  | { kind: "refused"; clusterId: string; epoch: bigint; reason: string }
  | { kind: "waiting-for-key"; clusterId: string; epoch: bigint }
  | { kind: "destroyed"; clusterId: string; epoch: bigint };

interface ParticipantState {
  version: 1;
  cursor: string | null;
}

export class RotationParticipant {
  readonly nodeId: string;
  #cursor: string | null = null;
  /** Started rotations whose key envelope was not published yet: retried on each poll. */
  #waiting = new Map<string, Extract<AtomaEvent, { name: "KeyRotationStarted" }>["data"]>();
  /** Clusters this node holds keys of: old keys are destroyed on disk once their grace is over. */
  #clusters = new Set<string>();
  /** Invitations that could not be accepted yet (a rotation was pending): retried on each poll. */
  #invitations = new Set<string>();
  /** Clusters this node was removed from or left: their rotations are ignored. */
  #removed = new Set<string>();

  constructor(
    readonly o: {
      chain: RotationChain;
      signer: Signer;
      nodeId: string;
      /** Its NodeCap's object id (a separate object from the node's account since issue 13 B stage 2). */
      nodeCapId: string;
      /** This node's X25519 secret (its attested enc key). */
      encSk: Uint8Array;
      /** This node's ML-KEM-768 secret: opens post-quantum key-distribution envelopes. */
      mlkemSk?: Uint8Array;
      keys: MasterKeyStore;
      distribution: KeyDistribution;
      /** Event cursor file (atomic writes); omitted: kept in memory. */
      stateFile?: string;
      now?: Clock;
      /**
       * Which invitations to accept (`cluster::accept_membership`); default: every cluster
       * this node is invited to. `false` accepts none.
       */
      acceptInvitation?: ((clusterId: string) => boolean) | false;
    },
  ) {
    this.nodeId = objectIdHex(o.nodeId, "nodeId");
    if (o.stateFile && existsSync(o.stateFile)) {
      let s: ParticipantState | undefined;
      try {
        s = JSON.parse(readFileSync(o.stateFile, "utf8")) as ParticipantState;
      } catch {
        s = undefined;
      }
      if (s?.version !== 1 || !(s.cursor === null || typeof s.cursor === "string"))
        throw new InvalidInputError("stateFile", `${o.stateFile} must hold {"version":1,"cursor":string|null}`);
      this.#cursor = s.cursor;
    }
  }

  /** Handles one decoded event; null when it is not about this node's clusters. */
  async handle(ev: AtomaEvent): Promise<ParticipantOutcome | null> {
    switch (ev.name) {
      case "ClusterCreated":
        if (!ev.data.members.map((m) => objectIdHex(m)).includes(this.nodeId)) return null;
        return this.#onInvited(objectIdHex(ev.data.cluster_id));
      case "ClusterMemberInvited":
        if (objectIdHex(ev.data.node_id) !== this.nodeId) return null;
        return this.#onInvited(objectIdHex(ev.data.cluster_id));
      case "ClusterMemberJoined":
        if (objectIdHex(ev.data.node_id) === this.nodeId) this.#removed.delete(objectIdHex(ev.data.cluster_id));
        return null;
      case "ClusterMemberRemoved": {
        const clusterId = objectIdHex(ev.data.cluster_id);
        if (objectIdHex(ev.data.node_id) !== this.nodeId) return null;
        this.#invitations.delete(clusterId);
        if (!ev.data.member) return null;
        this.#removed.add(clusterId);
        this.#clusters.delete(clusterId);
        for (const key of this.#waiting.keys()) if (key.startsWith(`${clusterId}:`)) this.#waiting.delete(key);
        const c = await this.o.chain.getCluster(clusterId);
        return { kind: "removed", clusterId, epoch: BigInt(c.epoch) };
      }
      case "KeyRotationStarted":
        if (this.#removed.has(objectIdHex(ev.data.cluster_id))) return null;
        return this.#onStarted(ev.data);
      case "KeyRotationCompleted": {
        const epoch = BigInt(ev.data.epoch);
        const k = this.o.keys.load(ev.data.cluster_id, epoch);
        if (!k || !equalBytes(k.commitment, Uint8Array.from(ev.data.commitment))) return null;
        this.o.keys.setStatus(ev.data.cluster_id, epoch, "active");
        this.#clusters.add(objectIdHex(ev.data.cluster_id));
        return { kind: "activated", clusterId: ev.data.cluster_id, epoch };
      }
      case "KeyRotationAborted": {
        const epoch = BigInt(ev.data.epoch);
        this.#waiting.delete(`${ev.data.cluster_id}:${epoch}`);
        if (!this.o.keys.setStatus(ev.data.cluster_id, epoch, "aborted")) return null;
        return { kind: "aborted", clusterId: ev.data.cluster_id, epoch };
      }
      default:
        return null;
    }
  }

  /** Accepts the invitation to `clusterId` when the chain still lists this node as invited. */
  async #onInvited(clusterId: string): Promise<ParticipantOutcome | null> {
    const accept = this.o.acceptInvitation;
    if (accept === false || (accept && !accept(clusterId))) return null;
    const c = await this.o.chain.getCluster(clusterId);
    if (!c.invited.map((m) => objectIdHex(m)).includes(this.nodeId)) {
      this.#invitations.delete(clusterId);
      return null; // a member already, or the invitation was withdrawn / declined
    }
    if (c.pending) {
      // membership is locked while a rotation is pending (cluster::EMembershipLocked)
      this.#invitations.add(clusterId);
      return null;
    }
    try {
      await this.o.chain.acceptMembership(this.o.signer, { clusterId, nodeCap: this.o.nodeCapId });
    } catch (e) {
      if (e instanceof MoveAbortError && e.constantName === "EMembershipLocked") {
        this.#invitations.add(clusterId);
        return null;
      }
      if (!(e instanceof MoveAbortError && e.constantName === "EAlreadyMember")) throw e;
    }
    this.#invitations.delete(clusterId);
    this.#removed.delete(clusterId);
    return { kind: "joined", clusterId, epoch: BigInt(c.epoch) };
  }

  async #onStarted(d: Extract<AtomaEvent, { name: "KeyRotationStarted" }>["data"]): Promise<ParticipantOutcome | null> {
    const clusterId = objectIdHex(d.cluster_id);
    const epoch = BigInt(d.epoch);
    const commitment = Uint8Array.from(d.commitment);
    const cluster = await this.o.chain.getCluster(clusterId);
    if (!cluster.members.map((m) => objectIdHex(m)).includes(this.nodeId)) return null;
    const refuse = (reason: string): ParticipantOutcome => ({ kind: "refused", clusterId, epoch, reason });
    if (
      !cluster.pending ||
      BigInt(cluster.pending.epoch) !== epoch ||
      !equalBytes(Uint8Array.from(cluster.pending.commitment), commitment)
    )
      return refuse("no longer pending on chain");
    const now = nowOf(this.o.now);
    if (now >= BigInt(d.deadline_ms)) return refuse("deadline passed");
    // Our own key must be the attested one: the chain checks is_attested at ack, and the
    // coordinator only seals to attested keys.
    const me = attestedRecord(this.nodeId, await this.o.chain.getNode(this.nodeId));
    if (!equalBytes(me.encPk, x25519PublicKey(this.o.encSk)))
      return refuse("encSk is not this node's on-chain enc key");
    try {
      assertKeyAttested(me, now);
    } catch (e) {
      if (e instanceof KeyNotAttestedError) return refuse(`not attested: ${e.reason}`);
      throw e;
    }
    const envelope = await this.o.distribution.get(clusterId, epoch);
    if (!envelope) {
      this.#waiting.set(`${clusterId}:${epoch}`, d);
      return { kind: "waiting-for-key", clusterId, epoch };
    }
    this.#waiting.delete(`${clusterId}:${epoch}`);
    let secretKey: Uint8Array;
    try {
      secretKey = openAsNode({
        inputHash: rotationBinding(clusterId, epoch, commitment),
        envelope,
        nodeId: this.nodeId,
        encSk: this.o.encSk,
        ...(this.o.mlkemSk ? { mlkemSk: this.o.mlkemSk } : {}),
      });
    } catch (e) {
      return refuse(`key envelope does not open: ${(e as Error).message}`);
    }
    if (secretKey.length !== 32 && secretKey.length !== 96)
      return refuse("key envelope does not hold a 32-byte X25519 or 96-byte hybrid master secret");
    if (!equalBytes(masterSecretCommitment(secretKey), commitment))
      return refuse(`commitment of the distributed master key != on-chain commitment ${bytesToHex(commitment)}`);
    this.o.keys.save({ clusterId, epoch, commitment, secretKey, status: "pending" });
    try {
      await this.o.chain.ackRotation(this.o.signer, {
        clusterId,
        nodeCap: this.o.nodeCapId,
        epoch,
        commitment,
      });
    } catch (e) {
      // Acked already (a restart after the ack, before the cursor was saved): the key is stored.
      if (!(e instanceof MoveAbortError && e.constantName === "EAlreadyAcked")) throw e;
    }
    return { kind: "acked", clusterId, epoch, commitment };
  }

  /** Reads all new events once (persisting the cursor) and retries rotations waiting for their key. */
  async poll(): Promise<ParticipantOutcome[]> {
    const out: ParticipantOutcome[] = [];
    for (const clusterId of [...this.#invitations]) {
      const r = await this.#onInvited(clusterId);
      if (r) out.push(r);
    }
    for (const d of [...this.#waiting.values()]) {
      const r = await this.#onStarted(d);
      if (r && r.kind !== "waiting-for-key") out.push(r);
    }
    const pages = followEvents(
      async (after, limit) => {
        const page = await this.o.chain.listEvents({ after }, limit);
        return { events: page.events, cursor: page.cursor.after, hasNextPage: page.hasNextPage };
      },
      {
        after: this.#cursor,
        untilCaughtUp: true,
        save: (cursor) => {
          this.#cursor = cursor;
          if (!this.o.stateFile) return;
          const s: ParticipantState = { version: 1, cursor };
          writeFileAtomic(this.o.stateFile, `${JSON.stringify(s)}\n`);
        },
      },
    );
    for await (const batch of pages)
      for (const rec of batch.events) {
        const r = await this.handle(rec.event);
        if (r) out.push(r);
      }
    for (const clusterId of this.#clusters) {
      const c = await this.o.chain.getCluster(clusterId);
      for (const epoch of destroyExpiredKeys(this.o.keys, clusterId, c, nowOf(this.o.now)))
        out.push({ kind: "destroyed", clusterId, epoch });
    }
    return out;
  }

  /** Polls every `pollMs` until `signal` aborts; `onOutcome` sees each outcome. */
  async run(o: { pollMs?: number; signal: AbortSignal; onOutcome?: (r: ParticipantOutcome) => void }): Promise<void> {
    while (!o.signal.aborted) {
      for (const r of await this.poll()) o.onOutcome?.(r);
      await sleep(o.pollMs ?? 1000, o.signal, "resolve");
    }
  }
}
