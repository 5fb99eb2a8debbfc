/**
 * The `--model` options shared by `atoma-node run` and `atoma-node model-capability`, and their
 * conversion to `LlamaExecutorOptions` (bad values are usage errors naming the flag).
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { ExecutorError } from "../types.js";
import type { LlamaExecutorOptions } from "./executor.js";
import { parseLlamaManifest } from "./manifest.js";

export class LlamaUsageError extends Error {
  override name = "LlamaUsageError";
}

export function addLlamaOptions(cmd: Command, modelRequired = false): Command {
  const model = new Option("--model <file.gguf>", "serve this GGUF model in process with llama.cpp (CPU)");
  if (modelRequired) model.makeOptionMandatory();
  return cmd
    .addOption(model)
    .option("--model-digest <sha256>", "refuse the model file unless its sha256 is this")
    .option("--llama-threads <n>", "llama.cpp CPU threads (pinned in the manifest)", "1")
    .option("--llama-batch-size <n>", "llama.cpp batch size (pinned in the manifest)", "8")
    .option("--llama-context <n>", "context size in tokens (default: min(1024, the model's))")
    .option("--llama-max-tokens <n>", "new tokens when a request gives none", "64")
    .option(
      "--llama-manifest <file.json>",
      "serve only this determinism manifest: refuse the capability when this node's engine settings differ",
    );
}

function int(v: unknown, flag: string): number {
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new LlamaUsageError(`${flag} must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
  return n;
}

/** null when no --model was given. */
export function llamaOptionsFrom(o: Record<string, unknown>): LlamaExecutorOptions | null {
  if (o.model === undefined) {
    for (const f of ["modelDigest", "llamaManifest", "llamaContext"])
      if (o[f] !== undefined)
        throw new LlamaUsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --model`);
    return null;
  }
  const out: LlamaExecutorOptions = {
    modelPath: String(o.model),
    threads: int(o.llamaThreads, "--llama-threads"),
    batchSize: int(o.llamaBatchSize, "--llama-batch-size"),
    defaultMaxTokens: int(o.llamaMaxTokens, "--llama-max-tokens"),
  };
  if (o.llamaContext !== undefined) out.contextSize = int(o.llamaContext, "--llama-context");
  if (o.modelDigest !== undefined) {
    const d = String(o.modelDigest).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(d)) throw new LlamaUsageError("--model-digest must be 64 hex characters (sha256)");
    out.expectedDigest = d;
  }
  if (o.llamaManifest !== undefined) {
    const file = String(o.llamaManifest);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new LlamaUsageError(`--llama-manifest ${file}: ${(e as Error).message}`);
    }
    try {
      out.manifest = parseLlamaManifest(raw);
    } catch (e) {
      if (e instanceof ExecutorError) throw new LlamaUsageError(`--llama-manifest ${file}: ${e.message}`);
      throw e;
    }
    // The manifest names the sampler: a node serving it uses that sampler.
    out.sampler = out.manifest.sampler;
  }
  return out;
}
