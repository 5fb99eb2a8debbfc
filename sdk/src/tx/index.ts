export * from "./builders.js";
export * from "./inputs.js";
