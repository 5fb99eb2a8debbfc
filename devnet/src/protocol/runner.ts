/**
 * Runs a conformance scenario (./scenarios.ts) against the TypeScript state machine the way
 * Move's `test_scenario` runs it: transaction numbers, senders, fresh ids and the Random state
 * match the generated Move test, so node ids and sampling agree. Checks money conservation after
 * every transaction.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { contextFor, dummyTxHash } from "./ids.js";
import * as m from "./machine.js";
import {
  ADMIN,
  CLUSTER_OWNER,
  KEEPER,
  operatorOf,
  RANDOM_BYTES_HEX,
  REQUESTER,
  type Scenario,
  START_MS,
  type Step,
} from "./scenarios.js";
import {
  type AdminCap,
  type Cluster,
  type CoinOut,
  defaultParams,
  type MasterCap,
  MoveAbort,
  type NodeCap,
  type ProtocolEvent,
  type Request,
} from "./types.js";

const enc = new TextEncoder();
export const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((x) => Number.parseInt(x, 16)));
export const utf8 = (s: string): Uint8Array => enc.encode(s);

/** Fixed test keys and values shared by the runner and the Move generator. */
export const VERIFIER_SK = m.blake2b256(utf8("atoma-conformance-verifier"));
export const VERIFIER_PK = ed25519.getPublicKey(VERIFIER_SK);
export const sigPkOf = (node: number): Uint8Array => m.blake2b256(utf8(`sig:${node}`));
export const encPkOf = (node: number): Uint8Array => m.blake2b256(utf8(`enc:${node}`));
export const outputHashOf = (label: string): Uint8Array => m.blake2b256(utf8(`output:${label}`));
export const saltOf = (node: number): Uint8Array => m.blake2b256(utf8(`salt:${node}`));
export const evidenceHashOf = (node: number): Uint8Array => m.blake2b256(utf8(`evidence:${node}`));
export const keyCommitmentOf = (key: string): Uint8Array => m.blake2b256(utf8(`key:${key}`));
export const ATTESTATION_VALIDITY_MS = 3_600_000n;
export const CAPABILITY = "llama-3-8b";

/** Arguments the Move generator needs, computed while running (ids and signatures depend on the run). */
export interface StepTrace {
  step: Step;
  txn: number;
  sender: string;
  nowMs: bigint;
  events: ProtocolEvent[];
  coins: CoinOut[];
  abort?: MoveAbort;
  /** Extra call data: payment amount, commitment, attestation fields and signature. */
  data: Record<string, unknown>;
}

export interface NodeOutcome {
  id: string;
  status: number;
  paid: bigint;
  slashed: bigint;
  stake: bigint;
  unbonding: bigint;
  reputation: bigint;
}

export interface Outcome {
  requestStatus?: number;
  nodes: NodeOutcome[];
  refund: bigint;
  treasury: bigint;
  events: string[];
  sampled: number[][];
  cluster?: { epoch: bigint; pending: boolean; commitment: Uint8Array };
  requestId?: string;
}

export interface ScenarioRun {
  scenario: Scenario;
  trace: StepTrace[];
  outcome: Outcome;
  abort?: MoveAbort;
}

export class ConservationError extends Error {
  override name = "ConservationError";
}

export function runScenario(s: Scenario): ScenarioRun {
  const randomBytes = fromHex(RANDOM_BYTES_HEX);
  let now = START_MS;
  let txn = 0;
  // txn 0 (sender @0x0): random::create_for_testing (1 id), registry::new_for_testing (4 ids), clock (1 id)
  const ctx0 = contextFor(ADMIN, dummyTxHash(0n), now);
  ctx0.freshId();
  const { registry, adminCap } = m.init(new m.Tx(ctx0), defaultParams());
  ctx0.freshId();
  // txn 1: the Random state update (no ids)
  txn = 1;
  const caps: (NodeCap | undefined)[] = [];
  let request: Request | undefined;
  let cluster: Cluster | undefined;
  let mcap: MasterCap | undefined;
  let minted = 0n;
  let coinsOut = 0n;
  const trace: StepTrace[] = [];
  let abort: MoveAbort | undefined;

  const capOf = (i: number): NodeCap => {
    const c = caps[i];
    if (!c) throw new Error(`scenario ${s.name}: node ${i} used before it registered`);
    return c;
  };

  for (const step of s.steps) {
    if (step.do === "advance") {
      now += step.ms;
      continue;
    }
    txn += 1;
    const sender = senderOf(step);
    const ctx = contextFor(sender, dummyTxHash(BigInt(txn)), now, randomBytes);
    const tx = new m.Tx(ctx);
    const data: Record<string, unknown> = {};
    const entry: StepTrace = { step, txn, sender, nowMs: now, events: [], coins: [], data };
    trace.push(entry);
    // Work on clones: an abort changes nothing.
    const snapshot = structuredClone({ registry, request, cluster });
    try {
      exec(step, tx, data);
    } catch (e) {
      if (!(e instanceof MoveAbort)) throw e;
      entry.abort = e;
      abort = e;
      Object.assign(registry, snapshot.registry);
      if (request && snapshot.request) Object.assign(request, snapshot.request);
      if (cluster && snapshot.cluster) Object.assign(cluster, snapshot.cluster);
      break;
    }
    entry.events = tx.effects.events;
    entry.coins = tx.effects.coins;
    for (const i of tx.effects.inputs) minted += i.taken;
    for (const c of tx.effects.coins) coinsOut += c.amount;
    let held = registry.treasury + (request?.escrow ?? 0n);
    for (const n of registry.nodes.values()) held += n.stake + n.unbonding;
    if (held + coinsOut !== minted) {
      throw new ConservationError(
        `scenario ${s.name}, txn ${txn} (${step.do}): money not conserved: held ${held} + paid out ${coinsOut} != paid in ${minted}`,
      );
    }
  }

  function exec(step: Step, tx: m.Tx, data: Record<string, unknown>): void {
    const admin: AdminCap = adminCap;
    switch (step.do) {
      case "set_param":
        m.setParam(tx, registry, admin, utf8(step.name), step.value);
        return;
      case "add_verifier":
        m.addVerifier(tx, registry, admin, VERIFIER_PK);
        return;
      case "allow_measurement":
        m.allowMeasurement(tx, registry, admin, step.teeKind, utf8(step.measurement));
        return;
      case "register": {
        const spec = s.nodes[step.node]!;
        tx.ctx.freshId(); // coin::mint_for_testing
        caps[step.node] = m.registerNode(
          tx,
          registry,
          spec.stake,
          sigPkOf(step.node),
          encPkOf(step.node),
          [utf8(spec.capability ?? CAPABILITY)],
          spec.price,
        );
        return;
      }
      case "attest": {
        const cap = capOf(step.node);
        const measurement = utf8(step.measurement);
        const rdh = m.blake2b256(sigPkOf(step.node), encPkOf(step.node));
        const eh = evidenceHashOf(step.node);
        const issued = tx.now;
        const expires = tx.now + ATTESTATION_VALIDITY_MS;
        const msg = m.attestationMessage(cap.node_id, step.teeKind, measurement, rdh, eh, issued, expires);
        const signature = ed25519.sign(msg, VERIFIER_SK);
        Object.assign(data, { measurement, rdh, eh, issued, expires, signature });
        m.recordAttestation(
          tx,
          registry,
          cap,
          step.teeKind,
          measurement,
          rdh,
          eh,
          issued,
          expires,
          VERIFIER_PK,
          signature,
        );
        return;
      }
      case "create_request": {
        const n = step.sampleSize;
        const escrow = m.escrowFor(n, step.maxPrice, registry.params.margin_bps);
        const payment = escrow + (step.extra ?? 0n);
        data.payment = payment;
        tx.ctx.freshId(); // coin::mint_for_testing
        request = m.createRequest(tx, registry, payment, {
          kind: 0,
          capability: utf8(step.capability ?? CAPABILITY),
          input_hash: m.blake2b256(utf8("input")),
          input: utf8("hello"),
          max_tokens: 256n,
          fuel: 0n,
          sample_size: n,
          quorum_bps: step.quorumBps ?? 0n,
          max_price: step.maxPrice,
          confidential: step.confidential ?? false,
        });
        return;
      }
      case "sample":
        m.sampleNodes(tx, need(request), registry);
        return;
      case "commit": {
        const cap = capOf(step.node);
        const c = m.resultCommitment(outputHashOf(step.output), cap.node_id, saltOf(step.node));
        data.commitment = c;
        m.commit(tx, need(request), cap, c);
        return;
      }
      case "reveal":
        m.reveal(tx, need(request), capOf(step.node), outputHashOf(step.output), saltOf(step.node));
        return;
      case "settle":
        m.settle(tx, need(request), registry);
        return;
      case "escalate":
        m.escalate(tx, need(request), registry);
        return;
      case "post_output":
        m.postOutput(tx, need(request), capOf(step.node), utf8(step.bytes));
        return;
      case "add_stake":
        tx.ctx.freshId(); // coin::mint_for_testing
        m.addStake(tx, registry, capOf(step.node), step.amount);
        return;
      case "request_unstake":
        m.requestUnstake(tx, registry, capOf(step.node));
        return;
      case "withdraw_stake":
        m.withdrawStake(tx, registry, capOf(step.node));
        return;
      case "create_cluster": {
        const members = step.members.map((i) => capOf(i).node_id);
        const r = m.createCluster(tx, registry, members, keyCommitmentOf(step.key), step.ackQuorumBps);
        cluster = r.cluster;
        mcap = r.cap;
        return;
      }
      case "start_rotation":
        m.startRotation(
          tx,
          need(cluster),
          need(mcap),
          step.epoch,
          keyCommitmentOf(step.key),
          tx.now + step.deadlineInMs,
        );
        data.deadline = tx.now + step.deadlineInMs;
        return;
      case "ack_rotation":
        m.ackRotation(tx, need(cluster), registry, capOf(step.node), step.epoch);
        return;
      case "complete_rotation":
        m.completeRotation(tx, need(cluster), registry);
        return;
      case "abort_rotation":
        m.abortRotation(tx, need(cluster));
        return;
      case "advance":
        return;
    }
  }

  function need<T>(v: T | undefined): T {
    if (v === undefined) throw new Error(`scenario ${s.name}: step needs an object created by an earlier step`);
    return v;
  }

  const ids = caps.map((c) => c?.node_id);
  const indexOf = (id: string) => ids.indexOf(id);
  const outcome: Outcome = {
    requestStatus: request?.status,
    requestId: request?.id,
    nodes: caps.map((c) => {
      const n = registry.nodes.get(c!.node_id)!;
      return {
        id: n.node_id,
        status: n.status,
        paid: n.earned,
        slashed: n.slashed,
        stake: n.stake,
        unbonding: n.unbonding,
        reputation: n.reputation,
      };
    }),
    refund: trace.flatMap((t) => t.coins).reduce((a, c) => a + (c.reason === "refund" ? c.amount : 0n), 0n),
    treasury: registry.treasury,
    events: trace.flatMap((t) => t.events.map((e) => e.name)),
    sampled: request ? [0, 1].map((r) => m.sampledNodes(request!, r).map(indexOf)).filter((x) => x.length > 0) : [],
    cluster: cluster
      ? { epoch: cluster.epoch, pending: cluster.pending !== null, commitment: cluster.commitment }
      : undefined,
  };
  return { scenario: s, trace, outcome, abort };
}

function senderOf(step: Step): string {
  switch (step.do) {
    case "set_param":
    case "add_verifier":
    case "allow_measurement":
      return ADMIN;
    case "create_request":
      return REQUESTER;
    case "sample":
    case "settle":
    case "escalate":
    case "complete_rotation":
    case "abort_rotation":
    case "advance":
      return KEEPER;
    case "create_cluster":
    case "start_rotation":
      return CLUSTER_OWNER;
    default:
      return operatorOf(step.node);
  }
}
