/**
 * The `atoma` package's objects as TypeScript values, field for field as in docs/protocol.md
 * (u64 → bigint, u8 → number, vector<u8> → Uint8Array, ID/address → 0x + 64 hex, Balance → bigint).
 * Tables become Maps: `nodes` keyed by node id, `eligible` keyed by the capability's hex.
 * All values survive `structuredClone`, which the glue uses to make a call atomic.
 */

export const VERSION = 1n;

export const NodeStatus = { Active: 0, Jailed: 1, Leaving: 2 } as const;
export const TeeKind = { None: 0, Tdx: 1, SevSnp: 2, NvidiaCc: 3, Nitro: 4 } as const;
export const RequestKind = { Inference: 0, Wasm: 1 } as const;
export const RequestStatus = { Created: 0, Sampled: 1, Revealing: 2, Settled: 3, Disputed: 4, Failed: 5 } as const;
export const StakeReason = { Added: 0, UnstakeRequested: 1, Withdrawn: 2, Slashed: 3 } as const;
export const SlashReason = { Absent: 0, Dissent: 1 } as const;
export const FailureReason = { NoQuorum: 0, NoEligibleNodes: 1, NeverSampled: 2 } as const;

export interface Params {
  min_stake: bigint;
  stake_cap: bigint;
  max_sample_size: bigint;
  default_sample_size: bigint;
  commit_window_ms: bigint;
  reveal_window_ms: bigint;
  quorum_bps: bigint;
  margin_bps: bigint;
  slash_dissent_bps: bigint;
  slash_absent_bps: bigint;
  unbonding_ms: bigint;
  attestation_validity_ms: bigint;
  max_inline_bytes: bigint;
  max_eligible_per_capability: bigint;
  rotation_grace_ms: bigint;
}

export const PARAM_NAMES = [
  "min_stake",
  "stake_cap",
  "max_sample_size",
  "default_sample_size",
  "commit_window_ms",
  "reveal_window_ms",
  "quorum_bps",
  "margin_bps",
  "slash_dissent_bps",
  "slash_absent_bps",
  "unbonding_ms",
  "attestation_validity_ms",
  "max_inline_bytes",
  "max_eligible_per_capability",
  "rotation_grace_ms",
] as const satisfies readonly (keyof Params)[];

export function defaultParams(): Params {
  return {
    min_stake: 100_000_000_000n,
    stake_cap: 10_000_000_000_000n,
    max_sample_size: 32n,
    default_sample_size: 3n,
    commit_window_ms: 300_000n,
    reveal_window_ms: 120_000n,
    quorum_bps: 6_667n,
    margin_bps: 500n,
    slash_dissent_bps: 1_000n,
    slash_absent_bps: 200n,
    unbonding_ms: 604_800_000n,
    attestation_validity_ms: 86_400_000n,
    max_inline_bytes: 16_384n,
    max_eligible_per_capability: 512n,
    rotation_grace_ms: 3_600_000n,
  };
}

export interface Attestation {
  tee_kind: number;
  measurement: Uint8Array;
  report_data_hash: Uint8Array;
  evidence_hash: Uint8Array;
  verifier: string;
  recorded_ms: bigint;
  expires_ms: bigint;
  revoked: boolean;
}

export interface Node {
  node_id: string;
  operator: string;
  stake: bigint;
  unbonding: bigint;
  unbonding_until_ms: bigint;
  sig_pk: Uint8Array;
  enc_pk: Uint8Array;
  capabilities: Uint8Array[];
  price: bigint;
  reputation: bigint;
  status: number;
  attestation: Attestation | null;
  served: bigint;
  earned: bigint;
  slashed: bigint;
  /** Verdicts issued at or before this time are refused (the last revocation). */
  attestation_floor_ms: bigint;
}

export interface Registry {
  id: string;
  version: bigint;
  params: Params;
  paused: boolean;
  /** Table<ID, Node>, in insertion order. */
  nodes: Map<string, Node>;
  /** Table<vector<u8>, vector<ID>>, keyed by the capability's lowercase hex (no 0x). */
  eligible: Map<string, string[]>;
  verifiers: Uint8Array[];
  /** VecMap<u8, vector<vector<u8>>>, in insertion order. */
  measurements: { key: number; value: Uint8Array[] }[];
  treasury: bigint;
  node_count: bigint;
  request_count: bigint;
}

export interface AdminCap {
  id: string;
}
export interface NodeCap {
  id: string;
  node_id: string;
}
export interface MasterCap {
  id: string;
  cluster_id: string;
}

export interface Assignment {
  node_id: string;
  round: number;
  price: bigint;
  commitment: Uint8Array;
  output_hash: Uint8Array;
  committed: boolean;
  revealed: boolean;
}

export interface Request {
  id: string;
  version: bigint;
  requester: string;
  kind: number;
  capability: Uint8Array;
  input_hash: Uint8Array;
  input: Uint8Array;
  max_tokens: bigint;
  fuel: bigint;
  sample_size: bigint;
  quorum_bps: bigint;
  confidential: boolean;
  max_price: bigint;
  escrow: bigint;
  status: number;
  round: number;
  created_ms: bigint;
  sample_deadline_ms: bigint;
  commit_deadline_ms: bigint;
  reveal_deadline_ms: bigint;
  dispute_deadline_ms: bigint;
  assignments: Assignment[];
  agreed_output_hash: Uint8Array | null;
  output: Uint8Array;
  output_node: string | null;
  settled_ms: bigint;
}

export interface Rotation {
  epoch: bigint;
  commitment: Uint8Array;
  acks: string[];
  deadline_ms: bigint;
}

export interface Cluster {
  id: string;
  version: bigint;
  members: string[];
  epoch: bigint;
  commitment: Uint8Array;
  previous_commitment: Uint8Array;
  previous_valid_until_ms: bigint;
  ack_quorum_bps: bigint;
  pending: Rotation | null;
}

/** A Move abort: `code` is the error code N of the module's `#[error(code = N)]` constant. */
export class MoveAbort extends Error {
  override name = "MoveAbort";
  constructor(
    readonly module: string,
    readonly errorName: string,
    readonly code: number,
  ) {
    super(`MoveAbort in atoma::${module}: ${errorName} (code ${code})`);
  }
}

/** One emitted event: the struct name in `atoma::events` and its fields in declaration order. */
export interface ProtocolEvent {
  name: string;
  fields: Record<string, unknown>;
}

/** A `Coin<SUI>` the call creates: transferred to `to`, or returned to the PTB when `to` is null. */
export interface CoinOut {
  /** Object id of the new coin (taken from the tx's fresh ids, where Move creates it). */
  id: string;
  to: string | null;
  amount: bigint;
  /** Why: payout, refund, change, withdraw_stake, withdraw_treasury. */
  reason: "payout" | "refund" | "change" | "withdraw_stake" | "withdraw_treasury";
}

/** A `Coin<SUI>` passed by value: `taken` went into the package; the coin (same id) with the rest goes to `returnedTo`, or is deleted when `returnedTo` is null. */
export interface CoinIn {
  taken: bigint;
  returnedTo: string | null;
}

/** What a call did besides mutating the objects passed in. */
export interface Effects {
  events: ProtocolEvent[];
  /** New coins, in creation order. */
  coins: CoinOut[];
  /** Coins passed by value, in argument order. */
  inputs: CoinIn[];
  /** Objects shared by the call (Request, Cluster). */
  shared: (Request | Cluster)[];
}
