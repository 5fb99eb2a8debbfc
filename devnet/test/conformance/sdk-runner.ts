/**
 * Runs a conformance scenario (devnet/test/protocol/scenarios.ts) through the real SDK
 * (`AtomaClient` + SDK transaction builders over `SuiJsonRpcClient`) against a devnet executing the
 * published atoma bytecode: a fresh devnet and a fresh publish per scenario, real Ed25519 keypairs per actor
 * (admin = publisher, requester, keeper, cluster owner, one operator per node), the clock moved
 * with the devnet's clock control.
 *
 * Node identities: on the devnet, node ids and the Random state differ from Move's
 * `test_scenario`, so sampling may pick other nodes (or the same ones in another order). Nodes
 * with the same spec and the same history are interchangeable; at each sampling the scenario's
 * node labels are re-bound to the devnet nodes the chain picked, in the order Move's
 * `test_scenario` picked them (the scenario's `expect.sampled`, asserted by the generated Move test). When the picks cannot be
 * matched by swapping interchangeable nodes, `relabelFailed` is set: the outcome then depends on
 * the randomness itself (only `weighted_sampling` is designed that way).
 */

import * as B from "@atoma/sdk";
import { type AtomaClient, blake2b256, expectedReportData, MoveAbortError, signVerdict } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { type Env, funded } from "../atoma/harness.js";
import {
  ATTESTATION_VALIDITY_MS,
  CAPABILITY,
  encPkOf,
  evidenceHashOf,
  keyCommitmentOf,
  outputHashOf,
  saltOf,
  sigPkOf,
  utf8,
  VERIFIER_PK,
  VERIFIER_SK,
} from "../protocol/calls.js";
import type { Scenario, Step } from "../protocol/scenarios.js";

export interface DevnetNode {
  kp: Ed25519Keypair;
  nodeId: string;
  /** The NodeCap object id (not the node id since issue 13 B stage 2). */
  nodeCap: string;
  sigPk: Uint8Array;
  encPk: Uint8Array;
}

export interface StepResult {
  step: Step;
  digest?: string;
  events: { name: string; data: Record<string, unknown> }[];
  abort?: MoveAbortError;
}

export interface DevnetRun {
  steps: StepResult[];
  /** Scenario node index → devnet node (after re-binding at sampling). */
  nodes: DevnetNode[];
  requestId?: string;
  clusterId?: string;
  /** Sum of the requester's balance changes in transactions it did not send (refunds). */
  refund: bigint;
  relabelFailed: boolean;
  /** The chain sampled the same nodes as the reference run, in another order. */
  orderDiffers: boolean;
  abort?: MoveAbortError;
}

type Json = Record<string, unknown>;

export async function runOnDevnet(env: Env, s: Scenario): Promise<DevnetRun> {
  const { atoma, sui, d, deployed } = env;
  const url = d.url;
  const key = (role: string) => funded(url, `${s.name}:${role}`);
  const [requester, keeper, clusterOwner] = await Promise.all([key("requester"), key("keeper"), key("cluster")]);
  const operators = await Promise.all(s.nodes.map((_n, i) => key(`operator:${i}`)));
  const bound: (DevnetNode | undefined)[] = [];
  const base = {
    packageId: deployed.packageId,
    registry: { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion },
  };
  const admin = { ...base, adminCap: deployed.adminCapId };
  const run: DevnetRun = { steps: [], nodes: [], refund: 0n, relabelFailed: false, orderDiffers: false };
  let masterCap: string | undefined;

  // Each node's history (spec + steps that named it) decides which nodes are interchangeable.
  const history = s.nodes.map((spec) => [JSON.stringify(spec, (_k, v) => (typeof v === "bigint" ? `${v}` : v))]);
  // Round r of the one request is sampled by the r-th sample/escalate step.
  const refSampled = s.expect?.sampled ?? [];
  let sampling = 0;
  // Round 0 commits and reveals the blinded t; the escalation round the output hash.
  let round = 0;

  const node = (i: number): DevnetNode => {
    const n = bound[i];
    if (!n) throw new Error(`scenario ${s.name}: node ${i} used before it registered`);
    return n;
  };
  const exec = async (kp: Ed25519Keypair, build: (tx: Transaction) => void) => {
    const tx = new Transaction();
    tx.setSender(kp.toSuiAddress());
    build(tx);
    return atoma.execute(tx, kp);
  };
  const same = (a: number, b: number) => history[a]!.join("|") === history[b]!.join("|");
  const labelOf = (nodes: (DevnetNode | undefined)[], id: string) => nodes.findIndex((n) => n?.nodeId === id);
  const rebind = (sampledIds: string[]) => {
    const expected = refSampled[sampling++] ?? [];
    if (expected.length !== sampledIds.length) {
      run.relabelFailed = true;
      return;
    }
    // 1. Same nodes in the same order, swapping interchangeable labels.
    const trial = [...bound];
    const positional = expected.every((label, k) => {
      const cur = labelOf(trial, sampledIds[k]!);
      if (cur === label) return true;
      if (cur < 0 || !same(cur, label)) return false;
      [trial[cur], trial[label]] = [trial[label], trial[cur]];
      return true;
    });
    if (positional) {
      bound.splice(0, bound.length, ...trial);
      return;
    }
    // 2. The same set of nodes in another order (outcomes that do not depend on the order agree).
    const want = new Set(expected);
    const set = [...bound];
    for (const id of sampledIds) {
      const cur = labelOf(set, id);
      if (want.has(cur)) continue;
      const swap = expected.find((l) => !sampledIds.includes(set[l]?.nodeId ?? "") && same(l, cur));
      if (cur < 0 || swap === undefined) {
        run.relabelFailed = true;
        return;
      }
      [set[cur], set[swap]] = [set[swap], set[cur]];
    }
    bound.splice(0, bound.length, ...set);
    run.orderDiffers = true;
  };

  for (const step of s.steps) {
    if (step.do === "advance") {
      d.clock.advance(step.ms);
      continue;
    }
    if ("node" in step)
      history[step.node]!.push(
        JSON.stringify({ ...step, node: undefined }, (_k, v) => (typeof v === "bigint" ? `${v}` : v)),
      );
    const result: StepResult = { step, events: [] };
    run.steps.push(result);
    try {
      const res = await doStep(step);
      if (res) {
        result.digest = res.digest;
        result.events = res.events.map((e) => ({ name: e.name, data: e.data as unknown as Json }));
        const sender = stepSender(step);
        if (sender !== requester) {
          const tb = await sui.getTransactionBlock({ digest: res.digest, options: { showBalanceChanges: true } });
          for (const c of tb.balanceChanges ?? []) {
            const owner = c.owner as { AddressOwner?: string };
            if (owner.AddressOwner === requester.toSuiAddress()) run.refund += BigInt(c.amount);
          }
        }
      }
    } catch (e) {
      if (!(e instanceof MoveAbortError)) throw e;
      result.abort = e;
      run.abort = e;
      break;
    }
  }
  run.nodes = bound.map((n, i) => n ?? node(i));
  return run;

  function stepSender(step: Step): Ed25519Keypair {
    switch (step.do) {
      case "set_param":
      case "add_verifier":
      case "allow_measurement":
        return env.admin;
      case "create_request":
        return requester;
      case "create_cluster":
      case "start_rotation":
        return clusterOwner;
      case "sample":
      case "settle":
      case "escalate":
      case "sweep_fees":
      case "complete_rotation":
      case "abort_rotation":
      case "advance":
        return keeper;
      default:
        return node(step.node).kp;
    }
  }

  async function doStep(step: Step): Promise<Awaited<ReturnType<AtomaClient["execute"]>> | undefined> {
    const now = d.clock.now();
    switch (step.do) {
      case "set_param":
        return exec(env.admin, (tx) => B.buildSetParam(tx, { ...admin, name: step.name, value: step.value }));
      case "add_verifier":
        return exec(env.admin, (tx) => B.buildAddVerifier(tx, { ...admin, verifierPk: VERIFIER_PK }));
      case "allow_measurement":
        return exec(env.admin, (tx) =>
          B.buildAllowMeasurement(tx, { ...admin, teeKind: step.teeKind, measurement: utf8(step.measurement) }),
        );
      case "register": {
        const spec = s.nodes[step.node]!;
        const kp = operators[step.node]!;
        const n: DevnetNode = { kp, nodeId: "", nodeCap: "", sigPk: sigPkOf(step.node), encPk: encPkOf(step.node) };
        const res = await atoma.registerNode(kp, {
          stake: spec.stake,
          sigPk: n.sigPk,
          encPk: n.encPk,
          capabilities: [utf8(spec.capability ?? CAPABILITY)],
          price: spec.price,
        });
        n.nodeId = res.nodeId;
        n.nodeCap = res.nodeCapId;
        bound[step.node] = n;
        return res;
      }
      case "attest": {
        const n = node(step.node);
        const measurement = utf8(step.measurement);
        const reportDataHash = expectedReportData(n.sigPk, n.encPk);
        const evidenceHash = evidenceHashOf(step.node);
        const expiresMs = now + ATTESTATION_VALIDITY_MS;
        const signature = signVerdict(
          {
            nodeId: n.nodeId,
            teeKind: step.teeKind,
            measurement,
            reportDataHash,
            evidenceHash,
            issuedMs: now,
            expiresMs,
          },
          VERIFIER_SK,
        );
        return atoma.recordAttestation(n.kp, {
          nodeCap: n.nodeCap,
          teeKind: step.teeKind,
          measurement,
          reportDataHash,
          evidenceHash,
          issuedMs: now,
          expiresMs,
          verifierPk: VERIFIER_PK,
          signature,
        });
      }
      case "create_request": {
        const escrow = await atoma.escrowFor(Number(step.sampleSize), step.maxPrice);
        const res = await exec(requester, (tx) =>
          B.buildCreateRequest(tx, {
            ...base,
            payment: { fromGas: escrow + (step.extra ?? 0n) },
            kind: 0,
            capability: utf8(step.capability ?? CAPABILITY),
            inputHash: blake2b256(utf8("input")),
            input: utf8("hello"),
            maxTokens: 256n,
            fuel: 0n,
            sampleSize: step.sampleSize,
            quorumBps: step.quorumBps ?? 0n,
            maxPrice: step.maxPrice,
            confidential: step.confidential ?? false,
          }),
        );
        const ev = res.events.find((e) => e.name === "RequestCreated");
        if (ev?.name === "RequestCreated") run.requestId = ev.data.request_id;
        return res;
      }
      case "sample":
      case "escalate": {
        const res =
          step.do === "sample"
            ? await atoma.sampleNodes(keeper, need(run.requestId))
            : await atoma.escalate(keeper, need(run.requestId));
        const ev = res.events.find((e) => e.name === "NodesSampled");
        if (ev?.name === "NodesSampled") {
          rebind(ev.data.nodes);
          round = ev.data.round;
        }
        return res;
      }
      case "commit": {
        const n = node(step.node);
        return atoma.commit(n.kp, {
          requestId: need(run.requestId),
          nodeCap: n.nodeCap,
          nodeId: n.nodeId,
          outputHash: outputHashOf(step.output),
          round,
          salt: saltOf(step.node),
        });
      }
      case "reveal": {
        const n = node(step.node);
        return atoma.reveal(n.kp, {
          requestId: need(run.requestId),
          nodeCap: n.nodeCap,
          outputHash: outputHashOf(step.output),
          round,
          salt: saltOf(step.node),
        });
      }
      case "post_output": {
        const n = node(step.node);
        return atoma.postOutput(n.kp, { requestId: need(run.requestId), nodeCap: n.nodeCap, output: utf8(step.bytes) });
      }
      case "settle":
        return atoma.settle(keeper, need(run.requestId));
      case "sweep_fees":
        return atoma.sweepFees(keeper, [need(run.requestId)]);
      case "add_stake":
        return atoma.addStake(node(step.node).kp, node(step.node).nodeCap, step.amount);
      case "request_unstake":
        return atoma.requestUnstake(node(step.node).kp, node(step.node).nodeCap);
      case "withdraw_stake":
        return atoma.withdrawStake(node(step.node).kp, node(step.node).nodeCap);
      case "refresh_node":
        return exec(keeper, (tx) => B.buildRefreshNode(tx, { ...base, nodeId: node(step.node).nodeId }));
      case "create_cluster": {
        const res = await exec(clusterOwner, (tx) =>
          B.buildCreateCluster(tx, {
            ...base,
            members: step.members.map((i) => node(i).nodeId),
            commitment: keyCommitmentOf(step.key),
            ackQuorumBps: step.ackQuorumBps,
          }),
        );
        masterCap = res.created.find((c) => c.type?.endsWith("::cluster::MasterCap"))?.objectId;
        run.clusterId = res.created.find((c) => c.type?.endsWith("::cluster::Cluster"))?.objectId;
        return res;
      }
      case "start_rotation": {
        const cluster = await clusterInput();
        return exec(clusterOwner, (tx) =>
          B.buildStartRotation(tx, {
            packageId: deployed.packageId,
            cluster,
            masterCap: need(masterCap),
            epoch: step.epoch,
            commitment: keyCommitmentOf(step.key),
            deadlineMs: now + step.deadlineInMs,
          }),
        );
      }
      case "accept_membership":
        return atoma.acceptMembership(node(step.node).kp, {
          clusterId: need(run.clusterId),
          nodeCap: node(step.node).nodeCap,
        });
      case "ack_rotation":
        return atoma.ackRotation(node(step.node).kp, {
          clusterId: need(run.clusterId),
          nodeCap: node(step.node).nodeCap,
          epoch: step.epoch,
          commitment: keyCommitmentOf(step.key),
        });
      case "complete_rotation":
        return atoma.completeRotation(keeper, need(run.clusterId));
      case "abort_rotation": {
        const cluster = await clusterInput();
        return exec(keeper, (tx) => B.buildAbortRotation(tx, { packageId: deployed.packageId, cluster }));
      }
      case "advance":
        return undefined;
      default: {
        // A new step kind in scenarios.ts must be taught here (tsc fails on this line until then).
        const unknown: never = step;
        throw new Error(`scenario ${s.name}: step ${JSON.stringify(unknown)} has no SDK mapping`);
      }
    }
  }

  async function clusterInput() {
    const c = await atoma.getCluster(need(run.clusterId));
    const v = c.meta.initialSharedVersion;
    return v === undefined ? need(run.clusterId) : { objectId: need(run.clusterId), initialSharedVersion: v };
  }

  function need<T>(v: T | undefined): T {
    if (v === undefined) throw new Error(`scenario ${s.name}: step needs an object created by an earlier step`);
    return v;
  }
}
