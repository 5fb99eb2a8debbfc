/**
 * The SDK's attestation API. Imported by path until `@atoma/sdk`'s index re-exports
 * `./attestation/index.js`; then this file can become `export * from "@atoma/sdk"`.
 */
export * from "../../../sdk/src/attestation/index.js";
export { AtomaError, InvalidInputError } from "../../../sdk/src/errors.js";
