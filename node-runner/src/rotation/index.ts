export * from "./hook.js";
export * from "./keys.js";
export * from "./policy.js";
export * from "./rotation.js";
