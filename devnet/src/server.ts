/** The devnet node: runtime + checkpoints + clock + persistence + JSON-RPC/faucet over HTTP. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fromBase58, toBase58, toBase64 } from "@mysten/bcs";
import {
  bcsFor,
  canonicalType,
  type NormalizedType,
  normalizeAddress,
  parseType,
  shortAddress,
  toSuiContentFields,
  toSuiJson,
  typeToString,
} from "./bytecode.js";
import { DevnetError, RpcError } from "./errors.js";
import { type GrpcOptions, GrpcServer } from "./grpc/server.js";
import { isGrpcWebRequest } from "./grpc/web.js";
import { type Checkpoint, Journal } from "./journal.js";
import { GAS_COIN_TYPE, hashBytes, Runtime, SUI_TYPE, type TxRecord } from "./runtime.js";
import type { StoredObject } from "./types.js";

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
  log?: { info: (o: object, msg?: string) => void; warn: (o: object, msg?: string) => void };
}

type Params = unknown[];
type Handler = (p: Params) => unknown;

const MAX_BODY = 32 * 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;
const MAX_FILTER_DEPTH = 16;
const MAX_BATCH = 100;

/** A base64 parameter (tx bytes, signatures): refused with -32602 naming it before any decoding. */
function b64Param(v: unknown, name: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
    throw new RpcError(-32602, `Invalid params: ${name} must be standard base64`);
  return v;
}

/** A clock argument of devnet_setClock / devnet_advanceClock: a whole number (JSON number or decimal string). */
function clockArg(v: unknown, method: string): bigint {
  if ((typeof v === "number" && Number.isSafeInteger(v)) || (typeof v === "string" && /^-?\d{1,25}$/.test(v)))
    return BigInt(v);
  throw new RpcError(
    -32602,
    `Invalid params: ${method} params[0] must be a whole number of ms, got ${JSON.stringify(v)}`,
  );
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
  private readonly handlers: Record<string, Handler>;
  private readonly checkpointListeners = new Set<(cp: Checkpoint) => void>();
  readonly grpc?: GrpcServer;

  constructor(readonly opts: DevnetOptions = {}) {
    this.faucetAmount = opts.faucetAmount ?? 1_000_000_000_000n;
    if (opts.clockMs !== undefined) this.fixedMs = opts.clockMs;
    this.runtime = new Runtime({ seed: opts.seed ?? "atoma-devnet", now: () => this.nowMs() });
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
    this.handlers = this.makeHandlers();
    if (opts.grpc !== false)
      this.grpc = new GrpcServer(this, {
        ...(typeof opts.grpc === "object" ? opts.grpc : {}),
        ...(opts.log ? { log: opts.log } : {}),
      });
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
    this.journal?.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (this.grpc && isGrpcWebRequest(req)) {
      await this.grpc.handle(req, res);
      return;
    }
    try {
      if (req.method === "GET" && (req.url === "/health" || req.url === "/")) {
        send(200, {
          status: "ok",
          chainIdentifier: this.chainIdentifier,
          checkpoint: String(this.checkpoints.length - 1),
        });
        return;
      }
      if (req.method !== "POST") {
        send(405, { error: "use POST for JSON-RPC" });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_BODY) {
          send(413, { error: "body too large" });
          return;
        }
        chunks.push(c as Buffer);
      }
      const text = Buffer.concat(chunks).toString("utf8");
      if (req.url?.startsWith("/v2/gas") || req.url?.startsWith("/gas") || req.url?.startsWith("/v1/gas")) {
        const f = this.faucetRequest(text);
        send("status" in f && f.status === "Success" ? 200 : 400, f);
        return;
      }
      if (this.opts.jsonRpc === false) {
        send(404, { error: "JSON-RPC is disabled on this devnet (--no-jsonrpc); use gRPC (sui.rpc.v2) on this port" });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        send(200, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
        return;
      }
      if (Array.isArray(body)) {
        // JSON-RPC 2.0 batch: one response per request, in order.
        if (body.length === 0 || body.length > MAX_BATCH) {
          const message = `Invalid Request: a batch holds 1..${MAX_BATCH} requests, got ${body.length}`;
          send(200, { jsonrpc: "2.0", id: null, error: { code: -32600, message } });
        } else
          send(
            200,
            body.map((b) => this.dispatch(b)),
          );
        return;
      }
      send(200, this.dispatch(body));
    } catch (e) {
      send(500, { error: (e as Error).message });
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

  /** Handles one JSON-RPC request object (exposed for in-process use). */
  dispatch(raw: unknown): unknown {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      return { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: must be a JSON object" } };
    const body = raw as { id?: unknown; method?: unknown; params?: unknown };
    const id = body.id ?? null;
    const method = body.method;
    try {
      if (typeof method !== "string") throw new RpcError(-32600, "Invalid Request: method must be a string");
      const h = this.handlers[method];
      if (!h) throw new RpcError(-32601, `Method not found: ${method}`);
      const params = body.params === undefined ? [] : body.params;
      if (!Array.isArray(params)) throw new RpcError(-32602, "Invalid params: params must be an array");
      return { jsonrpc: "2.0", id, result: h(params) };
    } catch (e) {
      if (e instanceof RpcError) return { jsonrpc: "2.0", id, error: { code: e.rpcCode, message: e.message } };
      if (e instanceof DevnetError) return { jsonrpc: "2.0", id, error: { code: -32602, message: e.message } };
      this.opts.log?.warn({ err: (e as Error).message, method }, "internal error");
      return { jsonrpc: "2.0", id, error: { code: -32603, message: `Internal error: ${(e as Error).message}` } };
    }
  }

  // ---------- views ----------
  private objectView(o: StoredObject, opts: Record<string, unknown> | null | undefined): Record<string, unknown> {
    const data: Record<string, unknown> = { objectId: o.id, version: o.version.toString(), digest: o.digest };
    const typeStr = o.type ? typeToString(o.type) : "package";
    if (opts?.showType) data.type = typeStr;
    if (opts?.showOwner) data.owner = o.owner;
    if (opts?.showPreviousTransaction) data.previousTransaction = o.previousTransaction;
    if (opts?.showStorageRebate) data.storageRebate = o.storageRebate.toString();
    if (opts?.showContent) {
      data.content = o.type
        ? {
            dataType: "moveObject",
            type: typeStr,
            hasPublicTransfer: o.hasPublicTransfer,
            fields: toSuiContentFields(o.type, o.value, this.runtime.resolve),
          }
        : {
            dataType: "package",
            disassembled: Object.fromEntries([...(o.modules?.keys() ?? [])].map((k) => [k, ""])),
          };
    }
    if (opts?.showBcs) {
      data.bcs = o.type
        ? {
            dataType: "moveObject",
            type: typeStr,
            hasPublicTransfer: o.hasPublicTransfer,
            version: o.version.toString(),
            bcsBytes: toBase64(o.bcs!),
          }
        : {
            dataType: "package",
            id: o.id,
            version: o.version.toString(),
            moduleMap: Object.fromEntries([...(o.modules?.entries() ?? [])].map(([k, m]) => [k, toBase64(m.bytes)])),
            typeOriginTable: [],
            linkageTable: {},
          };
    }
    if (opts?.showDisplay) data.display = { data: null, error: null };
    return data;
  }
  private getObjectResp(id: unknown, opts: Record<string, unknown> | null | undefined): unknown {
    if (typeof id !== "string") throw new RpcError(-32602, "Invalid params: object id must be a string");
    const nid = normalizeAddress(id);
    const o = this.runtime.getObject(nid);
    if (!o) return { error: { code: "notExists", object_id: nid } };
    return { data: this.objectView(o, opts) };
  }
  txView(tx: TxRecord, opts: Record<string, unknown> | null | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { digest: tx.digest };
    if (opts?.showInput && tx.transaction) out.transaction = tx.transaction;
    if (opts?.showRawInput) out.rawTransaction = tx.rawTransaction;
    if (opts?.showEffects) out.effects = tx.effects;
    if (opts?.showRawEffects) out.rawEffects = tx.rawEffects;
    if (opts?.showEvents) out.events = tx.events;
    if (opts?.showObjectChanges) out.objectChanges = tx.objectChanges;
    if (opts?.showBalanceChanges) out.balanceChanges = tx.balanceChanges;
    out.timestampMs = tx.timestampMs;
    out.checkpoint = tx.checkpoint;
    return out;
  }
  private coinsOf(owner: string, coinType: string | null): StoredObject[] {
    const o = normalizeAddress(owner);
    const want = coinType ? `0x2::coin::Coin<${canonicalType(coinType)}>` : null;
    const out: StoredObject[] = [];
    for (const obj of this.runtime.ownedBy(o)) {
      if (!obj.type || obj.owner === "Immutable" || !("AddressOwner" in obj.owner) || obj.owner.AddressOwner !== o)
        continue;
      if (obj.type.kind !== "struct" || obj.type.module !== "coin" || obj.type.name !== "Coin") continue;
      if (want && typeToString(obj.type) !== want) continue;
      out.push(obj);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }
  private coinView(o: StoredObject): unknown {
    const t = o.type as Extract<ReturnType<typeof parseType>, { kind: "struct" }>;
    return {
      coinType: typeToString(t.args[0]!),
      coinObjectId: o.id,
      version: o.version.toString(),
      digest: o.digest,
      balance: (o.value as { balance: { value: bigint } }).balance.value.toString(),
      previousTransaction: o.previousTransaction,
    };
  }
  private page<T>(
    all: T[],
    key: (t: T) => string,
    cursor: unknown,
    limit: unknown,
  ): { data: T[]; nextCursor: string | null; hasNextPage: boolean } {
    let start = 0;
    if (typeof cursor === "string") {
      const i = all.findIndex((x) => key(x) === cursor);
      start = i < 0 ? 0 : i + 1;
    }
    const lim = typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 50;
    const data = all.slice(start, start + lim);
    const hasNextPage = start + lim < all.length;
    return { data, nextCursor: data.length ? key(data[data.length - 1]!) : null, hasNextPage };
  }

  private getTx(digest: unknown): TxRecord {
    if (typeof digest !== "string") throw new RpcError(-32602, "Invalid params: digest must be a string");
    const tx = this.runtime.txs.get(digest);
    if (!tx) throw new RpcError(-32602, `Could not find the referenced transaction [TransactionDigest(${digest})].`);
    return tx;
  }

  /** Rejects a filter that is not a tree of one-key objects or that nests past MAX_FILTER_DEPTH. */
  private checkEventFilter(f: unknown, at = "query", depth = 0): void {
    if (depth > MAX_FILTER_DEPTH)
      throw new RpcError(-32602, `Invalid params: ${at} nests deeper than ${MAX_FILTER_DEPTH} levels`);
    if (typeof f !== "object" || f === null || Array.isArray(f) || Object.keys(f).length !== 1)
      throw new RpcError(-32602, `Invalid params: ${at} must be an EventFilter object with one key`);
    const [k, v] = Object.entries(f)[0]!;
    if (k === "All" || k === "Any" || k === "And" || k === "Or") {
      if (!Array.isArray(v)) throw new RpcError(-32602, `Invalid params: ${at}.${k} must be an array of filters`);
      for (const [i, sub] of v.entries()) this.checkEventFilter(sub, `${at}.${k}[${i}]`, depth + 1);
    }
  }

  private eventMatches(e: TxRecord["events"][number], f: Record<string, unknown>): boolean {
    const [k, v] = Object.entries(f)[0] ?? ["All", []];
    switch (k) {
      case "All":
        return Array.isArray(v) ? v.every((sub) => this.eventMatches(e, sub as Record<string, unknown>)) : true;
      case "Any":
        return Array.isArray(v) && v.some((sub) => this.eventMatches(e, sub as Record<string, unknown>));
      case "And":
        return Array.isArray(v) && v.every((sub) => this.eventMatches(e, sub as Record<string, unknown>));
      case "Or":
        return Array.isArray(v) && v.some((sub) => this.eventMatches(e, sub as Record<string, unknown>));
      case "Sender":
        return e.sender === normalizeAddress(String(v));
      case "Transaction":
        return e.id.txDigest === v;
      case "Package":
        return e.packageId === normalizeAddress(String(v));
      case "MoveModule": {
        const m = v as { package: string; module: string };
        return e.packageId === normalizeAddress(m.package) && e.transactionModule === m.module;
      }
      case "MoveEventModule": {
        const m = v as { package: string; module: string };
        const t = parseType(e.type);
        return t.kind === "struct" && t.address === normalizeAddress(m.package) && t.module === m.module;
      }
      case "MoveEventType": {
        const want = parseType(String(v));
        const t = parseType(e.type);
        if (want.kind === "struct" && want.args.length === 0 && t.kind === "struct")
          return t.address === want.address && t.module === want.module && t.name === want.name;
        return typeToString(t) === typeToString(want);
      }
      case "TimeRange": {
        const r = v as { startTime: string; endTime: string };
        return BigInt(e.timestampMs) >= BigInt(r.startTime) && BigInt(e.timestampMs) < BigInt(r.endTime);
      }
      default:
        throw new RpcError(-32602, `Invalid params: unsupported event filter ${k}`);
    }
  }

  private normalizedFunction(pkg: unknown, module: unknown, fn: unknown): unknown {
    if (typeof pkg !== "string" || typeof module !== "string" || typeof fn !== "string")
      throw new RpcError(-32602, "Invalid params: package, module and function must be strings");
    const m = this.runtime.getNormalizedModule(pkg, module);
    const f = m.normalized.exposedFunctions[fn];
    if (!f) throw new RpcError(-32602, `No function was found with function name ${fn}`);
    return f;
  }

  private makeHandlers(): Record<string, Handler> {
    const rt = this.runtime;
    const rgp = (): string => rt.gas.referenceGasPrice.toString();
    return {
      rpc_discover: () => ({
        openrpc: "1.2.6",
        info: { title: "Atoma devnet (Sui JSON-RPC subset)", version: "0.1.0" },
        methods: Object.keys(this.handlers).map((name) => ({ name })),
      }),
      suix_getLatestSuiSystemState: () => ({
        epoch: rt.epoch.toString(),
        protocolVersion: "1",
        systemStateVersion: "2",
        referenceGasPrice: rgp(),
        epochStartTimestampMs: this.checkpoints[0]!.timestampMs,
        epochDurationMs: "86400000",
        activeValidators: [],
        safeMode: false,
      }),
      suix_getReferenceGasPrice: () => rgp(),
      sui_getChainIdentifier: () => Buffer.from(fromBase58(this.chainIdentifier).subarray(0, 4)).toString("hex"),
      suix_getBalance: ([owner, coinType]) => {
        const coins = this.coinsOf(String(owner), typeof coinType === "string" ? coinType : SUI_TYPE);
        const total = coins.reduce((a, c) => a + (c.value as { balance: { value: bigint } }).balance.value, 0n);
        return {
          coinType: typeof coinType === "string" ? canonicalType(coinType) : SUI_TYPE,
          coinObjectCount: coins.length,
          totalBalance: total.toString(),
          lockedBalance: {},
        };
      },
      suix_getAllBalances: ([owner]) => {
        const by = new Map<string, { n: number; total: bigint }>();
        for (const c of this.coinsOf(String(owner), null)) {
          const t = typeToString((c.type as { args: ReturnType<typeof parseType>[] }).args[0]!);
          const e = by.get(t) ?? { n: 0, total: 0n };
          e.n++;
          e.total += (c.value as { balance: { value: bigint } }).balance.value;
          by.set(t, e);
        }
        return [...by.entries()].map(([coinType, e]) => ({
          coinType,
          coinObjectCount: e.n,
          totalBalance: e.total.toString(),
          lockedBalance: {},
        }));
      },
      suix_getCoins: ([owner, coinType, cursor, limit]) =>
        this.pageCoins(this.coinsOf(String(owner), typeof coinType === "string" ? coinType : SUI_TYPE), cursor, limit),
      suix_getAllCoins: ([owner, cursor, limit]) => this.pageCoins(this.coinsOf(String(owner), null), cursor, limit),
      sui_getObject: ([id, opts]) => this.getObjectResp(id, opts as Record<string, unknown>),
      sui_multiGetObjects: ([ids, opts]) => {
        if (!Array.isArray(ids)) throw new RpcError(-32602, "Invalid params: object ids must be an array");
        return ids.map((id) => this.getObjectResp(id, opts as Record<string, unknown>));
      },
      sui_tryGetPastObject: ([id, version, opts]) => {
        const nid = normalizeAddress(String(id));
        const o = rt.getObject(nid);
        if (!o) return { status: "ObjectNotExists", details: nid };
        if (o.version.toString() === String(version))
          return { status: "VersionFound", details: this.objectView(o, opts as Record<string, unknown>) };
        return { status: "VersionNotFound", details: [nid, String(version)] };
      },
      suix_getOwnedObjects: ([owner, query, cursor, limit]) => {
        const o = normalizeAddress(String(owner));
        const q = (query ?? {}) as { filter?: Record<string, unknown> | null; options?: Record<string, unknown> };
        const f = q.filter ?? null;
        const all = rt
          .ownedBy(o)
          .filter((x) => x.owner !== "Immutable" && "AddressOwner" in x.owner && x.owner.AddressOwner === o && x.type)
          .filter((x) => {
            if (!f) return true;
            if (typeof f.StructType === "string") {
              const want = parseType(f.StructType);
              const t = x.type!;
              if (want.kind !== "struct" || t.kind !== "struct") return false;
              if (want.args.length === 0)
                return t.address === want.address && t.module === want.module && t.name === want.name;
              return typeToString(t) === typeToString(want);
            }
            if (typeof f.Package === "string")
              return x.type!.kind === "struct" && x.type!.address === normalizeAddress(f.Package);
            if (f.MoveModule) {
              const m = f.MoveModule as { package: string; module: string };
              return (
                x.type!.kind === "struct" &&
                x.type!.address === normalizeAddress(m.package) &&
                x.type!.module === m.module
              );
            }
            if (typeof f.ObjectId === "string") return x.id === normalizeAddress(f.ObjectId);
            throw new RpcError(-32602, `Invalid params: unsupported owned-object filter ${Object.keys(f).join(",")}`);
          })
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const p = this.page(all, (x) => x.id, cursor, limit);
        return {
          data: p.data.map((x) => ({ data: this.objectView(x, q.options ?? { showType: true }) })),
          nextCursor: p.nextCursor,
          hasNextPage: p.hasNextPage,
        };
      },
      sui_getNormalizedMoveModule: ([pkg, module]) =>
        this.runtime.getNormalizedModule(String(pkg), String(module)).normalized,
      sui_getNormalizedMoveModulesByPackage: ([pkg]) => {
        const p = rt.objects.get(normalizeAddress(String(pkg)));
        if (!p?.modules)
          throw new RpcError(-32602, `Package object does not exist with ID ${normalizeAddress(String(pkg))}`);
        return Object.fromEntries([...p.modules.entries()].map(([k, m]) => [k, m.normalized]));
      },
      sui_getNormalizedMoveFunction: ([pkg, module, fn]) => this.normalizedFunction(pkg, module, fn),
      sui_getNormalizedMoveStruct: ([pkg, module, name]) => {
        const s = this.runtime.getNormalizedModule(String(pkg), String(module)).normalized.structs[String(name)];
        if (!s) throw new RpcError(-32602, `No struct was found with struct name ${String(name)}`);
        return s;
      },
      sui_getMoveFunctionArgTypes: ([pkg, module, fn]) => {
        const f = this.normalizedFunction(pkg, module, fn) as { parameters: NormalizedType[] };
        return f.parameters.map((p) => {
          if (typeof p === "string") return "Pure";
          if ("MutableReference" in p)
            return typeof p.MutableReference !== "string" && "Struct" in p.MutableReference
              ? { Object: "ByMutableReference" }
              : "Pure";
          if ("Reference" in p)
            return typeof p.Reference !== "string" && "Struct" in p.Reference
              ? { Object: "ByImmutableReference" }
              : "Pure";
          if ("Struct" in p) {
            const k = `${shortAddress(p.Struct.address)}::${p.Struct.module}::${p.Struct.name}`;
            const pure = [
              "0x1::string::String",
              "0x1::ascii::String",
              "0x2::object::ID",
              "0x1::option::Option",
            ].includes(k);
            return pure ? "Pure" : { Object: "ByValue" };
          }
          return "Pure";
        });
      },
      sui_dryRunTransactionBlock: ([txB64]) => {
        const r = rt.dryRun(b64Param(txB64, "tx_bytes")).record;
        return {
          effects: r.effects,
          events: r.events,
          objectChanges: r.objectChanges,
          balanceChanges: r.balanceChanges,
          input: r.transaction,
        };
      },
      sui_devInspectTransactionBlock: ([sender, kindB64, gasPrice]) => {
        if (typeof sender !== "string" || typeof kindB64 !== "string")
          throw new RpcError(-32602, "Invalid params: sender and tx_bytes are required");
        const r = rt.devInspect(sender, b64Param(kindB64, "tx_bytes"), gasPrice ? BigInt(String(gasPrice)) : undefined);
        const status = r.record.effects.status as { status: string; error?: string };
        return {
          effects: r.record.effects,
          events: r.record.events,
          results: status.status === "success" ? r.results : undefined,
          ...(status.error ? { error: status.error } : {}),
        };
      },
      sui_executeTransactionBlock: ([txB64, sigs, opts]) => {
        b64Param(txB64, "tx_bytes");
        if (!Array.isArray(sigs))
          throw new RpcError(-32602, "Invalid params: signatures must be an array of base64 strings");
        for (const [i, sig] of sigs.entries()) b64Param(sig, `signatures[${i}]`);
        const r = rt.executeSigned(txB64 as string, sigs as string[]);
        return this.txView(r.record, opts as Record<string, unknown>);
      },
      sui_getTransactionBlock: ([digest, opts]) => this.txView(this.getTx(digest), opts as Record<string, unknown>),
      sui_multiGetTransactionBlocks: ([digests, opts]) => {
        if (!Array.isArray(digests)) throw new RpcError(-32602, "Invalid params: digests must be an array");
        return digests.map((d) => this.txView(this.getTx(d), opts as Record<string, unknown>));
      },
      suix_queryTransactionBlocks: ([query, cursor, limit, descending]) => {
        const q = (query ?? {}) as { filter?: Record<string, unknown> | null; options?: Record<string, unknown> };
        let all = rt.txOrder.map((d) => rt.txs.get(d)!);
        const f = q.filter;
        if (f && typeof f.FromAddress === "string")
          all = all.filter((t) => t.sender === normalizeAddress(f.FromAddress as string));
        if (descending) all = [...all].reverse();
        const p = this.page(all, (t) => t.digest, cursor, limit);
        return {
          data: p.data.map((t) => this.txView(t, q.options)),
          nextCursor: p.nextCursor,
          hasNextPage: p.hasNextPage,
        };
      },
      suix_queryEvents: ([query, cursor, limit, descending]) => {
        if (!query || typeof query !== "object")
          throw new RpcError(-32602, "Invalid params: query must be an EventFilter object");
        this.checkEventFilter(query);
        let all = rt.events.filter((e) => this.eventMatches(e, query as Record<string, unknown>));
        if (descending === true) all = [...all].reverse();
        let start = 0;
        if (cursor && typeof cursor === "object") {
          const c = cursor as { txDigest?: string; eventSeq?: string | number };
          const i = all.findIndex((e) => e.id.txDigest === c.txDigest && e.id.eventSeq === String(c.eventSeq));
          if (i < 0) {
            // Cursor event not matched by the filter: continue after its position in the global order.
            const gi = rt.events.findIndex((e) => e.id.txDigest === c.txDigest && e.id.eventSeq === String(c.eventSeq));
            if (gi < 0) throw new RpcError(-32602, `Invalid params: event cursor ${JSON.stringify(cursor)} not found`);
            const pos = new Map(rt.events.map((e, k) => [e, k]));
            start = all.findIndex((e) => (descending === true ? pos.get(e)! < gi : pos.get(e)! > gi));
            if (start < 0) start = all.length;
          } else start = i + 1;
        }
        const lim = typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 50;
        const data = all.slice(start, start + lim);
        const last = data[data.length - 1];
        return { data, nextCursor: last ? last.id : null, hasNextPage: start + lim < all.length };
      },
      sui_getCheckpoint: ([id]) => {
        const s = String(id);
        const cp = /^\d+$/.test(s) ? this.checkpoints[Number(s)] : this.checkpoints.find((c) => c.digest === s);
        if (!cp) throw new RpcError(-32602, `Invalid params: checkpoint ${s} not found`);
        return cp;
      },
      sui_getCheckpoints: ([cursor, limit, descending]) => {
        const all = [...this.checkpoints];
        if (descending) all.reverse();
        const p = this.page(all, (c) => c.sequenceNumber, cursor, limit);
        return { data: p.data, nextCursor: p.nextCursor, hasNextPage: p.hasNextPage };
      },
      sui_getLatestCheckpointSequenceNumber: () => String(this.checkpoints.length - 1),
      sui_getTotalTransactionBlocks: () => String(rt.txOrder.length),
      suix_getDynamicFields: ([parent, cursor, limit]) => {
        const pid = normalizeAddress(String(parent));
        const all = rt
          .ownedBy(pid)
          .filter((o) => o.owner !== "Immutable" && "ObjectOwner" in o.owner && o.owner.ObjectOwner === pid && o.type)
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const p = this.page(all, (o) => o.id, cursor, limit);
        return {
          data: p.data.map((o) => {
            const t = o.type as Extract<ReturnType<typeof parseType>, { kind: "struct" }>;
            const [kt, vt] = [t.args[0]!, t.args[1]!];
            const name = (o.value as { name: unknown }).name;
            return {
              name: { type: typeToString(kt), value: toSuiJson(kt, name, rt.resolve) },
              bcsEncoding: "base64",
              bcsName: toBase64(bcsFor(kt, rt.resolve).serialize(name).toBytes()),
              type: "DynamicField",
              objectType: typeToString(vt),
              objectId: o.id,
              version: Number(o.version),
              digest: o.digest,
            };
          }),
          nextCursor: p.nextCursor,
          hasNextPage: p.hasNextPage,
        };
      },
      sui_getProtocolConfig: () => ({
        minSupportedProtocolVersion: "1",
        maxSupportedProtocolVersion: "1",
        protocolVersion: "1",
        featureFlags: {},
        attributes: {},
      }),
      devnet_advanceClock: ([ms]) => this.advanceClock(clockArg(ms ?? 0, "devnet_advanceClock")).toString(),
      devnet_setClock: ([ms]) => this.setClock(clockArg(ms, "devnet_setClock")).toString(),
      devnet_getClock: () => this.nowMs().toString(),
      devnet_cutCheckpoint: () => this.cutCheckpoint(true)?.sequenceNumber ?? null,
    };
  }
  private pageCoins(coins: StoredObject[], cursor: unknown, limit: unknown): unknown {
    const p = this.page(coins, (c) => c.id, cursor, limit);
    return { data: p.data.map((c) => this.coinView(c)), nextCursor: p.nextCursor, hasNextPage: p.hasNextPage };
  }
}

export { GAS_COIN_TYPE };
