/**
 * State persistence: an append-only journal (one JSON line per commit or checkpoint), replayed
 * on start. Only a torn last line (a crash mid-write leaves no newline) is truncated away; any
 * other bad line refuses the start and names the line, because truncating there would delete
 * every valid commit after it. `repair` keeps a backup and cuts the journal at the first bad
 * line. The journal is fsynced when a checkpoint is cut and on close.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { fromBase64, toBase64 } from "@mysten/bcs";
import { bcsFor, loadModule, parseType, typeToString } from "./bytecode.js";
import { DevnetError } from "./errors.js";
import type { Runtime, TxRecord, WriteSet } from "./runtime.js";
import type { Owner, StoredObject } from "./types.js";

export interface Checkpoint {
  epoch: string;
  sequenceNumber: string;
  digest: string;
  networkTotalTransactions: string;
  previousDigest: string | null;
  epochRollingGasCostSummary: {
    computationCost: string;
    storageCost: string;
    storageRebate: string;
    nonRefundableStorageFee: string;
  };
  timestampMs: string;
  transactions: string[];
  checkpointCommitments: unknown[];
  validatorSignature: string;
}

interface JObject {
  id: string;
  version: string;
  digest: string;
  owner: Owner;
  type?: string;
  bcs?: string;
  hasPublicTransfer: boolean;
  previousTransaction: string;
  storageRebate: string;
  modules?: string[];
}
type Line =
  | { t: "tx"; written: JObject[]; deleted: string[]; tx: TxRecord }
  | { t: "cp"; cp: Checkpoint }
  | { t: "clock"; offsetMs: string; fixedMs: string | null };

function encodeObject(o: StoredObject): JObject {
  return {
    id: o.id,
    version: o.version.toString(),
    digest: o.digest,
    owner: o.owner,
    ...(o.type ? { type: typeToString(o.type, true), bcs: toBase64(o.bcs!) } : {}),
    hasPublicTransfer: o.hasPublicTransfer,
    previousTransaction: o.previousTransaction,
    storageRebate: o.storageRebate.toString(),
    ...(o.modules ? { modules: [...o.modules.values()].map((m) => toBase64(m.bytes)) } : {}),
  };
}

/** A journal line other than a torn tail does not parse or apply: the devnet refuses to start. */
export class JournalCorruptError extends DevnetError {
  override name = "JournalCorruptError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly totalLines: number,
    reason: string,
  ) {
    super(
      "STATE",
      `${file}: line ${line} of ${totalLines} is corrupt (${reason}); refusing to start, as dropping it would lose ` +
        `${totalLines - line + 1} line(s) of history. Fix the line, or start with --repair to keep lines 1..${line - 1} ` +
        "(the whole journal is copied to a .bak file first)",
    );
  }
}

export interface ReplayOptions {
  /** Cut the journal at the first bad line after copying it to `<file>.bak-<ms>`. */
  repair?: boolean;
  /** Told about a truncated torn tail or a repair. */
  warn?: (o: object, msg: string) => void;
  /** Progress every ~`progressEveryBytes` (default 4 MiB) of a long replay. */
  progress?: (doneBytes: number, totalBytes: number) => void;
  progressEveryBytes?: number;
}

export class Journal {
  private fd: number;
  readonly file: string;
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "journal.jsonl");
    this.fd = -1;
  }

  /** Replays the journal into `rt`; returns checkpoints and the last clock setting. */
  replay(
    rt: Runtime,
    o: ReplayOptions = {},
  ): { checkpoints: Checkpoint[]; clock?: { offsetMs: bigint; fixedMs: bigint | null } } {
    const checkpoints: Checkpoint[] = [];
    let clock: { offsetMs: bigint; fixedMs: bigint | null } | undefined;
    if (existsSync(this.file)) {
      const buf = readFileSync(this.file);
      const total = buf.length;
      // Complete lines end with "\n"; a tail without one is a torn write.
      let lines = 0;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
      const every = o.progressEveryBytes ?? 4 * 1024 * 1024;
      let nextProgress = every;
      let pos = 0;
      let lineNo = 0;
      while (pos < total) {
        const nl = buf.indexOf(10, pos);
        if (nl < 0) {
          truncateSync(this.file, pos);
          o.warn?.(
            { file: this.file, keptLines: lineNo, droppedBytes: total - pos },
            "journal: torn last line (a crash mid-write) truncated",
          );
          break;
        }
        lineNo++;
        try {
          const line = JSON.parse(buf.subarray(pos, nl).toString("utf8")) as Line;
          if (line.t === "tx") rt.apply(this.decodeWriteSet(rt, line));
          else if (line.t === "cp") checkpoints.push(line.cp);
          else if (line.t === "clock") {
            clock = { offsetMs: BigInt(line.offsetMs), fixedMs: line.fixedMs === null ? null : BigInt(line.fixedMs) };
            if (clock.fixedMs !== null && (clock.fixedMs < 0n || clock.fixedMs >= 1n << 64n))
              throw new Error(`clock ${clock.fixedMs} ms is not a u64 timestamp`);
          } else throw new Error(`unknown line type ${JSON.stringify((line as { t?: unknown }).t)}`);
        } catch (e) {
          const err = new JournalCorruptError(this.file, lineNo, lines, (e as Error).message.slice(0, 200));
          if (!o.repair) throw err;
          const backup = `${this.file}.bak-${Date.now()}`;
          copyFileSync(this.file, backup);
          truncateSync(this.file, pos);
          o.warn?.(
            { file: this.file, backup, keptLines: lineNo - 1, droppedLines: lines - lineNo + 1 },
            `journal repaired: cut at corrupt line ${lineNo} of ${lines}; the original is in ${backup}`,
          );
          break;
        }
        pos = nl + 1;
        if (o.progress && pos >= nextProgress) {
          o.progress(pos, total);
          nextProgress = pos + every;
        }
      }
      // Checkpoint membership of transactions.
      for (const cp of checkpoints)
        for (const d of cp.transactions) {
          const tx = rt.txs.get(d);
          if (tx) tx.checkpoint = cp.sequenceNumber;
        }
    }
    this.fd = openSync(this.file, "a");
    return { checkpoints, ...(clock ? { clock } : {}) };
  }

  private decodeWriteSet(rt: Runtime, line: Extract<Line, { t: "tx" }>): WriteSet {
    // Packages first: object layouts may come from them.
    const sorted = [...line.written].sort((a, b) => Number(!!b.modules) - Number(!!a.modules));
    const written: StoredObject[] = [];
    for (const j of sorted) {
      const o: StoredObject = {
        id: j.id,
        version: BigInt(j.version),
        digest: j.digest,
        owner: j.owner,
        hasPublicTransfer: j.hasPublicTransfer,
        previousTransaction: j.previousTransaction,
        storageRebate: BigInt(j.storageRebate),
      };
      if (j.modules) {
        o.modules = new Map();
        for (const b64 of j.modules) {
          const m = loadModule(fromBase64(b64));
          o.modules.set(m.normalized.name, m);
        }
        rt.objects.set(o.id, o);
      }
      if (j.type && j.bcs) {
        o.type = parseType(j.type);
        o.bcs = fromBase64(j.bcs);
        try {
          o.value = bcsFor(o.type, rt.resolve).parse(o.bcs);
        } catch (e) {
          throw new DevnetError(
            "STATE",
            `journal object ${j.id}: BCS does not decode as ${j.type}: ${(e as Error).message}`,
          );
        }
      }
      written.push(o);
    }
    return { written, deleted: line.deleted, tx: line.tx };
  }

  private append(line: Line): void {
    if (this.fd < 0) throw new DevnetError("STATE", "journal is not open");
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }
  writeTx(ws: WriteSet): void {
    this.append({ t: "tx", written: ws.written.map(encodeObject), deleted: ws.deleted, tx: ws.tx });
  }
  writeCheckpoint(cp: Checkpoint): void {
    this.append({ t: "cp", cp });
    fsyncSync(this.fd);
  }
  writeClock(offsetMs: bigint, fixedMs: bigint | null): void {
    this.append({ t: "clock", offsetMs: offsetMs.toString(), fixedMs: fixedMs === null ? null : fixedMs.toString() });
  }
  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
