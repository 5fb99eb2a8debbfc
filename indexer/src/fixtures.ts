/**
 * Scripted event streams made of real BCS bytes (the events.move layouts), for tests, benches
 * and the demo's dry runs.
 */
import { blindedHash, EVENT_SCHEMAS } from "@atoma/sdk";
import type { EventName } from "./decode.js";
import type { RawEvent } from "./source.js";

export type EventInput<N extends EventName> = Parameters<(typeof EVENT_SCHEMAS)[N]["serialize"]>[0];

export const TEST_PACKAGE = `0x${"a1".repeat(32)}`;
export const TEST_PACKAGE_V2 = `0x${"b2".repeat(32)}`;

export const hexId = (tag: number, n: number) =>
  `0x${tag.toString(16).padStart(2, "0")}${n.toString(16).padStart(62, "0")}`;
const bytes = (n: number, len = 32) => Array.from({ length: len }, (_, i) => (n * 31 + i) & 0xff);
const enc = new TextEncoder();

/** A base58-looking 32-byte-ish digest; only uniqueness matters to the indexer. */
export const digest = (n: number) => `D${n.toString(36).padStart(10, "0")}`;

export function rawEvent<N extends EventName>(
  name: N,
  data: EventInput<N>,
  at: { tx: number; seq: number; pkg?: string; ts?: bigint },
): RawEvent {
  const schema = EVENT_SCHEMAS[name] as unknown as { serialize(v: unknown): { toBytes(): Uint8Array } };
  return {
    txDigest: digest(at.tx),
    eventSeq: at.seq,
    type: `${at.pkg ?? TEST_PACKAGE}::events::${name}`,
    bcs: schema.serialize(data).toBytes(),
    sender: hexId(0xee, 1),
    packageId: at.pkg ?? TEST_PACKAGE,
    timestampMs: at.ts ?? 1_700_000_000_000n + BigInt(at.tx),
    checkpoint: null,
  };
}

/**
 * One of every event type: 3 nodes, a cluster with a rotation, a settled request with a dispute,
 * a failed request; the second request uses the upgraded package id.
 */
export function scriptedEvents(): RawEvent[] {
  const [n1, n2, n3] = [hexId(1, 1), hexId(1, 2), hexId(1, 3)];
  const op = hexId(2, 1);
  const [r1, r2] = [hexId(3, 1), hexId(3, 2)];
  const cl = hexId(4, 1);
  let tx = 0;
  const ev: RawEvent[] = [];
  const add = <N extends EventName>(name: N, data: EventInput<N>, pkg?: string) =>
    ev.push(rawEvent(name, data, { tx: ++tx, seq: 0, pkg }));
  for (const [i, n] of [n1, n2, n3].entries())
    add("NodeRegistered", {
      node_id: n!,
      operator: op,
      stake: 1_000_000n + BigInt(i),
      sig_pk: bytes(i),
      enc_pk: bytes(i + 10),
      capabilities: [enc.encode("llama-3"), enc.encode("wasm")],
      price: 100n,
    });
  add("StakeChanged", { node_id: n1, old_stake: 1_000_000n, new_stake: 1_500_000n, reason: 0 });
  add("NodeUpdated", { node_id: n2, price: 150n, capabilities: [enc.encode("llama-3")] });
  add("AttestationRecorded", {
    node_id: n1,
    tee_kind: 1,
    measurement: bytes(5, 48),
    report_data_hash: bytes(6),
    evidence_hash: bytes(7),
    verifier: op,
    recorded_ms: 1000n,
    expires_ms: 9_000_000n,
    issued_ms: 900n,
  });
  add("AttestationRevoked", { node_id: n3, revoked_by: op, revoked_ms: 2000n });
  add("ClusterCreated", { cluster_id: cl, members: [n1, n2], epoch: 0n, commitment: bytes(8) });
  add("KeyRotationStarted", { cluster_id: cl, epoch: 1n, commitment: bytes(9), deadline_ms: 5000n, ack_quorum: 2n });
  add("KeyRotationAcked", { cluster_id: cl, epoch: 1n, node_id: n1, acks: 1n });
  add("KeyRotationAcked", { cluster_id: cl, epoch: 1n, node_id: n2, acks: 2n });
  add("KeyRotationCompleted", {
    cluster_id: cl,
    epoch: 1n,
    commitment: bytes(9),
    previous_commitment: bytes(8),
    grace_until_ms: 7000n,
  });
  add("KeyRotationStarted", { cluster_id: cl, epoch: 2n, commitment: bytes(10), deadline_ms: 9000n, ack_quorum: 2n });
  add("KeyRotationAborted", { cluster_id: cl, epoch: 2n });
  add("RequestCreated", {
    request_id: r1,
    requester: op,
    kind: 0,
    capability: enc.encode("llama-3"),
    input_hash: bytes(11),
    sample_size: 3n,
    quorum_bps: 6667n,
    confidential: true,
    max_price: 200n,
    escrow: 600n,
    created_ms: 10_000n,
  });
  add("NodesSampled", {
    request_id: r1,
    round: 0,
    nodes: [n1, n2],
    commit_deadline_ms: 11_000n,
    reveal_deadline_ms: 12_000n,
  });
  // two events in one transaction
  tx++;
  ev.push(
    rawEvent("ResultCommitted", { request_id: r1, node_id: n1, round: 0, commitment: bytes(12) }, { tx, seq: 0 }),
  );
  ev.push(
    rawEvent("ResultCommitted", { request_id: r1, node_id: n2, round: 0, commitment: bytes(13) }, { tx, seq: 1 }),
  );
  // round 0 reveals the blinded t = blake2b256(output_hash ‖ request_id); round 1 the output hash
  const t14 = [...blindedHash(Uint8Array.from(bytes(14)), r1)];
  add("ResultRevealed", { request_id: r1, node_id: n1, round: 0, output_hash: t14 });
  add("ResultRevealed", { request_id: r1, node_id: n2, round: 0, output_hash: bytes(15) });
  add("DisputeOpened", {
    request_id: r1,
    output_hashes: [t14, bytes(15)],
    escalation_size: 1n,
    dispute_deadline_ms: 0n,
  });
  add("NodesSampled", {
    request_id: r1,
    round: 1,
    nodes: [n3],
    commit_deadline_ms: 13_000n,
    reveal_deadline_ms: 14_000n,
  });
  add("ResultCommitted", { request_id: r1, node_id: n3, round: 1, commitment: bytes(16) });
  add("ResultRevealed", { request_id: r1, node_id: n3, round: 1, output_hash: bytes(14) });
  add("NodePaid", { request_id: r1, node_id: n1, amount: 100n });
  add("NodePaid", { request_id: r1, node_id: n3, amount: 100n });
  add("NodeSlashed", { request_id: r1, node_id: n2, amount: 50n, reason: 1, remaining_stake: 999_951n });
  // a round-1 settlement knows the output hash (emitted just before RequestSettled)
  add("OutputHashAgreed", { request_id: r1, output_hash: bytes(14), node_id: null });
  add("RequestSettled", {
    request_id: r1,
    output_hash: t14,
    agreeing: [n1, n3],
    paid_total: 200n,
    slashed_total: 50n,
    margin: 10n,
    refund: 390n,
    rounds: 2,
    settled_ms: 15_000n,
  });
  add("OutputPosted", { request_id: r1, node_id: n1, size: 4096n });
  add("NodeStatusChanged", { node_id: n2, old_status: 0, new_status: 1, unbonding_until_ms: 0n });
  add(
    "RequestCreated",
    {
      request_id: r2,
      requester: op,
      kind: 1,
      capability: enc.encode("wasm"),
      input_hash: bytes(17),
      sample_size: 5n,
      quorum_bps: 5000n,
      confidential: false,
      max_price: 10n,
      escrow: 50n,
      created_ms: 20_000n,
    },
    TEST_PACKAGE_V2,
  );
  add("RequestFailed", { request_id: r2, reason: 1, refund: 50n }, TEST_PACKAGE_V2);
  return ev;
}

/**
 * A long synthetic stream: `requests` request lifecycles over `nodeCount` nodes (12 events each:
 * created, sampled, 3 commits, 3 reveals, 3 payouts, settled), preceded by node registrations.
 */
export function longStream(requests: number, nodeCount = 16): RawEvent[] {
  const ev: RawEvent[] = [];
  let tx = 1_000_000;
  const ids = Array.from({ length: nodeCount }, (_, i) => hexId(5, i));
  for (const [i, n] of ids.entries())
    ev.push(
      rawEvent(
        "NodeRegistered",
        {
          node_id: n,
          operator: hexId(6, i),
          stake: 1_000_000n,
          sig_pk: bytes(i),
          enc_pk: bytes(i + 1),
          capabilities: [enc.encode("llama-3")],
          price: 10n,
        },
        { tx: ++tx, seq: 0 },
      ),
    );
  for (let r = 0; r < requests; r++) {
    const req = hexId(7, r);
    const sample = [ids[r % nodeCount]!, ids[(r + 1) % nodeCount]!, ids[(r + 2) % nodeCount]!];
    const t0 = BigInt(r) * 1000n;
    ++tx;
    let seq = 0;
    const at = () => ({ tx, seq: seq++, ts: 1_700_000_000_000n + t0 });
    ev.push(
      rawEvent(
        "RequestCreated",
        {
          request_id: req,
          requester: hexId(8, r % 7),
          kind: 0,
          capability: enc.encode("llama-3"),
          input_hash: bytes(r),
          sample_size: 3n,
          quorum_bps: 6667n,
          confidential: false,
          max_price: 10n,
          escrow: 30n,
          created_ms: t0,
        },
        at(),
      ),
    );
    ev.push(
      rawEvent(
        "NodesSampled",
        { request_id: req, round: 0, nodes: sample, commit_deadline_ms: t0 + 100n, reveal_deadline_ms: t0 + 200n },
        at(),
      ),
    );
    ++tx;
    seq = 0;
    for (const n of sample)
      ev.push(rawEvent("ResultCommitted", { request_id: req, node_id: n, round: 0, commitment: bytes(r) }, at()));
    ++tx;
    seq = 0;
    for (const n of sample)
      ev.push(rawEvent("ResultRevealed", { request_id: req, node_id: n, round: 0, output_hash: bytes(r) }, at()));
    ++tx;
    seq = 0;
    for (const n of sample) ev.push(rawEvent("NodePaid", { request_id: req, node_id: n, amount: 9n }, at()));
    ev.push(
      rawEvent(
        "RequestSettled",
        {
          request_id: req,
          output_hash: bytes(r),
          agreeing: sample,
          paid_total: 27n,
          slashed_total: 0n,
          margin: 3n,
          refund: 0n,
          rounds: 1,
          settled_ms: t0 + 150n + BigInt(r % 50),
        },
        at(),
      ),
    );
  }
  return ev;
}
