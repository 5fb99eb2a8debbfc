/**
 * The llama.cpp engine through node-llama-cpp, CPU only and strictly offline: the prebuilt binary
 * from the `@node-llama-cpp/linux-x64` npm package is used as installed; nothing is built or
 * downloaded (`build: "never"`, `skipDownload: true`). The package's postinstall (which could try
 * to download or build) is not run by pnpm (it is not in `onlyBuiltDependencies`), and
 * NODE_LLAMA_CPP_SKIP_DOWNLOAD=true stops it under npm.
 */
import { readFileSync } from "node:fs";
import { arch } from "node:os";
import { fileURLToPath } from "node:url";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";

let shared: Promise<Llama> | null = null;

/** The process-wide CPU engine (llama.cpp keeps global state: one instance per process). */
export function cpuLlama(): Promise<Llama> {
  shared ??= getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  }).catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}

/** node-llama-cpp's version from its package.json (the one installed, not the one we asked for). */
export function nodeLlamaCppVersion(): string {
  const entry = fileURLToPath(import.meta.resolve("node-llama-cpp"));
  const pkg = JSON.parse(readFileSync(new URL("../package.json", `file://${entry}`), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * The ggml CPU kernel variant the dynamic loader picked (libggml-cpu-<variant>.so: haswell,
 * skylakex, sapphirerapids...). Different variants use different SIMD code, so they are a
 * different hardware class. Read from /proc/self/maps (Linux); "unknown" elsewhere.
 */
export function loadedCpuVariant(): string {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    const m = /libggml-cpu-([a-z0-9_]+)\.so/.exec(maps);
    return m?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

export interface EngineFacts {
  engineVersion: string;
  backend: string;
  build: string;
  hardwareClass: string;
}

export function engineFacts(llama: Llama): EngineFacts {
  return {
    engineVersion: `node-llama-cpp@${nodeLlamaCppVersion()}+llama.cpp@${llama.llamaCppRelease.release}`,
    backend: llama.gpu === false ? "cpu" : llama.gpu,
    build: llama.buildType,
    hardwareClass: `cpu-${arch()}-${loadedCpuVariant()}`,
  };
}
