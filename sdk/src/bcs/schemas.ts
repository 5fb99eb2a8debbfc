/**
 * BCS schemas of every object of the `atoma` Move package. The struct layouts are generated from
 * the compiled bytecode (`sdk/src/generated/atoma/bcs.ts`, `pnpm codegen`); this module adds only
 * what the bytecode does not say: how a Table entry is stored (`DynamicField`, `NodeField`).
 */

import type { BcsType } from "@mysten/sui/bcs";
import { bcs } from "@mysten/sui/bcs";
import type { NodeAccountData, NodeData as NodeRecordData } from "../generated/atoma/bcs.js";
import { Node, OBJECT_STRUCTS, UID } from "../generated/atoma/bcs.js";

export type {
  AdminCapData,
  AssignmentData,
  AttestationData,
  ClusterData,
  MasterCapData,
  NodeAccountData,
  NodeCapData,
  NodeData as NodeRecordData,
  ParamsData,
  RegistryData,
  RequestData,
  RotationData,
} from "../generated/atoma/bcs.js";
export {
  AdminCap,
  Assignment,
  Attestation,
  Balance,
  Cluster,
  MasterCap,
  Node,
  NodeAccount,
  NodeCap,
  Params,
  Registry,
  Request,
  Rotation,
  STRUCT_TYPES,
  Table,
  UID,
  VecMap,
} from "../generated/atoma/bcs.js";

/** `sui::dynamic_field::Field<Name, Value>`: the object holding a Table entry. */
export function DynamicField<K, V, KI, VI>(name: BcsType<K, KI>, value: BcsType<V, VI>) {
  return bcs.struct(`Field<${name.name},${value.name}>`, { id: UID, name, value });
}

/**
 * A node as `AtomaClient.getNode` returns it: its registry record (`node_record::Node`: keys,
 * capabilities, price, status, attestation, sampling `weight`) and its shared account
 * (`node_account::NodeAccount`: `stake`, `unbonding`, `unbonding_until_ms`, `reputation`,
 * `served`, `slashed`). There is no `earned` on chain any more (issue 13 B stage 2): sum the
 * node's `NodePaid` events.
 */
export type NodeData = NodeRecordData & Omit<NodeAccountData, "id" | "operator">;

/** The dynamic-field object that holds one Node inside `Registry.nodes`. */
export const NodeField = DynamicField(bcs.Address, Node);

/** Object schemas by Move struct name (every struct outside `atoma::events` that carries data). */
export const OBJECT_SCHEMAS = OBJECT_STRUCTS;

export type ObjectName = keyof typeof OBJECT_SCHEMAS;
