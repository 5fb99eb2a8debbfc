/** The OpenAI-compatible backend executor against a real engine: llama.cpp behind a small OpenAI-style server. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel, LlamaExecutor, type LlamaOutput } from "../../src/executors/llama/index.js";
import { type OpenAiServer, startOpenAiServer } from "../../src/executors/llama/openai-server.js";
import { OpenAiExecutor } from "../../src/executors/openai.js";

let dir: string;
let ex: LlamaExecutor;
let server: OpenAiServer;
const enc = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "atoma-llama-openai-"));
  const m = await ensureTinyModel({ cacheDir: dir });
  ex = await LlamaExecutor.create({ modelPath: m.path, contextSize: 256 });
  server = await startOpenAiServer(ex);
});
afterAll(async () => {
  await server?.close();
  await ex?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("OpenAI-compatible backend on llama.cpp", () => {
  it("OpenAiExecutor gets the same text as the in-process executor", async () => {
    const client = new OpenAiExecutor({
      url: server.url,
      hardwareClass: ex.manifest.hardwareClass,
      capabilities: [{ id: "llm:tiny", model: server.model, endpoint: "completions", manifest: ex.manifest }],
    });
    const viaHttp = await client.execute({
      capability: "llm:tiny",
      input: enc("the honest node"),
      params: { maxTokens: 20 },
    });
    expect(viaHttp.status).toBe("ok");
    const direct = await ex.execute({
      capability: ex.capabilityId,
      input: enc("the honest node"),
      params: { maxTokens: 20 },
    });
    const out = JSON.parse(new TextDecoder().decode(direct.output)) as LlamaOutput;
    expect(out.tokens).toHaveLength(20);
    expect(new TextDecoder().decode(viaHttp.output)).toBe(out.text);
  });

  it("bad requests are HTTP errors, never text", async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const hot = await post({ model: server.model, prompt: "x", temperature: 0.7 });
    expect(hot.status).toBe(400);
    expect(((await hot.json()) as { error: { message: string } }).error.message).toMatch(/temperature 0/);
    const zero = await post({ model: server.model, prompt: "x", max_tokens: 0 });
    expect(zero.status).toBe(400);
    expect(((await zero.json()) as { error: { message: string } }).error.message).toMatch(
      /maxTokens must be an integer/,
    );
    expect((await post({ model: "other", prompt: "x" })).status).toBe(404);
    const client = new OpenAiExecutor({
      url: server.url,
      hardwareClass: ex.manifest.hardwareClass,
      capabilities: [{ id: "llm:tiny", model: server.model, endpoint: "completions", manifest: ex.manifest }],
    });
    const long = await client.execute({
      capability: "llm:tiny",
      input: enc(Array(300).fill("the").join(" ")),
      params: { maxTokens: 8 },
    });
    expect(long.status).toBe("error");
    expect(long.message).toBe("inference backend: HTTP 400");
  });
});
