/**
 * Turns a request into an executor job: opens the node layer of a confidential input with the
 * node's X25519 key, picks the executor by capability id, hashes the output.
 */
import { BindingKind, decodeEnvelope, hashOutput, openAsNode } from "@atoma/sdk";
import type { RequestView } from "./chain-port.js";
import type { ExecuteOutcome } from "./daemon.js";

export const MAX_OUTPUT_BYTES = 16_384;

export interface ExecutorJob {
  requestId: string;
  /** 0 Inference, 1 Wasm. */
  kind: number;
  capability: string;
  /** Plaintext input (node layer already opened). */
  input: Uint8Array;
  fuel: bigint;
  maxTokens: bigint;
}

/** A small plugin interface: each executor declares the capability ids it serves. */
export interface Executor {
  readonly name: string;
  /** Exact ids, or prefixes ending in `*` (e.g. `wasm:*`). */
  readonly capabilities: readonly string[];
  run(job: ExecutorJob): Promise<Uint8Array>;
}

export class ExecutionRefused extends Error {
  override name = "ExecutionRefused";
}

export function findExecutor(executors: readonly Executor[], capability: string): Executor | undefined {
  return executors.find((e) =>
    e.capabilities.some((c) => (c.endsWith("*") ? capability.startsWith(c.slice(0, -1)) : c === capability)),
  );
}

export function makeExecute(o: {
  nodeId: string;
  encSk: Uint8Array;
  executors: readonly Executor[];
}): (r: RequestView) => Promise<ExecuteOutcome> {
  return async (r) => {
    const capability = new TextDecoder().decode(r.capability);
    const executor = findExecutor(o.executors, capability);
    if (!executor) throw new ExecutionRefused(`unknown capability ${JSON.stringify(capability)}`);
    let input = r.input;
    if (r.confidential) {
      try {
        // Sealed before creation: bound to the input hash; after sampling: to the request id.
        const env = decodeEnvelope(r.input);
        input =
          env.bindingKind === BindingKind.InputHash
            ? openAsNode({ inputHash: r.inputHash, envelope: env, nodeId: o.nodeId, encSk: o.encSk })
            : openAsNode({ requestId: r.id, envelope: env, nodeId: o.nodeId, encSk: o.encSk });
      } catch (err) {
        throw new ExecutionRefused(`undecryptable input: ${(err as Error).message}`);
      }
    }
    const output = await executor.run({
      requestId: r.id,
      kind: r.kind,
      capability,
      input,
      fuel: r.fuel,
      maxTokens: r.maxTokens,
    });
    if (output.length > MAX_OUTPUT_BYTES)
      throw new ExecutionRefused(`output of ${output.length} bytes exceeds ${MAX_OUTPUT_BYTES}`);
    return { output, outputHash: hashOutput(output) };
  };
}
