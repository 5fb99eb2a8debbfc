/**
 * Ed25519 transaction signatures verified off the request thread: a pool of worker threads, each
 * verifying with node:crypto (OpenSSL). Checks queued while the request thread is busy are sent
 * as one batch per worker (one message each way per batch); each check's result comes back as a
 * promise that the transaction's execution waits for. A worker that fails hands its checks back
 * to the request thread (verified there) and leaves the pool.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ED25519_SPKI_PREFIX_HEX, type Ed25519Check, ed25519Verify } from "./transaction.js";

/** One check as sent to a worker: message (32) ‖ public key (32) ‖ signature (64). */
const CHECK_BYTES = 128;

/** The worker's code (CommonJS, node built-ins only, so it runs the same under tsx, vitest or plain node). */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const PREFIX = Buffer.from("${ED25519_SPKI_PREFIX_HEX}", "hex");
const keys = new Map();
parentPort.on("message", ({ id, packed }) => {
  const buf = Buffer.from(packed);
  const n = buf.length / ${CHECK_BYTES};
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * ${CHECK_BYTES};
    try {
      const pk = buf.subarray(at + 32, at + 64);
      const hex = pk.toString("hex");
      let key = keys.get(hex);
      if (!key) {
        key = createPublicKey({ key: Buffer.concat([PREFIX, pk]), format: "der", type: "spki" });
        if (keys.size > 10000) keys.clear();
        keys.set(hex, key);
      }
      ok[i] = verify(null, buf.subarray(at, at + 32), key, buf.subarray(at + 64, at + 128)) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort.postMessage({ id, ok });
});
`;

/** Worker threads for signature verification by default: one per core but the request thread's, at most 4; none on one core. */
export function defaultVerifyThreads(): number {
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores - 1, 4) : 0;
}

interface Pending {
  check: Ed25519Check;
  resolve: (ok: boolean) => void;
}
interface PoolWorker {
  worker: Worker;
  batches: Map<number, Pending[]>;
}

export class VerifyPool {
  private readonly workers: PoolWorker[] = [];
  private queue: Pending[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  /** Checks sent to workers and batches posted (a batch is one message to one worker). */
  readonly stats = { checks: 0, batches: 0 };

  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`VerifyPool: threads must be a positive integer, got ${threads}`);
  }

  /** Whether `c` passes Ed25519 verification (in a worker; on this thread when no worker is left). */
  verify(c: Ed25519Check): Promise<boolean> {
    if (this.closed) return Promise.resolve(ed25519Verify(c));
    return new Promise((resolve) => {
      this.queue.push({ check: c, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => this.retire(w)));
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    if (this.closed) {
      for (const p of queue) p.resolve(ed25519Verify(p.check));
      return;
    }
    while (this.workers.length < this.threads) this.workers.push(this.spawn());
    const n = Math.min(this.workers.length, queue.length);
    const per = Math.ceil(queue.length / n);
    for (let w = 0; w < n; w++) {
      const batch = queue.slice(w * per, (w + 1) * per);
      if (batch.length === 0) continue;
      const pw = this.workers[w]!;
      const id = this.nextId++;
      pw.batches.set(id, batch);
      this.stats.checks += batch.length;
      this.stats.batches++;
      const packed = new Uint8Array(batch.length * CHECK_BYTES);
      for (const [i, p] of batch.entries()) {
        packed.set(p.check.message, i * CHECK_BYTES);
        packed.set(p.check.publicKey, i * CHECK_BYTES + 32);
        packed.set(p.check.signature, i * CHECK_BYTES + 64);
      }
      pw.worker.postMessage({ id, packed: packed.buffer }, [packed.buffer]);
    }
  }

  private spawn(): PoolWorker {
    const pw: PoolWorker = { worker: new Worker(WORKER_SOURCE, { eval: true }), batches: new Map() };
    pw.worker.unref();
    pw.worker.on("message", ({ id, ok }: { id: number; ok: Uint8Array }) => {
      const batch = pw.batches.get(id);
      if (!batch) return;
      pw.batches.delete(id);
      for (const [i, p] of batch.entries()) p.resolve(ok[i] === 1);
    });
    const fail = () => {
      const i = this.workers.indexOf(pw);
      if (i >= 0) this.workers.splice(i, 1);
      void this.retire(pw);
    };
    pw.worker.on("error", fail);
    pw.worker.on("exit", fail);
    return pw;
  }

  /** Ends a worker; its unanswered checks are verified on this thread. */
  private async retire(pw: PoolWorker): Promise<void> {
    for (const batch of pw.batches.values()) for (const p of batch) p.resolve(ed25519Verify(p.check));
    pw.batches.clear();
    pw.worker.removeAllListeners();
    await pw.worker.terminate();
  }
}
