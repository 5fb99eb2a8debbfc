/**
 * The devnet's state machine: the object store (runtime/store.ts) plus genesis, the faucet and
 * transaction execution. One transaction runs as a session (runtime/session.ts): inputs and gas
 * are loaded (runtime/gas.ts), its commands run (runtime/commands.ts, Move calls in
 * runtime/move-call.ts) and its effects are computed (runtime/effects.ts). The HTTP layer is in
 * server.ts and grpc/, persistence in journal.ts.
 */
import { toBase58 } from "@mysten/bcs";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { type LoadedModule, loadModule, normalizeAddress, parseType, typeToString } from "./bytecode.js";
import { RpcError } from "./errors.js";
import { executeAll } from "./runtime/commands.js";
import { finishTransaction } from "./runtime/effects.js";
import { loadGas } from "./runtime/gas.js";
import {
  base64Bytes,
  CLOCK_ID,
  GAS_COIN_TYPE,
  hashBytes,
  RANDOM_ID,
  ref,
  SUI_TYPE,
  toHex,
  u64le,
  ZERO_ADDR,
} from "./runtime/primitives.js";
import { Session } from "./runtime/session.js";
import { ObjectStore } from "./runtime/store.js";
import {
  checkSignatureForm,
  decodeTx,
  type Ed25519Check,
  ed25519Verify,
  signatureFailed,
} from "./runtime/transaction.js";
import type {
  ExecMode,
  ExecOutcome,
  GasConfig,
  ParsedTx,
  RuntimeOptions,
  TxRecord,
  WriteSet,
} from "./runtime/types.js";
import type { StoredObject } from "./types.js";
import { frameworkPackages, LIMITS, NATIVES, type NativeFunction, nativeTable, VmLoader } from "./vm/index.js";

export { CLOCK_ID, GAS_COIN_TYPE, hashBytes, ownerToBcs, RANDOM_ID, SUI_TYPE } from "./runtime/primitives.js";
export { decodeTx, verifySignatures } from "./runtime/transaction.js";
export type { EventRecord, ExecOutcome, TxRecord, WriteSet } from "./runtime/types.js";

/** A signed transaction checked up to its Ed25519 verification (`Runtime.prepareSigned`). */
export interface PreparedTx {
  tx: ParsedTx;
  txBytes: Uint8Array;
  digest: string;
  signatures: string[];
  check: Ed25519Check;
}

/** The devnet state machine. */
export class Runtime extends ObjectStore {
  readonly gas: GasConfig;
  readonly seed: string;
  epoch = 0n;
  /** Called after each commit (the journal and checkpointer hook here). */
  onCommit?: (ws: WriteSet) => void;
  /** The Move interpreter's module loader (framework bytecode and every published package). */
  readonly vmLoader = new VmLoader((address) => this.packageModules(address));
  /** Packages being published by the transaction in flight (visible to their `init`). */
  readonly vmPending = new Map<string, LoadedModule[]>();
  /**
   * Executed MoveCalls: count, interpreted instructions, wall time in the VM (including value
   * conversion) and, when `vmCpuTiming` is on, the process's CPU time over the same spans
   * (`cpuMs`: the request thread's when no other thread of the process runs then, as with
   * signature checks on the request thread).
   */
  readonly vmStats = { moveCalls: 0, instructions: 0, ms: 0, cpuMs: 0 };
  /**
   * Whether each MoveCall also reads the process's CPU time for `vmStats.cpuMs` (the vm bench
   * turns it on): two getrusage calls per MoveCall, ≈ 7 % of the devnet's CPU under load, so off
   * by default.
   */
  vmCpuTiming = false;
  /** The natives the interpreter calls (the Nitro native with any test roots of the options). */
  readonly natives: ReadonlyMap<string, NativeFunction>;
  /** UID of the Random object's inner Versioned (its RandomInner child is synthesized per tx). */
  randomInnerId = ZERO_ADDR;

  /** A package's modules for the interpreter: the stored package's (already deserialized), else the framework's or those being published. */
  private packageModules(address: string): readonly (Uint8Array | LoadedModule)[] | undefined {
    const mods = this.objects.get(address)?.modules;
    if (mods) return [...mods.values()];
    return frameworkPackages().get(address) ?? this.vmPending.get(address);
  }
  constructor(opts: RuntimeOptions = {}) {
    super(opts.now ?? (() => BigInt(Date.now())));
    this.seed = opts.seed ?? "atoma-devnet";
    this.natives = opts.nitroTestRoots?.length ? nativeTable({ nitroRoots: opts.nitroTestRoots }) : NATIVES;
    this.gas = { referenceGasPrice: 1000n, storagePerByte: 7600n, ...opts.gas };
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

  private commit(ws: WriteSet): void {
    this.apply(ws);
    this.onCommit?.(ws);
  }

  // ---------- transactions ----------

  /** Verifies the signatures of `txBytes` and executes it. Throws RpcError for rejected transactions. */
  executeSigned(txB64: string, signatures: string[]): ExecOutcome {
    const p = this.prepareSigned(txB64, signatures);
    return "record" in p ? p : this.executePrepared(p, false);
  }

  /**
   * The checks of a signed transaction before its Ed25519 verification (size, decoding, the
   * signature's form and signer), in `executeSigned`'s order; an already executed transaction
   * gives its record. The caller verifies `p.check` (here or in a worker) and executes.
   */
  prepareSigned(txB64: string, signatures: string[]): PreparedTx | { record: TxRecord } {
    const txBytes = base64Bytes(txB64);
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
    const check = checkSignatureForm(txBytes, signatures, tx.sender);
    return { tx, txBytes, digest, signatures, check };
  }

  /**
   * Executes a prepared transaction: `verified` says its Ed25519 check passed elsewhere (a verify
   * worker), otherwise it is verified here first. A transaction executed meanwhile (the same one
   * sent twice) gives its record.
   */
  executePrepared(p: PreparedTx, verified: boolean): ExecOutcome {
    if (!verified && !ed25519Verify(p.check)) throw signatureFailed();
    const existing = this.txs.get(p.digest);
    if (existing) return { record: existing };
    return this.run(p.tx, p.txBytes, p.digest, "execute", p.signatures);
  }

  dryRun(txB64: string): ExecOutcome {
    const txBytes = base64Bytes(txB64);
    const tx = decodeTx(txBytes);
    return this.run(tx, txBytes, toBase58(hashBytes("TransactionData::", txBytes)), "dryRun", []);
  }

  devInspect(sender: string, kindB64: string, gasPrice?: bigint): ExecOutcome {
    let kind: ParsedTx["kind"];
    try {
      kind = suiBcs.TransactionKind.parse(base64Bytes(kindB64)) as unknown as ParsedTx["kind"];
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
    const bytes = base64Bytes(kindB64);
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
    loadGas(session, budget, price);
    const outcome = executeAll(session, pt.commands);
    const record = finishTransaction(session, outcome, signatures, mode === "execute" ? txBytes : undefined);
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
