/**
 * Determinism study for the llama.cpp executor (node-runner/docs/determinism.md):
 * the same prompts, up to 256 new tokens each, in 3 separate processes per configuration, over
 * threads {1,2} × batch size {1,8} × context reuse {fresh context, reused context with cleared
 * KV cache (what the executor does), reused KV prefix}, plus a seeded sampler. Reports per
 * configuration whether the 3 processes agree and which configurations agree with the baseline.
 *
 *   tsx node-runner/bench/determinism.ts [--json] [--prompts N] [--tokens N] [--threads 1,2]
 *     [--reuse cleared,fresh,prefix] [--batch 1,8] [--no-seeded] [--processes 3]
 *
 * Prints a Markdown table, and with --json one JSON line per configuration.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { ensureTinyModel, LlamaExecutor, type LlamaSampler } from "../src/executors/llama/index.js";

type Reuse = "fresh" | "cleared" | "prefix";
interface Config {
  threads: number;
  batchSize: number;
  reuse: Reuse;
  sampler: LlamaSampler;
}
interface ChildResult {
  hashes: string[];
  ids: number[][];
  tokens: number;
  ms: number;
  hardwareClass: string;
}

const SUBJECTS = ["the honest node", "a random sample", "the chain", "each request", "the model output"];
const VERBS = ["will commit", "can verify", "has been", "may reveal", "is not"];
/** Prompts with shared prefixes (so prefix reuse has something to reuse) and non-ASCII text. */
export function prompts(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const s = SUBJECTS[i % SUBJECTS.length] as string;
    const v = VERBS[Math.floor(i / SUBJECTS.length) % VERBS.length] as string;
    const tail = i % 4 === 3 ? " — ünïcödé €, 日本語" : i % 4 === 2 ? ` ${"stake and slash ".repeat(i % 7)}` : "";
    out.push(`${s} ${v}${tail}`.trim());
  }
  return out;
}

const sha = (ids: readonly number[]) => createHash("sha256").update(JSON.stringify(ids)).digest("hex");

async function evaluate(seq: LlamaContextSequence, tokens: Token[], max: number, s: LlamaSampler): Promise<number[]> {
  const out: number[] = [];
  const opts =
    s.kind === "greedy" ? { temperature: 0 } : { temperature: s.temperature, seed: s.seed, topK: s.topK, topP: s.topP };
  for await (const t of seq.evaluate(tokens, opts)) {
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

async function child(cfg: Config, modelPath: string, n: number, maxTokens: number): Promise<ChildResult> {
  const ex = await LlamaExecutor.create({
    modelPath,
    contextSize: 512,
    threads: cfg.threads,
    batchSize: cfg.batchSize,
    sampler: cfg.sampler,
  });
  const { model } = ex.engine;
  const hashes: string[] = [];
  const all: number[][] = [];
  let total = 0;
  const t0 = performance.now();
  let shared: LlamaContextSequence | null = null;
  for (const p of prompts(n)) {
    let ids: number[];
    if (cfg.reuse === "cleared") {
      const r = await ex.execute({
        capability: ex.capabilityId,
        input: new TextEncoder().encode(p),
        params: { maxTokens },
      });
      if (r.status !== "ok") throw new Error(`${p}: ${r.message}`);
      ids = (JSON.parse(new TextDecoder().decode(r.output)) as { tokens: number[] }).tokens;
    } else {
      const { tokens } = ex.prepare(new TextEncoder().encode(p), maxTokens);
      if (cfg.reuse === "fresh") {
        const ctx = await model.createContext({
          contextSize: 512,
          batchSize: cfg.batchSize,
          threads: cfg.threads,
          flashAttention: false,
        });
        ids = await evaluate(ctx.getSequence(), tokens, maxTokens, cfg.sampler);
        await ctx.dispose();
      } else {
        if (!shared) {
          const ctx = await model.createContext({
            contextSize: 512,
            batchSize: cfg.batchSize,
            threads: cfg.threads,
            flashAttention: false,
          });
          shared = ctx.getSequence();
        }
        // keep the KV cache of the longest common prefix with what the sequence holds
        const have = shared.contextTokens;
        let keep = 0;
        while (keep < have.length && keep < tokens.length - 1 && have[keep] === tokens[keep]) keep++;
        if (keep < have.length) await shared.eraseContextTokenRanges([{ start: keep, end: shared.nextTokenIndex }]);
        ids = await evaluate(shared, tokens.slice(keep), maxTokens, cfg.sampler);
      }
    }
    total += ids.length;
    hashes.push(sha(ids));
    all.push(ids);
  }
  const ms = performance.now() - t0;
  const hardwareClass = ex.manifest.hardwareClass;
  await ex.close();
  return { hashes, ids: all, tokens: total, ms, hardwareClass };
}

const label = (c: Config) =>
  `threads=${c.threads} batch=${c.batchSize} reuse=${c.reuse} sampler=${c.sampler.kind === "greedy" ? "greedy" : `seeded(${c.sampler.seed})`}`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const num = (flag: string, d: number) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const n = num("--prompts", 20);
  const maxTokens = num("--tokens", 256);
  const ci = args.indexOf("--child");
  if (ci >= 0) {
    const { cfg, modelPath } = JSON.parse(args[ci + 1] as string) as { cfg: Config; modelPath: string };
    process.stdout.write(`${JSON.stringify(await child(cfg, modelPath, n, maxTokens))}\n`);
    return;
  }
  const json = args.includes("--json");
  const model = await ensureTinyModel();
  const greedy: LlamaSampler = { kind: "greedy" };
  const configs: Config[] = [];
  const ti = args.indexOf("--threads");
  const threadCounts = ti >= 0 ? (args[ti + 1] as string).split(",").map(Number) : [1, 2];
  const ri = args.indexOf("--reuse");
  const reuses = (ri >= 0 ? (args[ri + 1] as string).split(",") : ["cleared", "fresh", "prefix"]) as Reuse[];
  const processes = num("--processes", 3);
  const bi = args.indexOf("--batch");
  const batches = bi >= 0 ? (args[bi + 1] as string).split(",").map(Number) : [1, 8];
  // the baseline (1 thread, batch 1, cleared KV) always comes first
  configs.push({ threads: 1, batchSize: 1, reuse: "cleared", sampler: greedy });
  for (const reuse of reuses)
    for (const threads of threadCounts)
      for (const batchSize of batches)
        if (threads !== 1 || batchSize !== 1 || reuse !== "cleared")
          configs.push({ threads, batchSize, reuse, sampler: greedy });
  const seeded: LlamaSampler = { kind: "seeded", seed: 42, temperature: 0.8, topK: 40, topP: 0.95 };
  if (!args.includes("--no-seeded"))
    for (const threads of threadCounts) configs.push({ threads, batchSize: 8, reuse: "cleared", sampler: seeded });

  const self = fileURLToPath(import.meta.url);
  const tsx = path.resolve(path.dirname(self), "../../node_modules/.bin/tsx");
  /** `prompt#@token#` of each prompt whose tokens differ from the baseline's, at the first differing token. */
  const divergence = (a: ChildResult, b: ChildResult) =>
    a.ids.flatMap((ids, p) => {
      const other = b.ids[p] ?? [];
      let k = 0;
      while (k < ids.length && ids[k] === other[k]) k++;
      return k === ids.length && k === other.length ? [] : [`${p}@${k}`];
    });
  console.log(
    `model sha256 ${model.digest}, ${n} prompts × ≤${maxTokens} new tokens, ${processes} processes per row\n`,
  );
  console.log(
    `| configuration | ${processes} processes identical | prompts equal to baseline | first divergence (prompt@token) | tokens/s (mean) |`,
  );
  console.log("| --- | --- | --- | --- | --- |");
  // Rows are printed as they finish, so a failure late in a long run loses nothing measured before it.
  let baseline: ChildResult | null = null;
  let seededBase: ChildResult | null = null;
  let failed = 0;
  for (const cfg of configs) {
    const runs: ChildResult[] = [];
    for (let p = 0; p < processes; p++) {
      const r = spawnSync(
        tsx,
        [
          self,
          "--child",
          JSON.stringify({ cfg, modelPath: model.path }),
          "--prompts",
          String(n),
          "--tokens",
          String(maxTokens),
        ],
        { encoding: "utf8", maxBuffer: 16 << 20 },
      );
      if (r.status !== 0) {
        console.log(`| ${label(cfg)} | process ${p + 1} failed (exit ${r.status}, signal ${r.signal}) | | | |`);
        process.stderr.write(r.stderr);
        failed++;
        break;
      }
      runs.push(JSON.parse(r.stdout.trim().split("\n").pop() as string) as ChildResult);
    }
    const first = runs[0];
    if (!first || runs.length < processes) continue;
    if (cfg.sampler.kind === "greedy") baseline ??= first;
    else seededBase ??= first;
    const base = (cfg.sampler.kind === "greedy" ? baseline : seededBase) as ChildResult;
    const same = runs.every((r) => r.hashes.join() === first.hashes.join());
    const eq = first.hashes.filter((h, i) => h === base.hashes[i]).length;
    const div = divergence(first, base);
    const tps = runs.reduce((a, r) => a + r.tokens / (r.ms / 1000), 0) / runs.length;
    console.log(
      `| ${label(cfg)} | ${same ? "yes" : "**no**"} | ${eq}/${first.hashes.length} | ${div.join(" ") || "–"} | ${tps.toFixed(0)} |`,
    );
    if (json)
      console.log(
        JSON.stringify({
          config: label(cfg),
          hardwareClass: first.hardwareClass,
          processesIdentical: same,
          equalToBaseline: eq,
          divergence: div,
          prompts: first.hashes.length,
          tokensPerSecond: Math.round(tps),
          tokens: first.tokens,
        }),
      );
  }
  if (failed) process.exitCode = 1;
}

await main();
