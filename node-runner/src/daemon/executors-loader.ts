/**
 * The executors a node runs, from node-runner/src/executors (WASM sandbox, built-in models,
 * OpenAI-compatible backend), adapted to the daemon's `Executor` (./execute.ts). That module is
 * loaded at run time and described here structurally, so the daemon does not depend on its
 * internals: an executor has `capabilities()` and `execute(task)` returning `{status, output}`;
 * `ok`, `out_of_fuel` and `trap` are deterministic results (committed), `error`/`timeout` are not
 * (the request is skipped with the reason).
 */
import type { Executor } from "./execute.js";

export interface ExecutorOptions {
  inferenceUrl?: string | null;
  /** WASM app modules this node serves (capability `wasm:<blake2b-256 hex>` each). */
  wasmModules?: Uint8Array[];
  /** Run private WASM modules sealed in the application layer of confidential requests (loads the WASM executor). */
  privateWasm?: boolean;
  /** Executors the caller built itself (the llama.cpp executor of `run --model`), served as they are. */
  extra?: ForeignExecutor[];
}

interface ForeignResult {
  status: string;
  output: Uint8Array;
  message?: string;
}
export interface ForeignExecutor {
  readonly id: string;
  capabilities(): { id: string }[];
  canServe(capability: string): { ok: boolean };
  execute(task: {
    capability: string;
    input: Uint8Array;
    params: { maxTokens?: number; fuel?: bigint };
  }): Promise<ForeignResult>;
  addModule?(bytes: Uint8Array): Promise<string>;
  executeModule?(
    module: Uint8Array,
    task: { capability: string; input: Uint8Array; params: { maxTokens?: number; fuel?: bigint } },
  ): Promise<ForeignResult>;
}
type ForeignModule = Record<string, unknown>;

const DETERMINISTIC = new Set(["ok", "out_of_fuel", "trap"]);

/** Adapts one executor of node-runner/src/executors to the daemon's interface. */
export function adaptExecutor(e: ForeignExecutor): Executor {
  // On chain a capability is at most 64 bytes: `wasm:<64 hex>` (69) is registered as the bare
  // digest, which the WASM executor accepts too.
  const caps = e.capabilities().map((c) => (c.id.length > 64 && c.id.startsWith("wasm:") ? c.id.slice(5) : c.id));
  const executeModule = e.executeModule?.bind(e);
  return {
    name: e.id,
    capabilities: caps,
    ...(executeModule ? { privateModules: true } : {}),
    async run(job) {
      const task = {
        capability: job.capability,
        input: job.input,
        params: {
          ...(job.maxTokens > 0n ? { maxTokens: Number(job.maxTokens) } : {}),
          ...(job.fuel > 0n ? { fuel: job.fuel } : {}),
        },
      };
      if (job.module && !executeModule) throw new Error(`${e.id}: does not run private modules`);
      const res = job.module && executeModule ? await executeModule(job.module, task) : await e.execute(task);
      if (!DETERMINISTIC.has(res.status))
        throw new Error(`${e.id}: ${res.status}${res.message ? ` (${res.message})` : ""}`);
      return res.output;
    },
  };
}

async function tryImport(rel: string): Promise<ForeignModule | null> {
  try {
    return (await import(new URL(rel, import.meta.url).href)) as ForeignModule;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
}

function isExecutor(v: unknown): v is ForeignExecutor {
  const e = v as ForeignExecutor | null;
  return (
    !!e && typeof e.capabilities === "function" && typeof e.execute === "function" && typeof e.canServe === "function"
  );
}

/**
 * Loads the executors: `createExecutors(options)` of ../executors/index.js when it exists,
 * else every `*Executor` class of the individual modules that constructs without arguments.
 */
export async function loadExecutors(o: ExecutorOptions = {}): Promise<Executor[]> {
  const index = await tryImport("../executors/index.js");
  const factory = index?.createExecutors;
  const found: ForeignExecutor[] = [];
  if (typeof factory === "function") {
    const list = (await (factory as (o: ExecutorOptions) => unknown)(o)) as unknown[];
    found.push(...list.filter(isExecutor));
  } else {
    // The WASM executor pulls in binaryen (~15 MB of JS, seconds to load): only when needed.
    const rels = [
      "../executors/builtin.js",
      ...(o.wasmModules?.length || o.privateWasm ? ["../executors/wasm.js"] : []),
    ];
    for (const rel of rels) {
      const mod = index ?? (await tryImport(rel));
      if (!mod) continue;
      for (const [name, ctor] of Object.entries(mod)) {
        if (!name.endsWith("Executor") || typeof ctor !== "function") continue;
        try {
          const e = new (ctor as new () => unknown)();
          if (isExecutor(e) && !found.some((x) => x.id === e.id)) found.push(e);
        } catch {
          // needs options: not a default executor
        }
      }
      if (index) break;
    }
  }
  found.push(...(o.extra ?? []));
  for (const e of found) if (e.addModule) for (const m of o.wasmModules ?? []) await e.addModule(m);
  // The OpenAI-compatible backend: its models are asked for now, so a wrong or dead URL fails
  // the start naming the URL (not every request later as "unknown capability").
  if (o.inferenceUrl) {
    const { discoverOpenAiExecutor } = await import("../executors/openai.js");
    found.push(await discoverOpenAiExecutor(o.inferenceUrl));
  }
  // An executor with nothing to serve (a WASM executor without modules) is left out.
  // (kept when it runs private modules: those are not registered, they come with each request)
  return found
    .filter((e) => e.capabilities().length > 0 || (o.privateWasm && typeof e.executeModule === "function"))
    .map(adaptExecutor);
}
