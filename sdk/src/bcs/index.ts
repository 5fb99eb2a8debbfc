export * from "./enums.js";
export * from "./events.js";
export type {
  AdminCapData,
  AssignmentData,
  AttestationData,
  ClusterData,
  MasterCapData,
  NodeCapData,
  NodeData,
  ObjectName,
  ParamsData,
  RegistryData,
  RequestData,
  RotationData,
} from "./schemas.js";
export * as schemas from "./schemas.js";
export {
  AdminCap,
  Assignment,
  Attestation,
  Balance,
  Cluster,
  DynamicField,
  MasterCap,
  Node,
  NodeCap,
  NodeField,
  OBJECT_SCHEMAS,
  Params,
  Registry,
  Request,
  Rotation,
  Table,
  UID,
  VecMap,
} from "./schemas.js";
