/**
 * OpenAI-compatible inference backend (vLLM, llama.cpp server): temperature 0, fixed seed, max_tokens.
 * Canonical output = the generated text's UTF-8 bytes.
 */
import {
  type CanServe,
  type CapabilityInfo,
  capabilityString,
  type DeterminismManifest,
  type ExecResult,
  type ExecTask,
  type Executor,
} from "./types.js";

export interface OpenAiCapability {
  /** Capability id, e.g. "llm:qwen2.5-0.5b-instruct-q8". */
  id: string;
  /** Model name sent to the server. */
  model: string;
  endpoint: "chat" | "completions";
  manifest: DeterminismManifest;
}

export interface OpenAiExecutorOptions {
  /** Base URL, e.g. http://127.0.0.1:8000 (the `/v1/...` path is appended). */
  url: string;
  capabilities: OpenAiCapability[];
  /** This node's hardware class; capabilities whose manifest needs another class are refused. */
  hardwareClass: string;
  timeoutMs?: number;
  defaultMaxTokens?: number;
  apiKey?: string;
}

/** Capability ids of backend models: `llm:<model id>` (at most 64 bytes on chain). */
export const INFERENCE_CAPABILITY_PREFIX = "llm:";

/** Checks an inference URL's syntax; returns its base (without a trailing `/v1`). */
export function parseInferenceUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InferenceUrlError(raw, "is not a URL (expected http(s)://host:port, e.g. http://127.0.0.1:8000/v1)");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new InferenceUrlError(raw, "must be http(s)");
  return u.href.replace(/\/+$/, "").replace(/\/v1$/, "");
}

export class InferenceUrlError extends Error {
  override name = "InferenceUrlError";
  constructor(
    readonly url: string,
    rule: string,
  ) {
    super(`--inference-url ${url}: ${rule}`);
  }
}

/** The backend did not answer `GET /v1/models` with a model list. */
export class InferenceBackendError extends Error {
  override name = "InferenceBackendError";
}

/**
 * Asks the backend for its models (`GET /v1/models`, which vLLM and llama.cpp server answer) and
 * returns an executor serving each as capability `llm:<model id>` through chat completions.
 * Fails at start-up, naming the URL, when nothing answers, instead of at the first request.
 */
export async function discoverOpenAiExecutor(
  rawUrl: string,
  o: { hardwareClass?: string; timeoutMs?: number; apiKey?: string } = {},
): Promise<OpenAiExecutor> {
  const url = parseInferenceUrl(rawUrl);
  const modelsUrl = `${url}/v1/models`;
  let res: Response;
  try {
    res = await fetch(modelsUrl, {
      headers: o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {},
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new InferenceBackendError(`cannot reach inference backend at ${modelsUrl} (${cause})`, { cause: e });
  }
  if (!res.ok) throw new InferenceBackendError(`inference backend ${modelsUrl} answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => null)) as { data?: { id?: unknown }[] } | null;
  const ids = (body?.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string");
  if (ids.length === 0)
    throw new InferenceBackendError(`inference backend ${modelsUrl} lists no models ({"data":[{"id":…}]})`);
  const hardwareClass = o.hardwareClass ?? "openai-compatible";
  const capabilities: OpenAiCapability[] = ids
    .filter((id) => Buffer.byteLength(INFERENCE_CAPABILITY_PREFIX + id) <= 64)
    .map((model) => ({
      id: INFERENCE_CAPABILITY_PREFIX + model,
      model,
      endpoint: "chat",
      manifest: { modelDigest: "", engineVersion: "openai-compatible", hardwareClass, seed: 0, dtype: "unknown" },
    }));
  return new OpenAiExecutor({
    url,
    capabilities,
    hardwareClass,
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
  });
}

export class OpenAiExecutor implements Executor {
  readonly id = "openai";
  constructor(private readonly o: OpenAiExecutorOptions) {}

  capabilities(): CapabilityInfo[] {
    return this.o.capabilities.map((c) => ({
      id: c.id,
      description: `${c.endpoint} ${c.model}`,
      manifest: c.manifest,
    }));
  }

  canServe(capability: Uint8Array | string): CanServe {
    const id = capabilityString(capability);
    const c = this.o.capabilities.find((x) => x.id === id);
    if (!c) return { ok: false, reason: `no inference capability ${id}` };
    if (c.manifest.hardwareClass !== this.o.hardwareClass)
      return {
        ok: false,
        reason: `manifest needs hardware class ${c.manifest.hardwareClass}, this node is ${this.o.hardwareClass}`,
      };
    return { ok: true };
  }

  async execute(task: ExecTask, signal?: AbortSignal): Promise<ExecResult> {
    const id = capabilityString(task.capability);
    const ok = this.canServe(id);
    if (!ok.ok) return { status: "error", output: new Uint8Array(), message: ok.reason };
    const c = this.o.capabilities.find((x) => x.id === id) as OpenAiCapability;
    const prompt = new TextDecoder().decode(task.input);
    const common = {
      model: c.model,
      temperature: 0,
      top_p: 1,
      seed: c.manifest.seed,
      n: 1,
      stream: false,
      max_tokens: task.params.maxTokens ?? this.o.defaultMaxTokens ?? 256,
    };
    const body =
      c.endpoint === "chat" ? { ...common, messages: [{ role: "user", content: prompt }] } : { ...common, prompt };
    const path = c.endpoint === "chat" ? "/v1/chat/completions" : "/v1/completions";
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 60_000);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.o.url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: sig,
      });
    } catch (e) {
      const name = (e as Error).name;
      if (name === "TimeoutError" || name === "AbortError")
        return { status: "timeout", output: new Uint8Array(), message: `inference backend: ${name}` };
      return { status: "error", output: new Uint8Array(), message: `inference backend: ${(e as Error).message}` };
    }
    if (!res.ok) {
      return { status: "error", output: new Uint8Array(), message: `inference backend: HTTP ${res.status}` };
    }
    let json: { choices?: { text?: unknown; message?: { content?: unknown } }[] };
    try {
      json = (await res.json()) as typeof json;
    } catch (e) {
      return {
        status: "error",
        output: new Uint8Array(),
        message: `inference backend: bad JSON (${(e as Error).message})`,
      };
    }
    const ch = json.choices?.[0];
    const text = c.endpoint === "chat" ? ch?.message?.content : ch?.text;
    if (typeof text !== "string")
      return {
        status: "error",
        output: new Uint8Array(),
        message: "inference backend: response has no choices[0] text",
      };
    return { status: "ok", output: new TextEncoder().encode(text) };
  }
}
