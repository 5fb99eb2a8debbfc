/**
 * Coordinated master-key rotation end to end on an in-process devnet with the atoma binding:
 * the real SDK (AtomaClient over SuiJsonRpcClient), real X25519/Ed25519, verifier-signed
 * attestations, node-runner's RotationCoordinator and RotationParticipants, and the indexer's
 * audit trail. (startChain = startDevnet + publishAtoma + admin setup, from node-runner's demo.)
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type DemoChain, type RegisteredNode, registerNode, startDemoIndexer } from "@atoma/demo/network";
import type { RunningIndexer } from "@atoma/indexer";
import {
  blake2b256,
  buildRemoveMember,
  bytesToHex,
  MoveAbortError,
  openAsNode,
  sealForNodes,
  x25519PublicKey,
} from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MasterKeyStore,
  MemoryKeyDistribution,
  RotationCoordinator,
  type RotationParticipant,
  rotationBinding,
  runRotationParticipant,
} from "../../../node-runner/src/rotation/index.js";
import {
  assertClusterKey,
  ClusterKeyError,
  ClusterKeyring,
  openForCluster,
  sealForCluster,
} from "../../../sdk/src/cluster/index.js";
import { participantsFor, startRotationChain } from "./setup.js";

const GRACE_MS = 120_000n;
const enc = new TextEncoder();

describe("key rotation sessions end to end", () => {
  let chain: DemoChain;
  let indexer: RunningIndexer | undefined;
  let dir: string;
  const nodes: RegisteredNode[] = [];
  let outsider: RegisteredNode;
  let coordinator: RotationCoordinator;
  let participants: RotationParticipant[];
  let stores: MasterKeyStore[];
  let clusterId: string;
  let masterPk0: Uint8Array;
  let masterPk1: Uint8Array;
  const distribution = new MemoryKeyDistribution();
  const now = () => chain.devnet.clock.now();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "atoma-rotation-"));
    let members: RegisteredNode[];
    ({ chain, members } = await startRotationChain("rotation-e2e", GRACE_MS, dir));
    nodes.push(...members);
    outsider = await registerNode(chain, path.join(dir, "node3"), { capabilities: ["x"], price: 1n, attest: false });
    indexer = await startDemoIndexer(chain);
  });
  afterAll(async () => {
    await indexer?.stop();
    await chain?.devnet.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("creates a cluster of 3 attested members + 1 unattested one, master key stored 0600", async () => {
    const masterKeys = new MasterKeyStore(path.join(dir, "master"));
    const created = await RotationCoordinator.createCluster({
      chain: chain.atoma,
      signer: chain.admin,
      members: [...nodes.map((n) => n.nodeId), outsider.nodeId],
      ackQuorumBps: 5_000n, // ceil(5 000 × 4 / 10 000) = 2 acks
      keys: masterKeys,
    });
    clusterId = created.clusterId;
    masterPk0 = created.masterPk;
    const c = await chain.atoma.getCluster(clusterId);
    expect(c.epoch).toBe("0");
    expect(Uint8Array.from(c.commitment)).toEqual(blake2b256(masterPk0));
    const f = path.join(masterKeys.dir, clusterId, "epoch-0.json");
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(masterKeys.load(clusterId, 0n)?.status).toBe("active");
    coordinator = new RotationCoordinator({
      chain: chain.atoma,
      signer: chain.admin,
      clusterId,
      masterCapId: created.masterCapId,
      keys: masterKeys,
      distribution,
      now,
    });
    ({ participants, stores } = participantsFor(chain, [...nodes, outsider], {
      dir,
      distribution,
      now,
      cursors: true,
    }));
    // Listed nodes are only invited: each participant accepts with its own NodeCap on its first poll.
    expect(c.members).toEqual([]);
    expect([...c.invited].sort()).toEqual([...nodes, outsider].map((n) => n.nodeId).sort());
    for (const p of participants) expect(await p.poll()).toEqual([{ kind: "joined", clusterId, epoch: 0n }]);
    const joined = await chain.atoma.getCluster(clusterId);
    expect([...joined.members].sort()).toEqual([...nodes, outsider].map((n) => n.nodeId).sort());
    expect(joined.invited).toEqual([]);
  });

  it("rotation 1: attested members fetch the key, ack; completes at quorum; old key honoured during grace only", async () => {
    const started = await coordinator.startRotation({ deadlineMs: now() + 600_000n });
    expect(started.epoch).toBe(1n);
    expect([...started.recipients].sort()).toEqual(nodes.map((n) => n.nodeId).sort());
    expect(started.skipped.map((s) => s.nodeId)).toEqual([outsider.nodeId]);
    // The unattested member's participant refuses locally; its direct ack aborts on chain.
    const [o0, o1, o2, o3] = await Promise.all(participants.map((p) => p.poll()));
    expect(o3?.filter((o) => o.kind !== "activated")).toEqual([
      { kind: "refused", clusterId, epoch: 1n, reason: "not attested: has no attestation" },
    ]);
    const bad = await chain.atoma
      .ackRotation(outsider.keys.signer, {
        clusterId,
        nodeCap: outsider.nodeCapId,
        epoch: 1n,
        commitment: started.commitment,
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(MoveAbortError);
    expect((bad as MoveAbortError).module).toBe("cluster");
    expect((bad as MoveAbortError).constantName).toBe("ENotAttested");
    for (const o of [o0, o1, o2]) expect(o?.map((x) => x.kind)).toEqual(["acked"]);
    // Every attested member holds the same key, matching the on-chain pending commitment.
    const pending = await chain.atoma.getCluster(clusterId);
    expect(pending.pending?.acks).toHaveLength(3);
    for (const s of stores.slice(0, 3)) {
      const k = s.load(clusterId, 1n);
      expect(k?.status).toBe("pending");
      expect(k?.commitment).toEqual(started.commitment);
      expect(Uint8Array.from(pending.pending?.commitment ?? [])).toEqual(started.commitment);
    }
    expect(stores[3]?.load(clusterId, 1n)).toBeNull();

    const step = await coordinator.step();
    expect(step.state).toBe("completed");
    const c1 = await chain.atoma.getCluster(clusterId);
    expect(c1.epoch).toBe("1");
    expect(Uint8Array.from(c1.commitment)).toEqual(started.commitment);
    expect(Uint8Array.from(c1.previous_commitment)).toEqual(blake2b256(masterPk0));
    const graceUntil = BigInt(c1.previous_valid_until_ms);
    expect(graceUntil - now()).toBeLessThanOrEqual(GRACE_MS);
    expect(graceUntil - now()).toBeGreaterThan(GRACE_MS - 30_000n);
    // Members mark the key active when they see KeyRotationCompleted.
    for (const [i, p] of participants.slice(0, 3).entries()) {
      expect((await p.poll()).map((x) => x.kind)).toEqual(["activated"]);
      expect(stores[i]?.load(clusterId, 1n)?.status).toBe("active");
    }
    const newSk = stores[0]?.load(clusterId, 1n)?.secretKey as Uint8Array;
    masterPk1 = x25519PublicKey(newSk);
    expect(blake2b256(masterPk1)).toEqual(started.commitment);

    // SDK encryption: the new key is the current one; the old key is accepted within grace.
    const requestId = `0x${"42".repeat(32)}`;
    const payload = enc.encode("confidential prompt");
    expect(assertClusterKey(c1, masterPk1, now())).toBe("current");
    expect(assertClusterKey(c1, masterPk0, now())).toBe("previous");
    const sealedNew = sealForCluster({ cluster: c1, masterPk: masterPk1, requestId, payload, nowMs: now() });
    const ring = new ClusterKeyring();
    ring.add(newSk);
    expect(ring.open({ cluster: c1, requestId, envelope: sealedNew, nowMs: now() })).toEqual(payload);
    const oldSk = coordinator.o.keys.load(clusterId, 0n)?.secretKey as Uint8Array;
    const sealedOld = sealForCluster({ cluster: c1, masterPk: masterPk0, requestId, payload, nowMs: now() });
    expect(openForCluster({ clusterId, requestId, envelope: sealedOld, masterSk: oldSk })).toEqual(payload);
    // Past the grace period (chain clock), the old key is refused.
    chain.devnet.clock.advance(graceUntil - now());
    const late = (() => {
      try {
        sealForCluster({ cluster: c1, masterPk: masterPk0, requestId, payload, nowMs: now() });
      } catch (e) {
        return e;
      }
    })();
    expect(late).toBeInstanceOf(ClusterKeyError);
    expect((late as ClusterKeyError).reason).toBe("grace-expired");
    expect(assertClusterKey(c1, masterPk1, now())).toBe("current");
  });

  it("rotation 2: only 1 of 3 acks; completion refused; aborted after the deadline, epoch unchanged", async () => {
    const deadlineMs = now() + 60_000n;
    const started = await coordinator.startRotation({ deadlineMs });
    expect(started.epoch).toBe(2n);
    expect((await participants[0]?.poll())?.map((x) => x.kind)).toEqual(["acked"]);
    const early = await coordinator.step();
    expect(early).toMatchObject({ state: "waiting", epoch: 2n, acks: 1, needed: 2n, deadlineMs });
    const notYet = await chain.atoma.completeRotation(chain.admin, clusterId).catch((e: unknown) => e);
    expect((notYet as MoveAbortError).constantName).toBe("EQuorumNotReached");
    chain.devnet.clock.advance(deadlineMs - now());
    // A late ack is refused locally (deadline) and on chain (EDeadlinePassed).
    expect((await participants[1]?.poll())?.map((x) => x.kind)).toEqual(["refused"]);
    const lateAck = await chain.atoma
      .ackRotation(nodes[1]!.keys.signer, {
        clusterId,
        nodeCap: nodes[1]!.nodeCapId,
        epoch: 2n,
        commitment: started.commitment,
      })
      .catch((e: unknown) => e);
    expect((lateAck as MoveAbortError).constantName).toBe("EDeadlinePassed");
    const step = await coordinator.step();
    expect(step).toEqual({ state: "aborted", epoch: 2n });
    const c = await chain.atoma.getCluster(clusterId);
    expect(c.epoch).toBe("1");
    expect(c.pending).toBeNull();
    expect(Uint8Array.from(c.commitment)).toEqual(blake2b256(masterPk1));
    expect(coordinator.o.keys.load(clusterId, 2n)?.status).toBe("aborted");
    expect((await participants[0]?.poll())?.map((x) => x.kind)).toEqual(["aborted"]);
    expect(stores[0]?.load(clusterId, 2n)?.status).toBe("aborted");
    // The key envelope opens only for a recipient member, with the rotation's binding.
    const envelope = (await distribution.get(clusterId, 2n)) as Uint8Array;
    expect(() =>
      openAsNode({
        inputHash: rotationBinding(clusterId, 1n, started.commitment),
        envelope,
        nodeId: nodes[0]!.nodeId,
        encSk: nodes[0]!.keys.encSk,
      }),
    ).toThrow(/bound to another request/);
    expect(() =>
      openAsNode({
        inputHash: rotationBinding(clusterId, 2n, started.commitment),
        envelope,
        nodeId: outsider.nodeId,
        encSk: outsider.keys.encSk,
      }),
    ).toThrow(/no entry for recipient/);
  });

  it("a member refuses a distributed key that does not match the on-chain commitment", async () => {
    const started = await coordinator.startRotation({ deadlineMs: now() + 600_000n });
    expect(started.epoch).toBe(2n);
    // Replace the published envelope with a well-formed one carrying another key.
    const wrong = sealForNodes({
      inputHash: rotationBinding(clusterId, 2n, started.commitment),
      payload: new Uint8Array(32).fill(7),
      recipients: nodes.map((n) => ({ nodeId: n.nodeId, encPk: n.keys.encPk })),
      requireAttestation: false,
    }).envelope;
    await distribution.put(clusterId, 2n, wrong);
    const out = await participants[2]?.poll();
    // First the aborted session's KeyRotationStarted (superseded), then the new one.
    expect(out).toHaveLength(2);
    expect(out?.[0]).toEqual({ kind: "refused", clusterId, epoch: 2n, reason: "no longer pending on chain" });
    expect(out?.[1]).toMatchObject({ kind: "refused", epoch: 2n });
    expect((out?.[1] as { reason: string } | undefined)?.reason).toMatch(/!= on-chain commitment/);
    expect(stores[2]?.load(clusterId, 2n)).toBeNull();
    expect((await chain.atoma.getCluster(clusterId)).pending?.acks).toEqual([]);
  });

  it("the daemon hook (runRotationParticipant) picks up the next rotation and activates the key", async () => {
    const stale = (await chain.atoma.getCluster(clusterId)).pending;
    chain.devnet.clock.advance(BigInt(stale?.deadline_ms ?? 0) - now());
    expect(await coordinator.step()).toEqual({ state: "aborted", epoch: 2n });
    const started = await coordinator.startRotation({ deadlineMs: now() + 600_000n });
    const ctl = new AbortController();
    const stateDirs = nodes.map((_n, i) => path.join(dir, `daemon${i}`));
    const loops = nodes.map((n, i) =>
      runRotationParticipant({
        atoma: chain.atoma,
        keys: n.keys,
        nodeId: n.nodeId,
        nodeCapId: n.nodeCapId,
        stateDir: stateDirs[i] as string,
        distribution,
        signal: ctl.signal,
        pollMs: 100,
        now,
      }),
    );
    let step = await coordinator.step();
    for (let i = 0; i < 100 && step.state === "waiting"; i++) {
      await new Promise((res) => setTimeout(res, 100));
      step = await coordinator.step();
    }
    expect(step).toEqual({ state: "completed", epoch: 2n, commitment: started.commitment });
    // Members see KeyRotationCompleted on a later poll: wait until all three keys are active.
    const stores2 = stateDirs.map((d) => new MasterKeyStore(path.join(d, "cluster-keys")));
    for (let i = 0; i < 50 && !stores2.every((s) => s.load(clusterId, 2n)?.status === "active"); i++)
      await new Promise((res) => setTimeout(res, 100));
    ctl.abort();
    await Promise.all(loops);
    for (const s of stores2) {
      const k = s.load(clusterId, 2n);
      expect(k?.status).toBe("active");
      expect(k?.commitment).toEqual(started.commitment);
      expect(statSync(path.join(s.dir, clusterId, "epoch-2.json")).mode & 0o777).toBe(0o600);
    }
    const c = await chain.atoma.getCluster(clusterId);
    expect(c.epoch).toBe("2");
    expect(Uint8Array.from(c.previous_commitment)).toEqual(blake2b256(masterPk1));
  });

  it("the master removes a member: its participant ignores the cluster's next rotation, the others complete it", async () => {
    const c0 = await chain.atoma.getCluster(clusterId);
    const tx = new Transaction();
    tx.setSender(chain.admin.toSuiAddress());
    buildRemoveMember(tx, {
      packageId: chain.atoma.config.packageId,
      cluster: { objectId: clusterId, initialSharedVersion: c0.meta.initialSharedVersion as string },
      masterCap: coordinator.o.masterCapId,
      nodeId: outsider.nodeId,
    });
    await chain.atoma.execute(tx, chain.admin);
    const out = await participants[3]?.poll();
    expect(out?.filter((o) => o.kind === "removed")).toEqual([{ kind: "removed", clusterId, epoch: 2n }]);
    const c = await chain.atoma.getCluster(clusterId);
    expect([...c.members].sort()).toEqual(nodes.map((n) => n.nodeId).sort());
    const started = await coordinator.startRotation({ deadlineMs: now() + 600_000n });
    expect(started.epoch).toBe(3n);
    expect(started.skipped).toEqual([]);
    // Before the removal the outsider's participant answered every rotation (refused: not attested).
    expect(await participants[3]?.poll()).toEqual([]);
    const bad = await chain.atoma
      .ackRotation(outsider.keys.signer, {
        clusterId,
        nodeCap: outsider.nodeCapId,
        epoch: 3n,
        commitment: started.commitment,
      })
      .catch((e: unknown) => e);
    expect((bad as MoveAbortError).constantName).toBe("ENotMember");
    for (const p of participants.slice(0, 2)) expect((await p.poll()).map((o) => o.kind)).toContain("acked");
    expect(await coordinator.step()).toEqual({ state: "completed", epoch: 3n, commitment: started.commitment });
  });

  it("the coordinator does not start a rotation that cannot reach its quorum of attested members", async () => {
    const keys = new MasterKeyStore(path.join(dir, "master-b"));
    const b = await RotationCoordinator.createCluster({
      chain: chain.atoma,
      signer: chain.admin,
      members: [outsider.nodeId, nodes[0]!.nodeId],
      ackQuorumBps: 10_000n,
      keys,
    });
    const coord0 = { chain: chain.atoma, signer: chain.admin, clusterId: b.clusterId, masterCapId: b.masterCapId };
    // Listed without consent: no member yet, so no rotation (the coordinator and the chain refuse).
    await expect(
      new RotationCoordinator({ ...coord0, keys, distribution, now }).startRotation({ deadlineMs: now() + 60_000n }),
    ).rejects.toThrow(/no member has accepted yet \(2 invited\)/);
    for (const p of [participants[3], participants[0]])
      expect((await p?.poll())?.filter((o) => o.kind === "joined")).toEqual([
        { kind: "joined", clusterId: b.clusterId, epoch: 0n },
      ]);
    const coord = new RotationCoordinator({
      chain: chain.atoma,
      signer: chain.admin,
      clusterId: b.clusterId,
      masterCapId: b.masterCapId,
      keys,
      distribution,
      now,
    });
    await expect(coord.startRotation({ deadlineMs: now() + 60_000n })).rejects.toThrow(
      /only 1 attested members for an ack quorum of 2/,
    );
    const c = await chain.atoma.getCluster(b.clusterId);
    expect(c.pending).toBeNull();
    expect(keys.list(b.clusterId).map((k) => k.epoch)).toEqual([0n]);
    expect(await distribution.get(b.clusterId, 1n)).toBeNull();
  });

  it("the indexer's audit trail lists the rotations with their acks", async () => {
    if (!indexer?.url) throw new Error("indexer has no API url");
    await indexer.waitForCursor({ timeoutMs: 30_000 });
    type Row = { epoch: string; status: string | null; commitment: string | null; ackedBy: string[] };
    const rows = async () => {
      const r = await fetch(`${indexer?.url}/v1/key-rotations?cluster=${clusterId}`);
      expect(r.status).toBe(200);
      return ((await r.json()) as { items: Row[] }).items;
    };
    // The last events become visible after the next checkpoint.
    let items = await rows();
    for (let i = 0; i < 40 && items.find((x) => x.epoch === "3")?.status !== "completed"; i++) {
      await new Promise((res) => setTimeout(res, 250));
      items = await rows();
    }
    const body = { items };
    const byEpoch = new Map(body.items.map((i) => [i.epoch, i]));
    const e1 = byEpoch.get("1");
    expect(e1?.status).toBe("completed");
    expect(byEpoch.get("2")?.status).toBe("completed");
    expect(byEpoch.get("3")?.status).toBe("completed");
    expect(e1?.commitment?.replace(/^0x/, "")).toBe(bytesToHex(blake2b256(masterPk1)));
    expect([...(e1?.ackedBy ?? [])].sort()).toEqual(nodes.map((n) => n.nodeId).sort());
  });
});
