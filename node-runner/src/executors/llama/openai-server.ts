/**
 * A small OpenAI-compatible HTTP server (`POST /v1/completions`, `GET /v1/models`) in front of a
 * `LlamaExecutor`: a real engine for the OpenAI-compatible backend executor (`../openai.ts`) on
 * machines where neither vLLM nor llama.cpp's own `llama-server` can be installed (here: no
 * PyPI, no Debian 12 package, no GitHub). Greedy only (temperature 0), no streaming, no chat
 * template; bad requests get HTTP 400 with an OpenAI-style `{error: {message, type}}`.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { LlamaExecutor, LlamaOutput } from "./executor.js";

export interface OpenAiServer {
  url: string;
  /** The model name clients send (the executor's capability id). */
  model: string;
  close(): Promise<void>;
}

interface CompletionBody {
  model?: unknown;
  prompt?: unknown;
  max_tokens?: unknown;
  temperature?: unknown;
  stream?: unknown;
  n?: unknown;
}

export async function startOpenAiServer(
  ex: LlamaExecutor,
  o: { host?: string; port?: number } = {},
): Promise<OpenAiServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  const model = ex.capabilityId;
  const bad = (message: string) => ({ error: { message, type: "invalid_request_error" } });
  app.get("/v1/models", async () => ({ object: "list", data: [{ id: model, object: "model", owned_by: "atoma" }] }));
  app.post("/v1/completions", async (req, reply) => {
    const b = (req.body ?? {}) as CompletionBody;
    if (b.model !== model) return reply.code(404).send(bad(`model ${JSON.stringify(b.model)} is not served`));
    if (typeof b.prompt !== "string") return reply.code(400).send(bad("prompt must be a string"));
    if (b.temperature !== undefined && b.temperature !== 0)
      return reply.code(400).send(bad("only temperature 0 (greedy) is served"));
    if (b.stream === true) return reply.code(400).send(bad("streaming is not served"));
    if (b.n !== undefined && b.n !== 1) return reply.code(400).send(bad("n must be 1"));
    const maxTokens = b.max_tokens === undefined ? undefined : Number(b.max_tokens);
    const r = await ex.execute({
      capability: model,
      input: new TextEncoder().encode(b.prompt),
      params: maxTokens === undefined ? {} : { maxTokens },
    });
    if (r.status !== "ok") return reply.code(400).send(bad(r.message ?? r.status));
    const out = JSON.parse(new TextDecoder().decode(r.output)) as LlamaOutput;
    return {
      id: `cmpl-${Date.now()}`,
      object: "text_completion",
      model,
      choices: [{ index: 0, text: out.text, finish_reason: out.finish === "eos" ? "stop" : "length" }],
      usage: { completion_tokens: out.tokens.length },
    };
  });
  const url = await app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 0 });
  return { url, model, close: () => app.close() };
}
