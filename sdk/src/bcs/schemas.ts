/**
 * BCS schemas of every object and event of the `atoma` Move package. Field order is the Move
 * declaration order (docs/protocol.md, move/packages/atoma/sources/*.move); `sdk/test/bcs/layout.test.ts`
 * compares them byte for byte with layouts generated from the compiled bytecode.
 */

import type { BcsType } from "@mysten/sui/bcs";
import { bcs } from "@mysten/sui/bcs";

const ID = bcs.Address;
const bytes = bcs.vector(bcs.u8());

// === Framework types ===

export const UID = bcs.struct("UID", { id: bcs.Address });
export const Balance = bcs.struct("Balance", { value: bcs.u64() });
/** `sui::table::Table<K, V>` as stored inline: its UID and size. */
export const Table = bcs.struct("Table", { id: UID, size: bcs.u64() });
/** `sui::vec_map::VecMap<K, V>`. */
export function VecMap<K, V, KI, VI>(key: BcsType<K, KI>, value: BcsType<V, VI>) {
  return bcs.struct(`VecMap<${key.name},${value.name}>`, {
    contents: bcs.vector(bcs.struct(`Entry<${key.name},${value.name}>`, { key, value })),
  });
}
/** `sui::dynamic_field::Field<Name, Value>`: the object holding a Table entry. */
export function DynamicField<K, V, KI, VI>(name: BcsType<K, KI>, value: BcsType<V, VI>) {
  return bcs.struct(`Field<${name.name},${value.name}>`, { id: UID, name, value });
}

// === Objects ===

export const Params = bcs.struct("Params", {
  min_stake: bcs.u64(),
  stake_cap: bcs.u64(),
  max_sample_size: bcs.u64(),
  default_sample_size: bcs.u64(),
  commit_window_ms: bcs.u64(),
  reveal_window_ms: bcs.u64(),
  quorum_bps: bcs.u64(),
  margin_bps: bcs.u64(),
  slash_dissent_bps: bcs.u64(),
  slash_absent_bps: bcs.u64(),
  unbonding_ms: bcs.u64(),
  attestation_validity_ms: bcs.u64(),
  max_inline_bytes: bcs.u64(),
  max_eligible_per_capability: bcs.u64(),
  rotation_grace_ms: bcs.u64(),
});

export const Registry = bcs.struct("Registry", {
  id: UID,
  version: bcs.u64(),
  params: Params,
  paused: bcs.bool(),
  nodes: Table,
  eligible: Table,
  verifiers: bcs.vector(bytes),
  measurements: VecMap(bcs.u8(), bcs.vector(bytes)),
  treasury: Balance,
  node_count: bcs.u64(),
  request_count: bcs.u64(),
});

export const AdminCap = bcs.struct("AdminCap", { id: UID });
export const NodeCap = bcs.struct("NodeCap", { id: UID, node_id: ID });
export const MasterCap = bcs.struct("MasterCap", { id: UID, cluster_id: ID });

export const Attestation = bcs.struct("Attestation", {
  tee_kind: bcs.u8(),
  measurement: bytes,
  report_data_hash: bytes,
  evidence_hash: bytes,
  verifier: bcs.Address,
  recorded_ms: bcs.u64(),
  expires_ms: bcs.u64(),
  revoked: bcs.bool(),
  issued_ms: bcs.u64(),
  verifier_pk: bytes,
  /** 0: verifier-signed verdict; 1: TDX quote verified on chain (no verifier). */
  path: bcs.u8(),
});

export const Node = bcs.struct("Node", {
  node_id: ID,
  operator: bcs.Address,
  stake: Balance,
  unbonding: Balance,
  unbonding_until_ms: bcs.u64(),
  sig_pk: bytes,
  enc_pk: bytes,
  capabilities: bcs.vector(bytes),
  price: bcs.u64(),
  reputation: bcs.u64(),
  status: bcs.u8(),
  attestation: bcs.option(Attestation),
  served: bcs.u64(),
  earned: bcs.u64(),
  slashed: bcs.u64(),
  attestation_floor_ms: bcs.u64(),
});

/** The dynamic-field object that holds one Node inside `Registry.nodes`. */
export const NodeField = DynamicField(ID, Node);

export const Assignment = bcs.struct("Assignment", {
  node_id: ID,
  round: bcs.u8(),
  price: bcs.u64(),
  commitment: bytes,
  output_hash: bytes,
  committed: bcs.bool(),
  revealed: bcs.bool(),
});

export const Request = bcs.struct("Request", {
  id: UID,
  version: bcs.u64(),
  requester: bcs.Address,
  kind: bcs.u8(),
  capability: bytes,
  input_hash: bytes,
  input: bytes,
  max_tokens: bcs.u64(),
  fuel: bcs.u64(),
  sample_size: bcs.u64(),
  quorum_bps: bcs.u64(),
  confidential: bcs.bool(),
  max_price: bcs.u64(),
  escrow: Balance,
  status: bcs.u8(),
  round: bcs.u8(),
  created_ms: bcs.u64(),
  sample_deadline_ms: bcs.u64(),
  commit_deadline_ms: bcs.u64(),
  reveal_deadline_ms: bcs.u64(),
  dispute_deadline_ms: bcs.u64(),
  assignments: bcs.vector(Assignment),
  agreed_output_hash: bcs.option(bytes),
  output: bytes,
  output_node: bcs.option(ID),
  settled_ms: bcs.u64(),
  output_accepted: bcs.bool(),
});

export const Rotation = bcs.struct("Rotation", {
  epoch: bcs.u64(),
  commitment: bytes,
  acks: bcs.vector(ID),
  deadline_ms: bcs.u64(),
});

export const Cluster = bcs.struct("Cluster", {
  id: UID,
  version: bcs.u64(),
  members: bcs.vector(ID),
  epoch: bcs.u64(),
  commitment: bytes,
  previous_commitment: bytes,
  previous_valid_until_ms: bcs.u64(),
  ack_quorum_bps: bcs.u64(),
  pending: bcs.option(Rotation),
});

/** Object schemas by Move struct name (module-qualified names in `OBJECT_MODULES`). */
/** The registry's dynamic field for on-chain TDX: pinned Intel root key and the TCB policy. */
export const TdxConfig = bcs.struct("TdxConfig", {
  root_key: bytes,
  allowed_tcb_statuses: bytes,
  collateral_grace_ms: bcs.u64(),
});

/** Intel collateral recorded on chain (`tdx_attestation::TdxCollateral`, shared). */
export const TdxCollateral = bcs.struct("TdxCollateral", {
  id: UID,
  root_key: bytes,
  tcb_info: bytes,
  qe_identity: bytes,
  issue_date_ms: bcs.u64(),
  next_update_ms: bcs.u64(),
});

export const OBJECT_SCHEMAS = {
  Params,
  Registry,
  AdminCap,
  NodeCap,
  MasterCap,
  Attestation,
  Node,
  Assignment,
  Request,
  Rotation,
  Cluster,
  TdxConfig,
  TdxCollateral,
} as const;

export type ObjectName = keyof typeof OBJECT_SCHEMAS;

export type ParamsData = typeof Params.$inferType;
export type RegistryData = typeof Registry.$inferType;
export type NodeCapData = typeof NodeCap.$inferType;
export type MasterCapData = typeof MasterCap.$inferType;
export type AdminCapData = typeof AdminCap.$inferType;
export type AttestationData = typeof Attestation.$inferType;
export type NodeData = typeof Node.$inferType;
export type AssignmentData = typeof Assignment.$inferType;
export type RequestData = typeof Request.$inferType;
export type RotationData = typeof Rotation.$inferType;
export type ClusterData = typeof Cluster.$inferType;
