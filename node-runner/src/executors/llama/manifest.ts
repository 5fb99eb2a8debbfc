/**
 * The llama.cpp determinism manifest: everything that was measured to change output bytes, or
 * may (docs/determinism.md), pinned next to the model's GGUF digest. The capability id is derived
 * from it, so nodes with other settings register another id; a node told to serve a given
 * manifest compares field by field and refuses with the differing fields named.
 */
import { createHash } from "node:crypto";
import { canonicalJson, type DeterminismManifest, ExecutorError } from "../types.js";

export type LlamaSampler =
  | { kind: "greedy" }
  | { kind: "seeded"; seed: number; temperature: number; topK: number; topP: number };

export interface LlamaManifest extends DeterminismManifest {
  kind: "llama.cpp";
  /** sha256 of the GGUF file, lowercase hex. */
  modelDigest: string;
  /** `node-llama-cpp@<version>+llama.cpp@<release>`. */
  engineVersion: string;
  /** "cpu" (this build runs without a GPU) or the GPU backend ("cuda", "vulkan", "metal"). */
  backend: string;
  /** "prebuilt" (the npm binary) or "localBuild". */
  build: string;
  /** e.g. "cpu-x86_64-sapphirerapids": the ggml CPU kernel variant that was loaded. */
  hardwareClass: string;
  /** GGUF general.file_type, e.g. "ALL_F32", "MOSTLY_Q4_K_M". */
  dtype: string;
  contextSize: number;
  batchSize: number;
  threads: number;
  sampler: LlamaSampler;
  /** Always "none": each request runs on an empty KV cache (prefix reuse is not pinned). */
  kvReuse: "none";
  /** The sampler seed (0 for greedy). */
  seed: number;
}

export const MANIFEST_KEYS = [
  "kind",
  "modelDigest",
  "engineVersion",
  "backend",
  "build",
  "hardwareClass",
  "dtype",
  "contextSize",
  "batchSize",
  "threads",
  "sampler",
  "kvReuse",
  "seed",
] as const satisfies readonly (keyof LlamaManifest)[];

/** Capability id of a manifest: `llm:` + 60 hex of sha256(canonical JSON) — 64 bytes, the on-chain limit. */
export function llamaCapabilityId(m: LlamaManifest): string {
  return `llm:${createHash("sha256").update(canonicalJson(m)).digest("hex").slice(0, 60)}`;
}

/** Field-by-field differences (`field: want X, have Y`), empty when the manifests match. */
export function manifestDiff(want: LlamaManifest, have: LlamaManifest): string[] {
  const out: string[] = [];
  for (const k of MANIFEST_KEYS) {
    const a = canonicalJson(want[k]);
    const b = canonicalJson(have[k]);
    if (a !== b) out.push(`${k}: manifest wants ${a}, this node has ${b}`);
  }
  return out;
}

function fail(where: string, what: string): never {
  throw new ExecutorError("BAD_MANIFEST", `llama manifest: ${where} ${what}`);
}

function int(o: Record<string, unknown>, k: string, min: number): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) fail(k, `must be an integer ≥ ${min}`);
  return v;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== "string" || v.length === 0) fail(k, "must be a non-empty string");
  return v;
}

/** Validates a manifest read from JSON (e.g. `--manifest file.json`); errors name the field. */
export function parseLlamaManifest(v: unknown): LlamaManifest {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail("(root)", "must be a JSON object");
  const o = v as Record<string, unknown>;
  const unknownKeys = Object.keys(o).filter((k) => !(MANIFEST_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) fail(unknownKeys.join(", "), "is not a manifest field");
  if (o.kind !== "llama.cpp") fail("kind", `must be "llama.cpp"`);
  const modelDigest = str(o, "modelDigest");
  if (!/^[0-9a-f]{64}$/.test(modelDigest)) fail("modelDigest", "must be 64 lowercase hex (sha256 of the GGUF)");
  if (o.kvReuse !== "none") fail("kvReuse", `must be "none"`);
  const s = o.sampler as Record<string, unknown> | null;
  let sampler: LlamaSampler;
  if (s && s.kind === "greedy") sampler = { kind: "greedy" };
  else if (s && s.kind === "seeded") {
    const temperature = s.temperature;
    const topP = s.topP;
    if (typeof temperature !== "number" || !(temperature > 0) || temperature > 100)
      fail("sampler.temperature", "must be a number in (0, 100]");
    if (typeof topP !== "number" || !(topP > 0) || topP > 1) fail("sampler.topP", "must be a number in (0, 1]");
    sampler = { kind: "seeded", seed: int(s, "seed", 0), temperature, topK: int(s, "topK", 1), topP };
  } else fail("sampler.kind", `must be "greedy" or "seeded"`);
  return {
    kind: "llama.cpp",
    modelDigest,
    engineVersion: str(o, "engineVersion"),
    backend: str(o, "backend"),
    build: str(o, "build"),
    hardwareClass: str(o, "hardwareClass"),
    dtype: str(o, "dtype"),
    contextSize: int(o, "contextSize", 1),
    batchSize: int(o, "batchSize", 1),
    threads: int(o, "threads", 1),
    sampler,
    kvReuse: "none",
    seed: int(o, "seed", 0),
  };
}
