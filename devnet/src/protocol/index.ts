/**
 * The `atoma` package's state machine in TypeScript (runtime-agnostic). The devnet glue binds
 * these functions to the published package's Move functions.
 */
export * from "./errors.js";
export * from "./ids.js";
export * from "./machine.js";
export * from "./random.js";
export * from "./sampling.js";
export * from "./types.js";
