/** Devnet records (objects, transactions, events, checkpoints) → `sui.rpc.v2` messages. */
import { bcs as suiBcs, TypeTagSerializer } from "@mysten/sui/bcs";
import { parseTransactionEffectsBcs } from "@mysten/sui/client";
import { GrpcTypes } from "@mysten/sui/grpc";
import { Transaction } from "@mysten/sui/transactions";
import { normalizeStructTag } from "@mysten/sui/utils";
import type { IMessageType } from "@protobuf-ts/runtime";
import { toSuiJson, typeToString } from "../bytecode.js";
import type { Checkpoint } from "../journal.js";
import { base64Bytes } from "../runtime/primitives.js";
import type { EffectsChangeValue, OwnerValue } from "../runtime/types.js";
import { type EventRecord, ownerToBcs, type Runtime, type TxRecord } from "../runtime.js";
import type { Owner, StoredObject } from "../types.js";
import { FieldMaskTree } from "./mask.js";
import { transactionDataToGrpcTransaction } from "./resolver.js";

const {
  Owner_OwnerKind,
  ChangedObject_InputObjectState,
  ChangedObject_OutputObjectState,
  ChangedObject_IdOperation,
  ExecutionError_ExecutionErrorKind,
} = GrpcTypes;

/** google.protobuf.Value, the generated type (reached through Object.json; it is not exported by name). */
const jsonField = GrpcTypes.Object.fields.find((f) => f.name === "json");
if (jsonField?.kind !== "message") throw new Error("@mysten/sui: sui.rpc.v2.Object.json is not a message field");
type JsonValue = GrpcTypes.Object["json"] & object;
const Value = jsonField.T() as unknown as IMessageType<JsonValue>;
/** The messages a `Value` holds (google.protobuf.Struct, google.protobuf.ListValue), by their fields' numbers. */
const valueField = (no: number) => {
  const f = Value.fields.find((x) => x.no === no);
  if (f?.kind !== "message") throw new Error(`@mysten/sui: google.protobuf.Value field ${no} is not a message field`);
  return f.T() as IMessageType<object>;
};
const StructType = valueField(5);
const ListValueType = valueField(6);

/**
 * `Value.fromJson(json)`, built directly: the messages `Value`/`Struct`/`ListValue.fromJson`
 * make (same prototypes, same fields, same order), without their generic JSON reader's option
 * merging and per-field dispatch. Anything else (undefined, a bigint…) goes to `fromJson`, which
 * refuses it with its own error.
 */
export function jsonValue(json: unknown): JsonValue {
  let kind: JsonValue["kind"];
  switch (typeof json) {
    case "number":
      kind = { oneofKind: "numberValue", numberValue: json };
      break;
    case "string":
      kind = { oneofKind: "stringValue", stringValue: json };
      break;
    case "boolean":
      kind = { oneofKind: "boolValue", boolValue: json };
      break;
    case "object":
      if (json === null) kind = { oneofKind: "nullValue", nullValue: 0 };
      else if (Array.isArray(json)) {
        const list = Object.create(ListValueType.messagePrototype ?? null) as { values: JsonValue[] };
        list.values = json.map(jsonValue);
        kind = { oneofKind: "listValue", listValue: list as never };
      } else {
        const struct = Object.create(StructType.messagePrototype ?? null) as { fields: Record<string, JsonValue> };
        struct.fields = {};
        for (const [k, v] of Object.entries(json)) struct.fields[k] = jsonValue(v);
        kind = { oneofKind: "structValue", structValue: struct as never };
      }
      break;
    default:
      return Value.fromJson(json as never);
  }
  const value = Object.create(Value.messagePrototype ?? null) as JsonValue;
  value.kind = kind;
  return value;
}

/** `normalizeStructTag`, remembered: the same few types are normalized again and again. */
const normalizedTags = new Map<string, string>();
export function normalizedStructTag(type: string): string {
  let t = normalizedTags.get(type);
  if (t === undefined) {
    t = normalizeStructTag(type);
    if (normalizedTags.size >= 10_000) normalizedTags.clear();
    normalizedTags.set(type, t);
  }
  return t;
}

export function ownerToProto(o: Owner): GrpcTypes.Owner {
  if (o === "Immutable") return { kind: Owner_OwnerKind.IMMUTABLE };
  if ("AddressOwner" in o) return { kind: Owner_OwnerKind.ADDRESS, address: o.AddressOwner };
  if ("ObjectOwner" in o) return { kind: Owner_OwnerKind.OBJECT, address: o.ObjectOwner };
  return { kind: Owner_OwnerKind.SHARED, version: BigInt(o.Shared.initial_shared_version) };
}

export function timestampOf(ms: bigint | string): { seconds: bigint; nanos: number } {
  const v = BigInt(ms);
  return { seconds: v / 1000n, nanos: Number(v % 1000n) * 1_000_000 };
}

/** `0x2::coin::Coin<T>` → the `MoveObjectType` enum of the object's BCS (as Sui encodes it). */
function moveObjectType(typeStr: string): Parameters<typeof suiBcs.MoveObjectType.serialize>[0] {
  const gas = normalizeStructTag("0x2::coin::Coin<0x2::sui::SUI>");
  if (typeStr === gas) return { GasCoin: null };
  const coin = /^0x0{63}2::coin::Coin<(.+)>$/.exec(typeStr);
  if (coin) return { Coin: TypeTagSerializer.parseFromStr(coin[1]!, true) };
  const tag = TypeTagSerializer.parseFromStr(typeStr, true);
  if (typeof tag !== "object" || !("struct" in tag)) throw new Error(`not a struct type: ${typeStr}`);
  return { Other: tag.struct };
}

/**
 * Move objects converted, per runtime, by digest: a digest names one object at one version
 * (its id, version, owner, previous transaction, rebate and contents are what it hashes), so each
 * reader of that version (the 3 sampled nodes reading a request, …) gets the same message. The
 * object's BCS (`bcs`: the whole object through the schema) and JSON (`json`) are made only for
 * a read mask that selects them, once each. The messages are shared: callers copy before
 * changing them (`applyMask` builds a new one).
 */
interface ConvertedObject {
  /** Everything but `bcs` and `json`. */
  base: GrpcTypes.Object;
  bcs?: GrpcTypes.Bcs | null;
  json?: JsonValue | null;
  /** Everything (no mask, or one selecting both). */
  full?: GrpcTypes.Object;
}
const convertedObjects = new WeakMap<Runtime, Map<string, ConvertedObject>>();
const CONVERTED_OBJECTS_MAX = 4096;

/** `only`: a read mask of `Object`; `bcs` and `json` are left out unless it selects them. */
export function objectToProto(rt: Runtime, o: StoredObject, only?: FieldMaskTree): GrpcTypes.Object {
  if (!o.type) return packageToProto(o);
  let cache = convertedObjects.get(rt);
  if (!cache) {
    cache = new Map();
    convertedObjects.set(rt, cache);
  }
  let c = cache.get(o.digest);
  if (c === undefined) {
    c = { base: moveObjectBase(o) };
    if (cache.size >= CONVERTED_OBJECTS_MAX) cache.delete(cache.keys().next().value!);
    cache.set(o.digest, c);
  }
  const wantBcs = !only || only.contains("bcs");
  const wantJson = !only || only.contains("json");
  if (!wantBcs && !wantJson) return c.base;
  if (wantBcs) c.bcs ??= objectBcs(o, c.base.objectType!) ?? null;
  if (wantJson) c.json ??= o.value !== undefined && o.type ? jsonValue(toSuiJson(o.type, o.value, rt.resolve)) : null;
  const parts = (bcs: boolean, json: boolean): GrpcTypes.Object => ({
    ...c.base,
    ...(bcs && c.bcs ? { bcs: c.bcs } : {}),
    ...(json && c.json ? { json: c.json } : {}),
  });
  if (!(wantBcs && wantJson)) return parts(wantBcs, wantJson);
  c.full ??= parts(true, true);
  return c.full;
}

function moveObjectBase(o: StoredObject): GrpcTypes.Object {
  const typeStr = normalizedStructTag(typeToString(o.type!, true));
  const out: GrpcTypes.Object = {
    ...objectHeader(o),
    objectType: typeStr,
    hasPublicTransfer: o.hasPublicTransfer,
  };
  if (o.bcs) out.contents = { name: typeStr, value: o.bcs };
  const t = o.type!;
  if (t.kind === "struct" && t.module === "coin" && t.name === "Coin")
    out.balance = (o.value as { balance: { value: bigint } }).balance.value;
  return out;
}

/** The whole object (`sui::object::Object`) as BCS, for a Move object with contents. */
function objectBcs(o: StoredObject, typeStr: string): GrpcTypes.Bcs | undefined {
  if (!o.bcs) return undefined;
  return {
    name: "Object",
    value: suiBcs.Object.serialize({
      data: {
        Move: {
          type: moveObjectType(typeStr),
          hasPublicTransfer: o.hasPublicTransfer,
          version: o.version,
          contents: o.bcs,
        },
      },
      owner: ownerToBcs(o.owner) as never,
      previousTransaction: o.previousTransaction,
      storageRebate: o.storageRebate,
    }).toBytes(),
  };
}

/** The fields every object's message starts with, Move object or package. */
function objectHeader(o: StoredObject): GrpcTypes.Object {
  return {
    objectId: o.id,
    version: o.version,
    digest: o.digest,
    owner: ownerToProto(o.owner),
    previousTransaction: o.previousTransaction,
    storageRebate: o.storageRebate,
  };
}

function packageToProto(o: StoredObject): GrpcTypes.Object {
  return {
    ...objectHeader(o),
    objectType: "package",
    package: {
      storageId: o.id,
      originalId: o.id,
      version: o.version,
      modules: [...(o.modules?.entries() ?? [])].map(([name, m]) => ({
        name,
        contents: m.bytes,
        datatypes: [],
        functions: [],
      })),
      typeOrigins: [],
      linkage: [],
    },
  };
}

/**
 * An event's contents and JSON as messages, each made once per record on first use and shared by
 * every conversion (the execution's answer, then each ListEvents page): remade if the record's
 * `bcs` or `parsedJson` was replaced since.
 */
interface EventParts {
  bcs: string;
  parsed: unknown;
  bytes?: Uint8Array;
  json?: JsonValue;
}
const eventParts = new WeakMap<EventRecord, EventParts>();
function partsOfEvent(e: EventRecord): EventParts {
  const parsed = e.parsedJson ?? null;
  let got = eventParts.get(e);
  if (got?.bcs !== e.bcs || got.parsed !== parsed) {
    got = { bcs: e.bcs, parsed };
    eventParts.set(e, got);
  }
  return got;
}

/**
 * `only`: a read mask of `Event`; the contents and the JSON are left out unless it selects them
 * (the JSON is most of an event's conversion and encoding).
 */
export function eventToProto(e: EventRecord, checkpoint: string | null, only?: FieldMaskTree): GrpcTypes.Event {
  const p = partsOfEvent(e);
  const out: GrpcTypes.Event = {
    packageId: e.packageId,
    module: e.transactionModule,
    sender: e.sender,
    eventType: e.type,
    transactionDigest: e.id.txDigest,
    eventIndex: Number(e.id.eventSeq),
  };
  if (!only || only.contains("contents")) {
    p.bytes ??= base64Bytes(p.bcs);
    out.contents = { name: e.type, value: p.bytes };
  }
  if (!only || only.contains("json")) {
    p.json ??= jsonValue(p.parsed);
    out.json = p.json;
  }
  if (checkpoint !== null) out.checkpoint = BigInt(checkpoint);
  return out;
}

type CoreEffects = ReturnType<typeof parseTransactionEffectsBcs>;
type CoreChange = CoreEffects["changedObjects"][number];
type CoreOwner = NonNullable<CoreChange["outputOwner"]>;

/** An owner as parsed from BCS (`$kind`) or as the devnet builds it for BCS (`OwnerValue`, no `$kind`). */
function coreOwnerToProto(o: CoreOwner | OwnerValue | null): GrpcTypes.Owner | undefined {
  if (!o) return undefined;
  if ("AddressOwner" in o && o.AddressOwner !== undefined)
    return { kind: Owner_OwnerKind.ADDRESS, address: o.AddressOwner };
  if ("ObjectOwner" in o && o.ObjectOwner !== undefined)
    return { kind: Owner_OwnerKind.OBJECT, address: o.ObjectOwner };
  if ("Shared" in o && o.Shared !== undefined)
    return { kind: Owner_OwnerKind.SHARED, version: BigInt(o.Shared.initialSharedVersion) };
  if ("Immutable" in o && o.Immutable !== undefined) return { kind: Owner_OwnerKind.IMMUTABLE };
  return { kind: Owner_OwnerKind.OWNER_KIND_UNKNOWN };
}

const INPUT_STATE: Record<string, GrpcTypes.ChangedObject_InputObjectState> = {
  Exists: ChangedObject_InputObjectState.EXISTS,
  DoesNotExist: ChangedObject_InputObjectState.DOES_NOT_EXIST,
};
const OUTPUT_STATE: Record<string, GrpcTypes.ChangedObject_OutputObjectState> = {
  ObjectWrite: ChangedObject_OutputObjectState.OBJECT_WRITE,
  PackageWrite: ChangedObject_OutputObjectState.PACKAGE_WRITE,
  DoesNotExist: ChangedObject_OutputObjectState.DOES_NOT_EXIST,
};
const ID_OPERATION: Record<string, GrpcTypes.ChangedObject_IdOperation> = {
  None: ChangedObject_IdOperation.NONE,
  Created: ChangedObject_IdOperation.CREATED,
  Deleted: ChangedObject_IdOperation.DELETED,
};

/** A changed object in the SDK's parsed shape (`parseTransactionEffectsBcs`), owners either parsed or as built. */
interface ChangeLike {
  objectId: string;
  inputState: string;
  inputVersion: string | null;
  inputDigest: string | null;
  inputOwner: CoreOwner | OwnerValue | null;
  outputState: string;
  outputVersion: string | null;
  outputDigest: string | null;
  outputOwner: CoreOwner | OwnerValue | null;
  idOperation: string;
}

function changeToProto(c: ChangeLike, types: Map<string, string>): GrpcTypes.ChangedObject {
  const t = types.get(c.objectId);
  return {
    objectId: c.objectId,
    inputState: INPUT_STATE[c.inputState] ?? ChangedObject_InputObjectState.UNKNOWN,
    ...(c.inputVersion ? { inputVersion: BigInt(c.inputVersion) } : {}),
    ...(c.inputDigest ? { inputDigest: c.inputDigest } : {}),
    ...(c.inputOwner ? { inputOwner: coreOwnerToProto(c.inputOwner) } : {}),
    outputState: OUTPUT_STATE[c.outputState] ?? ChangedObject_OutputObjectState.UNKNOWN,
    ...(c.outputVersion ? { outputVersion: BigInt(c.outputVersion) } : {}),
    ...(c.outputDigest ? { outputDigest: c.outputDigest } : {}),
    ...(c.outputOwner ? { outputOwner: coreOwnerToProto(c.outputOwner) } : {}),
    idOperation: ID_OPERATION[c.idOperation] ?? ChangedObject_IdOperation.ID_OPERATION_UNKNOWN,
    ...(t ? { objectType: t } : {}),
  };
}

/** A changed object of the devnet's own effects value, as `parseTransactionEffectsBcs` reads it back from the BCS. */
function keptChange([objectId, ch]: [string, EffectsChangeValue], lamportVersion: string): ChangeLike {
  const exist = "Exist" in ch.inputState ? ch.inputState.Exist : undefined;
  const out = ch.outputState;
  const pkg = "PackageWrite" in out ? out.PackageWrite : undefined;
  const obj = "ObjectWrite" in out ? out.ObjectWrite : undefined;
  return {
    objectId,
    inputState: exist ? "Exists" : "DoesNotExist",
    inputVersion: exist?.[0][0] ?? null,
    inputDigest: exist?.[0][1] ?? null,
    inputOwner: exist?.[1] ?? null,
    outputState: pkg ? "PackageWrite" : obj ? "ObjectWrite" : "DoesNotExist",
    outputVersion: pkg ? pkg[0] : obj ? lamportVersion : null,
    outputDigest: pkg ? pkg[1] : obj ? obj[0] : null,
    outputOwner: obj ? obj[1] : null,
    idOperation: Object.keys(ch.idOperation)[0]!,
  };
}

function statusToProto(s: CoreEffects["status"]): GrpcTypes.ExecutionStatus {
  if (s.success) return { success: true };
  const e = s.error;
  const err: GrpcTypes.ExecutionError = {
    description: e.message,
    errorDetails: { oneofKind: undefined },
    ...(e.command !== undefined ? { command: BigInt(e.command) } : {}),
  };
  if (e.$kind === "MoveAbort" && e.MoveAbort.location) {
    const loc = e.MoveAbort.location;
    err.kind = ExecutionError_ExecutionErrorKind.MOVE_ABORT;
    err.errorDetails = {
      oneofKind: "abort",
      abort: {
        abortCode: BigInt(e.MoveAbort.abortCode),
        location: {
          ...(loc.package ? { package: loc.package } : {}),
          ...(loc.module ? { module: loc.module } : {}),
          ...(loc.function !== undefined ? { function: loc.function } : {}),
          ...(loc.instruction !== undefined ? { instruction: loc.instruction } : {}),
          ...(loc.functionName ? { functionName: loc.functionName } : {}),
        },
      },
    };
  }
  return { success: false, error: err };
}

/** Effects of a system transaction without BCS effects (faucet mints): from its object changes. */
function mintEffectsToProto(tx: TxRecord): GrpcTypes.TransactionEffects {
  const created = tx.objectChanges as {
    objectId: string;
    objectType: string;
    owner: Owner;
    version: string;
    digest: string;
  }[];
  return {
    version: 2,
    status: { success: true },
    epoch: BigInt(String((tx.effects as { executedEpoch?: string }).executedEpoch ?? "0")),
    gasUsed: { computationCost: 0n, storageCost: 0n, storageRebate: 0n, nonRefundableStorageFee: 0n },
    transactionDigest: tx.digest,
    dependencies: [],
    changedObjects: created.map((c) => ({
      objectId: c.objectId,
      inputState: ChangedObject_InputObjectState.DOES_NOT_EXIST,
      outputState: ChangedObject_OutputObjectState.OBJECT_WRITE,
      outputVersion: BigInt(c.version),
      outputDigest: c.digest,
      outputOwner: ownerToProto(c.owner),
      idOperation: ChangedObject_IdOperation.CREATED,
      objectType: normalizedStructTag(c.objectType),
    })),
    unchangedConsensusObjects: [],
    unchangedLoadedRuntimeObjects: [],
  };
}

/** What a transaction's effects hold but their BCS, in the SDK's parsed shape. */
interface EffectsBody {
  version: number;
  status: GrpcTypes.ExecutionStatus;
  gasUsed: CoreEffects["gasUsed"];
  transactionDigest: string;
  gasObject: ChangeLike | null;
  eventsDigest: string | null;
  dependencies: string[];
  lamportVersion: string | null;
  changedObjects: ChangeLike[];
}

/**
 * The effects as execution built them (`TxRecord.kept`): what `parseTransactionEffectsBcs` would
 * read back from their BCS, without encoding and decoding it. A failure's status goes through the
 * SDK's parser (its error texts are the SDK's), as does any record without kept values.
 */
function effectsBody(tx: TxRecord): EffectsBody {
  const v = tx.kept?.effects.V2;
  if (v && "Success" in v.status) {
    const changed = v.changedObjects.map((c) => keptChange(c, v.lamportVersion));
    return {
      version: 2,
      status: { success: true },
      gasUsed: v.gasUsed,
      transactionDigest: v.transactionDigest,
      gasObject: v.gasObjectIndex === null ? null : (changed[v.gasObjectIndex] ?? null),
      eventsDigest: v.eventsDigest,
      dependencies: v.dependencies,
      lamportVersion: v.lamportVersion,
      changedObjects: changed,
    };
  }
  const fx = parseTransactionEffectsBcs(Uint8Array.from(tx.rawEffects));
  return { ...fx, status: statusToProto(fx.status) };
}

/** A record's converted parts, each computed on first use: a record does not change once executed. */
interface Parts {
  effects?: GrpcTypes.TransactionEffects;
  effectsBcs?: Uint8Array;
  signed?: { txBytes: Uint8Array; signatures: Uint8Array[] } | null;
  transaction?: GrpcTypes.Transaction;
  events?: { checkpoint: string | null; events: GrpcTypes.Event[] };
  eventsNoJson?: { checkpoint: string | null; events: GrpcTypes.Event[] };
  balanceChanges?: GrpcTypes.BalanceChange[];
}
const partsOf = new WeakMap<TxRecord, Parts>();
/** Every field of an event but its JSON. */
const NO_JSON = FieldMaskTree.of(GrpcTypes.Event.fields.filter((f) => f.name !== "json").map((f) => f.name));
function parts(tx: TxRecord): Parts {
  let p = partsOf.get(tx);
  if (!p) {
    p = {};
    partsOf.set(tx, p);
  }
  return p;
}

/**
 * The effects; `withBcs: false` leaves out their BCS (encoded only when a mask selects it). The
 * message is shared by every read of the record: callers copy before changing it.
 */
export function effectsToProto(tx: TxRecord, withBcs = true): GrpcTypes.TransactionEffects {
  if (!tx.kept && tx.rawEffects.length === 0) return mintEffectsToProto(tx);
  const p = parts(tx);
  if (!p.effects) {
    const fx = effectsBody(tx);
    const types = new Map<string, string>();
    for (const c of tx.objectChanges as {
      objectId?: string;
      objectType?: string;
      type?: string;
      packageId?: string;
    }[]) {
      if (c.objectId && c.objectType) types.set(c.objectId, normalizedStructTag(c.objectType));
      if (c.type === "published" && c.packageId) types.set(c.packageId, "package");
    }
    const gas = fx.gasObject;
    p.effects = {
      version: fx.version,
      status: fx.status,
      epoch: BigInt(String((tx.effects as { executedEpoch?: string }).executedEpoch ?? "0")),
      gasUsed: {
        computationCost: BigInt(fx.gasUsed.computationCost),
        storageCost: BigInt(fx.gasUsed.storageCost),
        storageRebate: BigInt(fx.gasUsed.storageRebate),
        nonRefundableStorageFee: BigInt(fx.gasUsed.nonRefundableStorageFee),
      },
      transactionDigest: fx.transactionDigest,
      ...(gas ? { gasObject: changeToProto(gas, types) } : {}),
      ...(fx.eventsDigest ? { eventsDigest: fx.eventsDigest } : {}),
      dependencies: fx.dependencies,
      ...(fx.lamportVersion ? { lamportVersion: BigInt(fx.lamportVersion) } : {}),
      changedObjects: fx.changedObjects.map((c) => changeToProto(c, types)),
      unchangedConsensusObjects: [],
      unchangedLoadedRuntimeObjects: [],
    };
  }
  if (!withBcs) return p.effects;
  p.effectsBcs ??= Uint8Array.from(tx.rawEffects);
  return { bcs: { name: "TransactionEffects", value: p.effectsBcs }, ...p.effects };
}

/** The signed transaction a record carries; undefined for system transactions (faucet mints). */
function splitSenderSigned(b64: string): { txBytes: Uint8Array; signatures: Uint8Array[] } | undefined {
  if (!b64) return undefined;
  let parsed: ReturnType<typeof suiBcs.SenderSignedData.parse>;
  try {
    parsed = suiBcs.SenderSignedData.parse(base64Bytes(b64));
  } catch {
    return undefined;
  }
  const first = parsed[0];
  if (!first) return undefined;
  return {
    txBytes: suiBcs.TransactionData.serialize(first.intentMessage.value).toBytes(),
    signatures: first.txSignatures.map((s) => base64Bytes(s)),
  };
}

/** The signed bytes and signatures: as executed (kept), else read back from the record's SenderSignedData. */
function signedOf(tx: TxRecord): { txBytes: Uint8Array; signatures: Uint8Array[] } | undefined {
  const p = parts(tx);
  if (p.signed === undefined) {
    const k = tx.kept;
    p.signed = k?.txBytes
      ? { txBytes: k.txBytes, signatures: k.signatures.map((s) => base64Bytes(s)) }
      : (splitSenderSigned(tx.rawTransaction) ?? null);
  }
  return p.signed ?? undefined;
}

/** `Transaction` fields that need the transaction data decoded (`bcs` and `digest` do not). */
const DECODED_TRANSACTION_FIELDS = ["version", "kind", "sender", "gas_payment", "expiration"];

/** Whether a mask of `Transaction` selects a field that needs the transaction data decoded. */
export function needsDecodedTransaction(mask: FieldMaskTree): boolean {
  return mask.wildcard || DECODED_TRANSACTION_FIELDS.some((f) => mask.contains(f));
}

/** `override`: the transaction data to report (simulations of a kind or of unsigned bytes). */
/**
 * `only`: a read mask; the fields it does not select are not computed (the mask drops them
 * anyway): an execution answered with `effects` (the default) neither re-reads the transaction
 * nor converts events and balance changes, and `transaction.digest` alone decodes nothing. The
 * parts are computed once per record and shared by every read (a record does not change once
 * executed; its events' checkpoint is checked).
 */
export function executedToProto(
  tx: TxRecord,
  override?: GrpcTypes.Transaction,
  only?: FieldMaskTree,
): GrpcTypes.ExecutedTransaction {
  const want = (field: string) => !only || only.contains(field);
  const p = parts(tx);
  const signed = override || !(want("transaction") || want("signatures")) ? undefined : signedOf(tx);
  let transaction: GrpcTypes.Transaction | undefined = override;
  if (signed && want("transaction")) {
    const sub = only?.subtree("transaction");
    if (!sub || needsDecodedTransaction(sub)) {
      p.transaction ??= {
        ...transactionDataToGrpcTransaction(Transaction.from(signed.txBytes).getData()),
        bcs: { name: "TransactionData", value: signed.txBytes },
        digest: tx.digest,
      };
      transaction = p.transaction;
    } else transaction = { bcs: { name: "TransactionData", value: signed.txBytes }, digest: tx.digest };
  }
  let events: GrpcTypes.TransactionEvents | undefined;
  if (want("events")) {
    // Without the events' JSON when the mask leaves it out (kept apart from the whole events).
    const eventMask = only && (only.subtree("events")?.subtree("events") ?? FieldMaskTree.of([]));
    const slot = !eventMask || eventMask.contains("json") ? "events" : "eventsNoJson";
    let kept = p[slot];
    if (kept?.checkpoint !== tx.checkpoint) {
      const eventOnly = slot === "events" ? undefined : NO_JSON;
      kept = { checkpoint: tx.checkpoint, events: tx.events.map((e) => eventToProto(e, tx.checkpoint, eventOnly)) };
      p[slot] = kept;
    }
    events = { events: kept.events };
  }
  let balanceChanges: GrpcTypes.BalanceChange[] = [];
  if (want("balance_changes"))
    balanceChanges = p.balanceChanges ??= (
      tx.balanceChanges as { owner: Owner; coinType: string; amount: string }[]
    ).map((b) => ({
      address: b.owner !== "Immutable" && "AddressOwner" in b.owner ? b.owner.AddressOwner : "",
      coinType: normalizedStructTag(b.coinType),
      amount: b.amount,
    }));
  const effectsMask = only?.subtree("effects");
  return {
    digest: tx.digest,
    ...(transaction ? { transaction } : {}),
    signatures: (signed?.signatures ?? []).map((s) => ({
      bcs: { name: "UserSignature", value: s },
      signature: { oneofKind: undefined },
    })),
    ...(want("effects") ? { effects: effectsToProto(tx, !effectsMask || effectsMask.contains("bcs")) } : {}),
    ...(events ? { events } : {}),
    ...(tx.checkpoint !== null ? { checkpoint: BigInt(tx.checkpoint) } : {}),
    timestamp: timestampOf(tx.timestampMs),
    balanceChanges,
  };
}

/**
 * `withTransactions: false` leaves the (costly) transactions out, for masks that do not select
 * them; `txMask`: the transactions' fields to convert (the others are left out).
 */
export function checkpointToProto(
  rt: Runtime,
  cp: Checkpoint,
  withTransactions = true,
  txMask?: FieldMaskTree,
): GrpcTypes.Checkpoint {
  const seq = BigInt(cp.sequenceNumber);
  return {
    sequenceNumber: seq,
    digest: cp.digest,
    summary: {
      digest: cp.digest,
      epoch: BigInt(cp.epoch),
      sequenceNumber: seq,
      totalNetworkTransactions: BigInt(cp.networkTotalTransactions),
      ...(cp.previousDigest ? { previousDigest: cp.previousDigest } : {}),
      epochRollingGasCostSummary: {
        computationCost: BigInt(cp.epochRollingGasCostSummary.computationCost),
        storageCost: BigInt(cp.epochRollingGasCostSummary.storageCost),
        storageRebate: BigInt(cp.epochRollingGasCostSummary.storageRebate),
        nonRefundableStorageFee: BigInt(cp.epochRollingGasCostSummary.nonRefundableStorageFee),
      },
      timestamp: timestampOf(cp.timestampMs),
      commitments: [],
    },
    transactions: (withTransactions ? cp.transactions : []).flatMap((d) => {
      const tx = rt.txs.get(d);
      return tx ? [executedToProto(tx, undefined, txMask)] : [];
    }),
  };
}
