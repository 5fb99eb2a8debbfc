/** Devnet records (objects, transactions, events, checkpoints) → `sui.rpc.v2` messages. */
import { fromBase64 } from "@mysten/bcs";
import { bcs as suiBcs, TypeTagSerializer } from "@mysten/sui/bcs";
import { parseTransactionEffectsBcs } from "@mysten/sui/client";
import { GrpcTypes } from "@mysten/sui/grpc";
import { Transaction } from "@mysten/sui/transactions";
import { normalizeStructTag } from "@mysten/sui/utils";
import { toSuiJson, typeToString } from "../bytecode.js";
import type { Checkpoint } from "../journal.js";
import { type EventRecord, ownerToBcs, type Runtime, type TxRecord } from "../runtime.js";
import type { Owner, StoredObject } from "../types.js";
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
const Value = jsonField.T() as unknown as { fromJson(json: unknown): GrpcTypes.Object["json"] & object };

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

export function objectToProto(rt: Runtime, o: StoredObject): GrpcTypes.Object {
  const out: GrpcTypes.Object = {
    objectId: o.id,
    version: o.version,
    digest: o.digest,
    owner: ownerToProto(o.owner),
    previousTransaction: o.previousTransaction,
    storageRebate: o.storageRebate,
  };
  if (o.type) {
    const typeStr = normalizeStructTag(typeToString(o.type, true));
    out.objectType = typeStr;
    out.hasPublicTransfer = o.hasPublicTransfer;
    if (o.bcs) {
      out.contents = { name: typeStr, value: o.bcs };
      out.bcs = {
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
    if (o.value !== undefined) out.json = Value.fromJson(toSuiJson(o.type, o.value, rt.resolve) as unknown);
    if (o.type.kind === "struct" && o.type.module === "coin" && o.type.name === "Coin")
      out.balance = (o.value as { balance: { value: bigint } }).balance.value;
  } else {
    out.objectType = "package";
    out.package = {
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
    };
  }
  return out;
}

export function eventToProto(e: EventRecord, checkpoint: string | null): GrpcTypes.Event {
  return {
    packageId: e.packageId,
    module: e.transactionModule,
    sender: e.sender,
    eventType: e.type,
    contents: { name: e.type, value: fromBase64(e.bcs) },
    json: Value.fromJson((e.parsedJson ?? null) as unknown),
    transactionDigest: e.id.txDigest,
    eventIndex: Number(e.id.eventSeq),
    ...(checkpoint !== null ? { checkpoint: BigInt(checkpoint) } : {}),
  };
}

type CoreEffects = ReturnType<typeof parseTransactionEffectsBcs>;
type CoreChange = CoreEffects["changedObjects"][number];

function coreOwnerToProto(o: CoreChange["outputOwner"]): GrpcTypes.Owner | undefined {
  if (!o) return undefined;
  switch (o.$kind) {
    case "AddressOwner":
      return { kind: Owner_OwnerKind.ADDRESS, address: o.AddressOwner };
    case "ObjectOwner":
      return { kind: Owner_OwnerKind.OBJECT, address: o.ObjectOwner };
    case "Shared":
      return { kind: Owner_OwnerKind.SHARED, version: BigInt(o.Shared.initialSharedVersion) };
    case "Immutable":
      return { kind: Owner_OwnerKind.IMMUTABLE };
    default:
      return { kind: Owner_OwnerKind.OWNER_KIND_UNKNOWN };
  }
}

function changeToProto(c: CoreChange, types: Map<string, string>): GrpcTypes.ChangedObject {
  const input = {
    Exists: ChangedObject_InputObjectState.EXISTS,
    DoesNotExist: ChangedObject_InputObjectState.DOES_NOT_EXIST,
  };
  const output = {
    ObjectWrite: ChangedObject_OutputObjectState.OBJECT_WRITE,
    PackageWrite: ChangedObject_OutputObjectState.PACKAGE_WRITE,
    DoesNotExist: ChangedObject_OutputObjectState.DOES_NOT_EXIST,
  };
  const idOp = {
    None: ChangedObject_IdOperation.NONE,
    Created: ChangedObject_IdOperation.CREATED,
    Deleted: ChangedObject_IdOperation.DELETED,
  };
  const t = types.get(c.objectId);
  return {
    objectId: c.objectId,
    inputState: input[c.inputState as keyof typeof input] ?? ChangedObject_InputObjectState.UNKNOWN,
    ...(c.inputVersion ? { inputVersion: BigInt(c.inputVersion) } : {}),
    ...(c.inputDigest ? { inputDigest: c.inputDigest } : {}),
    ...(c.inputOwner ? { inputOwner: coreOwnerToProto(c.inputOwner) } : {}),
    outputState: output[c.outputState as keyof typeof output] ?? ChangedObject_OutputObjectState.UNKNOWN,
    ...(c.outputVersion ? { outputVersion: BigInt(c.outputVersion) } : {}),
    ...(c.outputDigest ? { outputDigest: c.outputDigest } : {}),
    ...(c.outputOwner ? { outputOwner: coreOwnerToProto(c.outputOwner) } : {}),
    idOperation: idOp[c.idOperation as keyof typeof idOp] ?? ChangedObject_IdOperation.ID_OPERATION_UNKNOWN,
    ...(t ? { objectType: t } : {}),
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
      objectType: normalizeStructTag(c.objectType),
    })),
    unchangedConsensusObjects: [],
    unchangedLoadedRuntimeObjects: [],
  };
}

export function effectsToProto(tx: TxRecord): GrpcTypes.TransactionEffects {
  if (tx.rawEffects.length === 0) return mintEffectsToProto(tx);
  const raw = Uint8Array.from(tx.rawEffects);
  const fx = parseTransactionEffectsBcs(raw);
  const types = new Map<string, string>();
  for (const c of tx.objectChanges as { objectId?: string; objectType?: string; type?: string; packageId?: string }[]) {
    if (c.objectId && c.objectType) types.set(c.objectId, normalizeStructTag(c.objectType));
    if (c.type === "published" && c.packageId) types.set(c.packageId, "package");
  }
  const gas = fx.gasObject;
  return {
    bcs: { name: "TransactionEffects", value: raw },
    version: fx.version,
    status: statusToProto(fx.status),
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

/** The signed transaction a record carries; undefined for system transactions (faucet mints). */
function splitSenderSigned(b64: string): { txBytes: Uint8Array; signatures: Uint8Array[] } | undefined {
  if (!b64) return undefined;
  let parsed: ReturnType<typeof suiBcs.SenderSignedData.parse>;
  try {
    parsed = suiBcs.SenderSignedData.parse(fromBase64(b64));
  } catch {
    return undefined;
  }
  const first = parsed[0];
  if (!first) return undefined;
  return {
    txBytes: suiBcs.TransactionData.serialize(first.intentMessage.value).toBytes(),
    signatures: first.txSignatures.map((s) => fromBase64(s)),
  };
}

/** `override`: the transaction data to report (simulations of a kind or of unsigned bytes). */
/**
 * `only`: a read mask; the top-level fields it does not select are not computed (the mask drops
 * them anyway), so an execution answered with `effects` (the default) neither re-reads the
 * transaction nor converts events and balance changes.
 */
export function executedToProto(
  tx: TxRecord,
  override?: GrpcTypes.Transaction,
  only?: { contains(field: string): boolean },
): GrpcTypes.ExecutedTransaction {
  const want = (field: string) => !only || only.contains(field);
  const signed =
    override || !(want("transaction") || want("signatures")) ? undefined : splitSenderSigned(tx.rawTransaction);
  let transaction: GrpcTypes.Transaction | undefined = override;
  if (signed && want("transaction")) {
    const t = transactionDataToGrpcTransaction(Transaction.from(signed.txBytes).getData());
    transaction = { ...t, bcs: { name: "TransactionData", value: signed.txBytes }, digest: tx.digest };
  }
  return {
    digest: tx.digest,
    ...(transaction ? { transaction } : {}),
    signatures: (signed?.signatures ?? []).map((s) => ({
      bcs: { name: "UserSignature", value: s },
      signature: { oneofKind: undefined },
    })),
    ...(want("effects") ? { effects: effectsToProto(tx) } : {}),
    ...(want("events") ? { events: { events: tx.events.map((e) => eventToProto(e, tx.checkpoint)) } } : {}),
    ...(tx.checkpoint !== null ? { checkpoint: BigInt(tx.checkpoint) } : {}),
    timestamp: timestampOf(tx.timestampMs),
    balanceChanges: want("balance_changes")
      ? (tx.balanceChanges as { owner: Owner; coinType: string; amount: string }[]).map((b) => ({
          address: b.owner !== "Immutable" && "AddressOwner" in b.owner ? b.owner.AddressOwner : "",
          coinType: normalizeStructTag(b.coinType),
          amount: b.amount,
        }))
      : [],
  };
}

/** `withTransactions: false` leaves the (costly) transactions out, for masks that do not select them. */
export function checkpointToProto(rt: Runtime, cp: Checkpoint, withTransactions = true): GrpcTypes.Checkpoint {
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
      return tx ? [executedToProto(tx)] : [];
    }),
  };
}
