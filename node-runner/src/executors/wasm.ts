/**
 * WASM executor ("AWS lambda"): content-addressed modules (capability id = `wasm:` + hex blake2b-256
 * of the module bytes, or the bare hex), instrumented for deterministic fuel, run under WASI
 * preview 1 on a fresh instance per task inside a pool of warm worker_threads (./wasm-pool.ts) with
 * fixed resource limits and a wall-clock guard. Instrumented, compiled modules are cached by
 * digest in a bounded LRU.
 */
import { blake2b } from "@noble/hashes/blake2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { LRUCache } from "lru-cache";
import { type InstrumentOptions, instrumentWasm, WasmRejected } from "./instrument.js";
import {
  type CanServe,
  type CapabilityInfo,
  capabilityString,
  type ExecResult,
  type ExecTask,
  type Executor,
  ExecutorError,
} from "./types.js";
import { warmInstrumenter } from "./warmup.js";
import { WasmPool, type WasmPoolStats } from "./wasm-pool.js";

export const WASM_ENGINE_VERSION = `node-${process.versions.node}/v8-${process.versions.v8}/binaryen-132/atoma-meter-3`;

export interface WasmExecutorOptions extends InstrumentOptions {
  /** Fetch a module by digest (e.g. from the blob store) when it is not registered locally. */
  fetchModule?: (digestHex: string) => Promise<Uint8Array | null>;
  /** Default fuel when the task gives none. Default 1e9. */
  defaultFuel?: bigint;
  /** Maximum fuel a task may ask for. Default 1e11. */
  maxFuel?: bigint;
  /** Max stdout bytes. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Wall-clock guard in ms. Default 30 000. */
  timeoutMs?: number;
  /** Worker resource limits. */
  stackSizeMb?: number;
  maxOldGenerationSizeMb?: number;
  /** Warm workers (tasks run in parallel up to this). Default os.availableParallelism(). */
  poolSize?: number;
  /** Instrumented + compiled modules kept, least recently used evicted first. Default 64. */
  moduleCacheSize?: number;
  /**
   * Warm the instrumenter (binaryen) in the background from construction, once per process, so
   * the cold start of the first new module is not binaryen's own (./warmup.ts). Default true.
   */
  warmUp?: boolean;
}

/** blake2b-256 of the module bytes, lowercase hex. */
export function wasmDigest(bytes: Uint8Array): string {
  return bytesToHex(blake2b(bytes, { dkLen: 32 }));
}

/** Parses `wasm:<64 hex>` or `<64 hex>`; returns the digest or null. */
export function parseWasmCapability(cap: Uint8Array | string): string | null {
  const s = capabilityString(cap);
  const m = /^(?:wasm:)?([0-9a-f]{64})$/.exec(s);
  return m ? (m[1] as string) : null;
}

interface Prepared {
  module: WebAssembly.Module;
  instrumentMs: number;
}

export class WasmExecutor implements Executor {
  readonly id = "wasm";
  private readonly raw = new Map<string, Uint8Array>();
  private readonly cache: LRUCache<string, Promise<Prepared>>;
  private readonly o: Required<Omit<WasmExecutorOptions, "fetchModule" | "poolSize" | "warmUp">> &
    Pick<WasmExecutorOptions, "fetchModule" | "poolSize">;
  private pool: WasmPool | null = null;

  constructor(opts: WasmExecutorOptions = {}) {
    this.o = {
      maxMemoryPages: opts.maxMemoryPages ?? 256,
      maxCallDepth: opts.maxCallDepth ?? 2000,
      denan: opts.denan ?? true,
      defaultFuel: opts.defaultFuel ?? 1_000_000_000n,
      maxFuel: opts.maxFuel ?? 100_000_000_000n,
      maxOutputBytes: opts.maxOutputBytes ?? 1 << 20,
      timeoutMs: opts.timeoutMs ?? 30_000,
      stackSizeMb: opts.stackSizeMb ?? 4,
      maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb ?? 256,
      moduleCacheSize: opts.moduleCacheSize ?? 64,
      poolSize: opts.poolSize,
      fetchModule: opts.fetchModule,
    };
    if (!Number.isInteger(this.o.moduleCacheSize) || this.o.moduleCacheSize < 1)
      throw new ExecutorError("BAD_OPTION", `moduleCacheSize: must be a positive integer, got ${opts.moduleCacheSize}`);
    if (opts.poolSize !== undefined && (!Number.isInteger(opts.poolSize) || opts.poolSize < 1))
      throw new ExecutorError("BAD_OPTION", `poolSize: must be a positive integer, got ${opts.poolSize}`);
    this.cache = new LRUCache({ max: this.o.moduleCacheSize });
    if (opts.warmUp ?? true) warmInstrumenter();
  }

  /**
   * Resolves when the instrumenter is warm and the workers are started (a node may await it
   * before it takes work; the executor serves tasks before that too, only slower to cold-start).
   */
  async warmUp(): Promise<void> {
    const w = warmInstrumenter();
    w.hold();
    this.workers();
    await w.done;
  }

  /** The worker pool, started (warm) on first need. */
  private workers(): WasmPool {
    if (!this.pool) {
      this.pool = new WasmPool({
        size: this.o.poolSize,
        timeoutMs: this.o.timeoutMs,
        stackSizeMb: this.o.stackSizeMb,
        maxOldGenerationSizeMb: this.o.maxOldGenerationSizeMb,
      });
      this.pool.warm();
    }
    return this.pool;
  }

  /** Pool and cache figures (tests, metrics). */
  stats(): WasmPoolStats & { cachedModules: number } {
    const p = this.pool?.stats() ?? { size: 0, workers: 0, idle: 0, queued: 0, spawned: 0, killed: 0, died: 0 };
    return { ...p, cachedModules: this.cache.size };
  }

  /** Terminates the workers; tasks still queued or running end with status `error`. A later task starts a new pool. */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.close();
  }

  /** Registers a module; validates + instruments it now (throws WasmRejected). Returns the capability id. */
  async addModule(bytes: Uint8Array): Promise<string> {
    const d = wasmDigest(bytes);
    this.raw.set(d, bytes);
    this.workers(); // boot the workers while the module is instrumented
    try {
      await this.prepare(d);
    } catch (e) {
      this.raw.delete(d);
      throw e;
    }
    return `wasm:${d}`;
  }

  capabilities(): CapabilityInfo[] {
    return [...this.raw.keys()].map((d) => ({
      id: `wasm:${d}`,
      description: "WASI preview 1 module, deterministic fuel",
      manifest: { modelDigest: d, engineVersion: WASM_ENGINE_VERSION, hardwareClass: "any", seed: 0, dtype: "wasm32" },
    }));
  }

  canServe(capability: Uint8Array | string): CanServe {
    const d = parseWasmCapability(capability);
    if (!d) return { ok: false, reason: "not a wasm capability (expected wasm:<blake2b-256 hex>)" };
    if (this.raw.has(d) || this.o.fetchModule) return { ok: true };
    return { ok: false, reason: `module ${d} is not available` };
  }

  /** Instrument + compile, cached by digest (bounded LRU: an evicted module is prepared again from its bytes). */
  prepare(digest: string, given?: Uint8Array): Promise<Prepared> {
    let p = this.cache.get(digest);
    if (!p) {
      p = (async () => {
        let bytes = given ?? this.raw.get(digest);
        if (!bytes && this.o.fetchModule) {
          const got = await this.o.fetchModule(digest);
          if (got) {
            if (wasmDigest(got) !== digest)
              throw new ExecutorError("DIGEST_MISMATCH", `module ${digest}: fetched bytes hash to ${wasmDigest(got)}`);
            bytes = got;
            this.raw.set(digest, got);
          }
        }
        if (!bytes) throw new ExecutorError("UNKNOWN_MODULE", `module ${digest}: not available`);
        const t0 = performance.now();
        const { bytes: inst } = instrumentWasm(bytes, this.o);
        // Synchronous compile (Liftoff, ~0.3 ms for a small module): the async one waits for V8's
        // background threads, 10–800 ms on a loaded machine (measured), and instrumenting above
        // already holds the thread for longer than compiling does.
        const module = new WebAssembly.Module(new Uint8Array(inst));
        return { module, instrumentMs: performance.now() - t0 };
      })();
      this.cache.set(digest, p);
      const mine = p;
      p.catch(() => {
        if (this.cache.peek(digest) === mine) this.cache.delete(digest);
      });
    }
    return p;
  }

  /**
   * Runs a private module that came with the task (the application layer of a confidential
   * request) instead of a registered one: the task's capability must name its digest (what was
   * run stays bound by the digest on chain); the module is never registered nor advertised.
   */
  async executeModule(module: Uint8Array, task: ExecTask, signal?: AbortSignal): Promise<ExecResult> {
    const want = parseWasmCapability(task.capability);
    const d = wasmDigest(module);
    if (want !== d)
      return {
        status: "error",
        output: new Uint8Array(),
        message: `private module hashes to ${d}, the capability names ${want ?? "no wasm digest"}`,
      };
    try {
      await this.prepare(d, module);
    } catch (e) {
      if (e instanceof ExecutorError || e instanceof WasmRejected)
        return { status: "error", output: new Uint8Array(), message: (e as Error).message };
      throw e;
    }
    return this.execute(task, signal);
  }

  async execute(task: ExecTask, signal?: AbortSignal): Promise<ExecResult> {
    const d = parseWasmCapability(task.capability);
    if (!d) return { status: "error", output: new Uint8Array(), message: "capability: not a wasm capability" };
    const fuel = task.params.fuel ?? this.o.defaultFuel;
    if (fuel <= 0n || fuel > this.o.maxFuel)
      return { status: "error", output: new Uint8Array(), message: `params.fuel: must be in [1, ${this.o.maxFuel}]` };
    let prepared: Prepared;
    try {
      prepared = await this.prepare(d);
    } catch (e) {
      if (e instanceof ExecutorError) return { status: "error", output: new Uint8Array(), message: e.message };
      throw e;
    }
    return this.workers().run(
      {
        module: prepared.module,
        input: task.input,
        fuel,
        maxOutput: this.o.maxOutputBytes,
        maxDepth: this.o.maxCallDepth,
      },
      signal,
    );
  }
}

export { WasmRejected };
