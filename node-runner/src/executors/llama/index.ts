/** In-process llama.cpp inference (node-llama-cpp) and the project's own tiny GGUF model. */
export { cpuLlama, engineFacts, loadedCpuVariant, nodeLlamaCppVersion } from "./engine.js";
export {
  LlamaExecutor,
  type LlamaExecutorOptions,
  LlamaInputError,
  type LlamaInputErrorCode,
  type LlamaOutput,
  type LlamaRunStats,
} from "./executor.js";
export { type GgufTensor, type GgufValue, GgufWriteError, writeGguf } from "./gguf-writer.js";
export {
  type LlamaManifest,
  type LlamaSampler,
  llamaCapabilityId,
  manifestDiff,
  parseLlamaManifest,
} from "./manifest.js";
export { type CheckedModel, checkModelFile, LlamaModelError, type LlamaModelErrorCode } from "./model-file.js";
export { type OpenAiServer, startOpenAiServer } from "./openai-server.js";
export {
  defaultModelCacheDir,
  ensureTinyModel,
  sha256Hex,
  TINY_LLAMA_DEFAULT,
  TINY_LLAMA_DEFAULT_SEED,
  type TinyLlamaConfig,
  type TinyModelFile,
  tinyLlamaGguf,
  tinyVocab,
} from "./tiny-model.js";
