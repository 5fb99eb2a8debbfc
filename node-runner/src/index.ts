/** @atoma/node-runner — the operator's daemon, its chain port, config and CLI pieces. */
export * from "./config.js";
export * from "./daemon/chain-port.js";
export * from "./daemon/daemon.js";
export * from "./daemon/execute.js";
export * from "./daemon/executors-loader.js";
export * from "./daemon/file-journal.js";
export * from "./daemon/node.js";
export * from "./daemon/pq-key.js";
export * from "./daemon/task.js";
export { type DurableStep, type ExecuteOutcome, FAULTS, type Fault, type TaskStep } from "./daemon/task-runner.js";
export * from "./deploy.js";
export * from "./errors.js";
export * from "./keeper/index.js";
export * from "./lock.js";
export * from "./metrics.js";
export * from "./paths.js";
export * from "./rotation/index.js";
export * from "./sdk-port.js";
