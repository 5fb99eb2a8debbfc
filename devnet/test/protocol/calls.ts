/**
 * The call arguments of a conformance scenario (./scenarios.ts) as Move's `test_scenario` sees
 * them, computed directly (no implementation of the protocol runs): the transaction number and
 * sender of every step, the clock, node ids (`derive_id(dummy_tx_hash(txn), 1)`: the stake coin
 * is the transaction's first fresh id, the node's id its second), payments
 * (`request::escrow_for`), result commitments and attestation verdicts (@atoma/sdk), rotation
 * deadlines. Used by ./gen-move-tests.ts; the fixed keys and labels are shared with
 * ../conformance/sdk-runner.ts.
 */
import {
  blake2b256,
  computeCommitment,
  concatBytes,
  escrowFor,
  expectedReportData,
  roundValue,
  signVerdict,
} from "@atoma/sdk";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  ADMIN,
  CLUSTER_OWNER,
  KEEPER,
  operatorOf,
  REQUESTER,
  type Scenario,
  START_MS,
  type Step,
} from "./scenarios.js";

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
const hash = (...parts: Uint8Array[]): Uint8Array => blake2b256(concatBytes(...parts));

/** Fixed test keys and values shared by the Move generator and the SDK runner. */
export const VERIFIER_SK = hash(utf8("atoma-conformance-verifier"));
export const VERIFIER_PK = ed25519.getPublicKey(VERIFIER_SK);
export const sigPkOf = (node: number): Uint8Array => hash(utf8(`sig:${node}`));
export const encPkOf = (node: number): Uint8Array => hash(utf8(`enc:${node}`));
export const outputHashOf = (label: string): Uint8Array => hash(utf8(`output:${label}`));
export const saltOf = (node: number): Uint8Array => hash(utf8(`salt:${node}`));
export const evidenceHashOf = (node: number): Uint8Array => hash(utf8(`evidence:${node}`));
export const keyCommitmentOf = (key: string): Uint8Array => hash(utf8(`key:${key}`));
export const ATTESTATION_VALIDITY_MS = 3_600_000n;
export const CAPABILITY = "llama-3-8b";
/** `config::default_params().margin_bps` (move/packages/atoma/sources/config.move). */
const DEFAULT_MARGIN_BPS = 500n;

/** `tx_context::dummy_tx_hash_with_hint(hint)`: bcs(u64 hint) padded with zeros to 32 bytes. */
function dummyTxHash(hint: bigint): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setBigUint64(0, hint, true);
  return out;
}

/** `derive_id(tx_digest, n) = blake2b256(0xf1 ‖ tx_digest ‖ u64le(n))`, as 0x-hex. */
function deriveId(txDigest: Uint8Array, n: bigint): string {
  const le = new Uint8Array(8);
  new DataView(le.buffer).setBigUint64(0, n, true);
  return `0x${Array.from(hash(Uint8Array.of(0xf1), txDigest, le), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** One transaction of a scenario as the generated Move test runs it. */
export interface StepCall {
  step: Step;
  txn: number;
  sender: string;
  nowMs: bigint;
  /**
   * Extra call data: payment, commitment and revealed value (round 0: the blinded hash of the
   * request id the create step derived), attestation fields and signature, rotation deadline.
   */
  data: Record<string, unknown>;
}

/**
 * Every non-`advance` step of `s` with its transaction number (txn 0 creates Random, the
 * Registry and the Clock; txn 1 sets the Random state; steps start at txn 2), sender, clock and
 * call data. A scenario that expects an abort raises it at its last step, so every step runs.
 */
export function scenarioCalls(s: Scenario): StepCall[] {
  let now = START_MS;
  let txn = 1;
  let margin = DEFAULT_MARGIN_BPS;
  const nodeIds: string[] = [];
  let requestId: string | undefined;
  // Round r of the one request is sampled by the r-th sample/escalate step.
  let round = 0;
  const roundValueOf = (label: string): Uint8Array => {
    if (!requestId) throw new Error(`scenario ${s.name}: commit or reveal before create_request`);
    return roundValue(outputHashOf(label), requestId, round);
  };
  const nodeId = (i: number): string => {
    const id = nodeIds[i];
    if (!id) throw new Error(`scenario ${s.name}: node ${i} used before it registered`);
    return id;
  };
  const out: StepCall[] = [];
  for (const step of s.steps) {
    if (step.do === "advance") {
      now += step.ms;
      continue;
    }
    txn += 1;
    const data: Record<string, unknown> = {};
    switch (step.do) {
      case "set_param":
        if (step.name === "margin_bps") margin = step.value;
        break;
      case "register":
        nodeIds[step.node] = deriveId(dummyTxHash(BigInt(txn)), 1n);
        break;
      case "attest": {
        const measurement = utf8(step.measurement);
        const rdh = expectedReportData(sigPkOf(step.node), encPkOf(step.node));
        const eh = evidenceHashOf(step.node);
        const issued = now;
        const expires = issued + ATTESTATION_VALIDITY_MS;
        const verdict = {
          nodeId: nodeId(step.node),
          teeKind: step.teeKind,
          measurement,
          reportDataHash: rdh,
          evidenceHash: eh,
          issuedMs: issued,
          expiresMs: expires,
        };
        Object.assign(data, { measurement, rdh, eh, issued, expires, signature: signVerdict(verdict, VERIFIER_SK) });
        break;
      }
      case "create_request":
        data.payment = escrowFor(step.sampleSize, step.maxPrice, margin) + (step.extra ?? 0n);
        // the payment coin is the transaction's first fresh id, the Request its second
        requestId = deriveId(dummyTxHash(BigInt(txn)), 1n);
        break;
      case "escalate":
        round = 1;
        break;
      case "commit":
        data.commitment = computeCommitment(roundValueOf(step.output), nodeId(step.node), saltOf(step.node));
        break;
      case "reveal":
        data.value = roundValueOf(step.output);
        break;
      case "post_output":
        data.outputHash = blake2b256(utf8(step.bytes));
        break;
      case "start_rotation":
        data.deadline = now + step.deadlineInMs;
        break;
    }
    out.push({ step, txn, sender: senderOf(step), nowMs: now, data });
  }
  return out;
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
    case "sweep_fees":
    case "refresh_node":
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
