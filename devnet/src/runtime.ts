/**
 * The devnet's "TypeScript Move runtime": object store, PTB execution, gas, effects and the
 * package-binding API. Pure state machine; the HTTP layer is in rpc.ts, persistence in journal.ts.
 */

import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { fromBase64, toBase58, toBase64 } from "@mysten/bcs";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { blake2b } from "@noble/hashes/blake2.js";
import {
  abilitiesOf,
  bcsFor,
  canonicalType,
  FRAMEWORK_STRUCTS,
  fromNormalized,
  isStruct,
  type LoadedModule,
  loadModule,
  type MoveType,
  type NormalizedFunction,
  type NormalizedStruct,
  normalizeAddress,
  parseType,
  relocateModule,
  shortAddress,
  structKey,
  toSuiContentFields,
  toSuiJson,
  typeToString,
} from "./bytecode.js";
import { ExecutionFailure, MoveAbortError, RpcError } from "./errors.js";
import { type CallArg, callMoveFunction, type SessionState } from "./execute.js";
import type { CoinValue, Owner, StoredObject } from "./types.js";
import { frameworkPackages, GasMeter, LIMITS, VmLoader } from "./vm/index.js";

const enc = new TextEncoder();
export const SUI_TYPE = "0x2::sui::SUI";
export const GAS_COIN_TYPE = parseType("0x2::coin::Coin<0x2::sui::SUI>");
export const CLOCK_ID = normalizeAddress("0x6");
export const RANDOM_ID = normalizeAddress("0x8");
const ZERO_ADDR = normalizeAddress("0x0");
const DELETED_DIGEST = toBase58(new Uint8Array(32).fill(99));
const WRAPPED_DIGEST = toBase58(new Uint8Array(32).fill(88));

export function hashBytes(...parts: (Uint8Array | string)[]): Uint8Array {
  const h = blake2b.create({ dkLen: 32 });
  for (const p of parts) h.update(typeof p === "string" ? enc.encode(p) : p);
  return h.digest();
}
function hexToBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));
}
function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
function deepClone<T>(v: T): T {
  return structuredClone(v);
}
export function ownerToBcs(o: Owner): Record<string, unknown> {
  if (o === "Immutable") return { Immutable: true };
  if ("AddressOwner" in o) return { AddressOwner: o.AddressOwner };
  if ("ObjectOwner" in o) return { ObjectOwner: o.ObjectOwner };
  return { Shared: { initialSharedVersion: o.Shared.initial_shared_version } };
}

export interface GasConfig {
  referenceGasPrice: bigint;
  /** Storage price per byte of written objects, in MIST. */
  storagePerByte: bigint;
}

export interface TxRecord {
  digest: string;
  rawTransaction: string;
  transaction: unknown;
  effects: Record<string, unknown>;
  rawEffects: number[];
  events: EventRecord[];
  objectChanges: unknown[];
  balanceChanges: unknown[];
  timestampMs: string;
  checkpoint: string | null;
  sender: string;
}
export interface EventRecord {
  id: { txDigest: string; eventSeq: string };
  packageId: string;
  transactionModule: string;
  sender: string;
  type: string;
  parsedJson: unknown;
  bcsEncoding: "base64";
  bcs: string;
  timestampMs: string;
}

/** What one commit changes in the store; the journal persists exactly this. */
export interface WriteSet {
  written: StoredObject[];
  deleted: string[];
  tx: TxRecord;
}

export type Slot = {
  type: MoveType;
  value: unknown;
  /** For key objects: their id in the working set. */
  objectId?: string;
  /** An input object or the gas coin (borrowable); results are values. */
  input?: boolean;
  mutableInput?: boolean;
  pure?: Uint8Array;
  moved?: boolean;
};

export type WorkingState = "store" | "inflight" | "transferred" | "shared" | "frozen" | "deleted" | "wrapped";
export interface Working {
  id: string;
  orig?: StoredObject;
  type: MoveType;
  value: unknown;
  owner: Owner;
  state: WorkingState;
  mutated: boolean;
  /** Loaded as an immutable shared input (read only). */
  readOnly?: boolean;
}

interface ParsedTx {
  kind: { ProgrammableTransaction?: { inputs: CallArgT[]; commands: CommandT[] } } & Record<string, unknown>;
  sender: string;
  gasData: {
    payment: { objectId: string; version: string; digest: string }[];
    owner: string;
    price: string;
    budget: string;
  };
  expiration: Record<string, unknown>;
}
type CallArgT = {
  Pure?: { bytes: string };
  Object?: {
    ImmOrOwnedObject?: { objectId: string; version: string; digest: string };
    SharedObject?: { objectId: string; initialSharedVersion: string; mutable: boolean };
    Receiving?: { objectId: string; version: string; digest: string };
  };
  FundsWithdrawal?: unknown;
};
type ArgT = { GasCoin?: true; Input?: number; Result?: number; NestedResult?: [number, number] };
type CommandT = {
  MoveCall?: { package: string; module: string; function: string; typeArguments: string[]; arguments: ArgT[] };
  TransferObjects?: { objects: ArgT[]; address: ArgT };
  SplitCoins?: { coin: ArgT; amounts: ArgT[] };
  MergeCoins?: { destination: ArgT; sources: ArgT[] };
  Publish?: { modules: string[]; dependencies: string[] };
  MakeMoveVec?: { type: string | null; elements: ArgT[] };
  Upgrade?: unknown;
};

export type ExecMode = "execute" | "dryRun" | "devInspect";

export interface ExecOutcome {
  record: TxRecord;
  writeSet?: WriteSet;
  /** devInspect: per command, return values as [bytes, type]. */
  results?: { returnValues: [number[], string][]; mutableReferenceOutputs: unknown[] }[];
}

export interface RuntimeOptions {
  seed?: string;
  gas?: Partial<GasConfig>;
  /** Clock source; defaults to wall time. */
  now?: () => bigint;
}

/** The devnet state machine. */
export class Runtime {
  readonly objects = new Map<string, StoredObject>();
  readonly txs = new Map<string, TxRecord>();
  readonly txOrder: string[] = [];
  readonly events: EventRecord[] = [];
  readonly gas: GasConfig;
  readonly seed: string;
  epoch = 0n;
  now: () => bigint;
  /** Called after each commit (the journal and checkpointer hook here). */
  onCommit?: (ws: WriteSet) => void;
  /** The Move interpreter's module loader (framework bytecode and every published package). */
  readonly vmLoader = new VmLoader((address) => this.packageBytes(address));
  /** Packages being published by the transaction in flight (visible to their `init`). */
  readonly vmPending = new Map<string, Uint8Array[]>();
  /** Executed MoveCalls: count, interpreted instructions and time in the VM (including value conversion). */
  readonly vmStats = { moveCalls: 0, instructions: 0, ms: 0 };
  /** UID of the Random object's inner Versioned (its RandomInner child is synthesized per tx). */
  randomInnerId = ZERO_ADDR;

  private packageBytes(address: string): Uint8Array[] | undefined {
    const fw = frameworkPackages().get(address);
    if (fw) return fw;
    const mods = this.objects.get(address)?.modules;
    if (mods) return [...mods.values()].map((m) => m.bytes);
    return this.vmPending.get(address);
  }

  constructor(opts: RuntimeOptions = {}) {
    this.seed = opts.seed ?? "atoma-devnet";
    this.gas = { referenceGasPrice: 1000n, storagePerByte: 7600n, ...opts.gas };
    this.now = opts.now ?? (() => BigInt(Date.now()));
    this.installSystemObjects();
  }

  private installSystemObjects(): void {
    const genesis = toBase58(hashBytes("genesis-tx:", this.seed));
    const clock: StoredObject = {
      id: CLOCK_ID,
      version: 1n,
      digest: "",
      owner: { Shared: { initial_shared_version: "1" } },
      type: parseType("0x2::clock::Clock"),
      value: { id: { id: CLOCK_ID }, timestamp_ms: 0n },
      hasPublicTransfer: false,
      previousTransaction: genesis,
      storageRebate: 0n,
    };
    const randomInner = toHex(hashBytes("random-inner:", this.seed));
    this.randomInnerId = randomInner;
    const random: StoredObject = {
      id: RANDOM_ID,
      version: 1n,
      digest: "",
      owner: { Shared: { initial_shared_version: "1" } },
      type: parseType("0x2::random::Random"),
      value: { id: { id: RANDOM_ID }, inner: { id: { id: randomInner }, version: 1n } },
      hasPublicTransfer: false,
      previousTransaction: genesis,
      storageRebate: 0n,
    };
    const framework = [...frameworkPackages().entries()].map(
      ([id, mods]): StoredObject => ({
        id,
        version: 1n,
        digest: "",
        owner: "Immutable",
        hasPublicTransfer: false,
        previousTransaction: genesis,
        storageRebate: 0n,
        modules: new Map(
          mods.map((b) => {
            const lm = loadModule(b);
            return [lm.normalized.name, lm];
          }),
        ),
      }),
    );
    for (const o of [clock, random, ...framework]) this.objects.set(o.id, this.finishObject(o));
  }

  /** Object ids by owning address (AddressOwner) or parent (ObjectOwner). */
  readonly byOwner = new Map<string, Set<string>>();
  private ownerKey(o: StoredObject): string | undefined {
    if (o.owner === "Immutable") return undefined;
    if ("AddressOwner" in o.owner) return o.owner.AddressOwner;
    if ("ObjectOwner" in o.owner) return o.owner.ObjectOwner;
    return undefined;
  }
  private index(o: StoredObject): void {
    const k = this.ownerKey(o);
    if (!k) return;
    let set = this.byOwner.get(k);
    if (!set) {
      set = new Set();
      this.byOwner.set(k, set);
    }
    set.add(o.id);
  }
  private unindex(o: StoredObject | undefined): void {
    const k = o && this.ownerKey(o);
    if (k) this.byOwner.get(k)?.delete(o.id);
  }
  /** Objects owned by an address (or children of an object id). */
  ownedBy(owner: string): StoredObject[] {
    const ids = this.byOwner.get(normalizeAddress(owner));
    if (!ids) return [];
    const out: StoredObject[] = [];
    for (const id of ids) {
      const o = this.objects.get(id);
      if (o) out.push(o);
    }
    return out;
  }

  // ---------- struct resolution ----------

  readonly resolve = (t: Extract<MoveType, { kind: "struct" }>): NormalizedStruct | undefined => {
    const key = structKey(t);
    const fw = FRAMEWORK_STRUCTS[key];
    if (fw) return fw;
    const mods = this.objects.get(t.address)?.modules ?? this.pendingModules.get(t.address);
    return mods?.get(t.module)?.normalized.structs[t.name];
  };
  /** Modules of packages being published (their `init` creates objects of their own types). */
  readonly pendingModules = new Map<string, Map<string, LoadedModule>>();

  /** BCS bytes and digest of an object from its value. */
  finishObject(o: StoredObject): StoredObject {
    if (o.type) {
      o.bcs = bcsFor(o.type, this.resolve).serialize(o.value).toBytes();
      o.digest = toBase58(hashBytes("Object::", hexToBytes(o.id), u64le(o.version), o.bcs, JSON.stringify(o.owner)));
    } else if (o.modules) {
      const parts: Uint8Array[] = [];
      for (const m of o.modules.values()) parts.push(m.bytes);
      o.digest = toBase58(hashBytes("Package::", hexToBytes(o.id), u64le(o.version), ...parts));
    }
    return o;
  }

  /** Reads an object; the clock's timestamp is live. */
  getObject(id: string): StoredObject | undefined {
    const o = this.objects.get(normalizeAddress(id));
    if (o && o.id === CLOCK_ID) {
      (o.value as { timestamp_ms: bigint }).timestamp_ms = this.now();
      this.finishObject(o);
    }
    return o;
  }

  getNormalizedModule(pkg: string, module: string): LoadedModule {
    const p = this.objects.get(normalizeAddress(pkg));
    if (!p?.modules) throw new RpcError(-32602, `Package object does not exist with ID ${normalizeAddress(pkg)}`);
    const m = p.modules.get(module);
    if (!m) throw new RpcError(-32602, `No module found with module name ${module}`);
    return m;
  }

  // ---------- SUI supply helpers ----------

  /** Creates a coin out of nothing (faucet/genesis only). */
  mintCoin(recipient: string, amount: bigint, txDigest: string, id: string): StoredObject {
    return this.finishObject({
      id,
      version: 1n,
      digest: "",
      owner: { AddressOwner: normalizeAddress(recipient) },
      type: GAS_COIN_TYPE,
      value: { id: { id }, balance: { value: amount } },
      hasPublicTransfer: true,
      previousTransaction: txDigest,
      storageRebate: 0n,
    });
  }

  /** The faucet: a system transaction that creates `count` coins of `amount` for `recipient`. */
  faucet(recipient: string, amount: bigint, count = 1): { digest: string; coins: { id: string; amount: bigint }[] } {
    const to = normalizeAddress(recipient);
    const nonce = this.txOrder.length;
    const digestBytes = hashBytes("faucet:", this.seed, to, String(nonce), String(this.now()));
    const digest = toBase58(digestBytes);
    const written: StoredObject[] = [];
    for (let i = 0; i < count; i++) {
      const id = toHex(hashBytes(digestBytes, u64le(BigInt(i))));
      written.push(this.mintCoin(to, amount, digest, id));
    }
    const created = written.map((o) => ({ owner: o.owner, reference: ref(o) }));
    const effects = {
      messageVersion: "v1",
      status: { status: "success" },
      executedEpoch: this.epoch.toString(),
      gasUsed: { computationCost: "0", storageCost: "0", storageRebate: "0", nonRefundableStorageFee: "0" },
      modifiedAtVersions: [],
      transactionDigest: digest,
      created,
      gasObject: created[0],
      dependencies: [],
    };
    const record: TxRecord = {
      digest,
      rawTransaction: "",
      transaction: null,
      effects,
      rawEffects: [],
      events: [],
      objectChanges: written.map((o) => ({
        type: "created",
        sender: ZERO_ADDR,
        owner: o.owner,
        objectType: typeToString(o.type!),
        objectId: o.id,
        version: o.version.toString(),
        digest: o.digest,
      })),
      balanceChanges: [
        { owner: { AddressOwner: to }, coinType: SUI_TYPE, amount: (amount * BigInt(count)).toString() },
      ],
      timestampMs: this.now().toString(),
      checkpoint: null,
      sender: ZERO_ADDR,
    };
    this.commit({ written, deleted: [], tx: record });
    return { digest, coins: written.map((o) => ({ id: o.id, amount })) };
  }

  /** Applies a write set to the store (used by execution and by journal replay). */
  apply(ws: WriteSet): void {
    for (const o of ws.written) {
      this.unindex(this.objects.get(o.id));
      this.objects.set(o.id, o);
      this.index(o);
    }
    for (const id of ws.deleted) {
      this.unindex(this.objects.get(id));
      this.objects.delete(id);
    }
    if (!this.txs.has(ws.tx.digest)) {
      this.txs.set(ws.tx.digest, ws.tx);
      this.txOrder.push(ws.tx.digest);
      for (const e of ws.tx.events) this.events.push(e);
    }
  }
  private commit(ws: WriteSet): void {
    this.apply(ws);
    this.onCommit?.(ws);
  }

  // ---------- transactions ----------

  /** Verifies the signatures of `txBytes` and executes it. Throws RpcError for rejected transactions. */
  executeSigned(txB64: string, signatures: string[]): ExecOutcome {
    const txBytes = fromBase64(txB64);
    if (txBytes.length > LIMITS.maxTxSize)
      throw new RpcError(
        -32002,
        `Size limit exceeded: serialized transaction size is ${txBytes.length}, the maximum is ${LIMITS.maxTxSize}`,
      );
    const digestBytes = hashBytes("TransactionData::", txBytes);
    const digest = toBase58(digestBytes);
    const existing = this.txs.get(digest);
    if (existing) return { record: existing };
    const tx = decodeTx(txBytes);
    verifySignatures(txBytes, signatures, tx.sender);
    return this.run(tx, txBytes, digest, "execute", signatures);
  }

  dryRun(txB64: string): ExecOutcome {
    const txBytes = fromBase64(txB64);
    const tx = decodeTx(txBytes);
    return this.run(tx, txBytes, toBase58(hashBytes("TransactionData::", txBytes)), "dryRun", []);
  }

  devInspect(sender: string, kindB64: string, gasPrice?: bigint): ExecOutcome {
    let kind: ParsedTx["kind"];
    try {
      kind = suiBcs.TransactionKind.parse(fromBase64(kindB64)) as unknown as ParsedTx["kind"];
    } catch (e) {
      throw new RpcError(-32602, `Invalid params: tx_bytes is not a BCS TransactionKind: ${(e as Error).message}`);
    }
    const tx: ParsedTx = {
      kind,
      sender: normalizeAddress(sender),
      gasData: {
        payment: [],
        owner: normalizeAddress(sender),
        price: (gasPrice ?? this.gas.referenceGasPrice).toString(),
        budget: "50000000000",
      },
      expiration: { None: true },
    };
    const bytes = fromBase64(kindB64);
    return this.run(tx, bytes, toBase58(hashBytes("DevInspect::", bytes, sender)), "devInspect", []);
  }

  private run(tx: ParsedTx, txBytes: Uint8Array, digest: string, mode: ExecMode, signatures: string[]): ExecOutcome {
    const pt = tx.kind.ProgrammableTransaction;
    if (!pt) throw new RpcError(-32602, "Invalid params: only ProgrammableTransaction kinds are supported");
    const price = BigInt(tx.gasData.price);
    const budget = BigInt(tx.gasData.budget);
    if (mode === "execute" && price < this.gas.referenceGasPrice)
      throw new RpcError(-32002, `Gas price ${price} under reference gas price (RGP) ${this.gas.referenceGasPrice}`);
    const exp = tx.expiration;
    if (exp.Epoch !== undefined && BigInt(exp.Epoch as string) < this.epoch)
      throw new RpcError(-32002, `Transaction Expired`);
    const session = new Session(this, tx, digest, mode);
    session.loadInputs(pt.inputs);
    session.loadGas(budget, price);
    const outcome = session.executeAll(pt.commands);
    const signed = mode === "execute" ? senderSignedData(txBytes, signatures) : "";
    const record = session.finish(outcome, signed, signatures);
    for (const p of session.published) {
      this.vmPending.delete(p.id);
      this.pendingModules.delete(p.id);
      if (outcome.failure || mode !== "execute") this.vmLoader.forget(p.id);
    }
    if (mode === "execute") {
      const ws: WriteSet = { written: session.writtenObjects, deleted: session.deletedIds, tx: record };
      this.commit(ws);
      return { record, writeSet: ws };
    }
    return { record, results: outcome.results };
  }
}

function toHex(b: Uint8Array): string {
  return `0x${Buffer.from(b).toString("hex")}`;
}
function ref(o: StoredObject): { objectId: string; version: string; digest: string } {
  return { objectId: o.id, version: o.version.toString(), digest: o.digest };
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
/** BCS SenderSignedData = vector[ { IntentMessage{ intent [0,0,0], TransactionData }, vector<sig bytes> } ], base64. */
export function senderSignedData(txBytes: Uint8Array, signatures: string[]): string {
  const sigs = signatures.map((s) => fromBase64(s));
  const parts: Uint8Array[] = [new Uint8Array([1, 0, 0, 0]), txBytes, new Uint8Array(uleb(sigs.length))];
  for (const sig of sigs) parts.push(new Uint8Array(uleb(sig.length)), sig);
  return Buffer.concat(parts).toString("base64");
}

export function decodeTx(txBytes: Uint8Array): ParsedTx {
  try {
    const data = suiBcs.TransactionData.parse(txBytes) as unknown as { V1: ParsedTx };
    return data.V1;
  } catch (e) {
    throw new RpcError(-32602, `Invalid params: tx_bytes is not a BCS TransactionData: ${(e as Error).message}`);
  }
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keyCache = new Map<string, KeyObject>();

/** Ed25519 with intent [0,0,0]; the address must be blake2b256(0x00 ‖ pk) and equal the sender. */
export function verifySignatures(txBytes: Uint8Array, signatures: string[], sender: string): void {
  if (signatures.length !== 1)
    throw new RpcError(-32602, `Invalid user signature: expected 1 signature, got ${signatures.length}`);
  let sig: Uint8Array;
  try {
    sig = fromBase64(signatures[0]!);
  } catch {
    throw new RpcError(-32602, "Invalid user signature: not base64");
  }
  if (sig[0] !== 0 || sig.length !== 97)
    throw new RpcError(
      -32602,
      `Invalid user signature: only Ed25519 (flag 0x00, 97 bytes) is supported, got flag ${sig[0]} and ${sig.length} bytes`,
    );
  const pk = sig.subarray(65, 97);
  const addr = toHex(hashBytes(new Uint8Array([0]), pk));
  if (addr !== normalizeAddress(sender))
    throw new RpcError(
      -32602,
      `Invalid user signature: signer ${addr} is not the transaction sender ${normalizeAddress(sender)}`,
    );
  const msg = hashBytes(new Uint8Array([0, 0, 0]), txBytes);
  // Native Ed25519 (OpenSSL via node:crypto): ~40x faster than a pure-JS verify.
  const pkHex = Buffer.from(pk).toString("hex");
  let key = keyCache.get(pkHex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, pk]), format: "der", type: "spki" });
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(pkHex, key);
  }
  if (!nodeVerify(null, msg, key, sig.subarray(1, 65)))
    throw new RpcError(-32602, "Invalid user signature: Ed25519 signature verification failed");
}

interface CmdOutcome {
  failure?: { status: Record<string, unknown>; text: string; abort?: MoveAbortError; command: number };
  results: { returnValues: [number[], string][]; mutableReferenceOutputs: unknown[] }[];
}

/** Gas units of executed bytecode per unit of computation (see devnet/README.md, gas schedule). */
export const VM_UNITS_PER_COMPUTATION_UNIT = 100n;

/** One transaction's execution. */
class Session implements SessionState {
  readonly working = new Map<string, Working>();
  readonly inputs: Slot[] = [];
  readonly results: Slot[][] = [];
  readonly events: { type: MoveType; value: unknown; module: string; packageId: string }[] = [];
  writtenObjects: StoredObject[] = [];
  deletedIds: string[] = [];
  gasId?: string;
  gasSlot?: Slot;
  idCounter = 0n;
  randomCounter = 0n;
  budget = 0n;
  price = 0n;
  smashed: StoredObject[] = [];
  gasTotal = 0n;
  readonly sender: string;
  readonly timestamp: bigint;
  readonly lamport: bigint;
  private lamportInputs: bigint[] = [];
  published: { id: string; modules: Map<string, LoadedModule> }[] = [];
  private commandCount = 0;
  gas = new GasMeter(0);
  objectLoads = 0;

  constructor(
    readonly rt: Runtime,
    readonly tx: ParsedTx,
    readonly digest: string,
    readonly mode: ExecMode,
  ) {
    this.sender = normalizeAddress(tx.sender);
    this.timestamp = rt.now();
    this.lamport = 0n;
  }

  get epoch(): bigint {
    return this.rt.epoch;
  }
  get referenceGasPrice(): bigint {
    return this.rt.gas.referenceGasPrice;
  }
  get resolve() {
    return this.rt.resolve;
  }
  get loader() {
    return this.rt.vmLoader;
  }
  get randomInnerId(): string {
    return this.rt.randomInnerId;
  }
  randomBeacon(): Uint8Array {
    return hashBytes("random-beacon:", this.rt.seed, this.digest);
  }
  idsCreated(): bigint {
    return this.idCounter;
  }
  loadStored(id: string): Working | undefined {
    return this.rt.objects.has(id) ? this.load(id, true) : undefined;
  }
  eventCount(): number {
    return this.events.length;
  }

  private fail(text: string): never {
    throw new RpcError(
      -32002,
      `Transaction validator signing failed due to issues with transaction inputs, please review the errors and try again:\n- ${text}`,
    );
  }

  private load(id: string, readOnly: boolean): Working {
    const got = this.working.get(id);
    if (got) return got;
    const o = this.rt.getObject(id)!;
    this.lamportInputs.push(o.version);
    const w: Working = {
      id,
      orig: o,
      type: o.type!,
      value: deepClone(o.value),
      owner: o.owner,
      state: "store",
      mutated: false,
      readOnly,
    };
    this.working.set(id, w);
    return w;
  }

  /** Loads a dynamic-field child object (read-only until borrowed mutably). */
  loadChild(id: string): Working {
    return this.load(id, true);
  }

  loadInputs(inputs: CallArgT[]): void {
    for (const [i, inp] of inputs.entries()) {
      if (inp.Pure) {
        const size = fromBase64(inp.Pure.bytes).length;
        if (size > LIMITS.maxPureArgumentSize)
          this.fail(
            `Size limit exceeded: maximum pure argument size is ${LIMITS.maxPureArgumentSize}, input ${i} has ${size} bytes`,
          );
        this.inputs.push({ type: { kind: "prim", name: "u8" }, value: undefined, pure: fromBase64(inp.Pure.bytes) });
        continue;
      }
      const obj = inp.Object;
      if (!obj) this.fail(`input ${i}: unsupported CallArg ${Object.keys(inp).join(",")}`);
      const r = obj.ImmOrOwnedObject ?? obj.Receiving;
      if (r) {
        const id = normalizeAddress(r.objectId);
        const o = this.rt.getObject(id);
        if (!o) this.fail(`Could not find the referenced object ${id} at version ${r.version}`);
        if (o.version.toString() !== r.version)
          this.fail(
            `Object ID ${id} Version ${r.version} Digest ${r.digest} is not available for consumption, current version: ${o.version}`,
          );
        if (o.digest !== r.digest) this.fail(`Object ${id} digest mismatch: given ${r.digest}, current ${o.digest}`);
        if (o.owner !== "Immutable") {
          if (!("AddressOwner" in o.owner))
            this.fail(`Object ${id} is not owned by an address (owner ${JSON.stringify(o.owner)})`);
          if (o.owner.AddressOwner !== this.sender)
            this.fail(
              `Transaction was not signed by the correct sender: Object ${id} is owned by account address ${o.owner.AddressOwner}, but given owner/signer address is ${this.sender}`,
            );
        }
        if (!o.type) {
          this.inputs.push({ type: { kind: "prim", name: "address" }, value: undefined, objectId: id, input: true });
          continue;
        }
        const w = this.load(id, o.owner === "Immutable");
        this.inputs.push({
          type: w.type,
          value: w.value,
          objectId: id,
          input: true,
          mutableInput: o.owner !== "Immutable",
        });
        continue;
      }
      const s = obj.SharedObject!;
      const id = normalizeAddress(s.objectId);
      const o = this.rt.getObject(id);
      if (!o) this.fail(`Could not find the referenced object ${id}`);
      if (o.owner === "Immutable" || !("Shared" in o.owner)) this.fail(`Object ${id} is not shared`);
      if (o.owner.Shared.initial_shared_version !== s.initialSharedVersion)
        this.fail(
          `Object ${id}: initial shared version ${s.initialSharedVersion} does not match ${o.owner.Shared.initial_shared_version}`,
        );
      if (s.mutable && id === CLOCK_ID) this.fail("Clock (0x6) can only be passed by immutable reference");
      const w = this.load(id, !s.mutable);
      if (s.mutable) w.readOnly = false;
      this.inputs.push({ type: w.type, value: w.value, objectId: id, input: true, mutableInput: s.mutable });
    }
  }

  loadGas(budget: bigint, price: bigint): void {
    this.budget = budget;
    this.price = price;
    const payment = this.tx.gasData.payment;
    const minBudget = price * 1000n;
    if (budget < minBudget && this.mode === "execute")
      this.fail(`Gas budget: ${budget} is lower than min: ${minBudget}.`);
    if (payment.length === 0) {
      if (this.mode === "execute") this.fail("Gas payment is empty");
      // Dry run / dev inspect: a mock gas coin as Sui makes it (DEV_INSPECT_GAS_COIN_VALUE), so a
      // SplitCoins from gas larger than the budget simulates as it will execute.
      const mock = 1_000_000_000_000_000_000n;
      const w: Working = {
        id: ZERO_ADDR,
        type: GAS_COIN_TYPE,
        value: { id: { id: ZERO_ADDR }, balance: { value: mock } },
        owner: { AddressOwner: this.sender },
        state: "store",
        mutated: true,
      };
      this.working.set(ZERO_ADDR, w);
      this.gasTotal = mock;
      this.gasId = ZERO_ADDR;
      this.gasSlot = { type: GAS_COIN_TYPE, value: w.value, objectId: ZERO_ADDR, input: true, mutableInput: true };
      return;
    }
    let total = 0n;
    const owner = normalizeAddress(this.tx.gasData.owner);
    for (const [i, r] of payment.entries()) {
      const id = normalizeAddress(r.objectId);
      const o = this.rt.getObject(id);
      if (!o) this.fail(`Could not find the referenced gas object ${id}`);
      if (o.version.toString() !== r.version || o.digest !== r.digest)
        this.fail(
          `Object ID ${id} Version ${r.version} Digest ${r.digest} is not available for consumption, current version: ${o.version}`,
        );
      if (!o.type || typeToString(o.type) !== typeToString(GAS_COIN_TYPE))
        this.fail(`Gas object ${id} is not a Coin<SUI>`);
      if (o.owner === "Immutable" || !("AddressOwner" in o.owner) || o.owner.AddressOwner !== owner)
        this.fail(`Gas object ${id} is not owned by the gas owner ${owner}`);
      if (this.inputs.some((s) => s.objectId === id)) this.fail(`Gas object ${id} is also a transaction input`);
      const w = this.load(id, false);
      w.mutated = true;
      total += (w.value as CoinValue).balance.value;
      if (i > 0) {
        w.state = "deleted";
        this.smashed.push(o);
      }
    }
    if (total < budget)
      this.fail(`Balance of gas object ${payment[0]!.objectId} is lower than the needed amount: ${budget}`);
    this.gasTotal = total;
    const gid = normalizeAddress(payment[0]!.objectId);
    const g = this.working.get(gid)!;
    (g.value as CoinValue).balance.value = total;
    this.gasId = gid;
    this.gasSlot = { type: GAS_COIN_TYPE, value: g.value, objectId: gid, input: true, mutableInput: true };
  }

  // ---------- commands ----------

  executeAll(commands: CommandT[]): CmdOutcome {
    const results: CmdOutcome["results"] = [];
    this.commandCount = commands.length;
    const fixed = this.price > 0n ? this.budget / this.price - 1000n - 100n * BigInt(commands.length) : 0n;
    const units = fixed > 0n ? fixed * VM_UNITS_PER_COMPUTATION_UNIT : 0n;
    this.gas = new GasMeter(Number(units > 10n ** 15n ? 10n ** 15n : units));
    for (const [i, c] of commands.entries()) {
      try {
        const out = this.command(c, i);
        this.results.push(out);
        results.push({
          returnValues: out.map((s) => [Array.from(this.slotBytes(s)), typeToString(s.type, true)]),
          mutableReferenceOutputs: [],
        });
      } catch (e) {
        return { failure: this.failureOf(e, i), results };
      }
    }
    // Unused values without drop.
    for (const [ri, slots] of this.results.entries()) {
      for (const [si, s] of slots.entries()) {
        if (s.moved) continue;
        if (!abilitiesOf(s.type, this.rt.resolve).has("Drop"))
          return {
            failure: {
              status: { UnusedValueWithoutDrop: { resultIdx: ri, secondaryIdx: si } },
              text: `UnusedValueWithoutDrop { result_idx: ${ri}, secondary_idx: ${si} }`,
              command: -1,
            },
            results,
          };
      }
    }
    // SUI conservation: package implementations may only move value (split/join), never mint or burn.
    const sin = this.suiHeld("in");
    const sout = this.suiHeld("out");
    if (sin !== sout)
      return {
        failure: {
          status: { VMInvariantViolation: true },
          text: `VMInvariantViolation: SUI not conserved by the package implementation (inputs hold ${sin}, outputs ${sout})`,
          command: -1,
        },
        results,
      };
    return { results };
  }

  /** Total SUI (Balance<SUI> anywhere inside) of the loaded inputs ("in") or of the objects written back ("out"). */
  private suiHeld(side: "in" | "out"): bigint {
    let total = 0n;
    for (const w of this.working.values()) {
      if (side === "in") {
        if (w.id === ZERO_ADDR && !w.orig) total += this.gasTotal;
        else if (w.orig?.type && !w.readOnly) total += suiIn(w.orig.type, w.orig.value, this.rt.resolve);
      } else if (w.state !== "deleted" && w.state !== "wrapped" && (!w.orig || !w.readOnly)) {
        if (w.state === "inflight" && w.orig === undefined) continue;
        total += suiIn(w.type, w.value, this.rt.resolve);
      }
    }
    return total;
  }

  private failureOf(e: unknown, command: number): NonNullable<CmdOutcome["failure"]> {
    if (e instanceof MoveAbortError) {
      const text = `MoveAbort(MoveLocation { module: ModuleId { address: ${e.packageId.slice(2)}, name: Identifier("${e.module}") }, function: ${e.functionIndex}, instruction: 0, function_name: Some("${e.functionName}") }, ${e.abortCode}) in command ${command}`;
      return {
        status: {
          MoveAbort: [
            {
              module: { address: e.packageId, name: e.module },
              function: e.functionIndex,
              instruction: 0,
              functionName: e.functionName,
            },
            e.abortCode.toString(),
          ],
        },
        text,
        abort: e,
        command,
      };
    }
    if (e instanceof ExecutionFailure) return { status: e.status, text: `${e.text} in command ${command}`, command };
    const msg = e instanceof Error ? e.message : String(e);
    return {
      status: { VMInvariantViolation: true },
      text: `VMInvariantViolation: ${msg} in command ${command}`,
      command,
    };
  }

  private argError(argIdx: number, kind: string, detail = ""): ExecutionFailure {
    return new ExecutionFailure(
      { CommandArgumentError: { argIdx, kind: { [kind]: true } } },
      `CommandArgumentError { arg_idx: ${argIdx}, kind: ${kind} }${detail ? ` (${detail})` : ""}`,
    );
  }

  private slot(a: ArgT, argIdx: number): Slot {
    if (a.GasCoin) return this.gasSlot!;
    if (a.Input !== undefined) {
      const s = this.inputs[a.Input];
      if (!s) throw this.argError(argIdx, "IndexOutOfBounds", `input ${a.Input}`);
      return s;
    }
    if (a.Result !== undefined) {
      const r = this.results[a.Result];
      if (r?.length !== 1) throw this.argError(argIdx, "InvalidResultArity", `result ${a.Result}`);
      return r[0]!;
    }
    const [ri, si] = a.NestedResult!;
    const s = this.results[ri]?.[si];
    if (!s) throw this.argError(argIdx, "SecondaryIndexOutOfBounds", `result ${ri}.${si}`);
    return s;
  }

  private slotBytes(s: Slot): Uint8Array {
    if (s.pure) return s.pure;
    return bcsFor(s.type, this.rt.resolve).serialize(s.value).toBytes();
  }

  /** Decodes a pure input as `t` (all bytes must be consumed). */
  private pureAs(s: Slot, t: MoveType, argIdx: number): unknown {
    if (!s.pure) {
      if (typeToString(s.type) !== typeToString(t))
        throw this.argError(argIdx, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
      if (s.moved) throw this.argError(argIdx, "ArgumentWithoutValue");
      return s.value;
    }
    const schema = bcsFor(t, this.rt.resolve);
    let v: unknown;
    try {
      v = schema.parse(s.pure);
      if (schema.serialize(v).toBytes().length !== s.pure.length) throw new Error("trailing bytes");
    } catch (e) {
      throw this.argError(argIdx, "InvalidBCSBytes", `as ${typeToString(t)}: ${(e as Error).message}`);
    }
    return v;
  }

  private takeObject(s: Slot, argIdx: number): Working {
    if (s.moved) throw this.argError(argIdx, "ArgumentWithoutValue");
    if (!s.objectId) throw this.argError(argIdx, "TypeMismatch", "expected an object");
    const w = this.working.get(s.objectId)!;
    if (s.input && !s.mutableInput) throw this.argError(argIdx, "InvalidObjectByValue");
    if (w.orig && w.orig.owner !== "Immutable" && "Shared" in w.orig.owner && s !== this.gasSlot) {
      // Shared objects can be taken by value only to be deleted; we keep it simple and allow it.
    }
    s.moved = true;
    w.state = "inflight";
    return w;
  }

  private command(c: CommandT, idx: number): Slot[] {
    if (c.MoveCall) return this.moveCall(c.MoveCall, idx);
    if (c.SplitCoins) {
      const coin = this.slot(c.SplitCoins.coin, 0);
      if (!coin.objectId || coin.type.kind !== "struct" || !isStruct(coin.type, "0x2", "coin", "Coin"))
        throw this.argError(0, "TypeMismatch", "SplitCoins needs a Coin");
      if (coin.input && !coin.mutableInput) throw this.argError(0, "InvalidObjectByMutRef");
      const cv = coin.value as CoinValue;
      return c.SplitCoins.amounts.map((a, i) => {
        const amt = this.pureAs(this.slot(a, i + 1), { kind: "prim", name: "u64" }, i + 1) as bigint;
        if (cv.balance.value < amt)
          throw new ExecutionFailure({ InsufficientCoinBalance: true }, "InsufficientCoinBalance");
        cv.balance.value -= amt;
        this.touch(coin.objectId!);
        const id = this.freshId();
        const value = { id: { id }, balance: { value: amt } };
        this.created(id, coin.type, value);
        return { type: coin.type, value, objectId: id };
      });
    }
    if (c.MergeCoins) {
      const dst = this.slot(c.MergeCoins.destination, 0);
      if (!dst.objectId || !isStruct(dst.type, "0x2", "coin", "Coin"))
        throw this.argError(0, "TypeMismatch", "MergeCoins needs a Coin");
      if (dst.input && !dst.mutableInput) throw this.argError(0, "InvalidObjectByMutRef");
      for (const [i, a] of c.MergeCoins.sources.entries()) {
        const s = this.slot(a, i + 1);
        if (s === this.gasSlot) throw this.argError(i + 1, "InvalidGasCoinUsage");
        if (typeToString(s.type) !== typeToString(dst.type)) throw this.argError(i + 1, "TypeMismatch");
        if (s.objectId === dst.objectId) throw this.argError(i + 1, "InvalidValueUsage");
        const w = this.takeObject(s, i + 1);
        (dst.value as CoinValue).balance.value += (w.value as CoinValue).balance.value;
        w.state = "deleted";
      }
      this.touch(dst.objectId);
      return [];
    }
    if (c.TransferObjects) {
      const n = c.TransferObjects.objects.length;
      const recipient = normalizeAddress(
        this.pureAs(this.slot(c.TransferObjects.address, n), { kind: "prim", name: "address" }, n) as string,
      );
      for (const [i, a] of c.TransferObjects.objects.entries()) {
        const s = this.slot(a, i);
        if (!s.objectId) throw this.argError(i, "TypeMismatch", "TransferObjects needs objects");
        const ab = abilitiesOf(s.type, this.rt.resolve);
        if (!ab.has("Key") || !ab.has("Store"))
          throw new ExecutionFailure({ InvalidTransferObject: true }, "InvalidTransferObject");
        const w = s === this.gasSlot ? this.working.get(s.objectId)! : this.takeObject(s, i);
        w.state = "transferred";
        w.owner = { AddressOwner: recipient };
        w.mutated = true;
      }
      return [];
    }
    if (c.Publish) return this.publish(c.Publish);
    if (c.MakeMoveVec) {
      const els = c.MakeMoveVec.elements.map((a, i) => ({ s: this.slot(a, i), i }));
      const t = c.MakeMoveVec.type ? parseType(c.MakeMoveVec.type) : els[0]?.s.type;
      if (!t || (!c.MakeMoveVec.type && els[0]?.s.pure))
        throw this.argError(0, "TypeMismatch", "MakeMoveVec needs a type");
      const values = els.map(({ s, i }) => {
        if (s.objectId) {
          const w = this.takeObject(s, i);
          w.state = "wrapped";
          return w.value;
        }
        const v = this.pureAs(s, t, i);
        s.moved = !abilitiesOf(t, this.rt.resolve).has("Copy");
        return v;
      });
      return [{ type: { kind: "vector", of: t }, value: values }];
    }
    throw new ExecutionFailure(
      { FeatureNotYetSupported: true },
      `FeatureNotYetSupported: ${Object.keys(c)[0]} is not supported by the devnet`,
    );
  }

  private touch(id: string): void {
    const w = this.working.get(id);
    if (w) w.mutated = true;
  }

  freshId(): string {
    const id = toHex(hashBytes(fromBase58Digest(this.digest), u64le(this.idCounter)));
    this.idCounter++;
    return id;
  }

  created(id: string, type: MoveType, value: unknown): Working {
    const w: Working = { id, type, value, owner: { AddressOwner: this.sender }, state: "inflight", mutated: true };
    this.working.set(id, w);
    return w;
  }

  private publish(p: { modules: string[]; dependencies: string[] }): Slot[] {
    const id = this.freshId();
    const modules = new Map<string, LoadedModule>();
    try {
      for (const b64 of p.modules) {
        const lm = loadModule(relocateModule(fromBase64(b64), id));
        modules.set(lm.normalized.name, lm);
      }
    } catch (e) {
      throw new ExecutionFailure(
        { VMVerificationOrDeserializationError: true },
        `VMVerificationOrDeserializationError: ${(e as Error).message}`,
      );
    }
    if (modules.size === 0)
      throw new ExecutionFailure(
        { VMVerificationOrDeserializationError: true },
        "VMVerificationOrDeserializationError: no modules",
      );
    this.published.push({ id, modules });
    // Module initializers (`fun init(ctx)` / `fun init(otw, ctx)`), as Sui runs them at publish.
    this.rt.pendingModules.set(id, modules);
    this.rt.vmPending.set(
      id,
      [...modules.values()].map((m) => m.bytes),
    );
    for (const [mod, lm] of modules) {
      const init = lm.functions.get("init");
      if (!init) continue;
      const args: CallArg[] = [];
      if (init.parameters.length === 2) {
        const otw = fromNormalized(init.parameters[0]!, []);
        args.push({ kind: "val", type: otw, value: { dummy_field: false } });
      }
      callMoveFunction(this, id, mod, "init", [], args);
    }
    const capId = this.freshId();
    const type = parseType("0x2::package::UpgradeCap");
    const value = { id: { id: capId }, package: id, version: 1n, policy: 0 };
    this.created(capId, type, value);
    return [{ type, value, objectId: capId }];
  }

  moduleOf(pkg: string, module: string): LoadedModule | undefined {
    const pub = this.published.find((p) => p.id === pkg);
    if (pub) return pub.modules.get(module);
    return this.rt.objects.get(pkg)?.modules?.get(module);
  }

  private moveCall(
    mc: { package: string; module: string; function: string; typeArguments: string[]; arguments: ArgT[] },
    cmdIdx: number,
  ): Slot[] {
    const pkg = normalizeAddress(mc.package);
    const mod = this.moduleOf(pkg, mc.module);
    if (!mod)
      throw new ExecutionFailure(
        { FunctionNotFound: true },
        `FunctionNotFound: module ${shortAddress(pkg)}::${mc.module} does not exist`,
      );
    const fn = mod.functions.get(mc.function);
    if (!fn)
      throw new ExecutionFailure(
        { FunctionNotFound: true },
        `FunctionNotFound: ${shortAddress(pkg)}::${mc.module}::${mc.function}`,
      );
    if (fn.visibility !== "Public" && !fn.isEntry)
      throw new ExecutionFailure(
        { NonEntryFunctionInvoked: true },
        `NonEntryFunctionInvoked: ${mc.module}::${mc.function} is neither public nor entry`,
      );
    if (fn.typeParameters.length !== mc.typeArguments.length)
      throw new ExecutionFailure({ TypeArityMismatch: true }, "TypeArityMismatch");
    const typeArgs = mc.typeArguments.map((t) => parseType(t));
    let params = fn.parameters;
    const last = params[params.length - 1];
    const isCtx = (t: NormalizedType | undefined): boolean => {
      if (!t || typeof t === "string") return false;
      const inner = "Reference" in t ? t.Reference : "MutableReference" in t ? t.MutableReference : undefined;
      return (
        !!inner &&
        typeof inner !== "string" &&
        "Struct" in inner &&
        inner.Struct.module === "tx_context" &&
        inner.Struct.name === "TxContext"
      );
    };
    if (isCtx(last)) params = params.slice(0, -1);
    if (params.length !== mc.arguments.length)
      throw new ExecutionFailure(
        { ArityMismatch: true },
        `ArityMismatch: ${mc.module}::${mc.function} takes ${params.length} arguments, got ${mc.arguments.length}`,
      );
    const callArgs: CallArg[] = [];
    const byValue: Working[] = [];
    const mutRefs: Working[] = [];
    for (const [i, p] of params.entries()) {
      const s = this.slot(mc.arguments[i]!, i);
      const kind =
        typeof p !== "string" && "MutableReference" in p
          ? "mut"
          : typeof p !== "string" && "Reference" in p
            ? "ref"
            : "val";
      const t = fromNormalized(p, typeArgs);
      const isObj = t.kind === "struct" && abilitiesOf(t, this.rt.resolve).has("Key");
      if (isObj) {
        if (!s.objectId) throw this.argError(i, "TypeMismatch", `expected object ${typeToString(t)}, got a pure value`);
        if (typeToString(s.type) !== typeToString(t))
          throw this.argError(i, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
        if (s.moved) throw this.argError(i, "ArgumentWithoutValue");
        if (kind === "mut") {
          if (s.input && !s.mutableInput) throw this.argError(i, "InvalidObjectByMutRef");
          if (s === this.gasSlot) throw this.argError(i, "InvalidGasCoinUsage");
          const w = this.working.get(s.objectId)!;
          mutRefs.push(w);
          callArgs.push({
            kind,
            type: t,
            value: s.value,
            writeBack: (v) => {
              w.value = v;
              s.value = v;
            },
          });
        } else if (kind === "ref") {
          callArgs.push({ kind, type: t, value: s.value });
        } else {
          if (s === this.gasSlot) throw this.argError(i, "InvalidGasCoinUsage");
          const w = this.takeObject(s, i);
          byValue.push(w);
          callArgs.push({ kind, type: t, value: w.value });
        }
      } else if (s.pure) {
        if (kind !== "val" && kind !== "ref") throw this.argError(i, "InvalidUsageOfPureArg");
        if (!isPureType(t))
          throw this.argError(i, "InvalidUsageOfPureArg", `${typeToString(t)} cannot be a pure argument`);
        const v = this.pureAs(s, t, i);
        callArgs.push({ kind: kind === "ref" ? "ref" : "val", type: t, value: v });
      } else {
        if (s.objectId && !s.input) {
          // Non-key values never have objectId; fallthrough safety.
        }
        if (typeToString(s.type) !== typeToString(t))
          throw this.argError(i, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
        if (s.moved) throw this.argError(i, "ArgumentWithoutValue");
        if (kind === "val" && !abilitiesOf(t, this.rt.resolve).has("Copy")) s.moved = true;
        callArgs.push({
          kind,
          type: t,
          value: s.value,
          ...(kind === "mut"
            ? {
                writeBack: (v: unknown) => {
                  s.value = v;
                  const w = s.objectId ? this.working.get(s.objectId) : undefined;
                  if (w) w.value = v;
                },
              }
            : {}),
        });
      }
    }
    const t0 = performance.now();
    const res = callMoveFunction(this, pkg, mc.module, mc.function, typeArgs, callArgs);
    const stats = this.rt.vmStats;
    stats.moveCalls++;
    stats.instructions += res.instructions;
    stats.ms += performance.now() - t0;
    const out = res.returns.map((r) => r.value);
    if (out.length !== fn.return.length)
      throw new ExecutionFailure(
        { VMInvariantViolation: true },
        `VMInvariantViolation: ${mc.module}::${mc.function} implementation returned ${out.length} values, the bytecode declares ${fn.return.length}`,
      );
    for (const w of mutRefs) w.mutated = true;
    const returned: Slot[] = fn.return.map((rt, i) => {
      const t = fromNormalized(rt, typeArgs);
      const v = out[i];
      const idv = (v as { id?: { id?: string } } | null)?.id?.id;
      if (t.kind === "struct" && abilitiesOf(t, this.rt.resolve).has("Key") && typeof idv === "string") {
        const w = this.working.get(idv) ?? this.created(idv, t, v);
        w.state = "inflight";
        w.value = v;
        return { type: t, value: v, objectId: idv };
      }
      return { type: t, value: v };
    });
    // By-value objects neither returned nor placed by the implementation are wrapped (or deleted).
    const returnedIds = new Set(returned.map((s) => s.objectId).filter(Boolean));
    for (const w of byValue) if (w.state === "inflight" && !returnedIds.has(w.id)) w.state = "wrapped";
    for (const w of this.working.values())
      if (w.state === "inflight" && !w.orig && !returnedIds.has(w.id) && !this.isHeldInSlot(w.id)) w.state = "wrapped";
    void cmdIdx;
    return returned;
  }

  private isHeldInSlot(id: string): boolean {
    for (const r of this.results) for (const s of r) if (s.objectId === id && !s.moved) return true;
    return false;
  }

  emit(type: MoveType, value: unknown, module: string, packageId: string): void {
    // Validate the value encodes as the declared layout now, so errors point at the emit.
    bcsFor(type, this.rt.resolve).serialize(value);
    this.events.push({ type, value: deepClone(value), module, packageId });
  }

  // ---------- effects ----------

  finish(outcome: CmdOutcome, rawTransaction: string, signatures: string[]): TxRecord {
    const rt = this.rt;
    const failed = !!outcome.failure;
    const lamport = [...this.lamportInputs, 0n].reduce((a, b) => (a > b ? a : b)) + 1n;
    const gasW = this.working.get(this.gasId!)!;
    // On failure: reset everything except gas smashing.
    const entries = [...this.working.values()].filter((w) => {
      if (!failed) return true;
      if (w.id === this.gasId) return true;
      if (this.smashed.some((o) => o.id === w.id)) return true;
      return !!w.orig && !w.readOnly && w.orig.owner !== "Immutable" && !("ObjectOwner" in w.orig.owner);
    });
    if (failed) {
      for (const w of entries) {
        if (w.id === this.gasId || this.smashed.some((o) => o.id === w.id)) continue;
        w.value = deepClone(w.orig!.value);
        w.owner = w.orig!.owner;
        w.state = "store";
      }
      // The gas coin keeps its smashed balance and owner.
      if (gasW.orig) gasW.owner = gasW.orig.owner;
      (gasW.value as CoinValue).balance.value = this.gasTotal;
      gasW.state = "store";
    }
    const publishedObjs: StoredObject[] = failed
      ? []
      : this.published.map((p) =>
          rt.finishObject({
            id: p.id,
            version: 1n,
            digest: "",
            owner: "Immutable",
            hasPublicTransfer: false,
            previousTransaction: this.digest,
            storageRebate: 0n,
            modules: p.modules,
          }),
        );
    // Classify.
    type Change = { w: Working; kind: "created" | "mutated" | "deleted" | "wrapped" | "unchanged" };
    const changes: Change[] = [];
    for (const w of entries) {
      if (w.id === ZERO_ADDR && !w.orig) {
        continue;
      }
      const placed = w.state === "transferred" || w.state === "shared" || w.state === "frozen";
      if (!w.orig) {
        if (placed) changes.push({ w, kind: "created" });
        continue;
      }
      if (w.state === "deleted") changes.push({ w, kind: "deleted" });
      else if (w.state === "wrapped" || w.state === "inflight") changes.push({ w, kind: "wrapped" });
      else if (w.readOnly || w.orig.owner === "Immutable") changes.push({ w, kind: "unchanged" });
      else changes.push({ w, kind: "mutated" });
    }
    // Gas: computation + storage - rebate.
    const vmUnits = (BigInt(this.gas.used) + VM_UNITS_PER_COMPUTATION_UNIT - 1n) / VM_UNITS_PER_COMPUTATION_UNIT;
    const computationCost = this.price * (1000n + 100n * BigInt(this.commandCount) + vmUnits);
    let storageCost = 0n;
    let storageRebate = 0n;
    const out = new Map<string, StoredObject>();
    for (const ch of changes) {
      if (ch.kind === "unchanged") continue;
      if (ch.w.orig) storageRebate += ch.w.orig.storageRebate;
      if (ch.kind === "deleted" || ch.kind === "wrapped") continue;
      const o = rt.finishObject({
        id: ch.w.id,
        version: lamport,
        digest: "",
        owner:
          ch.w.owner !== "Immutable" &&
          "Shared" in ch.w.owner &&
          ch.w.owner.Shared.initial_shared_version === "__LAMPORT__"
            ? { Shared: { initial_shared_version: lamport.toString() } }
            : ch.w.owner,
        type: ch.w.type,
        value: ch.w.value,
        hasPublicTransfer: abilitiesOf(ch.w.type, rt.resolve).has("Store"),
        previousTransaction: this.digest,
        storageRebate: 0n,
      });
      o.storageRebate = BigInt(o.bcs!.length + 100) * rt.gas.storagePerByte;
      storageCost += o.storageRebate;
      out.set(o.id, o);
    }
    if (this.gasId === ZERO_ADDR) {
      // Dry run with a mock gas coin: charge its write as a real gas coin would be charged.
      const size = bcsFor(GAS_COIN_TYPE, rt.resolve).serialize(gasW.value).toBytes().length;
      storageCost += BigInt(size + 100) * rt.gas.storagePerByte;
    }
    for (const p of publishedObjs) {
      let size = 0;
      for (const m of p.modules!.values()) size += m.bytes.length;
      storageCost += BigInt(size) * rt.gas.storagePerByte;
    }
    const nonRefundable = storageRebate / 100n;
    const rebate = storageRebate - nonRefundable;
    let charge = computationCost + storageCost - rebate;
    let status: Record<string, unknown> = outcome.failure
      ? {
          Failure: {
            error: outcome.failure.status,
            command: outcome.failure.command >= 0 ? String(outcome.failure.command) : null,
          },
        }
      : { Success: true };
    let statusText = outcome.failure?.text;
    if (charge > this.budget) {
      charge = this.budget;
      status = { Failure: { error: { InsufficientGas: true }, command: null } };
      statusText = "InsufficientGas";
    }
    // Apply the charge to the gas coin's output.
    const gasOut = out.get(this.gasId!) ?? (this.gasId === ZERO_ADDR ? undefined : undefined);
    const gasValue = (gasOut?.value ?? gasW.value) as CoinValue;
    gasValue.balance.value -= charge;
    if (gasValue.balance.value < 0n) gasValue.balance.value = 0n;
    if (gasOut) rt.finishObject(gasOut);
    // Events.
    const evRecords: EventRecord[] = failed
      ? []
      : this.events.map((e, i) => ({
          id: { txDigest: this.digest, eventSeq: String(i) },
          packageId: e.packageId,
          transactionModule: e.module,
          sender: this.sender,
          type: typeToString(e.type),
          parsedJson: toSuiJson(e.type, e.value, rt.resolve),
          bcsEncoding: "base64",
          bcs: toBase64(bcsFor(e.type, rt.resolve).serialize(e.value).toBytes()),
          timestampMs: this.timestamp.toString(),
        }));
    const eventsDigest = evRecords.length
      ? toBase58(hashBytes("TransactionEvents::", ...evRecords.map((e) => fromBase64(e.bcs))))
      : null;
    // Effects V2 BCS.
    const changed: [string, Record<string, unknown>][] = [];
    let gasObjectIndex: number | null = null;
    const jsonCreated: unknown[] = [];
    const jsonMutated: unknown[] = [];
    const jsonDeleted: unknown[] = [];
    const jsonWrapped: unknown[] = [];
    const modifiedAtVersions: unknown[] = [];
    const sharedObjects: unknown[] = [];
    const unchangedConsensus: [string, Record<string, unknown>][] = [];
    const objectChanges: unknown[] = [];
    for (const p of publishedObjs) {
      changed.push([
        p.id,
        {
          inputState: { NotExist: true },
          outputState: { PackageWrite: [p.version.toString(), p.digest] },
          idOperation: { Created: true },
        },
      ]);
      jsonCreated.push({ owner: "Immutable", reference: ref(p) });
      objectChanges.push({
        type: "published",
        packageId: p.id,
        version: "1",
        digest: p.digest,
        modules: [...p.modules!.keys()],
      });
    }
    for (const ch of changes) {
      const w = ch.w;
      const o = out.get(w.id);
      const typeStr = typeToString(w.type);
      const inputState = w.orig
        ? { Exist: [[w.orig.version.toString(), w.orig.digest], ownerToBcs(w.orig.owner)] }
        : { NotExist: true };
      if (w.orig && "Shared" in (w.orig.owner as object)) {
        sharedObjects.push({ objectId: w.id, version: w.orig.version.toString(), digest: w.orig.digest });
      }
      if (ch.kind === "unchanged") {
        if (w.orig && w.orig.owner !== "Immutable" && "Shared" in w.orig.owner)
          unchangedConsensus.push([w.id, { ReadOnlyRoot: [w.orig.version.toString(), w.orig.digest] }]);
        continue;
      }
      if (w.orig) modifiedAtVersions.push({ objectId: w.id, sequenceNumber: w.orig.version.toString() });
      if (ch.kind === "created" && o) {
        changed.push([
          w.id,
          { inputState, outputState: { ObjectWrite: [o.digest, ownerToBcs(o.owner)] }, idOperation: { Created: true } },
        ]);
        jsonCreated.push({ owner: o.owner, reference: ref(o) });
        objectChanges.push({
          type: "created",
          sender: this.sender,
          owner: o.owner,
          objectType: typeStr,
          objectId: o.id,
          version: o.version.toString(),
          digest: o.digest,
        });
      } else if (ch.kind === "mutated" && o) {
        if (w.id === this.gasId) gasObjectIndex = changed.length;
        changed.push([
          w.id,
          { inputState, outputState: { ObjectWrite: [o.digest, ownerToBcs(o.owner)] }, idOperation: { None: true } },
        ]);
        jsonMutated.push({ owner: o.owner, reference: ref(o) });
        objectChanges.push({
          type: "mutated",
          sender: this.sender,
          owner: o.owner,
          objectType: typeStr,
          objectId: o.id,
          version: o.version.toString(),
          previousVersion: w.orig!.version.toString(),
          digest: o.digest,
        });
      } else if (ch.kind === "deleted") {
        changed.push([w.id, { inputState, outputState: { NotExist: true }, idOperation: { Deleted: true } }]);
        jsonDeleted.push({ objectId: w.id, version: lamport.toString(), digest: DELETED_DIGEST });
        objectChanges.push({
          type: "deleted",
          sender: this.sender,
          objectType: typeStr,
          objectId: w.id,
          version: lamport.toString(),
        });
      } else if (ch.kind === "wrapped") {
        changed.push([w.id, { inputState, outputState: { NotExist: true }, idOperation: { None: true } }]);
        jsonWrapped.push({ objectId: w.id, version: lamport.toString(), digest: WRAPPED_DIGEST });
        objectChanges.push({
          type: "wrapped",
          sender: this.sender,
          objectType: typeStr,
          objectId: w.id,
          version: lamport.toString(),
        });
      }
    }
    const gasRefObj = out.get(this.gasId!);
    const gasObject = gasRefObj
      ? { owner: gasRefObj.owner, reference: ref(gasRefObj) }
      : {
          owner: { AddressOwner: this.sender },
          reference: { objectId: ZERO_ADDR, version: "0", digest: toBase58(new Uint8Array(32)) },
        };
    const dependencies = [
      ...new Set([...this.working.values()].map((w) => w.orig?.previousTransaction).filter((d): d is string => !!d)),
    ];
    const gasUsed = {
      computationCost: computationCost.toString(),
      storageCost: storageCost.toString(),
      storageRebate: rebate.toString(),
      nonRefundableStorageFee: nonRefundable.toString(),
    };
    const rawEffects = suiBcs.TransactionEffects.serialize({
      V2: {
        status: status as never,
        executedEpoch: rt.epoch.toString(),
        gasUsed,
        transactionDigest: this.digest,
        gasObjectIndex,
        eventsDigest,
        dependencies,
        lamportVersion: lamport.toString(),
        changedObjects: changed as never,
        unchangedConsensusObjects: unchangedConsensus as never,
        auxDataDigest: null,
      },
    }).toBytes();
    const abort = outcome.failure?.abort;
    const effects: Record<string, unknown> = {
      messageVersion: "v1",
      status: statusText === undefined ? { status: "success" } : { status: "failure", error: statusText },
      executedEpoch: rt.epoch.toString(),
      gasUsed,
      modifiedAtVersions,
      ...(sharedObjects.length ? { sharedObjects } : {}),
      transactionDigest: this.digest,
      ...(jsonCreated.length ? { created: jsonCreated } : {}),
      ...(jsonMutated.length ? { mutated: jsonMutated } : {}),
      ...(jsonDeleted.length ? { deleted: jsonDeleted } : {}),
      ...(jsonWrapped.length ? { wrapped: jsonWrapped } : {}),
      gasObject,
      ...(eventsDigest ? { eventsDigest } : {}),
      dependencies,
      ...(abort && statusText !== "InsufficientGas"
        ? {
            abortError: {
              module_id: `${abort.packageId}::${abort.module}`,
              function: abort.functionName,
              error_code: abort.abortCode.toString(),
              line: null,
            },
          }
        : {}),
    };
    // Balance changes (Coin<T> objects owned by addresses).
    const deltas = new Map<string, bigint>();
    const add = (owner: Owner, t: MoveType, amt: bigint): void => {
      if (owner === "Immutable" || !("AddressOwner" in owner) || !isStruct(t, "0x2", "coin", "Coin")) return;
      const k = `${owner.AddressOwner}|${typeToString(t.kind === "struct" ? t.args[0]! : t)}`;
      deltas.set(k, (deltas.get(k) ?? 0n) + amt);
    };
    for (const ch of changes) {
      const w = ch.w;
      if (w.id === ZERO_ADDR) continue;
      if (w.orig?.type) add(w.orig.owner, w.orig.type, -(w.orig.value as CoinValue).balance?.value || 0n);
      const o = out.get(w.id);
      if (o?.type) add(o.owner, o.type, (o.value as CoinValue).balance?.value ?? 0n);
    }
    const balanceChanges = [...deltas.entries()]
      .filter(([, v]) => v !== 0n)
      .map(([k, v]) => {
        const [owner, coinType] = k.split("|") as [string, string];
        return { owner: { AddressOwner: owner }, coinType, amount: v.toString() };
      });
    if (!failed) {
      this.writtenObjects = [...publishedObjs, ...out.values()];
    } else {
      this.writtenObjects = [...out.values()];
    }
    this.deletedIds = changes.filter((c) => c.kind === "deleted" || c.kind === "wrapped").map((c) => c.w.id);
    return {
      digest: this.digest,
      rawTransaction,
      transaction: rawTransaction
        ? {
            data: {
              messageVersion: "v1",
              transaction: { kind: "ProgrammableTransaction" },
              sender: this.sender,
              gasData: {
                payment: this.tx.gasData.payment.map((p) => ({
                  objectId: normalizeAddress(p.objectId),
                  version: p.version,
                  digest: p.digest,
                })),
                owner: normalizeAddress(this.tx.gasData.owner),
                price: this.tx.gasData.price,
                budget: this.tx.gasData.budget,
              },
            },
            txSignatures: signatures,
          }
        : null,
      effects,
      rawEffects: Array.from(rawEffects),
      events: evRecords,
      objectChanges,
      balanceChanges,
      timestampMs: this.timestamp.toString(),
      checkpoint: null,
      sender: this.sender,
    };
  }
}

type NormalizedType = NormalizedFunction["parameters"][number];

/** Types a pure argument may have (as Sui allows): primitives, vectors of them, String, ID, Option. */
function isPureType(t: MoveType): boolean {
  if (t.kind === "prim") return t.name !== "signer";
  if (t.kind === "vector") return isPureType(t.of);
  if (isStruct(t, "0x1", "option", "Option")) return !!t.args[0] && isPureType(t.args[0]);
  return (
    isStruct(t, "0x1", "string", "String") ||
    isStruct(t, "0x1", "ascii", "String") ||
    isStruct(t, "0x2", "object", "ID")
  );
}

const SUI_BALANCE = typeToString(parseType("0x2::balance::Balance<0x2::sui::SUI>"));
/** SUI held in a value: the sum of every Balance<SUI> inside it. */
function suiIn(
  t: MoveType,
  v: unknown,
  resolve: (t: Extract<MoveType, { kind: "struct" }>) => NormalizedStruct | undefined,
): bigint {
  if (t.kind === "prim" || v === null || v === undefined) return 0n;
  if (t.kind === "vector") {
    if (t.of.kind === "prim") return 0n;
    let s = 0n;
    for (const x of v as unknown[]) s += suiIn(t.of, x, resolve);
    return s;
  }
  if (typeToString(t) === SUI_BALANCE) return (v as { value: bigint }).value;
  if (isStruct(t, "0x1", "option", "Option")) return suiIn(t.args[0]!, v, resolve);
  if (
    isStruct(t, "0x1", "string", "String") ||
    isStruct(t, "0x2", "object", "ID") ||
    isStruct(t, "0x2", "object", "UID")
  )
    return 0n;
  const decl = resolve(t);
  if (!decl) return 0n;
  let s = 0n;
  for (const f of decl.fields)
    s += suiIn(fromNormalized(f.type, t.args), (v as Record<string, unknown>)[f.name], resolve);
  return s;
}

function fromBase58Digest(d: string): Uint8Array {
  return enc.encode(d);
}

export { canonicalType, toSuiContentFields };
