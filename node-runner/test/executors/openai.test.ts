import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAiExecutor } from "../../src/executors/openai.js";

let server: Server;
let url = "";
const seen: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let b = "";
    req.on("data", (c) => {
      b += c;
    });
    req.on("end", () => {
      const body = JSON.parse(b);
      seen.push(body);
      if (body.model === "slow") return void setTimeout(() => res.end("{}"), 2000);
      if (body.model === "broken") {
        res.statusCode = 500;
        return void res.end("boom");
      }
      res.setHeader("content-type", "application/json");
      const text = `echo:${body.prompt ?? body.messages[0].content}:${body.max_tokens}`;
      res.end(
        JSON.stringify({ choices: [req.url === "/v1/chat/completions" ? { message: { content: text } } : { text }] }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const manifest = { modelDigest: "ab", engineVersion: "vllm-0.6", hardwareClass: "cpu", seed: 7, dtype: "fp32" };
const mk = (timeoutMs = 5000) =>
  new OpenAiExecutor({
    url,
    hardwareClass: "cpu",
    timeoutMs,
    capabilities: [
      { id: "llm:chat", model: "m", endpoint: "chat", manifest },
      { id: "llm:comp", model: "m", endpoint: "completions", manifest },
      { id: "llm:slow", model: "slow", endpoint: "completions", manifest },
      { id: "llm:broken", model: "broken", endpoint: "completions", manifest },
      { id: "llm:gpu", model: "m", endpoint: "chat", manifest: { ...manifest, hardwareClass: "nvidia-h100" } },
    ],
  });
const enc = (s: string) => new TextEncoder().encode(s);

describe("openai executor", () => {
  it("chat and completions: deterministic params, text bytes out", async () => {
    const ex = mk();
    const a = await ex.execute({ capability: "llm:chat", input: enc("hi"), params: { maxTokens: 9 } });
    expect(a.status).toBe("ok");
    expect(new TextDecoder().decode(a.output)).toBe("echo:hi:9");
    const b = await ex.execute({ capability: "llm:comp", input: enc("yo"), params: {} });
    expect(new TextDecoder().decode(b.output)).toBe("echo:yo:256");
    expect(seen[0]).toMatchObject({ temperature: 0, seed: 7, max_tokens: 9, model: "m" });
  });
  it("error, timeout and manifest refusal", async () => {
    const ex = mk(300);
    expect((await ex.execute({ capability: "llm:broken", input: enc("x"), params: {} })).message).toMatch(/HTTP 500/);
    expect((await ex.execute({ capability: "llm:slow", input: enc("x"), params: {} })).status).toBe("timeout");
    const g = ex.canServe("llm:gpu");
    expect(g.ok).toBe(false);
    expect(g.ok ? "" : g.reason).toMatch(/nvidia-h100/);
  });
});
