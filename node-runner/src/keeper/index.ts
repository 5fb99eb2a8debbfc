export * from "./chain.js";
export * from "./duty.js";
export * from "./fee-sweeper.js";
export * from "./keeper.js";
export * from "./node-refresher.js";
export * from "./pending.js";
