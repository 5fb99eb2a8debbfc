/**
 * @atoma/sdk — BCS schemas, transaction builders, the chain client, composable encryption and
 * attestation verification for the `atoma` Move package.
 */
export * from "./attestation/index.js";
export * from "./bcs/index.js";
// bcs/ re-exports the enum tables generated from `atoma::constants`; attestation/ (TeeKind) and
// tx/ (TcbStatus, AttestationPath) re-export some of the same bindings: named once here.
export { AttestationPath, TcbStatus, TeeKind } from "./bcs/index.js";
export * from "./client/index.js";
export * from "./cluster/index.js";
export * from "./crypto/index.js";
export * from "./errors.js";
export * from "./protocol.js";
export * from "./tx/index.js";
