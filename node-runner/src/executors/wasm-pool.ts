/**
 * A pool of warm worker_threads for the WASM executor. Workers are spawned once and reused; each
 * task gets a fresh instance inside its worker (wasm-worker.mjs), so no state crosses tasks. Tasks
 * wait FIFO for an idle worker. A task that passes its wall-clock guard (counted from when a
 * booted worker holds it) or is aborted has its worker terminated — the only way to stop running
 * WASM — and a replacement is spawned at once, so the pool heals while idle; a worker that dies by
 * itself (out of memory, crash) is replaced when work needs it. Idle workers are unref'd: a pool
 * never keeps the process alive by itself.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ExecResult } from "./types.js";

const WORKER_URL = new URL("./wasm-worker.mjs", import.meta.url);

export interface PoolTask {
  module: WebAssembly.Module;
  input: Uint8Array;
  fuel: bigint;
  maxOutput: number;
  maxDepth: number;
}

export interface WasmPoolOptions {
  /** Number of workers. Default: os.availableParallelism() (tasks are CPU-bound). */
  size?: number;
  /** Wall-clock guard per task in ms, from when a worker takes it. */
  timeoutMs: number;
  stackSizeMb: number;
  maxOldGenerationSizeMb: number;
}

export interface WasmPoolStats {
  size: number;
  workers: number;
  idle: number;
  queued: number;
  /** Workers started so far (the first `size` plus every replacement). */
  spawned: number;
  /** Workers terminated by the wall-clock guard or an abort. */
  killed: number;
  /** Workers that exited on their own (crash, out of memory). */
  died: number;
}

interface Job {
  task: PoolTask;
  signal: AbortSignal | undefined;
  resolve: (r: ExecResult) => void;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  id: number;
  /** Booted: the guard of a task starts only then (a replacement worker's boot is not the task's time). */
  online: boolean;
}

type WorkerReply = ExecResult & { id: number };

export class WasmPool {
  readonly size: number;
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private counters = { spawned: 0, killed: 0, died: 0 };

  constructor(private readonly o: WasmPoolOptions) {
    this.size = Math.max(1, Math.floor(o.size ?? availableParallelism()));
  }

  /** Starts workers up to the pool size (they take ~20–40 ms to boot; do it before the first task). */
  warm(): void {
    while (!this.closed && this.slots.size < this.size) this.idle.push(this.spawn());
  }

  stats(): WasmPoolStats {
    return {
      size: this.size,
      workers: this.slots.size,
      idle: this.idle.length,
      queued: this.queue.length,
      ...this.counters,
    };
  }

  run(task: PoolTask, signal?: AbortSignal): Promise<ExecResult> {
    if (this.closed) return Promise.resolve(fail("error", "WASM executor is closed"));
    if (signal?.aborted) return Promise.resolve(fail("timeout", "aborted"));
    return new Promise((resolve) => {
      const job: Job = { task, signal, resolve };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker; queued and running tasks end with status `error`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, fail("error", "WASM executor closed"));
    const all = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    for (const s of all) {
      if (s.timer) clearTimeout(s.timer);
      if (s.job) this.settle(s.job, fail("error", "WASM executor closed"));
      s.job = null;
    }
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      resourceLimits: { stackSizeMb: this.o.stackSizeMb, maxOldGenerationSizeMb: this.o.maxOldGenerationSizeMb },
      stdout: true,
      stderr: true,
      execArgv: [],
      env: {},
    });
    worker.unref();
    const slot: Slot = { worker, job: null, timer: null, id: -1, online: false };
    worker.once("online", () => {
      slot.online = true;
      if (slot.job && !slot.timer) this.guard(slot);
    });
    this.counters.spawned++;
    this.slots.add(slot);
    worker.on("message", (m: WorkerReply) => {
      if (!slot.job || m.id !== slot.id) return;
      const job = slot.job;
      this.release(slot);
      const { id: _, ...result } = m;
      this.settle(job, result);
      this.pump();
    });
    worker.on("error", (e) => this.lose(slot, `worker: ${e.message}`));
    worker.on("exit", (code) => this.lose(slot, `worker exited with code ${code}`));
    return slot;
  }

  /** A worker died by itself: its task fails (not deterministic: never committed), the pool refills on demand. */
  private lose(slot: Slot, message: string): void {
    if (!this.slots.delete(slot)) return;
    this.counters.died++;
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    if (job) this.settle(job, fail("error", message));
    this.pump();
  }

  /** Ends a running task now: its worker is terminated and replaced. */
  private kill(slot: Slot, result: ExecResult): void {
    if (!this.slots.delete(slot)) return;
    this.counters.killed++;
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    void slot.worker.terminate();
    if (job) this.settle(job, result);
    // keep the pool warm: the replacement boots while nothing waits on it
    if (!this.closed) this.idle.push(this.spawn());
    this.pump();
  }

  private abort(job: Job): void {
    const q = this.queue.indexOf(job);
    if (q >= 0) {
      this.queue.splice(q, 1);
      this.settle(job, fail("timeout", "aborted"));
      return;
    }
    for (const s of this.slots)
      if (s.job === job) {
        this.kill(s, fail("timeout", "aborted"));
        return;
      }
  }

  private guard(s: Slot): void {
    s.timer = setTimeout(
      () => this.kill(s, fail("timeout", `wall-clock guard ${this.o.timeoutMs} ms`)),
      this.o.timeoutMs,
    );
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    slot.worker.unref();
    this.idle.push(slot);
  }

  private settle(job: Job, r: ExecResult): void {
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
    job.resolve(r);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0] as Job;
      if (head.signal?.aborted) {
        this.queue.shift();
        this.settle(head, fail("timeout", "aborted"));
        continue;
      }
      let slot = this.idle.pop();
      if (!slot) {
        if (this.slots.size >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.id = this.nextId++;
      slot.worker.ref();
      const s = slot;
      if (s.online) this.guard(s);
      const t = job.task;
      // one copy, handed over (a structured clone would copy twice); the caller's bytes stay theirs
      const input = t.input.slice();
      s.worker.postMessage(
        { id: s.id, module: t.module, input, fuel: t.fuel, maxOutput: t.maxOutput, maxDepth: t.maxDepth },
        [input.buffer],
      );
    }
  }
}

function fail(status: "error" | "timeout", message: string): ExecResult {
  return { status, output: new Uint8Array(), message };
}
