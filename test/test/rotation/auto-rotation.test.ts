/**
 * Automatic rotation by policy on an in-process devnet: a post-quantum (hybrid) cluster of 3
 * attested members, node meters reporting bytes sealed under the active key, the AutoRotator
 * starting a rotation on the byte threshold and then on the interval, members acking through
 * their RotationParticipants (real keys, real chain), old master keys destroyed on disk after
 * the grace period, and layers sealed to the cluster opening with the new hybrid key.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DemoChain, RegisteredNode } from "@atoma/demo/network";
import { publishPqKey } from "@atoma/node-runner";
import {
  attestedNodeOf,
  clusterLayerKey,
  clusterTarget,
  generateMlKemKeyPair,
  hybridMasterKeyCommitment,
  InvalidInputError,
  MoveAbortError,
  masterPublicKeys,
  mlkemKeyHash,
  openAsNode,
  openLayers,
  sealForNodes,
  sealLayers,
} from "@atoma/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoRotator,
  ChainSealedBytesReports,
  MasterKeyStore,
  MemoryKeyDistribution,
  MemoryUsageReports,
  RotationCoordinator,
  type RotationParticipant,
  SealedBytesMeter,
  validateRotationPolicy,
} from "../../../node-runner/src/rotation/index.js";
import { participantsFor, startRotationChain } from "./setup.js";

const GRACE_MS = 60_000n;
const INTERVAL_MS = 600_000n;

describe("automatic rotation by policy", () => {
  let chain: DemoChain;
  let dir: string;
  const nodes: RegisteredNode[] = [];
  let clusterId: string;
  let masterCapId: string;
  let masterKeys: MasterKeyStore;
  let auto: AutoRotator;
  let participants: RotationParticipant[];
  let memberStores: MasterKeyStore[];
  const usage = new MemoryUsageReports();
  const now = () => chain.devnet.clock.now();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "atoma-autorot-"));
    let members: RegisteredNode[];
    ({ chain, members } = await startRotationChain("auto-rotation-e2e", GRACE_MS, dir));
    nodes.push(...members);
    masterKeys = new MasterKeyStore(path.join(dir, "master"));
    const created = await RotationCoordinator.createCluster({
      chain: chain.atoma,
      signer: chain.admin,
      members: nodes.map((n) => n.nodeId),
      ackQuorumBps: 6_700n,
      keys: masterKeys,
      postQuantum: true,
    });
    clusterId = created.clusterId;
    masterCapId = created.masterCapId;
    expect(created.masterMlkemPk?.length).toBe(1184);
    const distribution = new MemoryKeyDistribution();
    const coordinator = new RotationCoordinator({
      chain: chain.atoma,
      signer: chain.admin,
      clusterId,
      masterCapId: created.masterCapId,
      keys: masterKeys,
      distribution,
      now,
      postQuantum: true,
    });
    ({ participants, stores: memberStores } = participantsFor(chain, nodes, { dir, distribution, now }));
    // each member accepts its invitation (its participant's first poll)
    for (const p of participants) expect((await p.poll()).map((o) => o.kind)).toEqual(["joined"]);
    auto = new AutoRotator({
      coordinator,
      chain: chain.atoma,
      keys: masterKeys,
      usage,
      policy: { intervalMs: INTERVAL_MS, maxBytes: 4096 },
      ackWindowMs: 300_000,
      now,
      stateFile: path.join(dir, "auto-rotation.json"),
    });
  });
  afterAll(async () => {
    await chain?.devnet.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function completeRotation(epoch: bigint) {
    for (const p of participants) expect((await p.poll()).map((o) => o.kind)).toContain("acked");
    const ev = await auto.tick();
    expect(ev.find((e) => e.kind === "step")).toMatchObject({ step: { state: "completed", epoch } });
    for (const p of participants) await p.poll();
  }

  it("refuses a zero (or missing) policy, naming the field", () => {
    expect(() => validateRotationPolicy({ intervalMs: 0, maxBytes: 10 })).toThrow(InvalidInputError);
    expect(() => validateRotationPolicy({ intervalMs: 0, maxBytes: 10 })).toThrow(
      /rotationPolicy\.intervalMs: must be > 0/,
    );
    expect(() => validateRotationPolicy({ intervalMs: 10, maxBytes: 0n })).toThrow(/rotationPolicy\.maxBytes/);
    expect(() => validateRotationPolicy({ intervalMs: 1.5, maxBytes: 10 })).toThrow(/positive integer/);
    expect(() => validateRotationPolicy(null)).toThrow(/rotationPolicy/);
  });

  it("nothing is due on a fresh key; bytes reported by the nodes past maxBytes start a rotation", async () => {
    expect(await auto.tick()).toEqual([]);
    const meters = nodes.map((n) => new SealedBytesMeter(n.nodeId, usage));
    await meters[0]?.add(clusterId, 0n, 2000);
    await meters[1]?.add(clusterId, 0n, 1000);
    expect(await auto.tick()).toEqual([]); // 3000 < 4096
    // a repeated cumulative report does not count twice
    await usage.report({ clusterId, epoch: 0n, nodeId: nodes[0]?.nodeId as string, bytes: 2000n });
    expect(await usage.total(clusterId, 0n)).toBe(3000n);
    await meters[2]?.add(clusterId, 0n, 1500);
    const ev = await auto.tick();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: "started", reason: "bytes", epoch: 1n, bytes: 4500n });
    await completeRotation(1n);
    const c = await chain.atoma.getCluster(clusterId);
    expect(c.epoch).toBe("1");
    // every member holds the 96-byte hybrid secret whose hybrid commitment is on chain
    for (const s of memberStores) {
      const k = s.load(clusterId, 1n);
      expect(k?.status).toBe("active");
      expect(k?.secretKey.length).toBe(96);
      const p = masterPublicKeys(k?.secretKey as Uint8Array);
      expect(hybridMasterKeyCommitment(p.masterPk, p.masterMlkemPk as Uint8Array)).toEqual(
        Uint8Array.from(c.commitment),
      );
    }
  });

  it("a system layer sealed to the new hybrid cluster key opens with a member's key", async () => {
    const sk = memberStores[1]?.load(clusterId, 1n)?.secretKey as Uint8Array;
    const p = masterPublicKeys(sk);
    const requestId = `0x${"77".repeat(32)}`;
    const layers = sealLayers(
      { requestId },
      {
        user: {
          payload: new Uint8Array([1, 2, 3]),
          recipients: [clusterTarget(clusterId, p.masterPk, p.masterMlkemPk)],
        },
        system: {
          payload: new TextEncoder().encode("sys"),
          recipients: [clusterTarget(clusterId, p.masterPk, p.masterMlkemPk)],
        },
      },
    );
    const key = clusterLayerKey(clusterId, sk);
    const o = openLayers({ requestId }, { container: layers, keys: { user: key, system: key } });
    expect(new TextDecoder().decode(o.system)).toBe("sys");
  });

  it("the old key is kept during the grace period, then destroyed on disk; the interval starts the next rotation", async () => {
    const f0 = path.join(masterKeys.dir, clusterId, "epoch-0.json");
    expect(existsSync(f0)).toBe(true);
    expect(await auto.tick()).toEqual([]); // within grace, fresh epoch, no bytes
    expect(existsSync(f0)).toBe(true);
    const c = await chain.atoma.getCluster(clusterId);
    chain.devnet.clock.advance(BigInt(c.previous_valid_until_ms) - now());
    const ev = await auto.tick();
    expect(ev).toEqual([{ kind: "destroyed", epoch: 0n }]);
    expect(existsSync(f0)).toBe(false);
    expect(masterKeys.load(clusterId, 1n)?.status).toBe("active");
    // the interval: the epoch-1 key is INTERVAL_MS old
    chain.devnet.clock.advance(INTERVAL_MS);
    const ev2 = await auto.tick();
    expect(ev2[0]).toMatchObject({ kind: "started", reason: "interval", epoch: 2n, bytes: 0n });
    await completeRotation(2n);
    const c2 = await chain.atoma.getCluster(clusterId);
    expect(c2.epoch).toBe("2");
    // members keep their epoch-1 key during the grace period, and destroy it on disk after
    const f1 = path.join(memberStores[0]?.dir as string, clusterId, "epoch-1.json");
    expect(existsSync(f1)).toBe(true);
    chain.devnet.clock.advance(BigInt(c2.previous_valid_until_ms) - now());
    for (const [i, p] of participants.entries()) {
      expect(await p.poll()).toEqual([{ kind: "destroyed", clusterId, epoch: 1n }]);
      expect(memberStores[i]?.load(clusterId, 1n)).toBeNull();
      expect(memberStores[i]?.load(clusterId, 2n)?.status).toBe("active");
    }
    expect(existsSync(f1)).toBe(false);
  });

  it("policy, ML-KEM key hashes and sealed-byte reports are on chain; a zero policy is refused by the contract", async () => {
    const c = await chain.atoma.getCluster(clusterId);
    // the AutoRotator published its policy; the coordinator decides from the chain's
    expect([c.interval_ms, c.max_bytes]).toEqual([String(INTERVAL_MS), "4096"]);
    expect(AutoRotator.chainPolicy(c)).toEqual({ intervalMs: INTERVAL_MS, maxBytes: 4096n });
    // the cluster carries the current hybrid key's ML-KEM hash (start_rotation_pq), the previous one too
    const sk = masterKeys.load(clusterId, BigInt(c.epoch))?.secretKey as Uint8Array;
    const { masterMlkemPk } = masterPublicKeys(sk);
    expect(Uint8Array.from(c.mlkem_pk_hash)).toEqual(mlkemKeyHash(masterMlkemPk as Uint8Array));
    expect(c.previous_mlkem_pk_hash).toHaveLength(32);
    expect(c.previous_mlkem_pk_hash).not.toEqual(c.mlkem_pk_hash);
    // a node without an ML-KEM key hash on chain is refused for post-quantum requests; the
    // node-runner's publishPqKey (run by startNode) publishes it once, and sealing then works
    const n0 = nodes[0] as RegisteredNode;
    const ml = generateMlKemKeyPair();
    const requestId = `0x${"78".repeat(32)}`;
    const seal = async () =>
      sealForNodes({
        requestId,
        payload: new Uint8Array([9]),
        recipients: [
          attestedNodeOf(n0.nodeId, await chain.atoma.getNode(n0.nodeId), {
            mlkemPk: ml.publicKey,
            mlkemKeyHash: mlkemKeyHash(ml.publicKey),
          }),
        ],
        postQuantum: true,
        nowMs: now(),
      });
    await expect(seal()).rejects.toThrow(/node record has no ML-KEM-768 key hash on chain/);
    const pub = { signer: n0.keys.signer, nodeId: n0.nodeId, nodeCap: n0.nodeCapId, mlkemPk: ml.publicKey };
    expect((await publishPqKey(chain.atoma, pub)).status).toBe("published");
    expect((await publishPqKey(chain.atoma, pub)).status).toBe("unchanged");
    expect(Uint8Array.from((await chain.atoma.getNode(n0.nodeId)).mlkem_pk_hash)).toEqual(mlkemKeyHash(ml.publicKey));
    const { envelope } = await seal();
    expect(openAsNode({ requestId, envelope, nodeId: n0.nodeId, encSk: n0.keys.encSk, mlkemSk: ml.secretKey })).toEqual(
      new Uint8Array([9]),
    );
    // members report on chain in batches of 1000 bytes: 999 sends nothing, 1 more sends the batch
    const reporters = nodes.map(
      (n) =>
        new ChainSealedBytesReports({
          chain: chain.atoma,
          signer: n.keys.signer,
          nodeCap: n.nodeCapId,
          batchBytes: 1000,
        }),
    );
    const epoch = BigInt(c.epoch);
    const m0 = new SealedBytesMeter(n0.nodeId, reporters[0] as ChainSealedBytesReports);
    await m0.add(clusterId, epoch, 999);
    expect((await chain.atoma.getCluster(clusterId)).sealed_bytes).toBe("0");
    await m0.add(clusterId, epoch, 1);
    expect((await chain.atoma.getCluster(clusterId)).sealed_bytes).toBe("1000");
    const m1 = new SealedBytesMeter(nodes[1]?.nodeId as string, reporters[1] as ChainSealedBytesReports);
    await m1.add(clusterId, epoch, 500);
    await (reporters[1] as ChainSealedBytesReports).flush();
    const read = new ChainSealedBytesReports({ chain: chain.atoma, batchBytes: 1 });
    expect(await read.total(clusterId, epoch)).toBe(1500n);
    expect(await read.total(clusterId, epoch + 1n)).toBe(0n);
    const reports: string[] = [];
    let cursor: { after: string | null } = { after: null };
    for (;;) {
      const page = await chain.atoma.listEvents(cursor, 200);
      for (const e of page.events) if (e.event.name === "SealedBytesReported") reports.push(String(e.event.data.bytes));
      if (!page.hasNextPage) break;
      cursor = page.cursor;
    }
    expect(reports).toEqual(["1000", "500"]);
    // a report for another epoch is refused by the contract
    await expect(
      chain.atoma.reportSealedBytes(n0.keys.signer, { clusterId, nodeCap: n0.nodeCapId, epoch: epoch + 1n, bytes: 1 }),
    ).rejects.toThrow(/EWrongEpoch/);
    // the bytes on chain decide: 2600 more (4100 ≥ 4096) make a rotation due, without any off-chain report
    const fresh = new AutoRotator({
      coordinator: auto.o.coordinator,
      chain: chain.atoma,
      keys: masterKeys,
      usage: read,
      ackWindowMs: 300_000,
      now,
    });
    expect(await fresh.due()).toBeNull();
    await m1.add(clusterId, epoch, 2600);
    expect(await fresh.due()).toMatchObject({ reason: "bytes", bytes: 4100n });
    // zero is refused on chain with its own error, whatever the off-chain check says
    const err = await chain.atoma
      .setRotationPolicy(chain.admin, { clusterId, masterCap: masterCapId, intervalMs: 0, maxBytes: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    expect((err as MoveAbortError).constantName).toBe("EZeroPolicy");
    await expect(
      chain.atoma.setRotationPolicy(chain.admin, { clusterId, masterCap: masterCapId, intervalMs: 10, maxBytes: 0 }),
    ).rejects.toThrow(/EZeroPolicy/);
  });
});
