/**
 * Built-in deterministic models (no download). Integer / fixed-point arithmetic only, so output bytes
 * are identical on every honest node. Inputs and outputs are canonical JSON.
 */
import { blake2b } from "@noble/hashes/blake2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type CanServe,
  type CapabilityInfo,
  canonicalJsonBytes,
  capabilityString,
  type ExecResult,
  type ExecTask,
  type Executor,
  ExecutorError,
} from "./types.js";

export const BUILTIN_SEED = 0x41544f4d; // "ATOM"
const ENGINE = "atoma-builtin/1";

/** xorshift32 PRNG: deterministic 32-bit stream. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function parseJson(input: Uint8Array, cap: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(input));
  } catch (e) {
    throw new ExecutorError("BAD_INPUT", `${cap}: input is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new ExecutorError("BAD_INPUT", `${cap}: input must be a JSON object`);
  return v as Record<string, unknown>;
}

// ---------- text generator: char-level bigram+trigram integer model, greedy decoding ----------
const VOCAB = " abcdefghijklmnopqrstuvwxyz.,";
const V = VOCAB.length;
function textgenWeights(): Int16Array {
  const r = prng(BUILTIN_SEED);
  const w = new Int16Array(V * V * V);
  for (let i = 0; i < w.length; i++) w[i] = (r() % 2001) - 1000;
  return w;
}

function textgen(input: Record<string, unknown>, maxTokensParam: number | undefined, w: Int16Array): unknown {
  const prompt = input.prompt;
  if (typeof prompt !== "string")
    throw new ExecutorError("BAD_INPUT", "builtin:textgen-v1: input.prompt must be a string");
  const n = input.maxTokens ?? maxTokensParam ?? 32;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 4096)
    throw new ExecutorError("BAD_INPUT", "builtin:textgen-v1: maxTokens must be an integer in [0, 4096]");
  const idx = (ch: string) => {
    const i = VOCAB.indexOf(ch.toLowerCase());
    return i < 0 ? 0 : i;
  };
  const ctx = [...prompt].map(idx);
  let a = ctx.length >= 2 ? (ctx[ctx.length - 2] as number) : 0;
  let b = ctx.length >= 1 ? (ctx[ctx.length - 1] as number) : 0;
  const recent = new Int32Array(V);
  let out = "";
  for (let t = 0; t < n; t++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < V; c++) {
      // integer score: trigram weight minus a repetition penalty
      const s = (w[(a * V + b) * V + c] as number) - 400 * (recent[c] as number);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    out += VOCAB[best];
    for (let c = 0; c < V; c++) recent[c] = (recent[c] as number) >> 1;
    recent[best] = (recent[best] as number) + 2;
    a = b;
    b = best;
  }
  return { completion: out, model: "builtin:textgen-v1", tokens: n };
}

// ---------- forecaster: Holt's linear trend in fixed point (1e6), BigInt arithmetic ----------
const SCALE = 1_000_000n;
function parseFixed(v: unknown, where: string): bigint {
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : typeof v === "string" ? v : "";
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m)
    throw new ExecutorError("BAD_INPUT", `builtin:forecast-v1: ${where} must be a decimal with ≤ 6 fraction digits`);
  const frac = `${m[3] ?? ""}000000`.slice(0, 6);
  const x = BigInt(m[2] as string) * SCALE + BigInt(frac);
  return m[1] === "-" ? -x : x;
}
function fmtFixed(x: bigint): string {
  const neg = x < 0n;
  const a = neg ? -x : x;
  return `${neg ? "-" : ""}${a / SCALE}.${(a % SCALE).toString().padStart(6, "0")}`;
}
/** Division rounding half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}
function forecast(input: Record<string, unknown>): unknown {
  const series = input.series;
  if (!Array.isArray(series) || series.length < 2 || series.length > 100_000)
    throw new ExecutorError("BAD_INPUT", "builtin:forecast-v1: input.series must be an array of 2..100000 decimals");
  const h = input.horizon ?? 1;
  if (typeof h !== "number" || !Number.isInteger(h) || h < 1 || h > 1000)
    throw new ExecutorError("BAD_INPUT", "builtin:forecast-v1: input.horizon must be an integer in [1, 1000]");
  const ys = series.map((v, i) => parseFixed(v, `series[${i}]`));
  // alpha = 1/2, beta = 1/4 (exact rationals)
  let level = ys[0] as bigint;
  let trend = (ys[1] as bigint) - (ys[0] as bigint);
  for (let i = 1; i < ys.length; i++) {
    const y = ys[i] as bigint;
    const prev = level;
    level = divRound(y + (level + trend), 2n);
    trend = divRound(level - prev + 3n * trend, 4n);
  }
  const out: string[] = [];
  for (let k = 1; k <= h; k++) out.push(fmtFixed(level + BigInt(k) * trend));
  return { forecast: out, method: "holt-linear(alpha=1/2,beta=1/4)" };
}

// ---------- recommender: seeded int8 item embeddings, integer dot product, top-k ----------
const DIM = 16;
function embed(item: string): Int8Array {
  const h = blake2b(new TextEncoder().encode(`atoma-recommend-v1:${BUILTIN_SEED}:${item}`), { dkLen: DIM });
  return new Int8Array(h.buffer, h.byteOffset, DIM);
}
function recommend(input: Record<string, unknown>): unknown {
  const { history, candidates } = input;
  const k = input.k ?? 5;
  const isStrArr = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");
  if (!isStrArr(history) || history.length > 10_000)
    throw new ExecutorError(
      "BAD_INPUT",
      "builtin:recommend-v1: input.history must be an array of ≤ 10000 item id strings",
    );
  if (!isStrArr(candidates) || candidates.length > 100_000)
    throw new ExecutorError(
      "BAD_INPUT",
      "builtin:recommend-v1: input.candidates must be an array of ≤ 100000 item id strings",
    );
  if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > 1000)
    throw new ExecutorError("BAD_INPUT", "builtin:recommend-v1: input.k must be an integer in [0, 1000]");
  const user = new Int32Array(DIM);
  for (const it of history) {
    const e = embed(it);
    for (let d = 0; d < DIM; d++) user[d] = (user[d] as number) + (e[d] as number);
  }
  const seen = new Set(history);
  const scored = [...new Set(candidates)]
    .filter((c) => !seen.has(c))
    .map((id) => {
      const e = embed(id);
      let s = 0;
      for (let d = 0; d < DIM; d++) s += (user[d] as number) * (e[d] as number);
      return { id, score: s };
    });
  scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { items: scored.slice(0, k) };
}

type Model = (input: Record<string, unknown>, maxTokens: number | undefined) => unknown;

/** The three built-in models as one Executor: builtin:textgen-v1, builtin:forecast-v1, builtin:recommend-v1. */
export class BuiltinExecutor implements Executor {
  readonly id = "builtin";
  private readonly models: Map<string, { info: CapabilityInfo; run: Model }>;

  constructor() {
    const w = textgenWeights();
    const wDigest = bytesToHex(blake2b(new Uint8Array(w.buffer), { dkLen: 32 }));
    const codeDigest = (name: string) =>
      bytesToHex(blake2b(new TextEncoder().encode(`${ENGINE}:${name}`), { dkLen: 32 }));
    const manifest = (digest: string, dtype: string) => ({
      modelDigest: digest,
      engineVersion: ENGINE,
      hardwareClass: "any",
      seed: BUILTIN_SEED,
      dtype,
    });
    this.models = new Map([
      [
        "builtin:textgen-v1",
        {
          info: {
            id: "builtin:textgen-v1",
            description: "char-level trigram text generator, seeded int16 weights, greedy decoding",
            manifest: manifest(wDigest, "int16"),
          },
          run: (i, m) => textgen(i, m, w),
        },
      ],
      [
        "builtin:forecast-v1",
        {
          info: {
            id: "builtin:forecast-v1",
            description: "Holt linear-trend forecaster in 1e-6 fixed point",
            manifest: manifest(codeDigest("forecast"), "fixed6"),
          },
          run: (i) => forecast(i),
        },
      ],
      [
        "builtin:recommend-v1",
        {
          info: {
            id: "builtin:recommend-v1",
            description: "seeded int8 item embeddings, integer dot-product top-k",
            manifest: manifest(codeDigest("recommend"), "int8"),
          },
          run: (i) => recommend(i),
        },
      ],
    ]);
  }

  capabilities(): CapabilityInfo[] {
    return [...this.models.values()].map((m) => m.info);
  }

  canServe(capability: Uint8Array | string): CanServe {
    const c = capabilityString(capability);
    return this.models.has(c) ? { ok: true } : { ok: false, reason: `not a builtin model: ${c}` };
  }

  async execute(task: ExecTask, _signal?: AbortSignal): Promise<ExecResult> {
    const cap = capabilityString(task.capability);
    const m = this.models.get(cap);
    if (!m) return { status: "error", output: new Uint8Array(), message: `not a builtin model: ${cap}` };
    try {
      return { status: "ok", output: canonicalJsonBytes(m.run(parseJson(task.input, cap), task.params.maxTokens)) };
    } catch (e) {
      if (e instanceof ExecutorError) return { status: "error", output: new Uint8Array(), message: e.message };
      throw e;
    }
  }
}
