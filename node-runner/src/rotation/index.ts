export * from "./hook.js";
export * from "./keys.js";
export * from "./rotation.js";
