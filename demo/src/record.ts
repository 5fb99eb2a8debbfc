/**
 * The record of a demo run (`pnpm start --json`): every request and node as the chain saw them,
 * built from the package's events and objects, so tools and people can check the run.
 */
import {
  type AtomaEvent,
  type NodeData,
  type RequestData,
  RequestKind,
  RequestStatus,
  SlashReason,
  TeeKind,
} from "@atoma/sdk";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export interface DemoRequestRecord {
  /** Request object id. */
  id: string;
  /** What the demo asked for, e.g. "forecast". */
  label: string;
  kind: keyof typeof RequestKind;
  capability: string;
  confidential: boolean;
  status: keyof typeof RequestStatus;
  /** Sampling rounds: 1, or 2 after a dispute escalated to a larger sample. */
  rounds: number;
  /** Node ids sampled, round by round. */
  sampledNodes: string[][];
  /**
   * 0x-hex blake2b-256 hash of the agreed output; null when none was agreed or, after a round-0
   * settlement, before the first matching post (round 0 agrees on the blinded t only).
   */
  agreedHash: string | null;
  /** 0x-hex agreed blinded hash t = blake2b-256(output hash ‖ request id); null unless settled. */
  agreedBlindedHash: string | null;
  /** Chain clock at creation and settlement (ms), and the time between them. */
  createdMs: number;
  settledMs: number;
  settlementMs: number;
}

export interface DemoSlashRecord {
  requestId: string;
  /** MIST. */
  amount: string;
  reason: keyof typeof SlashReason;
}

export interface DemoNodeRecord {
  id: string;
  label: string;
  faulty: boolean;
  /** The fault the node was started with (`--fault`), null for an honest node. */
  fault: string | null;
  /** Stake left (MIST). */
  stake: string;
  /** Total paid to the node (MIST) and the requests it was paid for. */
  payouts: string;
  paidRequests: string[];
  slashes: DemoSlashRecord[];
  reputation: number;
  attestation: {
    teeKind: keyof typeof TeeKind;
    /** 0x-hex SHA-256 of the verified evidence. */
    evidenceHash: string;
    verifier: string;
    recordedMs: number;
    expiresMs: number;
    revoked: boolean;
  } | null;
}

const nameOf = <T extends Record<string, number>>(table: T, code: number, what: string): keyof T => {
  const name = Object.keys(table).find((k) => table[k] === code);
  if (name === undefined) throw new Error(`unknown ${what} code ${code}`);
  return name as keyof T;
};

const hex = (b: number[] | Uint8Array): string => `0x${toHex(Uint8Array.from(b))}`;
const utf8 = (b: number[] | Uint8Array): string => new TextDecoder().decode(Uint8Array.from(b));

export function requestRecord(id: string, label: string, r: RequestData, events: AtomaEvent[]): DemoRequestRecord {
  const sampled: string[][] = [];
  for (const e of events) {
    if (e.name === "NodesSampled" && e.data.request_id === id) sampled[e.data.round] = [...e.data.nodes];
  }
  const createdMs = Number(r.created_ms);
  const settledMs = Number(r.settled_ms);
  return {
    id,
    label,
    kind: nameOf(RequestKind, r.kind, "request kind"),
    capability: utf8(r.capability),
    confidential: r.confidential,
    status: nameOf(RequestStatus, r.status, "request status"),
    rounds: r.round + 1,
    sampledNodes: sampled.filter(Boolean),
    agreedHash: r.agreed_output_hash ? hex(r.agreed_output_hash) : null,
    agreedBlindedHash: r.agreed_blinded_hash ? hex(r.agreed_blinded_hash) : null,
    createdMs,
    settledMs,
    settlementMs: settledMs > 0 ? settledMs - createdMs : 0,
  };
}

export function nodeRecord(
  id: string,
  label: string,
  fault: string | null,
  n: NodeData,
  events: AtomaEvent[],
): DemoNodeRecord {
  let paid = 0n;
  const paidRequests: string[] = [];
  const slashes: DemoSlashRecord[] = [];
  for (const e of events) {
    if (e.name === "NodePaid" && e.data.node_id === id) {
      paid += BigInt(e.data.amount);
      paidRequests.push(e.data.request_id);
    } else if (e.name === "NodeSlashed" && e.data.node_id === id) {
      slashes.push({
        requestId: e.data.request_id,
        amount: String(e.data.amount),
        reason: nameOf(SlashReason, e.data.reason, "slash reason"),
      });
    }
  }
  const a = n.attestation;
  return {
    id,
    label,
    faulty: fault !== null,
    fault,
    stake: String(n.stake.value),
    payouts: String(paid),
    paidRequests,
    slashes,
    reputation: Number(n.reputation),
    attestation: a
      ? {
          teeKind: nameOf(TeeKind, a.tee_kind, "TEE kind"),
          evidenceHash: hex(a.evidence_hash),
          verifier: a.verifier,
          recordedMs: Number(a.recorded_ms),
          expiresMs: Number(a.expires_ms),
          revoked: a.revoked,
        }
      : null,
  };
}
