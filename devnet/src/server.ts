/**
 * The devnet node: runtime + checkpoints + clock + persistence, served over HTTP: JSON-RPC
 * (methods in jsonrpc/), the faucet, /health, and gRPC-web (grpc/) on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toBase58, toBase64 } from "@mysten/bcs";
import { DevnetError } from "./errors.js";
import { type GrpcOptions, GrpcServer } from "./grpc/server.js";
import { isGrpcWebRequest } from "./grpc/web.js";
import { type Checkpoint, Journal } from "./journal.js";
import { dispatch, jsonRpcMethods, type Methods } from "./jsonrpc/index.js";
import { signatureFailed } from "./runtime/transaction.js";
import { defaultVerifyThreads, VerifyPool } from "./runtime/verify-pool.js";
import { type ExecOutcome, hashBytes, Runtime } from "./runtime.js";

export interface DevnetOptions {
  port?: number;
  host?: string;
  seed?: string;
  stateDir?: string;
  /** Cut a corrupt journal at its first bad line (after a backup) instead of refusing to start. */
  repair?: boolean;
  checkpointIntervalMs?: number;
  /** MIST per faucet request (default 1 000 SUI). */
  faucetAmount?: bigint;
  /** Start the clock at this fixed time (ms); otherwise wall time. */
  clockMs?: bigint;
  /** Serve Sui JSON-RPC on POST / (default true; `--no-jsonrpc` turns it off, as current Sui nodes do). */
  jsonRpc?: boolean;
  /** Serve `sui.rpc.v2` over gRPC-web on the same port (default true). */
  grpc?: boolean | GrpcOptions;
  /**
   * Worker threads that verify transaction signatures off the request thread (batched); 0 verifies
   * on the request thread. Default: one per core but one, at most 4; 0 on a single core.
   */
  verifyThreads?: number;
  /** TEST ONLY: root certificates (DER) the Nitro attestation native accepts besides AWS's. */
  nitroTestRoots?: readonly Uint8Array[];
  log?: { info: (o: object, msg?: string) => void; warn: (o: object, msg?: string) => void };
}

const MAX_BODY = 32 * 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;
const MAX_BATCH = 100;

/** Answers `body` as JSON (a module function: no closure per request). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export class Devnet {
  readonly runtime: Runtime;
  readonly checkpoints: Checkpoint[] = [];
  private pending: string[] = [];
  private journal?: Journal;
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private offsetMs = 0n;
  private fixedMs: bigint | null = null;
  readonly faucetAmount: bigint;
  private readonly handlers: Methods;
  private readonly checkpointListeners = new Set<(cp: Checkpoint) => void>();
  readonly grpc?: GrpcServer;
  /** The signature verification workers (absent: verified on the request thread). */
  readonly verifyPool?: VerifyPool;

  constructor(readonly opts: DevnetOptions = {}) {
    this.faucetAmount = opts.faucetAmount ?? 1_000_000_000_000n;
    if (opts.clockMs !== undefined) this.fixedMs = opts.clockMs;
    this.runtime = new Runtime({
      seed: opts.seed ?? "atoma-devnet",
      now: () => this.nowMs(),
      ...(opts.nitroTestRoots ? { nitroTestRoots: opts.nitroTestRoots } : {}),
    });
    if (opts.stateDir) {
      this.journal = new Journal(opts.stateDir);
      const log = opts.log;
      const r = this.journal.replay(this.runtime, {
        ...(opts.repair ? { repair: true } : {}),
        ...(log
          ? {
              warn: (o: object, msg: string) => log.warn(o, msg),
              progress: (done: number, total: number) =>
                log.info(
                  { doneBytes: done, totalBytes: total },
                  `replaying journal: ${Math.floor((100 * done) / total)} % of ${(total / 1048576).toFixed(1)} MiB`,
                ),
            }
          : {}),
      });
      this.checkpoints.push(...r.checkpoints);
      if (r.clock) {
        this.offsetMs = r.clock.offsetMs;
        this.fixedMs = r.clock.fixedMs;
      }
      const inCp = new Set(this.checkpoints.flatMap((c) => c.transactions));
      this.pending = this.runtime.txOrder.filter((d) => !inCp.has(d));
    }
    this.runtime.onCommit = (ws) => {
      this.journal?.writeTx(ws);
      this.pending.push(ws.tx.digest);
    };
    if (this.checkpoints.length === 0) this.cutCheckpoint(true);
    const threads = opts.verifyThreads ?? defaultVerifyThreads();
    if (threads > 0) this.verifyPool = new VerifyPool(threads);
    this.handlers = jsonRpcMethods(this);
    if (opts.grpc !== false)
      this.grpc = new GrpcServer(this, {
        ...(typeof opts.grpc === "object" ? opts.grpc : {}),
        ...(opts.log ? { log: opts.log } : {}),
      });
  }

  /**
   * Verifies and executes a signed transaction (JSON-RPC and gRPC execute): the checks before
   * the Ed25519 verification on this thread, the verification in the pool when there is one
   * (execution waits for it), the same errors either way.
   */
  async executeSigned(txB64: string, signatures: string[]): Promise<ExecOutcome> {
    const rt = this.runtime;
    const p = rt.prepareSigned(txB64, signatures);
    if ("record" in p) return p;
    if (!this.verifyPool) return rt.executePrepared(p, false);
    if (!(await this.verifyPool.verify(p.check))) throw signatureFailed();
    return rt.executePrepared(p, true);
  }

  /** Calls `listener` with each checkpoint cut from now on; returns the unsubscribe function. */
  onCheckpoint(listener: (cp: Checkpoint) => void): () => void {
    this.checkpointListeners.add(listener);
    return () => this.checkpointListeners.delete(listener);
  }

  // ---------- clock ----------
  nowMs(): bigint {
    return this.fixedMs ?? BigInt(Date.now()) + this.offsetMs;
  }
  advanceClock(ms: bigint): bigint {
    if (ms < 0n) throw new DevnetError("INVALID_PARAMS", `clock: cannot advance by ${ms} ms (must be >= 0)`);
    if (this.nowMs() + ms > U64_MAX)
      throw new DevnetError("INVALID_PARAMS", `clock: advancing by ${ms} ms passes the u64 limit of the Clock object`);
    if (this.fixedMs !== null) this.fixedMs += ms;
    else this.offsetMs += ms;
    this.journal?.writeClock(this.offsetMs, this.fixedMs);
    return this.nowMs();
  }
  setClock(ms: bigint): bigint {
    if (ms < 0n || ms > U64_MAX)
      throw new DevnetError("INVALID_PARAMS", `clock: ${ms} ms is not a u64 timestamp (0..${U64_MAX})`);
    this.fixedMs = ms;
    this.journal?.writeClock(this.offsetMs, this.fixedMs);
    return ms;
  }
  useWallClock(): void {
    this.fixedMs = null;
    this.offsetMs = 0n;
    this.journal?.writeClock(this.offsetMs, this.fixedMs);
  }

  // ---------- checkpoints ----------
  get chainIdentifier(): string {
    return this.checkpoints[0]!.digest;
  }
  cutCheckpoint(force = false): Checkpoint | undefined {
    if (!force && this.pending.length === 0) return undefined;
    const prev = this.checkpoints[this.checkpoints.length - 1];
    const seq = BigInt(this.checkpoints.length);
    const total = BigInt(prev?.networkTotalTransactions ?? "0") + BigInt(this.pending.length);
    const digest = toBase58(
      hashBytes("CheckpointSummary::", this.runtime.seed, seq.toString(), prev?.digest ?? "", ...this.pending),
    );
    const cp: Checkpoint = {
      epoch: this.runtime.epoch.toString(),
      sequenceNumber: seq.toString(),
      digest,
      networkTotalTransactions: total.toString(),
      previousDigest: prev?.digest ?? null,
      epochRollingGasCostSummary: {
        computationCost: "0",
        storageCost: "0",
        storageRebate: "0",
        nonRefundableStorageFee: "0",
      },
      timestampMs: this.nowMs().toString(),
      transactions: this.pending,
      checkpointCommitments: [],
      validatorSignature: toBase64(new Uint8Array(48)),
    };
    for (const d of this.pending) {
      const tx = this.runtime.txs.get(d);
      if (tx) tx.checkpoint = cp.sequenceNumber;
    }
    this.pending = [];
    this.checkpoints.push(cp);
    this.journal?.writeCheckpoint(cp);
    for (const l of this.checkpointListeners) l(cp);
    return cp;
  }

  // ---------- HTTP ----------
  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => resolve());
    });
    const interval = this.opts.checkpointIntervalMs ?? 1000;
    if (interval > 0) this.timer = setInterval(() => this.cutCheckpoint(), interval);
    const a = this.server.address() as AddressInfo;
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.cutCheckpoint();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
    // Transactions waiting for their verification finish (verified here) before the journal closes.
    await this.verifyPool?.close();
    this.journal?.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.grpc && isGrpcWebRequest(req)) {
      await this.grpc.handle(req, res);
      return;
    }
    try {
      if (req.method === "GET" && (req.url === "/health" || req.url === "/")) {
        sendJson(res, 200, {
          status: "ok",
          chainIdentifier: this.chainIdentifier,
          checkpoint: String(this.checkpoints.length - 1),
        });
        return;
      }
      if (req.method !== "POST") {
        sendJson(res, 405, { error: "use POST for JSON-RPC" });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_BODY) {
          sendJson(res, 413, { error: "body too large" });
          return;
        }
        chunks.push(c as Buffer);
      }
      const text = Buffer.concat(chunks).toString("utf8");
      if (req.url?.startsWith("/v2/gas") || req.url?.startsWith("/gas") || req.url?.startsWith("/v1/gas")) {
        const f = this.faucetRequest(text);
        sendJson(res, "status" in f && f.status === "Success" ? 200 : 400, f);
        return;
      }
      if (this.opts.jsonRpc === false) {
        sendJson(res, 404, {
          error: "JSON-RPC is disabled on this devnet (--no-jsonrpc); use gRPC (sui.rpc.v2) on this port",
        });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        sendJson(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
        return;
      }
      if (Array.isArray(body)) {
        // JSON-RPC 2.0 batch: one response per request, in order.
        if (body.length === 0 || body.length > MAX_BATCH) {
          const message = `Invalid Request: a batch holds 1..${MAX_BATCH} requests, got ${body.length}`;
          sendJson(res, 200, { jsonrpc: "2.0", id: null, error: { code: -32600, message } });
        } else {
          // In order: each request is answered (a transaction executed) before the next starts.
          const out: unknown[] = [];
          for (const b of body) out.push(await this.dispatch(b));
          sendJson(res, 200, out);
        }
        return;
      }
      sendJson(res, 200, await this.dispatch(body));
    } catch (e) {
      sendJson(res, 500, { error: (e as Error).message });
    }
  }

  private faucetRequest(text: string): Record<string, unknown> {
    let recipient: unknown;
    try {
      const b = JSON.parse(text) as { FixedAmountRequest?: { recipient?: unknown } };
      recipient = b.FixedAmountRequest?.recipient;
    } catch {
      return { status: { Failure: { internal: "body is not JSON" } } };
    }
    if (typeof recipient !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(recipient))
      return { status: { Failure: { internal: "FixedAmountRequest.recipient: must be a 0x-hex Sui address" } } };
    const r = this.runtime.faucet(recipient, this.faucetAmount);
    return {
      status: "Success",
      coins_sent: r.coins.map((c) => ({ amount: Number(c.amount), id: c.id, transferTxDigest: r.digest })),
    };
  }

  /** Handles one JSON-RPC request object (exposed for in-process use); executing a transaction answers with a promise. */
  dispatch(raw: unknown): unknown {
    return dispatch(this.handlers, raw, this.opts.log);
  }
}
