/**
 * In-process LLM inference with llama.cpp (node-llama-cpp 3.21.1, CPU). One GGUF model, one
 * context, one sequence; requests run one at a time on an empty KV cache with the manifest's
 * settings (context size, batch size, threads, sampler).
 *
 * Input: the prompt as UTF-8 bytes. Output (what is hashed and committed): canonical JSON
 * `{"finish":"eos"|"length","text":…,"tokens":[ids…]}` — token ids and the text they decode to,
 * never logits. Nothing is streamed: the output exists only once generation has finished, so an
 * engine failure mid-generation leaves nothing to commit (status "error").
 */
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import {
  type CanServe,
  type CapabilityInfo,
  canonicalJsonBytes,
  capabilityString,
  type ExecResult,
  type ExecTask,
  type Executor,
  ExecutorError,
} from "../types.js";
import { cpuLlama, engineFacts } from "./engine.js";
import { type LlamaManifest, type LlamaSampler, llamaCapabilityId, manifestDiff } from "./manifest.js";
import { type CheckedModel, checkModelFile, LlamaModelError } from "./model-file.js";

export type LlamaInputErrorCode = "BAD_UTF8" | "PROMPT_TOO_LONG" | "BAD_MAX_TOKENS" | "GENERATION_FAILED";

export class LlamaInputError extends ExecutorError {
  override name = "LlamaInputError";
  constructor(
    override readonly code: LlamaInputErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

export interface LlamaExecutorOptions {
  /** Path to a GGUF model (any architecture llama.cpp supports). */
  modelPath: string;
  /** Refuse the file unless its sha256 is this (lowercase hex). */
  expectedDigest?: string;
  /** Default: the smaller of 1024 and the model's training context. */
  contextSize?: number;
  /** Tokens per llama_decode call while reading the prompt. Default 8. */
  batchSize?: number;
  /** CPU threads. Default 1. */
  threads?: number;
  sampler?: LlamaSampler;
  /** Serve only this manifest: when this node's settings differ, it refuses the capability. */
  manifest?: LlamaManifest;
  /** maxTokens when the request gives none. Default 64. */
  defaultMaxTokens?: number;
}

export interface LlamaRunStats {
  promptTokens: number;
  generatedTokens: number;
  /** From the start of prompt evaluation to the first sampled token (prompt prefill). */
  firstTokenMs: number;
  totalMs: number;
}

export interface LlamaOutput {
  finish: "eos" | "length";
  text: string;
  tokens: number[];
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

export class LlamaExecutor implements Executor {
  readonly id = "llama";
  /** Statistics of the last successful run (for metrics and benchmarks). */
  lastRun: LlamaRunStats | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private context: LlamaContext,
    private sequence: LlamaContextSequence,
    readonly checked: CheckedModel,
    /** What this node actually runs. */
    readonly manifest: LlamaManifest,
    /** Why this node refuses the manifest it was asked to serve (null: it serves it). */
    readonly refusal: string | null,
    private readonly defaultMaxTokens: number,
  ) {}

  static async create(o: LlamaExecutorOptions): Promise<LlamaExecutor> {
    const checked = await checkModelFile(o.modelPath, o.expectedDigest);
    const contextSize = o.contextSize ?? Math.min(1024, checked.trainContextLength ?? 1024);
    const batchSize = o.batchSize ?? 8;
    const threads = o.threads ?? 1;
    const defaultMaxTokens = o.defaultMaxTokens ?? 64;
    for (const [k, v] of Object.entries({ contextSize, batchSize, threads, defaultMaxTokens }))
      if (!Number.isSafeInteger(v) || v < 1)
        throw new ExecutorError("BAD_OPTION", `llama: ${k} must be an integer ≥ 1, got ${v}`);
    if (checked.trainContextLength !== null && contextSize > checked.trainContextLength)
      throw new ExecutorError(
        "BAD_OPTION",
        `llama: contextSize ${contextSize} exceeds the model's training context ${checked.trainContextLength}`,
      );
    const llama = await cpuLlama();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: checked.path, gpuLayers: 0, useMmap: true });
    } catch (e) {
      throw new LlamaModelError(
        "MODEL_LOAD_FAILED",
        checked.path,
        `llama.cpp could not load it (${(e as Error).message})`,
      );
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({ contextSize, batchSize, threads, sequences: 1, flashAttention: false });
    } catch (e) {
      await model.dispose();
      throw new LlamaModelError("MODEL_LOAD_FAILED", checked.path, `cannot create a context (${(e as Error).message})`);
    }
    const sampler = o.sampler ?? { kind: "greedy" };
    const manifest: LlamaManifest = {
      kind: "llama.cpp",
      modelDigest: checked.digest,
      ...engineFacts(llama),
      dtype: checked.dtype,
      contextSize: context.contextSize,
      batchSize: context.batchSize,
      threads: context.currentThreads,
      sampler,
      kvReuse: "none",
      seed: sampler.kind === "seeded" ? sampler.seed : 0,
    };
    const diff = o.manifest ? manifestDiff(o.manifest, manifest) : [];
    const refusal = diff.length ? `engine settings differ from the manifest (${diff.join("; ")})` : null;
    return new LlamaExecutor(
      llama,
      model,
      context,
      context.getSequence(),
      checked,
      manifest,
      refusal,
      defaultMaxTokens,
    );
  }

  get capabilityId(): string {
    return llamaCapabilityId(this.manifest);
  }

  capabilities(): CapabilityInfo[] {
    if (this.refusal) return [];
    return [
      {
        id: this.capabilityId,
        description: `llama.cpp ${this.checked.architecture} ${this.checked.dtype} sha256:${this.checked.digest.slice(0, 16)}…`,
        manifest: this.manifest,
      },
    ];
  }

  canServe(capability: Uint8Array | string): CanServe {
    const id = capabilityString(capability);
    if (id !== this.capabilityId) return { ok: false, reason: `no llama capability ${id}` };
    if (this.refusal) return { ok: false, reason: this.refusal };
    if (this.closed) return { ok: false, reason: "llama executor is closed" };
    return { ok: true };
  }

  /** Checks a request and tokenizes it; throws `LlamaInputError` naming what is wrong. */
  prepare(input: Uint8Array, maxTokensParam: number | undefined): { tokens: Token[]; maxTokens: number } {
    let prompt: string;
    try {
      prompt = fatalUtf8.decode(input);
    } catch {
      throw new LlamaInputError("BAD_UTF8", "llama: the prompt is not valid UTF-8");
    }
    const ctx = this.manifest.contextSize;
    const maxTokens = maxTokensParam ?? this.defaultMaxTokens;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1 || maxTokens >= ctx)
      throw new LlamaInputError(
        "BAD_MAX_TOKENS",
        `llama: maxTokens must be an integer in [1, ${ctx - 1}] (context size ${ctx}), got ${maxTokens}`,
      );
    const bos = this.model.tokens.bos;
    const addBos = bos !== null && this.model.fileInfo.metadata?.tokenizer?.ggml?.add_bos_token !== false;
    const tokens = [...(addBos ? [bos as Token] : []), ...this.model.tokenize(prompt, false)];
    if (tokens.length >= ctx)
      throw new LlamaInputError(
        "PROMPT_TOO_LONG",
        `llama: the prompt is ${tokens.length} tokens, the context holds ${ctx}`,
      );
    if (tokens.length + maxTokens > ctx)
      throw new LlamaInputError(
        "PROMPT_TOO_LONG",
        `llama: prompt (${tokens.length} tokens) + maxTokens (${maxTokens}) exceed the context size ${ctx}`,
      );
    return { tokens, maxTokens };
  }

  /** Runs one generation to the end (no partial output escapes). */
  async generate(tokens: Token[], maxTokens: number, signal?: AbortSignal): Promise<LlamaOutput> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new LlamaInputError("GENERATION_FAILED", "llama: executor is closed");
      const t0 = performance.now();
      let first = 0;
      await this.sequence.clearHistory();
      const s = this.manifest.sampler;
      const out: Token[] = [];
      let finish: LlamaOutput["finish"] = "eos";
      const it = this.sequence.evaluate(
        tokens,
        s.kind === "greedy"
          ? { temperature: 0 }
          : { temperature: s.temperature, seed: s.seed, topK: s.topK, topP: s.topP },
      );
      for await (const t of it) {
        if (out.length === 0) first = performance.now() - t0;
        signal?.throwIfAborted();
        if (this.model.isEogToken(t)) break;
        out.push(t);
        if (out.length >= maxTokens) {
          finish = "length";
          break;
        }
      }
      this.lastRun = {
        promptTokens: tokens.length,
        generatedTokens: out.length,
        firstTokenMs: first,
        totalMs: performance.now() - t0,
      };
      return { finish, text: this.model.detokenize(out, false), tokens: out.map(Number) };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async execute(task: ExecTask, signal?: AbortSignal): Promise<ExecResult> {
    const ok = this.canServe(task.capability);
    if (!ok.ok) return { status: "error", output: new Uint8Array(), message: ok.reason };
    let prepared: { tokens: Token[]; maxTokens: number };
    try {
      prepared = this.prepare(task.input, task.params.maxTokens);
    } catch (e) {
      if (e instanceof ExecutorError) return { status: "error", output: new Uint8Array(), message: e.message };
      throw e;
    }
    try {
      const out = await this.generate(prepared.tokens, prepared.maxTokens, signal);
      return { status: "ok", output: canonicalJsonBytes(out) };
    } catch (e) {
      const name = (e as Error).name;
      if (signal?.aborted || name === "AbortError" || name === "TimeoutError")
        return { status: "timeout", output: new Uint8Array(), message: `llama: generation aborted (${name})` };
      return {
        status: "error",
        output: new Uint8Array(),
        message: `llama: generation failed, nothing committed (${(e as Error).message})`,
      };
    }
  }

  /** Frees the context and model; a generation in flight fails (status "error"). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.dispose();
    await this.model.dispose();
  }

  /** The underlying engine objects, for benchmarks that call node-llama-cpp directly. */
  get engine(): { llama: Llama; model: LlamaModel } {
    return { llama: this.llama, model: this.model };
  }
}
