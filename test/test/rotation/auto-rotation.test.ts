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
import {
  clusterLayerKey,
  clusterTarget,
  hybridMasterKeyCommitment,
  InvalidInputError,
  masterPublicKeys,
  openLayers,
  sealLayers,
} from "@atoma/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoRotator,
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
});
