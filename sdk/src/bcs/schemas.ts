/**
 * BCS schemas of every object of the `atoma` Move package. The struct layouts are generated from
 * the compiled bytecode (`sdk/src/generated/atoma/bcs.ts`, `pnpm codegen`); this module adds only
 * what the bytecode does not say: how a Table entry is stored (`DynamicField`, `NodeField`).
 */

import type { BcsType } from "@mysten/sui/bcs";
import { bcs } from "@mysten/sui/bcs";
import { Node, OBJECT_STRUCTS, UID } from "../generated/atoma/bcs.js";

export type {
  AdminCapData,
  AssignmentData,
  AttestationData,
  ClusterData,
  MasterCapData,
  NodeCapData,
  NodeData,
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

/** The dynamic-field object that holds one Node inside `Registry.nodes`. */
export const NodeField = DynamicField(bcs.Address, Node);

/** Object schemas by Move struct name (every struct outside `atoma::events` that carries data). */
export const OBJECT_SCHEMAS = OBJECT_STRUCTS;

export type ObjectName = keyof typeof OBJECT_SCHEMAS;
