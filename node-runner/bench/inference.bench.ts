/**
 * `pnpm bench inference` — the llama.cpp executor against node-llama-cpp called directly, same
 * model (the project's tiny GGUF), same prompts, same settings (CPU, 1 thread, batch 8, greedy),
 * in the same run, interleaved round by round so load from other processes hits both alike:
 *  1. generation speed (tokens/s; goal: executor overhead ≤ 5 %);
 *  2. time to first token (prompt prefill): inside the executor vs direct. The executor streams
 *     nothing, so its caller sees the first byte only with the whole output (also reported);
 *  3. memory: resident set growth for loading the model and a context, against the GGUF's size.
 * Each figure ends with one JSON line {bench, figure, value, unit, peer, peerValue, ratio, target, met}.
 * Plain tsx script: `npx tsx node-runner/bench/inference.bench.ts [--rounds N] [--tokens N]`.
 */
import type { Token } from "node-llama-cpp";
import { ensureTinyModel, LlamaExecutor } from "../src/executors/llama/index.js";
import { arg, median, reporter } from "./figures.js";

const ROUNDS = arg("--rounds", 3);
const TOKENS = arg("--tokens", 128);
const PROMPTS = [
  "the honest node will commit",
  "a random sample of the network",
  "each request has been verified by stake",
  "the model output is a hash of tokens",
  "water and stone in the river of the world",
  "first the chain, then the proof, then the reward",
];

const report = reporter("inference");

const rss = () => process.memoryUsage().rss;

const model = await ensureTinyModel();
const rss0 = rss();
const ex = await LlamaExecutor.create({ modelPath: model.path, contextSize: 512, threads: 1, batchSize: 8 });
const rssLoaded = rss() - rss0;
const { model: llamaModel } = ex.engine;
// The direct peer: its own context on the same loaded model, same settings, raw evaluate loop.
const direct = await llamaModel.createContext({ contextSize: 512, batchSize: 8, threads: 1, flashAttention: false });
const seq = direct.getSequence();
const enc = new TextEncoder();

async function runDirect(prompt: string): Promise<{ tokens: number; firstMs: number; totalMs: number }> {
  const t0 = performance.now();
  await seq.clearHistory();
  const bos = llamaModel.tokens.bos as Token;
  const input = [bos, ...llamaModel.tokenize(prompt, false)];
  let n = 0;
  let first = 0;
  for await (const t of seq.evaluate(input, { temperature: 0 })) {
    if (n === 0) first = performance.now() - t0;
    if (llamaModel.isEogToken(t)) break;
    if (++n >= TOKENS) break;
  }
  return { tokens: n, firstMs: first, totalMs: performance.now() - t0 };
}

async function runExecutor(prompt: string): Promise<{ tokens: number; firstMs: number; totalMs: number }> {
  const t0 = performance.now();
  const r = await ex.execute({ capability: ex.capabilityId, input: enc.encode(prompt), params: { maxTokens: TOKENS } });
  const totalMs = performance.now() - t0;
  if (r.status !== "ok" || !ex.lastRun) throw new Error(`executor: ${r.status} ${r.message ?? ""}`);
  return { tokens: ex.lastRun.generatedTokens, firstMs: ex.lastRun.firstTokenMs, totalMs };
}

// warm-up (first decode allocates compute buffers)
await runDirect(PROMPTS[0] as string);
await runExecutor(PROMPTS[0] as string);

const tpsEx: number[] = [];
const tpsDirect: number[] = [];
const ttftEx: number[] = [];
const ttftDirect: number[] = [];
const latencyEx: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const p of PROMPTS) {
    // alternate which goes first so neither always runs on a warmer cache
    const order = r % 2 === 0 ? [runExecutor, runDirect] : [runDirect, runExecutor];
    for (const f of order) {
      const m = await f(p);
      if (f === runExecutor) {
        tpsEx.push(m.tokens / (m.totalMs / 1000));
        ttftEx.push(m.firstMs);
        latencyEx.push(m.totalMs);
      } else {
        tpsDirect.push(m.tokens / (m.totalMs / 1000));
        ttftDirect.push(m.firstMs);
      }
    }
  }
}
const rssAfter = rss() - rss0;

console.log(
  `model ${model.path} (${(model.bytes / 1024).toFixed(0)} KiB, sha256 ${model.digest.slice(0, 16)}…), ${PROMPTS.length} prompts × ${TOKENS} tokens × ${ROUNDS} rounds, ${ex.manifest.hardwareClass}, ${ex.manifest.engineVersion}`,
);
const mEx = median(tpsEx);
const mDirect = median(tpsDirect);
report(
  "executor tokens/s",
  mEx,
  "tokens/s",
  "node-llama-cpp direct",
  mDirect,
  "≥ 0.95 × direct",
  mEx >= 0.95 * mDirect,
);
report("time to first token (prefill)", median(ttftEx), "ms", "node-llama-cpp direct", median(ttftDirect), null, null);
report(
  "time to committed output (no streaming)",
  median(latencyEx),
  "ms",
  "direct time to first token",
  median(ttftDirect),
  null,
  null,
);
report("resident memory after load", rssLoaded / 2 ** 20, "MiB", "GGUF file size", model.bytes / 2 ** 20, null, null);
report("resident memory after the run", rssAfter / 2 ** 20, "MiB", "GGUF file size", model.bytes / 2 ** 20, null, null);
await direct.dispose();
await ex.close();
