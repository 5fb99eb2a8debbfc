/**
 * @atoma/sdk — BCS schemas, transaction builders, the chain client, composable encryption and
 * attestation verification for the `atoma` Move package.
 */
export * from "./attestation/index.js";
export * from "./bcs/index.js";
// bcs/ and attestation/ both export TeeKind (one binding, defined in bcs/enums.ts); named once here.
export { TeeKind } from "./bcs/index.js";
export * from "./client/index.js";
export * from "./cluster/index.js";
export * from "./crypto/index.js";
export * from "./errors.js";
export * from "./protocol.js";
export * from "./tx/index.js";
