/**
 * Checks a GGUF file before llama.cpp sees it: present, GGUF magic, the expected sha256 (when one
 * is pinned), a header node-llama-cpp's parser reads, and an architecture llama.cpp knows. Each
 * failure is a `LlamaModelError` whose code and message name the file and what is wrong.
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import * as nlc from "node-llama-cpp";
import { type GgufFileInfo, GgufFileType, readGgufFileInfo } from "node-llama-cpp";
import { ExecutorError } from "../types.js";

export type LlamaModelErrorCode =
  | "MODEL_NOT_FOUND"
  | "NOT_GGUF"
  | "BAD_GGUF"
  | "WRONG_DIGEST"
  | "UNKNOWN_ARCHITECTURE"
  | "MODEL_LOAD_FAILED";

export class LlamaModelError extends ExecutorError {
  override name = "LlamaModelError";
  constructor(
    override readonly code: LlamaModelErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(code, `${file}: ${message}`);
  }
}

/** Architectures node-llama-cpp 3.21.1 (and its llama.cpp) knows, from its runtime enum. */
const KNOWN_ARCHITECTURES: ReadonlySet<string> = new Set(
  Object.values((nlc as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType),
);

export interface CheckedModel {
  path: string;
  /** sha256 of the whole file, lowercase hex. */
  digest: string;
  architecture: string;
  /** GGUF general.file_type name, e.g. "ALL_F32" ("unknown" when absent). */
  dtype: string;
  /** Training context length from the architecture metadata (null when absent). */
  trainContextLength: number | null;
  info: GgufFileInfo;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function checkModelFile(file: string, expectedDigest?: string): Promise<CheckedModel> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new LlamaModelError("MODEL_NOT_FOUND", file, "not a regular file");
    size = st.size;
  } catch (e) {
    if (e instanceof LlamaModelError) throw e;
    throw new LlamaModelError("MODEL_NOT_FOUND", file, `cannot read the model (${(e as Error).message})`);
  }
  const head = Buffer.alloc(8);
  const fh = await open(file, "r");
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (size < 8 || head.toString("latin1", 0, 4) !== "GGUF")
    throw new LlamaModelError("NOT_GGUF", file, `not a GGUF file (first bytes ${head.subarray(0, 4).toString("hex")})`);
  const digest = await sha256File(file);
  if (expectedDigest !== undefined && digest !== expectedDigest.toLowerCase())
    throw new LlamaModelError("WRONG_DIGEST", file, `sha256 is ${digest}, expected ${expectedDigest}`);
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(file, { sourceType: "filesystem", logWarnings: false });
  } catch (e) {
    throw new LlamaModelError("BAD_GGUF", file, `unreadable GGUF header (${(e as Error).message})`);
  }
  const architecture = String(info.metadata?.general?.architecture ?? "");
  if (!KNOWN_ARCHITECTURES.has(architecture))
    throw new LlamaModelError(
      "UNKNOWN_ARCHITECTURE",
      file,
      `architecture ${JSON.stringify(architecture)} is not supported by this llama.cpp build`,
    );
  // Tensor data must lie inside the file: llama.cpp checks it too, but only after mapping it.
  const end = info.infoEndOffset;
  if (end !== undefined && end > size)
    throw new LlamaModelError("BAD_GGUF", file, `truncated: header ends at byte ${end}, file has ${size}`);
  const ft = info.metadata?.general?.file_type;
  const ctx = (info.architectureMetadata as { context_length?: number } | undefined)?.context_length;
  return {
    path: file,
    digest,
    architecture,
    dtype: ft === undefined ? "unknown" : (GgufFileType[ft] ?? `file_type_${ft}`),
    trainContextLength: typeof ctx === "number" ? ctx : null,
    info,
  };
}
