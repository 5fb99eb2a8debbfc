/**
 * A transaction's effects, computed from its session once the commands have run: the working set
 * reverted on failure, each object classified, the outputs written at the Lamport version, gas
 * charged, events recorded, and the effects as BCS (TransactionEffects V2) and as JSON-RPC
 * returns them, with object and balance changes. `finishTransaction` runs these steps in order.
 */
import { toBase58 } from "@mysten/bcs";
import {
  abilitiesOf,
  bcsFor,
  isStruct,
  type MoveType,
  normalizeAddress,
  toSuiJson,
  typeToString,
} from "../bytecode.js";
import type { Runtime } from "../runtime.js";
import type { CoinValue, Owner, StoredObject } from "../types.js";
import { effectsBcs } from "./effects-bcs.js";
import { encodeBcs } from "./encoded.js";
import { computationCost } from "./gas.js";
import {
  base64Of,
  DELETED_DIGEST,
  deepClone,
  GAS_COIN_TYPE,
  hashBytes,
  ownerToBcs,
  ref,
  WRAPPED_DIGEST,
  ZERO_ADDR,
} from "./primitives.js";
import type { Session } from "./session.js";
import { senderSignedData } from "./transaction.js";
import type { CmdOutcome, EffectsV2Value, EventRecord, TxKept, TxRecord, Working } from "./types.js";

type Change = { w: Working; kind: "created" | "mutated" | "deleted" | "wrapped" | "unchanged" };
type GasUsed = { computationCost: string; storageCost: string; storageRebate: string; nonRefundableStorageFee: string };
/** The status as BCS effects encode it, and the text JSON-RPC shows (undefined: success). */
type Status = { bcs: Record<string, unknown>; text: string | undefined };

/** The effects, records and write set of the session's transaction (sets `writtenObjects` and `deletedIds`). */
export function finishTransaction(
  ses: Session,
  outcome: CmdOutcome,
  signatures: string[],
  txBytes?: Uint8Array,
): TxRecord {
  const rt = ses.rt;
  const lamport = [...ses.lamportInputs, 0n].reduce((a, b) => (a > b ? a : b)) + 1n;
  const gasW = ses.working.get(ses.gasId!)!;
  const computation = computationCost(ses);
  let failed = !!outcome.failure;
  let publishedObjs = failed ? [] : publishedObjects(ses);
  let changes = classify(failed ? revertOnFailure(ses, gasW) : [...ses.working.values()]);
  let written = writeOutputs(ses, changes, lamport, gasW, publishedObjs);
  if (!failed && computation + written.storageCost - netRebate(written.storageRebate) > ses.budget) {
    // Execution fit the budget but its storage does not: as on Sui (gas model ≥ 4), the
    // transaction is reverted (only the gas coin and the mutable inputs written, no event) and
    // charged its computation and the reverted writes' storage, the whole budget only if even
    // that does not fit.
    outcome = { ...outcome, failure: OUT_OF_GAS };
    failed = true;
    publishedObjs = [];
    changes = classify(revertOnFailure(ses, gasW));
    written = writeOutputs(ses, changes, lamport, gasW, publishedObjs);
  }
  const { out, storageCost, storageRebate } = written;
  const { status, gasUsed } = chargeGas(ses, outcome, gasW, out, computation, storageCost, storageRebate);
  const evBytes = failed ? [] : ses.events.map((e) => encodeBcs(e.type, e.value, rt.resolve));
  const evRecords = eventRecords(ses, evBytes);
  const eventsDigest = evRecords.length ? toBase58(hashBytes("TransactionEvents::", ...evBytes)) : null;
  const listed = listChanges(ses, publishedObjs, changes, out, lamport);
  const gasRefObj = out.get(ses.gasId!);
  const gasObject = gasRefObj
    ? { owner: gasRefObj.owner, reference: ref(gasRefObj) }
    : {
        owner: { AddressOwner: ses.sender },
        reference: { objectId: ZERO_ADDR, version: "0", digest: toBase58(new Uint8Array(32)) },
      };
  const dependencies = [
    ...new Set([...ses.working.values()].map((w) => w.orig?.previousTransaction).filter((d): d is string => !!d)),
  ];
  // Encoded on first read (JSON-RPC showRawEffects, gRPC, the journal): most transactions are
  // never asked for their BCS effects while the devnet runs.
  const effectsV2: { V2: EffectsV2Value } = {
    V2: {
      status: status.bcs as EffectsV2Value["status"],
      executedEpoch: rt.epoch.toString(),
      gasUsed,
      transactionDigest: ses.digest,
      gasObjectIndex: listed.gasObjectIndex,
      eventsDigest,
      dependencies,
      lamportVersion: lamport.toString(),
      changedObjects: listed.changed as unknown as EffectsV2Value["changedObjects"],
      unchangedConsensusObjects: listed.unchangedConsensus,
      auxDataDigest: null,
    },
  };
  const abort = outcome.failure?.abort;
  const effects: Record<string, unknown> = {
    messageVersion: "v1",
    status: status.text === undefined ? { status: "success" } : { status: "failure", error: status.text },
    executedEpoch: rt.epoch.toString(),
    gasUsed,
    modifiedAtVersions: listed.modifiedAtVersions,
    ...(listed.sharedObjects.length ? { sharedObjects: listed.sharedObjects } : {}),
    transactionDigest: ses.digest,
    ...(listed.created.length ? { created: listed.created } : {}),
    ...(listed.mutated.length ? { mutated: listed.mutated } : {}),
    ...(listed.deleted.length ? { deleted: listed.deleted } : {}),
    ...(listed.wrapped.length ? { wrapped: listed.wrapped } : {}),
    gasObject,
    ...(eventsDigest ? { eventsDigest } : {}),
    dependencies,
    ...(abort && status.text !== "InsufficientGas"
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
  const balanceChanges = balanceChangesOf(changes, out);
  ses.writtenObjects = failed ? [...out.values()] : [...publishedObjs, ...out.values()];
  ses.deletedIds = changes.filter((c) => c.kind === "deleted" || c.kind === "wrapped").map((c) => c.w.id);
  const record: TxRecord = {
    digest: ses.digest,
    rawTransaction: "",
    transaction: txBytes ? transactionJson(ses, signatures) : null,
    effects,
    rawEffects: NO_BYTES,
    events: evRecords,
    objectChanges: listed.objectChanges,
    balanceChanges,
    timestampMs: ses.timestamp.toString(),
    checkpoint: null,
    sender: ses.sender,
  };
  const kept: TxKept = { signatures, effects: effectsV2, ...(txBytes ? { txBytes } : {}) };
  Object.defineProperty(record, "kept", { value: kept, enumerable: false });
  // In their places among the keys (redefining a key keeps its position).
  Object.defineProperties(record, txBytes ? LAZY_SIGNED : LAZY_UNSIGNED);
  return record;
}

const NO_BYTES: number[] = [];

/**
 * The parts of a record made on first read (JSON-RPC showRawInput/showRawEffects, gRPC, the
 * journal), from what it keeps: most transactions are never asked for them while the devnet
 * runs. Each read replaces the accessor with the value (a plain property, as a write does).
 * Shared accessors, not one closure pair per record.
 */
function settle(record: TxRecord, key: "rawTransaction" | "rawEffects", value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
const rawEffectsAccessor: PropertyDescriptor = {
  get(this: TxRecord): number[] {
    const raw = Array.from(effectsBcs(this.kept!.effects));
    settle(this, "rawEffects", raw);
    return raw;
  },
  set(this: TxRecord, raw: number[]) {
    settle(this, "rawEffects", raw);
  },
  enumerable: true,
  configurable: true,
};
/** The SenderSignedData (base64) of an executed transaction, from its signed bytes and signatures. */
const rawTransactionAccessor: PropertyDescriptor = {
  get(this: TxRecord): string {
    const k = this.kept!;
    const raw = senderSignedData(k.txBytes!, k.signatures);
    settle(this, "rawTransaction", raw);
    return raw;
  },
  set(this: TxRecord, raw: string) {
    settle(this, "rawTransaction", raw);
  },
  enumerable: true,
  configurable: true,
};
const LAZY_SIGNED: PropertyDescriptorMap = { rawTransaction: rawTransactionAccessor, rawEffects: rawEffectsAccessor };
const LAZY_UNSIGNED: PropertyDescriptorMap = { rawEffects: rawEffectsAccessor };

/**
 * A failed transaction writes back its mutable inputs unchanged and the gas coin (smashed, keeping
 * its balance and owner); returns the working objects still written.
 */
function revertOnFailure(ses: Session, gasW: Working): Working[] {
  const entries = [...ses.working.values()].filter((w) => {
    if (w.id === ses.gasId) return true;
    if (ses.smashed.some((o) => o.id === w.id)) return true;
    return !!w.orig && !w.readOnly && w.orig.owner !== "Immutable" && !("ObjectOwner" in w.orig.owner);
  });
  for (const w of entries) {
    if (w.id === ses.gasId || ses.smashed.some((o) => o.id === w.id)) continue;
    w.value = deepClone(w.orig!.value);
    w.owner = w.orig!.owner;
    w.state = "store";
  }
  if (gasW.orig) gasW.owner = gasW.orig.owner;
  (gasW.value as CoinValue).balance.value = ses.gasTotal;
  gasW.state = "store";
  return entries;
}

/** The package objects the transaction published. */
function publishedObjects(ses: Session): StoredObject[] {
  return ses.published.map((p) =>
    ses.rt.finishObject({
      id: p.id,
      version: 1n,
      digest: "",
      owner: "Immutable",
      hasPublicTransfer: false,
      previousTransaction: ses.digest,
      storageRebate: 0n,
      modules: p.modules,
    }),
  );
}

/** What happened to each working object (created objects left in flight are not listed: they were wrapped). */
function classify(entries: Working[]): Change[] {
  const changes: Change[] = [];
  for (const w of entries) {
    if (w.id === ZERO_ADDR && !w.orig) continue;
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
  return changes;
}

/** The written objects at the Lamport version, with the storage they cost and the rebates they free. */
function writeOutputs(
  ses: Session,
  changes: Change[],
  lamport: bigint,
  gasW: Working,
  publishedObjs: StoredObject[],
): { out: Map<string, StoredObject>; storageCost: bigint; storageRebate: bigint } {
  const rt = ses.rt;
  let storageCost = 0n;
  let storageRebate = 0n;
  const out = new Map<string, StoredObject>();
  for (const ch of changes) {
    if (ch.kind === "unchanged") continue;
    if (ch.w.orig) storageRebate += ch.w.orig.storageRebate;
    if (ch.kind === "deleted" || ch.kind === "wrapped") continue;
    // The gas coin is finished again once charged (chargeGas): its digest is computed there.
    const o = writeObject(rt, ses.digest, ch.w, lamport, ch.w.id !== ses.gasId);
    storageCost += o.storageRebate;
    out.set(o.id, o);
  }
  if (ses.gasId === ZERO_ADDR) {
    // Dry run with a mock gas coin: charge its write as a real gas coin would be charged.
    const size = bcsFor(GAS_COIN_TYPE, rt.resolve).serialize(gasW.value).toBytes().length;
    storageCost += BigInt(size + 100) * rt.gas.storagePerByte;
  }
  for (const p of publishedObjs) {
    let size = 0;
    for (const m of p.modules!.values()) size += m.bytes.length;
    storageCost += BigInt(size) * rt.gas.storagePerByte;
  }
  return { out, storageCost, storageRebate };
}

/** Whether a type has `store` (public transfer), by type object: the same types are written again and again. */
const storeByType = new WeakMap<MoveType, boolean>();
function hasStore(t: MoveType, rt: Runtime): boolean {
  let has = storeByType.get(t);
  if (has === undefined) {
    has = abilitiesOf(t, rt.resolve).has("Store");
    storeByType.set(t, has);
  }
  return has;
}

/** One working object as stored after the transaction; a newly shared object takes the Lamport version as its initial shared version. */
function writeObject(rt: Runtime, digest: string, w: Working, lamport: bigint, withDigest: boolean): StoredObject {
  const o = rt.finishObject(
    {
      id: w.id,
      version: lamport,
      digest: "",
      owner:
        w.owner !== "Immutable" && "Shared" in w.owner && w.owner.Shared.initial_shared_version === "__LAMPORT__"
          ? { Shared: { initial_shared_version: lamport.toString() } }
          : w.owner,
      type: w.type,
      value: w.value,
      hasPublicTransfer: hasStore(w.type, rt),
      previousTransaction: digest,
      storageRebate: 0n,
    },
    withDigest,
  );
  o.storageRebate = BigInt(o.bcs!.length + 100) * rt.gas.storagePerByte;
  return o;
}

/** The failure of a transaction whose storage charge ran past its budget. */
const OUT_OF_GAS: NonNullable<CmdOutcome["failure"]> = {
  status: { InsufficientGas: true },
  text: "InsufficientGas",
  command: -1,
};

/** The part of a storage rebate returned to the sender (1 % is kept). */
const netRebate = (storageRebate: bigint) => storageRebate - storageRebate / 100n;

/**
 * Gas: computation + storage - rebate (1% of the rebate is kept), capped at the budget (then the
 * status is InsufficientGas), taken from the gas coin's output.
 */
function chargeGas(
  ses: Session,
  outcome: CmdOutcome,
  gasW: Working,
  out: Map<string, StoredObject>,
  computation: bigint,
  storageCost: bigint,
  storageRebate: bigint,
): { status: Status; gasUsed: GasUsed } {
  const rebate = netRebate(storageRebate);
  const nonRefundable = storageRebate - rebate;
  let charge = computation + storageCost - rebate;
  let status: Status = outcome.failure
    ? {
        bcs: {
          Failure: {
            error: outcome.failure.status,
            command: outcome.failure.command >= 0 ? String(outcome.failure.command) : null,
          },
        },
        text: outcome.failure.text,
      }
    : { bcs: { Success: true }, text: undefined };
  if (charge > ses.budget) {
    charge = ses.budget;
    status = { bcs: { Failure: { error: { InsufficientGas: true }, command: null } }, text: "InsufficientGas" };
  }
  const gasOut = out.get(ses.gasId!);
  const gasValue = (gasOut?.value ?? gasW.value) as CoinValue;
  gasValue.balance.value -= charge;
  if (gasValue.balance.value < 0n) gasValue.balance.value = 0n;
  if (gasOut) ses.rt.finishObject(gasOut);
  return {
    status,
    gasUsed: {
      computationCost: computation.toString(),
      storageCost: storageCost.toString(),
      storageRebate: rebate.toString(),
      nonRefundableStorageFee: nonRefundable.toString(),
    },
  };
}

/**
 * The events the transaction emitted, as JSON-RPC records (BCS and parsed JSON). The parsed JSON
 * is built on first read (most events are never asked for while the devnet runs), in its place
 * among the record's keys.
 */
function eventRecords(ses: Session, bytes: Uint8Array[]): EventRecord[] {
  if (bytes.length === 0) return [];
  const rt = ses.rt;
  // Types of a package this transaction publishes resolve only until it is committed (and never
  // after a dry run): then the JSON is built now.
  const now = ses.published.length > 0 || ses.mode !== "execute";
  const records = ses.events.map(
    (e, i): EventRecord => ({
      id: { txDigest: ses.digest, eventSeq: String(i) },
      packageId: e.packageId,
      transactionModule: e.module,
      sender: ses.sender,
      type: typeToString(e.type),
      get parsedJson(): unknown {
        const json = toSuiJson(e.type, e.value, rt.resolve);
        Object.defineProperty(this, "parsedJson", {
          value: json,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        return json;
      },
      set parsedJson(json: unknown) {
        Object.defineProperty(this, "parsedJson", {
          value: json,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      },
      bcsEncoding: "base64",
      bcs: base64Of(bytes[i]!),
      timestampMs: ses.timestamp.toString(),
    }),
  );
  if (now) for (const r of records) void r.parsedJson;
  return records;
}

/** Every changed object in the forms the effects list them: BCS changed objects, JSON lists and object changes. */
function listChanges(
  ses: Session,
  publishedObjs: StoredObject[],
  changes: Change[],
  out: Map<string, StoredObject>,
  lamport: bigint,
) {
  const changed: [string, Record<string, unknown>][] = [];
  let gasObjectIndex: number | null = null;
  const created: unknown[] = [];
  const mutated: unknown[] = [];
  const deleted: unknown[] = [];
  const wrapped: unknown[] = [];
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
    created.push({ owner: "Immutable", reference: ref(p) });
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
      created.push({ owner: o.owner, reference: ref(o) });
      objectChanges.push({
        type: "created",
        sender: ses.sender,
        owner: o.owner,
        objectType: typeStr,
        objectId: o.id,
        version: o.version.toString(),
        digest: o.digest,
      });
    } else if (ch.kind === "mutated" && o) {
      if (w.id === ses.gasId) gasObjectIndex = changed.length;
      changed.push([
        w.id,
        { inputState, outputState: { ObjectWrite: [o.digest, ownerToBcs(o.owner)] }, idOperation: { None: true } },
      ]);
      mutated.push({ owner: o.owner, reference: ref(o) });
      objectChanges.push({
        type: "mutated",
        sender: ses.sender,
        owner: o.owner,
        objectType: typeStr,
        objectId: o.id,
        version: o.version.toString(),
        previousVersion: w.orig!.version.toString(),
        digest: o.digest,
      });
    } else if (ch.kind === "deleted") {
      changed.push([w.id, { inputState, outputState: { NotExist: true }, idOperation: { Deleted: true } }]);
      deleted.push({ objectId: w.id, version: lamport.toString(), digest: DELETED_DIGEST });
      objectChanges.push({
        type: "deleted",
        sender: ses.sender,
        objectType: typeStr,
        objectId: w.id,
        version: lamport.toString(),
      });
    } else if (ch.kind === "wrapped") {
      changed.push([w.id, { inputState, outputState: { NotExist: true }, idOperation: { None: true } }]);
      wrapped.push({ objectId: w.id, version: lamport.toString(), digest: WRAPPED_DIGEST });
      objectChanges.push({
        type: "wrapped",
        sender: ses.sender,
        objectType: typeStr,
        objectId: w.id,
        version: lamport.toString(),
      });
    }
  }
  return {
    changed,
    gasObjectIndex,
    created,
    mutated,
    deleted,
    wrapped,
    modifiedAtVersions,
    sharedObjects,
    unchangedConsensus,
    objectChanges,
  };
}

/** Adds `amt` to the balance change of a Coin<T> owned by an address (anything else: nothing). */
function addBalance(deltas: Map<string, bigint>, owner: Owner, t: MoveType, amt: bigint): void {
  if (owner === "Immutable" || !("AddressOwner" in owner) || !isStruct(t, "0x2", "coin", "Coin")) return;
  const k = `${owner.AddressOwner}|${typeToString(t.kind === "struct" ? t.args[0]! : t)}`;
  deltas.set(k, (deltas.get(k) ?? 0n) + amt);
}

/** Balance changes: the net change of Coin<T> objects owned by each address. */
function balanceChangesOf(changes: Change[], out: Map<string, StoredObject>): unknown[] {
  const deltas = new Map<string, bigint>();
  for (const ch of changes) {
    const w = ch.w;
    if (w.id === ZERO_ADDR) continue;
    if (w.orig?.type) addBalance(deltas, w.orig.owner, w.orig.type, -(w.orig.value as CoinValue).balance?.value || 0n);
    const o = out.get(w.id);
    if (o?.type) addBalance(deltas, o.owner, o.type, (o.value as CoinValue).balance?.value ?? 0n);
  }
  return [...deltas.entries()]
    .filter(([, v]) => v !== 0n)
    .map(([k, v]) => {
      const [owner, coinType] = k.split("|") as [string, string];
      return { owner: { AddressOwner: owner }, coinType, amount: v.toString() };
    });
}

/** The signed transaction as JSON-RPC shows it. */
function transactionJson(ses: Session, signatures: string[]): unknown {
  return {
    data: {
      messageVersion: "v1",
      transaction: { kind: "ProgrammableTransaction" },
      sender: ses.sender,
      gasData: {
        payment: ses.tx.gasData.payment.map((p) => ({
          objectId: normalizeAddress(p.objectId),
          version: p.version,
          digest: p.digest,
        })),
        owner: normalizeAddress(ses.tx.gasData.owner),
        price: ses.tx.gasData.price,
        budget: ses.tx.gasData.budget,
      },
    },
    txSignatures: signatures,
  };
}
