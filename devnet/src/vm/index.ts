/** The devnet's Move VM: loader, interpreter, natives, gas and limits. */
export { VmAbort, VmFailure, type VmFailureKind, type VmLocation } from "./errors.js";
export { frameworkPackages } from "./framework.js";
export { GAS_SCHEDULE, GasMeter, LIMITS } from "./gas.js";
export { Interpreter, type NativeContext, type NativeFunction, type VmHost, type VmStats } from "./interpreter.js";
export { type Layout, type PackageSource, type VmFunction, VmLoader } from "./loader.js";
export { childId, NATIVES, nativeTable, objectIdOf } from "./natives.js";
export {
  copyValue,
  fromBcs,
  Ref,
  toBcs,
  type Value,
  Variant,
  valueDepth,
} from "./values.js";
