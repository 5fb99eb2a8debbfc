/**
 * The hot answers' messages written directly, field by field, in protobuf's wire format:
 * `ExecutedTransaction` (ExecuteTransaction, GetTransaction), `Event` (ListEvents pages and the
 * events inside transactions) and `Object` (GetObject, BatchGetObjects). Each writer takes the
 * masked message (what `applyMask` made) and gives byte for byte what `GrpcTypes.X.toBinary` of it
 * gives (`test/grpc-direct.test.ts`: every transaction, event and object of a run under a set of
 * masks), without protobuf-ts's reflection writer (a field-info walk per value, a chunk list per
 * nesting level copied again at each `join`, an allocation per double and per map entry). An
 * event's or object's JSON (`google.protobuf.Value`: the struct's map entries, vectors as lists of
 * doubles) is encoded once per value and its bytes reused.
 *
 * What the writers do not write themselves goes to protobuf-ts: a sub-message the devnet's hot
 * answers do not carry (a decoded transaction's kind, gas payment and expiration, an execution
 * error, a package, a display, an accumulator write, a structured signature) is encoded by its
 * generated type and embedded as it is; a value not of the expected shape (a u64 that is not a
 * bigint, unknown fields, a field table that is not the one these writers were written for) sends
 * the whole message to `toBinary`, so its bytes or its error are protobuf-ts's own.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import { type FieldInfo, type IMessageType, UnknownFieldHandler } from "@protobuf-ts/runtime";
import { NotDirect, ProtoWriter, WIRE_BIT64, WIRE_LEN, WIRE_VARINT } from "./proto-writer.js";

type JsonValue = NonNullable<GrpcTypes.Object["json"]>;
type Struct = Extract<JsonValue["kind"], { oneofKind: "structValue" }>["structValue"];
type ListValue = Extract<JsonValue["kind"], { oneofKind: "listValue" }>["listValue"];

const jsonField = GrpcTypes.Object.fields.find((f) => f.name === "json");
if (jsonField?.kind !== "message") throw new Error("@mysten/sui: sui.rpc.v2.Object.json is not a message field");
const ValueType = jsonField.T() as IMessageType<JsonValue>;
const valueKind = (no: number) => {
  const f = ValueType.fields.find((x) => x.no === no);
  if (f?.kind !== "message") throw new Error(`@mysten/sui: google.protobuf.Value field ${no} is not a message field`);
  return f.T() as IMessageType<object>;
};
const subType = (T: IMessageType<object>, name: string): IMessageType<object> => {
  const f = T.fields.find((x) => x.localName === name);
  if (f?.kind !== "message") throw new Error(`@mysten/sui: ${T.typeName}.${name} is not a message field`);
  return f.T() as IMessageType<object>;
};

/**
 * The field tables the writers below follow (number, name, kind, repeat, optional, oneof). If the
 * generated types differ (another @mysten/sui), every message goes to protobuf-ts.
 */
const TABLES: [IMessageType<object>, string][] = [
  [
    GrpcTypes.ExecutedTransaction,
    "1 digest s9 ?|2 transaction sui.rpc.v2.Transaction ?|3 signatures sui.rpc.v2.UserSignature r2|4 effects sui.rpc.v2.TransactionEffects ?|5 events sui.rpc.v2.TransactionEvents ?|6 checkpoint s4 ?|7 timestamp google.protobuf.Timestamp ?|8 balanceChanges sui.rpc.v2.BalanceChange r2|9 objects sui.rpc.v2.ObjectSet ?|10 transactionIndex s4 ?",
  ],
  [
    GrpcTypes.Transaction,
    "1 bcs sui.rpc.v2.Bcs ?|2 digest s9 ?|3 version s5 ?|4 kind sui.rpc.v2.TransactionKind ?|5 sender s9 ?|6 gasPayment sui.rpc.v2.GasPayment ?|7 expiration sui.rpc.v2.TransactionExpiration ?",
  ],
  [GrpcTypes.Bcs, "1 name s9 ?|2 value s12 ?"],
  [
    GrpcTypes.UserSignature,
    "1 bcs sui.rpc.v2.Bcs ?|2 scheme e ?|3 simple sui.rpc.v2.SimpleSignature signature|4 multisig sui.rpc.v2.MultisigAggregatedSignature signature|5 zklogin sui.rpc.v2.ZkLoginAuthenticator signature|6 passkey sui.rpc.v2.PasskeyAuthenticator signature",
  ],
  [
    GrpcTypes.TransactionEffects,
    "1 bcs sui.rpc.v2.Bcs ?|2 digest s9 ?|3 version s5 ?|4 status sui.rpc.v2.ExecutionStatus ?|5 epoch s4 ?|6 gasUsed sui.rpc.v2.GasCostSummary ?|7 transactionDigest s9 ?|8 gasObject sui.rpc.v2.ChangedObject ?|9 eventsDigest s9 ?|10 dependencies s9 r2|11 lamportVersion s4 ?|12 changedObjects sui.rpc.v2.ChangedObject r2|13 unchangedConsensusObjects sui.rpc.v2.UnchangedConsensusObject r2|14 auxiliaryDataDigest s9 ?|15 unchangedLoadedRuntimeObjects sui.rpc.v2.ObjectReference r2",
  ],
  [GrpcTypes.ExecutionStatus, "1 success s8 ?|2 error sui.rpc.v2.ExecutionError ?"],
  [
    GrpcTypes.GasCostSummary,
    "1 computationCost s4 ?|2 storageCost s4 ?|3 storageRebate s4 ?|4 nonRefundableStorageFee s4 ?",
  ],
  [
    GrpcTypes.ChangedObject,
    "1 objectId s9 ?|2 inputState e ?|3 inputVersion s4 ?|4 inputDigest s9 ?|5 inputOwner sui.rpc.v2.Owner ?|6 outputState e ?|7 outputVersion s4 ?|8 outputDigest s9 ?|9 outputOwner sui.rpc.v2.Owner ?|10 idOperation e ?|11 objectType s9 ?|12 accumulatorWrite sui.rpc.v2.AccumulatorWrite ?",
  ],
  [GrpcTypes.Owner, "1 kind e ?|2 address s9 ?|3 version s4 ?"],
  [GrpcTypes.UnchangedConsensusObject, "1 kind e ?|2 objectId s9 ?|3 version s4 ?|4 digest s9 ?|5 objectType s9 ?"],
  [GrpcTypes.ObjectReference, "1 objectId s9 ?|2 version s4 ?|3 digest s9 ?"],
  [GrpcTypes.TransactionEvents, "1 bcs sui.rpc.v2.Bcs ?|2 digest s9 ?|3 events sui.rpc.v2.Event r2"],
  [
    GrpcTypes.Event,
    "1 packageId s9 ?|2 module s9 ?|3 sender s9 ?|4 eventType s9 ?|5 contents sui.rpc.v2.Bcs ?|6 json google.protobuf.Value ?|7 checkpoint s4 ?|8 transactionDigest s9 ?|9 transactionIndex s4 ?|10 eventIndex s13 ?",
  ],
  [GrpcTypes.BalanceChange, "1 address s9 ?|2 coinType s9 ?|3 amount s9 ?"],
  [subType(GrpcTypes.ExecutedTransaction, "timestamp"), "1 seconds s3|2 nanos s5"],
  [
    GrpcTypes.Object,
    "1 bcs sui.rpc.v2.Bcs ?|2 objectId s9 ?|3 version s4 ?|4 digest s9 ?|5 owner sui.rpc.v2.Owner ?|6 objectType s9 ?|7 hasPublicTransfer s8 ?|8 contents sui.rpc.v2.Bcs ?|9 package sui.rpc.v2.Package ?|10 previousTransaction s9 ?|11 storageRebate s4 ?|100 json google.protobuf.Value ?|101 balance s4 ?|102 display sui.rpc.v2.Display ?",
  ],
  [
    ValueType as IMessageType<object>,
    "1 nullValue e kind|2 numberValue s1 kind|3 stringValue s9 kind|4 boolValue s8 kind|5 structValue google.protobuf.Struct kind|6 listValue google.protobuf.ListValue kind",
  ],
  [valueKind(5), "1 fields m9>google.protobuf.Value"],
  [valueKind(6), "1 values google.protobuf.Value r2"],
  [
    GrpcTypes.ListEventsResponse,
    "1 event sui.rpc.v2.Event ?|2 watermark sui.rpc.v2.Watermark ?|3 end sui.rpc.v2.QueryEnd ?",
  ],
  [GrpcTypes.Watermark, "1 cursor s12 ?|2 checkpoint s4 ?"],
  [GrpcTypes.BatchGetObjectsResponse, "1 objects sui.rpc.v2.GetObjectResult r2"],
  [GrpcTypes.GetObjectResult, "1 object sui.rpc.v2.Object result|2 error google.rpc.Status result"],
];

function fieldSig(f: FieldInfo): string {
  const t =
    f.kind === "scalar"
      ? `s${f.T}`
      : f.kind === "enum"
        ? "e"
        : f.kind === "map"
          ? `m${f.K}>${f.V.kind === "message" ? f.V.T().typeName : f.V.kind}`
          : f.T().typeName;
  return [f.no, f.localName, t, f.repeat ? `r${f.repeat}` : "", f.opt ? "?" : "", f.oneof ?? ""]
    .filter((x) => x !== "")
    .join(" ");
}

/** The generated type's field table in the form of `TABLES` (fields by number, as protobuf-ts writes them). */
export function fieldTable(T: IMessageType<object>): string {
  return [...T.fields]
    .sort((a, b) => a.no - b.no)
    .map(fieldSig)
    .join("|");
}

/** Why the direct writers are off (every message goes to protobuf-ts), or undefined when they are on. */
export const directWritersOff: string | undefined = (() => {
  for (const [T, want] of TABLES) {
    const got = fieldTable(T);
    if (got !== want) return `${T.typeName}: fields ${got}, the direct writer follows ${want}`;
  }
  return undefined;
})();

/** How often a message went to protobuf-ts after all (tests check the run's answers never do). */
export const directStats = { direct: 0, fallbacks: 0 };

const UNKNOWN = UnknownFieldHandler.symbol;
function plain(m: object): void {
  if (UNKNOWN in m) throw new NotDirect();
}

const W = new ProtoWriter();

/** `T.toBinary(m)` written by `write`, or by protobuf-ts when `write` cannot (its bytes, its error). */
function encode<T extends object>(type: IMessageType<T>, m: T, write: (w: ProtoWriter, m: T) => void): Uint8Array {
  if (directWritersOff === undefined) {
    try {
      write(W.reset(), m);
      directStats.direct++;
      return W.finish();
    } catch {
      // anything unexpected: protobuf-ts's bytes, or its error
    }
  }
  directStats.fallbacks++;
  return type.toBinary(m);
}

// === Field helpers (what the reflection writer does per field kind) ===

/** An optional string: written when set, even empty. */
function optString(w: ProtoWriter, no: number, v: string | undefined): void {
  if (v === undefined) return;
  w.tag(no, WIRE_LEN);
  w.string(v);
}
function optU64(w: ProtoWriter, no: number, v: bigint | undefined): void {
  if (v === undefined) return;
  w.tag(no, WIRE_VARINT);
  w.uint64(v);
}
function optEnum(w: ProtoWriter, no: number, v: number | undefined): void {
  if (v === undefined) return;
  w.tag(no, WIRE_VARINT);
  w.int32(v);
}
function optBool(w: ProtoWriter, no: number, v: boolean | undefined): void {
  if (v === undefined) return;
  w.tag(no, WIRE_VARINT);
  w.bool(v);
}
/** An embedded message written by `write` (tag, length, body). */
function message<T>(w: ProtoWriter, no: number, v: T | undefined, write: (w: ProtoWriter, m: T) => void): void {
  if (v === undefined) return;
  w.tag(no, WIRE_LEN);
  const mark = w.fork();
  write(w, v);
  w.join(mark);
}
/** An embedded message the direct writers leave to its generated type. */
function generated<T extends object>(w: ProtoWriter, no: number, type: IMessageType<T>, v: T | undefined): void {
  if (v === undefined) return;
  w.tag(no, WIRE_LEN);
  w.bytes(type.toBinary(v));
}

// === Messages ===

function bcs(w: ProtoWriter, m: GrpcTypes.Bcs): void {
  plain(m);
  optString(w, 1, m.name);
  if (m.value !== undefined) {
    w.tag(2, WIRE_LEN);
    w.bytes(m.value);
  }
}

function owner(w: ProtoWriter, m: GrpcTypes.Owner): void {
  plain(m);
  optEnum(w, 1, m.kind);
  optString(w, 2, m.address);
  optU64(w, 3, m.version);
}

function objectReference(w: ProtoWriter, m: GrpcTypes.ObjectReference): void {
  plain(m);
  optString(w, 1, m.objectId);
  optU64(w, 2, m.version);
  optString(w, 3, m.digest);
}

function timestamp(w: ProtoWriter, m: { seconds: bigint; nanos: number }): void {
  plain(m);
  if (typeof m.seconds !== "bigint") throw new NotDirect();
  if (m.seconds !== 0n) {
    w.tag(1, WIRE_VARINT);
    w.int64(m.seconds);
  }
  if (m.nanos !== 0) {
    w.tag(2, WIRE_VARINT);
    w.int32(m.nanos);
  }
}

/** google.protobuf.Value bytes, once per value object (an event's or object's JSON is shared by every answer). */
const valueBytes = new WeakMap<object, Uint8Array>();

function value(w: ProtoWriter, m: JsonValue): void {
  const got = valueBytes.get(m);
  if (got) {
    w.raw(got);
    return;
  }
  const start = w.length;
  valueBody(w, m);
  valueBytes.set(m, w.copy(start));
}

function valueBody(w: ProtoWriter, m: JsonValue): void {
  plain(m);
  const k = m.kind;
  switch (k.oneofKind) {
    case "nullValue":
      w.tag(1, WIRE_VARINT);
      w.int32(k.nullValue);
      return;
    case "numberValue":
      if (typeof k.numberValue !== "number") throw new NotDirect();
      w.tag(2, WIRE_BIT64);
      w.double(k.numberValue);
      return;
    case "stringValue":
      w.tag(3, WIRE_LEN);
      w.string(k.stringValue);
      return;
    case "boolValue":
      w.tag(4, WIRE_VARINT);
      w.bool(k.boolValue);
      return;
    case "structValue":
      message(w, 5, k.structValue, struct);
      return;
    case "listValue":
      message(w, 6, k.listValue, list);
      return;
    case undefined:
      return;
    default:
      throw new NotDirect();
  }
}

function struct(w: ProtoWriter, m: Struct): void {
  plain(m);
  const fields = m.fields as Record<string, JsonValue | undefined>;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    w.tag(1, WIRE_LEN);
    const entry = w.fork();
    w.tag(1, WIRE_LEN);
    w.string(key);
    message(w, 2, fields[key], valueBody);
    w.join(entry);
  }
}

function list(w: ProtoWriter, m: ListValue): void {
  plain(m);
  for (const v of m.values) message(w, 1, v, valueBody);
}

function changedObject(w: ProtoWriter, m: GrpcTypes.ChangedObject): void {
  plain(m);
  optString(w, 1, m.objectId);
  optEnum(w, 2, m.inputState);
  optU64(w, 3, m.inputVersion);
  optString(w, 4, m.inputDigest);
  message(w, 5, m.inputOwner, owner);
  optEnum(w, 6, m.outputState);
  optU64(w, 7, m.outputVersion);
  optString(w, 8, m.outputDigest);
  message(w, 9, m.outputOwner, owner);
  optEnum(w, 10, m.idOperation);
  optString(w, 11, m.objectType);
  generated(w, 12, GrpcTypes.AccumulatorWrite, m.accumulatorWrite);
}

function unchangedConsensusObject(w: ProtoWriter, m: GrpcTypes.UnchangedConsensusObject): void {
  plain(m);
  optEnum(w, 1, m.kind);
  optString(w, 2, m.objectId);
  optU64(w, 3, m.version);
  optString(w, 4, m.digest);
  optString(w, 5, m.objectType);
}

function gasCostSummary(w: ProtoWriter, m: GrpcTypes.GasCostSummary): void {
  plain(m);
  optU64(w, 1, m.computationCost);
  optU64(w, 2, m.storageCost);
  optU64(w, 3, m.storageRebate);
  optU64(w, 4, m.nonRefundableStorageFee);
}

function executionStatus(w: ProtoWriter, m: GrpcTypes.ExecutionStatus): void {
  plain(m);
  optBool(w, 1, m.success);
  generated(w, 2, GrpcTypes.ExecutionError, m.error);
}

function effects(w: ProtoWriter, m: GrpcTypes.TransactionEffects): void {
  plain(m);
  message(w, 1, m.bcs, bcs);
  optString(w, 2, m.digest);
  if (m.version !== undefined) {
    w.tag(3, WIRE_VARINT);
    w.int32(m.version);
  }
  message(w, 4, m.status, executionStatus);
  optU64(w, 5, m.epoch);
  message(w, 6, m.gasUsed, gasCostSummary);
  optString(w, 7, m.transactionDigest);
  message(w, 8, m.gasObject, changedObject);
  optString(w, 9, m.eventsDigest);
  for (const d of m.dependencies) {
    w.tag(10, WIRE_LEN);
    w.string(d);
  }
  optU64(w, 11, m.lamportVersion);
  for (const c of m.changedObjects) message(w, 12, c, changedObject);
  for (const u of m.unchangedConsensusObjects) message(w, 13, u, unchangedConsensusObject);
  optString(w, 14, m.auxiliaryDataDigest);
  for (const r of m.unchangedLoadedRuntimeObjects) message(w, 15, r, objectReference);
}

/** Fields 1–6 of an event (before its checkpoint). */
function eventHead(w: ProtoWriter, m: GrpcTypes.Event): void {
  plain(m);
  optString(w, 1, m.packageId);
  optString(w, 2, m.module);
  optString(w, 3, m.sender);
  optString(w, 4, m.eventType);
  message(w, 5, m.contents, bcs);
  message(w, 6, m.json, value);
}
/** Fields 8–10 of an event (after its checkpoint). */
function eventTail(w: ProtoWriter, m: GrpcTypes.Event): void {
  optString(w, 8, m.transactionDigest);
  optU64(w, 9, m.transactionIndex);
  if (m.eventIndex !== undefined) {
    w.tag(10, WIRE_VARINT);
    w.uint32(m.eventIndex);
  }
}
function event(w: ProtoWriter, m: GrpcTypes.Event): void {
  eventHead(w, m);
  optU64(w, 7, m.checkpoint);
  eventTail(w, m);
}

function transactionEvents(w: ProtoWriter, m: GrpcTypes.TransactionEvents): void {
  plain(m);
  message(w, 1, m.bcs, bcs);
  optString(w, 2, m.digest);
  for (const e of m.events) message(w, 3, e, event);
}

function transaction(w: ProtoWriter, m: GrpcTypes.Transaction): void {
  plain(m);
  message(w, 1, m.bcs, bcs);
  optString(w, 2, m.digest);
  if (m.version !== undefined) {
    w.tag(3, WIRE_VARINT);
    w.int32(m.version);
  }
  generated(w, 4, GrpcTypes.TransactionKind, m.kind);
  optString(w, 5, m.sender);
  generated(w, 6, GrpcTypes.GasPayment, m.gasPayment);
  generated(w, 7, GrpcTypes.TransactionExpiration, m.expiration);
}

const SIGNATURE_KINDS = {
  simple: [3, GrpcTypes.SimpleSignature],
  multisig: [4, GrpcTypes.MultisigAggregatedSignature],
  zklogin: [5, GrpcTypes.ZkLoginAuthenticator],
  passkey: [6, GrpcTypes.PasskeyAuthenticator],
} as const;

function userSignature(w: ProtoWriter, m: GrpcTypes.UserSignature): void {
  plain(m);
  message(w, 1, m.bcs, bcs);
  optEnum(w, 2, m.scheme);
  const s = m.signature;
  if (s.oneofKind !== undefined) {
    const [no, type] = SIGNATURE_KINDS[s.oneofKind];
    w.tag(no, WIRE_LEN);
    w.bytes((type as IMessageType<object>).toBinary((s as unknown as Record<string, object>)[s.oneofKind]!));
  }
}

function balanceChange(w: ProtoWriter, m: GrpcTypes.BalanceChange): void {
  plain(m);
  optString(w, 1, m.address);
  optString(w, 2, m.coinType);
  optString(w, 3, m.amount);
}

function executedTransaction(w: ProtoWriter, m: GrpcTypes.ExecutedTransaction): void {
  plain(m);
  optString(w, 1, m.digest);
  message(w, 2, m.transaction, transaction);
  for (const s of m.signatures) message(w, 3, s, userSignature);
  message(w, 4, m.effects, effects);
  message(w, 5, m.events, transactionEvents);
  optU64(w, 6, m.checkpoint);
  message(w, 7, m.timestamp, timestamp);
  for (const b of m.balanceChanges) message(w, 8, b, balanceChange);
  generated(w, 9, GrpcTypes.ObjectSet, m.objects);
  optU64(w, 10, m.transactionIndex);
}

function object(w: ProtoWriter, m: GrpcTypes.Object): void {
  plain(m);
  message(w, 1, m.bcs, bcs);
  optString(w, 2, m.objectId);
  optU64(w, 3, m.version);
  optString(w, 4, m.digest);
  message(w, 5, m.owner, owner);
  optString(w, 6, m.objectType);
  optBool(w, 7, m.hasPublicTransfer);
  message(w, 8, m.contents, bcs);
  generated(w, 9, GrpcTypes.Package, m.package);
  optString(w, 10, m.previousTransaction);
  optU64(w, 11, m.storageRebate);
  message(w, 100, m.json, value);
  optU64(w, 101, m.balance);
  generated(w, 102, GrpcTypes.Display, m.display);
}

// === Encoders ===

/** `GrpcTypes.ExecutedTransaction.toBinary(m)`. */
export function encodeExecutedTransaction(m: GrpcTypes.ExecutedTransaction): Uint8Array {
  return encode(GrpcTypes.ExecutedTransaction, m, executedTransaction);
}

/** `GrpcTypes.Event.toBinary(m)`. */
export function encodeEvent(m: GrpcTypes.Event): Uint8Array {
  return encode(GrpcTypes.Event, m, event);
}

/** `GrpcTypes.Object.toBinary(m)`. */
export function encodeObject(m: GrpcTypes.Object): Uint8Array {
  return encode(GrpcTypes.Object, m, object);
}

/**
 * An event without its checkpoint, split where the checkpoint goes (field 7, between its JSON and
 * its transaction digest): the same bytes serve the event before its checkpoint is cut and after
 * (`listEventsResponse` puts the checkpoint in). `m.checkpoint` must be unset.
 */
export interface OpenEvent {
  head: Uint8Array;
  tail: Uint8Array;
}
export function encodeOpenEvent(m: GrpcTypes.Event): OpenEvent {
  if (m.checkpoint !== undefined) throw new Error("encodeOpenEvent: the event has a checkpoint");
  if (directWritersOff === undefined) {
    try {
      const w = W.reset();
      eventHead(w, m);
      const split = w.length;
      eventTail(w, m);
      const bytes = w.finish();
      directStats.direct++;
      return { head: bytes.subarray(0, split), tail: bytes.subarray(split) };
    } catch {
      // protobuf-ts below
    }
  }
  directStats.fallbacks++;
  // Field 7 is absent: protobuf-ts's bytes split at the first field numbered above 7.
  const bytes = GrpcTypes.Event.toBinary(m);
  const head = GrpcTypes.Event.toBinary({
    ...m,
    transactionDigest: undefined,
    transactionIndex: undefined,
    eventIndex: undefined,
  });
  return { head: bytes.subarray(0, head.length), tail: bytes.subarray(head.length) };
}

/**
 * `ListEventsResponse { event = 1 (the open event, with `checkpoint` as its field 7 when given),
 * watermark = 2 { cursor = 1, checkpoint = 2 } }`, as protobuf-ts writes it.
 */
export function listEventsResponse(
  e: OpenEvent,
  eventCheckpoint: bigint | undefined,
  cursor: Uint8Array,
  checkpoint: bigint | undefined,
): Uint8Array {
  const w = W.reset();
  w.tag(1, WIRE_LEN);
  const mark = w.fork();
  w.raw(e.head);
  optU64(w, 7, eventCheckpoint);
  w.raw(e.tail);
  w.join(mark);
  w.tag(2, WIRE_LEN);
  const wm = w.fork();
  w.tag(1, WIRE_LEN);
  w.bytes(cursor);
  optU64(w, 2, checkpoint);
  w.join(wm);
  return w.finish();
}

/**
 * `BatchGetObjectsResponse { objects = 1: GetObjectResult { object = 1 | error = 2 } }` around
 * encoded objects (`Uint8Array`) and errors (left to the generated type).
 */
export function batchGetObjectsResponse(results: (Uint8Array | GrpcTypes.GetObjectResult)[]): Uint8Array {
  const w = W.reset();
  for (const r of results) {
    w.tag(1, WIRE_LEN);
    if (r instanceof Uint8Array) {
      const mark = w.fork();
      w.tag(1, WIRE_LEN);
      w.bytes(r);
      w.join(mark);
    } else w.bytes(GrpcTypes.GetObjectResult.toBinary(r));
  }
  return w.finish();
}
