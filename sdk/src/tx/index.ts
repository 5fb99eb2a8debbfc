export * from "./builders.js";
export type { OwnedInput, OwnedObjectRef, PackageTarget, SharedInput, SharedObjectRef, U64Input } from "./inputs.js";
export * from "./nitro.js";
export * from "./tdx.js";
