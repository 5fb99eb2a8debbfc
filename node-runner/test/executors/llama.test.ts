import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readGgufFileInfo, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureTinyModel,
  LlamaExecutor,
  type LlamaManifest,
  LlamaModelError,
  llamaCapabilityId,
  parseLlamaManifest,
  sha256Hex,
  TINY_LLAMA_DEFAULT_SEED,
  tinyLlamaGguf,
  tinyVocab,
} from "../../src/executors/llama/index.js";
import { ExecutorError } from "../../src/executors/types.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(b)) as { finish: string; text: string; tokens: number[] };

let dir: string;
let modelPath: string;
let digest: string;
let ex: LlamaExecutor;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "atoma-llama-"));
  const m = await ensureTinyModel({ cacheDir: dir });
  modelPath = m.path;
  digest = m.digest;
  ex = await LlamaExecutor.create({ modelPath, contextSize: 256, threads: 1, batchSize: 8 });
});
afterAll(async () => {
  await ex?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("tiny GGUF model", () => {
  it("is byte-identical for a seed and differs for another seed", async () => {
    const a = tinyLlamaGguf(7);
    const b = tinyLlamaGguf(7);
    const c = tinyLlamaGguf(8);
    expect(sha256Hex(a)).toBe(sha256Hex(b));
    expect(sha256Hex(a)).not.toBe(sha256Hex(c));
    expect(a.length).toBe(c.length);
    expect(sha256Hex(tinyLlamaGguf(TINY_LLAMA_DEFAULT_SEED))).toBe(digest);
    expect(sha256Hex(await readFile(modelPath))).toBe(digest);
  });

  it("parses as a llama GGUF with its vocabulary (node-llama-cpp's reader)", async () => {
    const info = await readGgufFileInfo(modelPath, { sourceType: "filesystem", logWarnings: false });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe("llama");
    expect(info.metadata.tokenizer.ggml.model).toBe("llama");
    expect(info.metadata.tokenizer.ggml.tokens?.length).toBe(tinyVocab().tokens.length);
    expect(info.tensorInfo?.length).toBe(2 + 4 * 9 + 1);
  });

  it("ensureTinyModel rewrites a damaged cache file", async () => {
    // another folder: the executor has `modelPath` memory-mapped, truncating it would crash it
    const own = path.join(dir, "cache2");
    const first = await ensureTinyModel({ cacheDir: own });
    await writeFile(first.path, "garbage");
    const again = await ensureTinyModel({ cacheDir: own });
    expect(again.path).toBe(first.path);
    expect(again.digest).toBe(digest);
    expect(sha256Hex(await readFile(first.path))).toBe(digest);
  });
});

describe("llama executor", () => {
  it("tokenizes with the GGUF's SentencePiece vocab (words become word pieces, bytes fall back)", () => {
    const { model } = ex.engine;
    const vocab = tinyVocab();
    const ids = model.tokenize("the honest node", false);
    expect(ids.map((t) => vocab.tokens[t])).toEqual(["▁the", "▁honest", "▁node"]);
    const euro = model.tokenize("€", false).map((t) => vocab.tokens[t]);
    expect(euro).toContain("<0xE2>");
    expect(model.detokenize(model.tokenize("héllo wörld €5", false))).toBe("héllo wörld €5");
  });

  it("registers a capability derived from the GGUF digest and the manifest", () => {
    const caps = ex.capabilities();
    expect(caps).toHaveLength(1);
    const m = caps[0]?.manifest as LlamaManifest;
    expect(m.modelDigest).toBe(digest);
    expect(m.engineVersion).toMatch(/^node-llama-cpp@3\.21\.1\+llama\.cpp@/);
    expect(m.backend).toBe("cpu");
    expect(m.build).toBe("prebuilt");
    expect(m.hardwareClass).toMatch(/^cpu-x64-/);
    expect(m).toMatchObject({
      contextSize: 256,
      batchSize: 8,
      threads: 1,
      sampler: { kind: "greedy" },
      dtype: "ALL_F32",
    });
    expect(caps[0]?.id).toBe(llamaCapabilityId(m));
    expect(caps[0]?.id).toHaveLength(64);
    expect(parseLlamaManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it("generates the same token bytes twice; maxTokens bounds the output", async () => {
    const task = { capability: ex.capabilityId, input: enc("the honest node will commit"), params: { maxTokens: 24 } };
    const a = await ex.execute(task);
    const b = await ex.execute(task);
    expect(a.status).toBe("ok");
    expect(sha256Hex(a.output)).toBe(sha256Hex(b.output));
    const out = dec(a.output);
    expect(out.finish).toBe("length");
    expect(out.tokens).toHaveLength(24);
    expect(out.text).toBe(ex.engine.model.detokenize(out.tokens as Token[]));
    expect(out.text.length).toBeGreaterThan(24);
    const other = await ex.execute({ ...task, input: enc("a random sample of water") });
    expect(dec(other.output).tokens).not.toEqual(out.tokens);
  });

  it("a second executor (own context) produces identical bytes", async () => {
    const ex2 = await LlamaExecutor.create({ modelPath, contextSize: 256, threads: 1, batchSize: 8 });
    try {
      expect(ex2.capabilityId).toBe(ex.capabilityId);
      const task = { capability: ex.capabilityId, input: enc("stake and slash"), params: { maxTokens: 40 } };
      expect(sha256Hex((await ex2.execute(task)).output)).toBe(sha256Hex((await ex.execute(task)).output));
    } finally {
      await ex2.close();
    }
  });

  it.each([
    ["invalid UTF-8", new Uint8Array([0x74, 0xff, 0xfe]), 8, /not valid UTF-8/],
    ["maxTokens 0", enc("hi"), 0, /maxTokens must be an integer in \[1, 255\].*got 0/],
    ["maxTokens huge", enc("hi"), 1e9, /maxTokens must be an integer in \[1, 255\]/],
    ["maxTokens not an integer", enc("hi"), 2.5, /maxTokens must be an integer/],
    [
      "prompt longer than the context",
      enc(Array(300).fill("the").join(" ")),
      8,
      /the prompt is 301 tokens, the context holds 256/,
    ],
    [
      "prompt + maxTokens over the context",
      enc(Array(200).fill("the").join(" ")),
      100,
      /prompt \(201 tokens\) \+ maxTokens \(100\) exceed/,
    ],
  ])("rejects %s before generating anything", async (_name, input, maxTokens, msg) => {
    const before = ex.lastRun;
    const r = await ex.execute({ capability: ex.capabilityId, input, params: { maxTokens } });
    expect(r.status).toBe("error");
    expect(r.output).toHaveLength(0);
    expect(r.message).toMatch(msg);
    expect(ex.lastRun).toBe(before);
  });

  it("refuses an unknown capability", async () => {
    const r = await ex.execute({ capability: "llm:other", input: enc("x"), params: {} });
    expect(r.status).toBe("error");
    expect(r.message).toMatch(/no llama capability llm:other/);
  });

  it("a node whose engine settings differ from the manifest refuses the capability", async () => {
    const want = ex.manifest;
    const other = await LlamaExecutor.create({ modelPath, contextSize: 256, threads: 2, batchSize: 8, manifest: want });
    try {
      expect(other.refusal).toMatch(/threads: manifest wants 1, this node has 2/);
      expect(other.capabilities()).toEqual([]);
      const r = other.canServe(llamaCapabilityId(want));
      expect(r.ok).toBe(false);
      const res = await other.execute({ capability: llamaCapabilityId(want), input: enc("x"), params: {} });
      expect(res.status).toBe("error");
      expect(res.output).toHaveLength(0);
    } finally {
      await other.close();
    }
    const same = await LlamaExecutor.create({ modelPath, contextSize: 256, threads: 1, batchSize: 8, manifest: want });
    try {
      expect(same.refusal).toBeNull();
      expect(same.canServe(llamaCapabilityId(want))).toEqual({ ok: true });
    } finally {
      await same.close();
    }
  });

  it("a model that fails mid-generation yields no output to commit", async () => {
    const victim = await LlamaExecutor.create({ modelPath, contextSize: 512, threads: 1, batchSize: 8 });
    const run = victim.execute({ capability: victim.capabilityId, input: enc("the"), params: { maxTokens: 500 } });
    await new Promise((r) => setTimeout(r, 30));
    await victim.close();
    const r = await run;
    expect(r.status).toBe("error");
    expect(r.output).toHaveLength(0);
    expect(r.message).toMatch(/nothing committed/);
  });

  it("an aborted generation is a timeout with no output", async () => {
    const ac = new AbortController();
    const run = ex.execute({ capability: ex.capabilityId, input: enc("the"), params: { maxTokens: 250 } }, ac.signal);
    setTimeout(() => ac.abort(), 20);
    const r = await run;
    expect(r.status).toBe("timeout");
    expect(r.output).toHaveLength(0);
  });
});

describe("model file checks", () => {
  const create = (p: string, expectedDigest?: string) =>
    LlamaExecutor.create({ modelPath: p, contextSize: 128, ...(expectedDigest ? { expectedDigest } : {}) });
  const rejects = async (p: Promise<unknown>, code: string, msg: RegExp) => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LlamaModelError);
    expect(e).toBeInstanceOf(ExecutorError);
    expect((e as LlamaModelError).code).toBe(code);
    expect((e as Error).message).toMatch(msg);
  };

  it("missing file", async () => {
    await rejects(create(path.join(dir, "nope.gguf")), "MODEL_NOT_FOUND", /nope\.gguf: cannot read the model/);
  });

  it("not a GGUF", async () => {
    const p = path.join(dir, "not.gguf");
    await writeFile(p, "PK\x03\x04 this is a zip, not a model");
    await rejects(create(p), "NOT_GGUF", /not\.gguf: not a GGUF file \(first bytes 504b0304\)/);
  });

  it("wrong digest", async () => {
    await rejects(create(modelPath, "0".repeat(64)), "WRONG_DIGEST", new RegExp(`sha256 is ${digest}, expected 0{64}`));
  });

  it("truncated in the header", async () => {
    const p = path.join(dir, "head.gguf");
    await writeFile(p, (await readFile(modelPath)).subarray(0, 2000));
    await rejects(create(p), "BAD_GGUF", /head\.gguf: (unreadable GGUF header|truncated)/);
  });

  it("truncated in the tensor data", async () => {
    const bytes = await readFile(modelPath);
    const p = path.join(dir, "half.gguf");
    await writeFile(p, bytes.subarray(0, bytes.length / 2));
    await rejects(create(p), "MODEL_LOAD_FAILED", /half\.gguf: llama\.cpp could not load it/);
  });

  it("unknown architecture", async () => {
    const bytes = Buffer.from(await readFile(modelPath));
    // general.architecture is the first key: its value string "llama" follows the key and type.
    const at = bytes.indexOf("general.architecture") + "general.architecture".length + 4 + 8;
    expect(bytes.toString("latin1", at, at + 5)).toBe("llama");
    bytes.write("zzzzz", at, "latin1");
    const p = path.join(dir, "arch.gguf");
    await writeFile(p, bytes);
    await rejects(create(p), "UNKNOWN_ARCHITECTURE", /architecture "zzzzz" is not supported/);
  });

  it("bad manifests name the field", () => {
    const m = { ...ex.manifest } as Record<string, unknown>;
    expect(() => parseLlamaManifest({ ...m, threads: 0 })).toThrow(/threads must be an integer ≥ 1/);
    expect(() => parseLlamaManifest({ ...m, modelDigest: "xyz" })).toThrow(/modelDigest must be 64 lowercase hex/);
    expect(() => parseLlamaManifest({ ...m, sampler: { kind: "beam" } })).toThrow(/sampler\.kind/);
    expect(() => parseLlamaManifest({ ...m, extra: 1 })).toThrow(/extra is not a manifest field/);
  });
});
