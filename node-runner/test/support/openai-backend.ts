/**
 * A real HTTP server speaking the OpenAI API subset a node uses (`GET /v1/models`,
 * `POST /v1/chat/completions`), answering deterministically: the reply is the prompt reversed
 * and upper-cased. It stands in for vLLM / llama.cpp server, which are not our components.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeBackend {
  url: string;
  calls: { model: string; prompt: string; temperature: number; seed: number }[];
  close(): Promise<void>;
}

export const fakeReply = (prompt: string): string => [...prompt].reverse().join("").toUpperCase();

export async function startOpenAiBackend(models: string[], port = 0): Promise<FakeBackend> {
  const calls: FakeBackend["calls"] = [];
  const server: Server = createServer((req, res) => {
    let b = "";
    req.on("data", (c) => {
      b += c;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/v1/models")
        return void res.end(JSON.stringify({ object: "list", data: models.map((id) => ({ id, object: "model" })) }));
      if (req.method === "POST" && req.url === "/v1/chat/completions") {
        const body = JSON.parse(b) as {
          model: string;
          messages: { content: string }[];
          temperature: number;
          seed: number;
        };
        if (!models.includes(body.model)) {
          res.statusCode = 404;
          return void res.end(JSON.stringify({ error: { message: `model ${body.model} not found` } }));
        }
        const prompt = body.messages[0]?.content ?? "";
        calls.push({ model: body.model, prompt, temperature: body.temperature, seed: body.seed });
        return void res.end(
          JSON.stringify({
            id: `chatcmpl-${calls.length}`,
            object: "chat.completion",
            choices: [{ index: 0, message: { role: "assistant", content: fakeReply(prompt) }, finish_reason: "stop" }],
          }),
        );
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
