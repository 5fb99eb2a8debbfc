export * from "./keys.js";
export * from "./rotation.js";
