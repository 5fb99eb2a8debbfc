/** @atoma/demo — `pnpm start`: a whole Atoma network on one machine, and its network helpers. */
export { type DemoOptions, type DemoSummary, runDemo, whereToLook } from "./main.js";
export * from "./network.js";
export * from "./record.js";
