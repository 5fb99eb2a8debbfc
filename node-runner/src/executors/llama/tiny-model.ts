/**
 * The project's own tiny Llama-architecture model (no weights can be downloaded here): a few
 * layers, small dims, a real SentencePiece-style vocabulary (llama.cpp tokenizer model "llama"
 * with byte fallback, so any UTF-8 prompt tokenizes) and weights drawn from ChaCha20 keyed by the
 * seed. Pure function of (config, seed): byte-identical files, hence a stable GGUF digest.
 * Written on demand into a cache directory (atomically), never committed.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { type GgufTensor, type GgufValue, writeGguf } from "./gguf-writer.js";

export interface TinyLlamaConfig {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  /** Training context length written to the GGUF (the most a context may hold). */
  contextLength: number;
}

export const TINY_LLAMA_DEFAULT: TinyLlamaConfig = {
  nLayer: 4,
  nEmbd: 64,
  nHead: 4,
  nHeadKv: 2,
  nFf: 192,
  contextLength: 1024,
};

export const TINY_LLAMA_DEFAULT_SEED = 0x41544f4d; // "ATOM"
/** Bump when the generator changes in a way that changes the bytes. */
const GENERATOR = "atoma-tiny-llama/v1";

/** SentencePiece's word-boundary marker. */
const SP = "\u2581";
/** Token types (llama.cpp `llama_token_type`). */
const TT_NORMAL = 1;
const TT_UNKNOWN = 2;
const TT_CONTROL = 3;
const TT_BYTE = 6;

const WORDS = (
  "the of and to in is was for on that with as by it at from be this are or an have not which one " +
  "but all were they has had been their more will can also there other some into its time when after " +
  "first new two who only most over where between these than may such about any what each many data " +
  "node chain proof stake hash block model token output input request verify commit reveal sample " +
  "random honest network compute reward slash key value light water stone river world"
).split(" ");

export interface TinyVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  bos: number;
  eos: number;
  unk: number;
  /** First id of the byte tokens <0x00>..<0xFF>. */
  byteBase: number;
}

/** The vocabulary: <unk>, <s>, </s>, 256 byte tokens, ▁, printable ASCII, then word pieces. */
export function tinyVocab(): TinyVocab {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TT_UNKNOWN, TT_CONTROL, TT_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TT_BYTE);
  }
  const pieces: string[] = [SP];
  for (let c = 0x21; c < 0x7f; c++) pieces.push(String.fromCharCode(c));
  // every prefix of every "▁word", so SentencePiece's pairwise merges can reach whole words
  for (const w of WORDS) for (let i = 2; i <= w.length + 1; i++) pieces.push((SP + w).slice(0, i));
  const uniq = [...new Set(pieces)];
  for (const p of uniq) {
    tokens.push(p);
    types.push(TT_NORMAL);
  }
  // longer pieces score higher, so merges prefer to grow words; ties broken by position
  const scores = new Float32Array(tokens.length);
  tokens.forEach((t, i) => {
    scores[i] = types[i] === TT_NORMAL ? [...t].length * 10 - i / 1000 : 0;
  });
  return { tokens, scores, types: Int32Array.from(types), bos: 1, eos: 2, unk: 0, byteBase: 3 };
}

/** A deterministic stream of floats in [-1, 1) from ChaCha20 keyed by blake2b(generator ‖ seed). */
function floatStream(seed: number): (n: number) => Float32Array {
  const seedBytes = new Uint8Array(8);
  new DataView(seedBytes.buffer).setBigUint64(0, BigInt(seed), true);
  const key = blake2b(new Uint8Array([...new TextEncoder().encode(GENERATOR), ...seedBytes]), { dkLen: 32 });
  let counter = 0;
  return (n) => {
    const bytes = chacha20(key, new Uint8Array(12), new Uint8Array(n * 4), undefined, counter);
    counter += Math.ceil((n * 4) / 64);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true) / 2 ** 31 - 1;
    return out;
  };
}

function scaled(v: Float32Array, s: number): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * s;
  return v;
}

/** Serializes the tiny model as GGUF bytes. */
export function tinyLlamaGguf(
  seed: number = TINY_LLAMA_DEFAULT_SEED,
  cfg: TinyLlamaConfig = TINY_LLAMA_DEFAULT,
): Uint8Array {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`tiny model seed must be a non-negative integer, got ${seed}`);
  if (cfg.nEmbd % cfg.nHead !== 0 || cfg.nHead % cfg.nHeadKv !== 0)
    throw new RangeError("tiny model: nEmbd must divide by nHead and nHead by nHeadKv");
  const vocab = tinyVocab();
  const nVocab = vocab.tokens.length;
  const headDim = cfg.nEmbd / cfg.nHead;
  const nEmbdKv = headDim * cfg.nHeadKv;
  const next = floatStream(seed);
  const ones = (n: number) => new Float32Array(n).fill(1);
  // uniform(-1,1) has variance 1/3: sqrt(3/fanIn) gives unit-variance outputs; a bit more gain
  // keeps the tiny network from collapsing onto one token.
  const mat = (rows: number, cols: number, gain = 1.5) => scaled(next(rows * cols), gain * Math.sqrt(3 / cols));

  const tensors: GgufTensor[] = [];
  tensors.push({ name: "token_embd.weight", dims: [cfg.nEmbd, nVocab], data: next(nVocab * cfg.nEmbd) });
  for (let l = 0; l < cfg.nLayer; l++) {
    const b = `blk.${l}`;
    tensors.push({ name: `${b}.attn_norm.weight`, dims: [cfg.nEmbd], data: ones(cfg.nEmbd) });
    tensors.push({ name: `${b}.attn_q.weight`, dims: [cfg.nEmbd, cfg.nEmbd], data: mat(cfg.nEmbd, cfg.nEmbd) });
    tensors.push({ name: `${b}.attn_k.weight`, dims: [cfg.nEmbd, nEmbdKv], data: mat(nEmbdKv, cfg.nEmbd) });
    tensors.push({ name: `${b}.attn_v.weight`, dims: [cfg.nEmbd, nEmbdKv], data: mat(nEmbdKv, cfg.nEmbd) });
    tensors.push({ name: `${b}.attn_output.weight`, dims: [cfg.nEmbd, cfg.nEmbd], data: mat(cfg.nEmbd, cfg.nEmbd) });
    tensors.push({ name: `${b}.ffn_norm.weight`, dims: [cfg.nEmbd], data: ones(cfg.nEmbd) });
    tensors.push({ name: `${b}.ffn_gate.weight`, dims: [cfg.nEmbd, cfg.nFf], data: mat(cfg.nFf, cfg.nEmbd) });
    tensors.push({ name: `${b}.ffn_down.weight`, dims: [cfg.nFf, cfg.nEmbd], data: mat(cfg.nEmbd, cfg.nFf) });
    tensors.push({ name: `${b}.ffn_up.weight`, dims: [cfg.nEmbd, cfg.nFf], data: mat(cfg.nFf, cfg.nEmbd) });
  }
  tensors.push({ name: "output_norm.weight", dims: [cfg.nEmbd], data: ones(cfg.nEmbd) });
  const output = mat(nVocab, cfg.nEmbd, 4);
  // Only word pieces are ever predicted: special and byte tokens get a zero row (logit exactly 0,
  // below the maximum of ~200 random logits), so greedy output is readable text that does not stop
  // at once on </s>.
  output.fill(0, 0, (vocab.byteBase + 256) * cfg.nEmbd);
  tensors.push({ name: "output.weight", dims: [cfg.nEmbd, nVocab], data: output });

  const md: Array<readonly [string, GgufValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: `atoma-tiny-llama-${seed}` }],
    ["general.alignment", { type: "u32", value: 32 }],
    ["general.file_type", { type: "u32", value: 0 }], // ALL_F32
    ["llama.context_length", { type: "u32", value: cfg.contextLength }],
    ["llama.embedding_length", { type: "u32", value: cfg.nEmbd }],
    ["llama.block_count", { type: "u32", value: cfg.nLayer }],
    ["llama.feed_forward_length", { type: "u32", value: cfg.nFf }],
    ["llama.attention.head_count", { type: "u32", value: cfg.nHead }],
    ["llama.attention.head_count_kv", { type: "u32", value: cfg.nHeadKv }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.rope.dimension_count", { type: "u32", value: headDim }],
    ["llama.rope.freq_base", { type: "f32", value: 10000 }],
    ["llama.vocab_size", { type: "u32", value: nVocab }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: "f32[]", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: vocab.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: vocab.eos }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: vocab.unk }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
  return writeGguf(md, tensors);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function defaultModelCacheDir(): string {
  return process.env.ATOMA_MODEL_CACHE ?? path.join(homedir(), ".cache", "atoma", "models");
}

export interface TinyModelFile {
  path: string;
  /** sha256 of the file, lowercase hex. */
  digest: string;
  bytes: number;
}

/**
 * Writes the tiny model for `seed` into `cacheDir` unless an identical file is already there.
 * Atomic: written to a temporary name, fsynced, then renamed, so readers never see half a file.
 */
export async function ensureTinyModel(
  o: { seed?: number; cacheDir?: string; config?: TinyLlamaConfig } = {},
): Promise<TinyModelFile> {
  const seed = o.seed ?? TINY_LLAMA_DEFAULT_SEED;
  const bytes = tinyLlamaGguf(seed, o.config);
  const digest = sha256Hex(bytes);
  const dir = o.cacheDir ?? defaultModelCacheDir();
  const file = path.join(dir, `atoma-tiny-llama-${seed}-${digest.slice(0, 16)}.gguf`);
  try {
    if (sha256Hex(await readFile(file)) === digest) return { path: file, digest, bytes: bytes.length };
  } catch {
    // missing or unreadable: write it
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, "w", 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { path: file, digest, bytes: bytes.length };
}
