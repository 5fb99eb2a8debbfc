/**
 * The demo's confidential requests with composable encryption v2: hybrid (X25519 + ML-KEM-768)
 * keys for every node, a post-quantum cluster of the attested nodes whose master key opens the
 * system and application layers, and automatic rotation of that key by policy while the demo
 * runs (nodes meter the bytes they open under the active key; the coordinator rotates when
 * they pass `maxBytes` or the key is `intervalMs` old).
 *
 * Each node's ML-KEM key is the one in its keystore; its hash is on the node's record
 * (`node::set_pq_key`), and the demo verifier checks the simulated report data
 * `reportDataFor(sigPk, encPk, mlkemPk)` (the TEE binding); requesters check both. The rotation
 * policy is on the Cluster (`set_rotation_policy`, published by the AutoRotator).
 */
import path from "node:path";
import {
  type AutoRotationEvent,
  AutoRotator,
  type LayeredKeys,
  MasterKeyStore,
  MemoryKeyDistribution,
  MemoryUsageReports,
  publishPqKey,
  RotationCoordinator,
  RotationParticipant,
  SealedBytesMeter,
} from "@atoma/node-runner";
import {
  assertClusterKey,
  attestedNodeOf,
  attestedNodeTargets,
  checkMlKemBinding,
  clusterTarget,
  expandMlKemSecret,
  generateEncryptionKeyPair,
  generateMlKemKeyPair,
  hashOutput,
  masterPublicKeys,
  type NodeRecipient,
  reportDataFor,
  sealLayers,
  userTarget,
} from "@atoma/sdk";
import type { DemoChain, RegisteredNode } from "./network.js";

/** Rotate after this many bytes opened under one master key (small, so the demo sees a rotation). */
const DEMO_ROTATION_POLICY = { intervalMs: 600_000, maxBytes: 64 };

const DEMO_SYSTEM_PROMPT = "You are the dapp's private assistant. Keep answers short.";
const DEMO_APP_SETTINGS = { maxTokens: 12 };

interface NodeState {
  mlkemPk: Uint8Array;
  mlkemDk: Uint8Array;
  mlkemKeyHash?: Uint8Array;
  store?: MasterKeyStore;
  meter?: SealedBytesMeter;
  participant?: RotationParticipant;
}

export class ConfidentialDemo {
  readonly user = { x: generateEncryptionKeyPair(), ml: generateMlKemKeyPair() };
  readonly events: AutoRotationEvent[] = [];
  #nodes: NodeState[] = [];
  #clusterId: string | null = null;
  #coordinatorKeys: MasterKeyStore;
  #auto: AutoRotator | null = null;
  #ac = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    readonly log: (line: string) => void,
  ) {
    this.#coordinatorKeys = new MasterKeyStore(path.join(dir, "coordinator-keys"));
  }

  /** Keys for node `i` (call before starting it; the cluster part fills in once `start` ran). */
  layeredFor(i: number, keys?: { mlkemPk?: Uint8Array; mlkemSk?: Uint8Array }): LayeredKeys {
    let st: NodeState;
    if (keys?.mlkemPk && keys.mlkemSk) st = { mlkemPk: keys.mlkemPk, mlkemDk: keys.mlkemSk };
    else {
      const ml = generateMlKemKeyPair();
      st = { mlkemPk: ml.publicKey, mlkemDk: expandMlKemSecret(ml.secretKey).dk };
    }
    this.#nodes[i] = st;
    const self = this;
    return {
      mlkemSk: st.mlkemDk,
      get clusterId() {
        return self.#clusterId ?? undefined;
      },
      clusterKeys: () =>
        self.#clusterId && st.store
          ? st.store
              .list(self.#clusterId)
              .filter((k) => k.status !== "aborted") // pending: acked, about to complete
              .sort((a, b) => (a.epoch > b.epoch ? -1 : 1))
              .map((k) => ({ epoch: k.epoch, secretKey: k.secretKey }))
          : [],
      onClusterBytes: (clusterId, epoch, bytes) => {
        void st.meter?.add(clusterId, epoch, bytes).catch(() => {});
      },
    };
  }

  /** Creates the post-quantum cluster of `nodes`, distributes its first key, starts the auto-rotation loop. */
  async start(chain: DemoChain, nodes: RegisteredNode[]): Promise<void> {
    const usage = new MemoryUsageReports();
    const distribution = new MemoryKeyDistribution();
    const now = () => chain.devnet.clock.now();
    for (const [i, n] of nodes.entries()) {
      const st = this.#nodes[i] as NodeState;
      // demo verifier: the (simulated) report data binds the ML-KEM key in bytes 32..64
      st.mlkemKeyHash = checkMlKemBinding(
        { reportData: reportDataFor(n.keys.sigPk, n.keys.encPk, st.mlkemPk) },
        st.mlkemPk,
      );
      // the node record carries its ML-KEM key hash (node::set_pq_key; startNode publishes the
      // keystore's key, this publishes the demo's key when it was generated here)
      await publishPqKey(chain.atoma, {
        signer: n.keys.signer,
        nodeId: n.nodeId,
        nodeCap: n.nodeCapId,
        mlkemPk: st.mlkemPk,
      });
      st.store = new MasterKeyStore(path.join(this.dir, `node-${i + 1}-cluster-keys`));
      st.meter = new SealedBytesMeter(n.nodeId, usage);
      st.participant = new RotationParticipant({
        chain: chain.atoma,
        signer: n.keys.signer,
        nodeId: n.nodeId,
        nodeCapId: n.nodeCapId,
        encSk: n.keys.encSk,
        mlkemSk: st.mlkemDk,
        keys: st.store,
        distribution,
        now,
      });
    }
    const created = await RotationCoordinator.createCluster({
      chain: chain.atoma,
      signer: chain.admin,
      members: nodes.map((n) => n.nodeId),
      ackQuorumBps: 6_000n,
      keys: this.#coordinatorKeys,
      postQuantum: true,
    });
    this.#clusterId = created.clusterId;
    const mlkemOf = new Map(nodes.map((n, i) => [n.nodeId, this.#nodes[i] as NodeState]));
    const coordinator = new RotationCoordinator({
      chain: chain.atoma,
      signer: chain.admin,
      clusterId: created.clusterId,
      masterCapId: created.masterCapId,
      keys: this.#coordinatorKeys,
      distribution,
      now,
      postQuantum: true,
      memberMlkemKey: (id) => {
        const s = mlkemOf.get(id);
        return s?.mlkemKeyHash ? { mlkemPk: s.mlkemPk, mlkemKeyHash: s.mlkemKeyHash } : null;
      },
    });
    // Listed nodes are only invited: each accepts with its own NodeCap (its participant's poll).
    await this.#pollMembers();
    // Members join after create_cluster: a first (manual) session hands them the key.
    await coordinator.startRotation({ deadlineMs: now() + 300_000n });
    await this.#pollMembers();
    await coordinator.step();
    await this.#pollMembers();
    this.log(
      `• cluster      ${created.clusterId.slice(0, 8)}… post-quantum master key (X25519+ML-KEM-768) held by ${nodes.length} attested nodes, epoch 1; auto-rotation policy ${JSON.stringify(DEMO_ROTATION_POLICY)}`,
    );
    this.#auto = new AutoRotator({
      coordinator,
      chain: chain.atoma,
      keys: this.#coordinatorKeys,
      usage,
      policy: DEMO_ROTATION_POLICY,
      ackWindowMs: 300_000,
      now,
    });
    const auto = this.#auto;
    this.#loop = (async () => {
      while (!this.#ac.signal.aborted) {
        try {
          for (const e of await auto.tick()) {
            this.events.push(e);
            if (e.kind === "started")
              this.log(
                `  ↻ key rotation started automatically: epoch ${e.epoch} (${e.reason}: ${e.bytes} bytes sealed under the active key, policy maxBytes ${DEMO_ROTATION_POLICY.maxBytes})`,
              );
            else if (e.kind === "step" && e.step.state === "completed")
              this.log(
                `  ↻ key rotation completed: epoch ${e.step.epoch} active; the previous key stays valid for the grace period`,
              );
            else if (e.kind === "destroyed")
              this.log(`  ↻ master key of epoch ${e.epoch} destroyed on disk (no longer honoured by the chain)`);
          }
          await this.#pollMembers();
        } catch (err) {
          // e.g. a node's ack racing its daemon for the same gas coin: retried on the next round
          const first = (err as Error).message.split("\n")[0] ?? "";
          if (!/not available for consumption|validator signing failed/.test((err as Error).message))
            this.log(`  ↻ rotation loop: ${first} (retrying)`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  }

  async #pollMembers() {
    await Promise.all(this.#nodes.map((n) => n.participant?.poll()));
  }

  /** Number of rotations the policy started and completed so far. */
  get completedAutoRotations(): number {
    return this.events.filter((e) => e.kind === "step" && e.step.state === "completed").length;
  }

  /** Waits (bounded) until at least one automatic rotation completed. */
  async waitForAutoRotation(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.completedAutoRotations === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    return this.completedAutoRotations > 0;
  }

  /**
   * Seals a confidential text request in three layers, hybrid keys throughout: the user's input
   * to the attested nodes and the user, the dapp's system prompt and application settings to the
   * cluster's current master key (checked against the on-chain commitment).
   */
  async seal(
    chain: DemoChain,
    nodes: RegisteredNode[],
    userInput: Uint8Array,
  ): Promise<{ input: Uint8Array; inputHash: Uint8Array }> {
    if (!this.#clusterId) throw new Error("ConfidentialDemo.start has not run");
    const nowMs = chain.devnet.clock.now();
    const recipients: NodeRecipient[] = await Promise.all(
      nodes.map(async (n, i) => {
        const st = this.#nodes[i] as NodeState;
        // the on-chain record's ML-KEM key hash (published at start) and the verifier's binding
        return attestedNodeOf(n.nodeId, await chain.atoma.getNode(n.nodeId), {
          mlkemPk: st.mlkemPk,
          ...(st.mlkemKeyHash ? { mlkemKeyHash: st.mlkemKeyHash } : {}),
        });
      }),
    );
    const cluster = await chain.atoma.getCluster(this.#clusterId);
    const current = this.#coordinatorKeys.load(this.#clusterId, BigInt(cluster.epoch));
    if (!current) throw new Error(`no master key for epoch ${cluster.epoch}`);
    const { masterPk, masterMlkemPk } = masterPublicKeys(current.secretKey);
    assertClusterKey(cluster, masterPk, nowMs, masterMlkemPk);
    const toCluster = [clusterTarget(this.#clusterId, masterPk, masterMlkemPk)];
    // The user's reply keys ride in its own layer (the output is posted sealed to them); the
    // request's input_hash is the hash of that layer exactly as sealed, which each node checks.
    const userLayer = new TextEncoder().encode(
      JSON.stringify({
        ...(JSON.parse(new TextDecoder().decode(userInput)) as Record<string, unknown>),
        replyTo: {
          x25519: Buffer.from(this.user.x.publicKey).toString("hex"),
          mlkem768: Buffer.from(this.user.ml.publicKey).toString("hex"),
        },
      }),
    );
    const inputHash = hashOutput(userLayer);
    const input = sealLayers(
      { inputHash },
      {
        user: {
          payload: userLayer,
          recipients: [
            ...attestedNodeTargets(recipients, { nowMs }),
            userTarget(this.user.x.publicKey, this.user.ml.publicKey),
          ],
        },
        system: { payload: new TextEncoder().encode(DEMO_SYSTEM_PROMPT), recipients: toCluster },
        application: { payload: new TextEncoder().encode(JSON.stringify(DEMO_APP_SETTINGS)), recipients: toCluster },
      },
    );
    return { input, inputHash };
  }

  /** The user opens the posted (sealed) output and checks it against the agreed hash; waits up to `timeoutMs` for the post. */
  async openOutput(chain: DemoChain, requestId: string, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await chain.atoma.fetchOutput(requestId, {
          userSk: this.user.x.secretKey,
          userMlkemSk: this.user.ml.secretKey,
        });
        return new TextDecoder().decode(r.plaintext);
      } catch (err) {
        if (Date.now() >= end) throw err;
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  }

  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#loop;
  }
}
