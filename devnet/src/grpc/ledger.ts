/** sui.rpc.v2.LedgerService: service info, objects, transactions, checkpoints, epoch, events. */

import { GrpcTypes } from "@mysten/sui/grpc";
import type { Checkpoint } from "../journal.js";
import type { EventRecord, TxRecord } from "../runtime.js";
import {
  checkpointToProto,
  eventToProto,
  executedToProto,
  normalizedStructTag,
  objectToProto,
  timestampOf,
} from "./convert.js";
import {
  batchGetObjectsResponse,
  encodeExecutedTransaction,
  encodeObject,
  encodeOpenEvent,
  listEventsResponse,
} from "./direct.js";
import { EncodedMessage, type SharedAnswers, wrapMessage } from "./encoded.js";
import { applyMask, type FieldMaskTree, READ_MASKS } from "./mask.js";
import { addressField, type GrpcNode, type ServiceImpl, type StreamSink, stream, unary } from "./service.js";
import { GrpcCode, invalid, notFound } from "./status.js";

const { QueryEndReason, Ordering } = GrpcTypes;

export function epochProto(node: GrpcNode): GrpcTypes.Epoch {
  const rt = node.runtime;
  const start = timestampOf(node.checkpoints[0]!.timestampMs);
  return {
    epoch: rt.epoch,
    firstCheckpoint: 0n,
    start,
    referenceGasPrice: rt.gas.referenceGasPrice,
    protocolConfig: { protocolVersion: 1n, featureFlags: {}, attributes: {}, configs: {} } as GrpcTypes.ProtocolConfig,
    systemState: {
      version: 2n,
      epoch: rt.epoch,
      protocolVersion: 1n,
      referenceGasPrice: rt.gas.referenceGasPrice,
      epochStartTimestampMs: BigInt(node.checkpoints[0]!.timestampMs),
      safeMode: false,
      parameters: { epochDurationMs: 86_400_000n },
      validators: undefined,
    } as GrpcTypes.SystemState,
  };
}

/** The object a request names, under `mask`, encoded (once per digest and mask: a digest names one version). */
function getObject(
  node: GrpcNode,
  answers: SharedAnswers,
  req: GrpcTypes.GetObjectRequest,
  mask: FieldMaskTree,
  field = "object_id",
): Uint8Array {
  const id = addressField(field, req.objectId);
  const o = node.runtime.getObject(id);
  if (!o) throw notFound(`object ${id} not found`);
  if (req.version !== undefined && req.version !== o.version)
    throw notFound(`object ${id} at version ${req.version} not found (the devnet keeps only the latest version)`);
  const encode = () => encodeObject(applyMask(GrpcTypes.Object, objectToProto(node.runtime, o, mask), mask));
  // Packages are converted afresh each time (objectToProto); only Move objects are kept.
  return o.type ? answers.objects.get(`${o.digest}|${mask.key}`, encode) : encode();
}

/** An executed transaction under `mask`, converted and encoded once and shared by every read with that mask. */
export function encodedTransaction(answers: SharedAnswers, tx: TxRecord, mask: FieldMaskTree): Uint8Array {
  return answers.transactions.get(`${tx.digest}|${tx.checkpoint}|${mask.key}`, () =>
    encodeExecutedTransaction(maskedTransaction(tx, mask)),
  );
}

/** An executed transaction with the fields `mask` selects (only those are converted). */
export function maskedTransaction(tx: TxRecord, mask: FieldMaskTree): GrpcTypes.ExecutedTransaction {
  return applyMask(GrpcTypes.ExecutedTransaction, executedToProto(tx, undefined, mask), mask);
}

/** Normalized `pkg::module[::Name[<..>]]` prefix match, as Sui's event-type filter does. */
function typeMatches(type: string, filter: string): boolean {
  const parts = filter.split("::");
  const addr = parts[0] ? `0x${parts[0].replace(/^0x/, "").padStart(64, "0")}` : "";
  const want = [addr, ...parts.slice(1)].join("::");
  const full = parts.length >= 3 ? normalizedStructTag(filter) : want;
  const t = normalizedStructTag(type);
  return t === full || t.startsWith(`${full}::`) || t.startsWith(`${full}<`);
}

function eventMatches(e: EventRecord, filter: GrpcTypes.EventFilter | undefined): boolean {
  if (!filter || filter.terms.length === 0) return true;
  return filter.terms.some((term) =>
    term.literals.every((lit) => {
      const p = lit.predicate;
      let hit: boolean;
      switch (p.oneofKind) {
        case "sender":
          hit = e.sender === addressField("filter.sender.address", p.sender.address);
          break;
        case "emitModule": {
          const m = p.emitModule.module ?? "";
          const [pkg, mod] = m.split("::");
          if (!pkg || !mod) throw invalid("filter.emit_module.module", `"${m}" is not <package>::<module>`);
          hit = e.packageId === addressField("filter.emit_module.module", pkg) && e.transactionModule === mod;
          break;
        }
        case "eventType": {
          const t = p.eventType.eventType ?? "";
          if (!t.includes("::"))
            throw invalid("filter.event_type.event_type", `"${t}" is not <package>::<module>[::<Name>]`);
          hit = typeMatches(e.type, t);
          break;
        }
        default:
          throw invalid("filter", `event filter predicate ${p.oneofKind ?? "(empty)"} is not supported by the devnet`);
      }
      return hit !== lit.negated;
    }),
  );
}

/** A checkpoint with the fields `mask` selects (of its transactions, only the fields selected are converted). */
export function maskedCheckpoint(node: GrpcNode, cp: Checkpoint, mask: FieldMaskTree): GrpcTypes.Checkpoint {
  const txMask = mask.subtree("transactions");
  return applyMask(GrpcTypes.Checkpoint, checkpointToProto(node.runtime, cp, !!txMask, txMask), mask);
}

/** A checkpoint under `mask`, converted and encoded once and shared by every subscriber and reader with that mask. */
export function encodedCheckpoint(
  node: GrpcNode,
  answers: SharedAnswers,
  cp: Checkpoint,
  mask: FieldMaskTree,
): Uint8Array {
  return answers.checkpoints.get(`${cp.sequenceNumber}|${mask.key}`, () =>
    GrpcTypes.Checkpoint.toBinary(maskedCheckpoint(node, cp, mask)),
  );
}

function cursorBytes(i: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(i));
  return b;
}
function cursorIndex(field: string, b: Uint8Array | undefined): number | undefined {
  if (!b || b.length === 0) return undefined;
  if (b.length !== 8) throw invalid(field, "not a cursor returned by this server");
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0));
}

export function ledgerService(node: GrpcNode, answers: SharedAnswers): ServiceImpl {
  const rt = node.runtime;
  return {
    GetServiceInfo: unary(() => {
      const last = node.checkpoints[node.checkpoints.length - 1]!;
      return {
        chainId: node.chainIdentifier,
        chain: "localnet",
        epoch: rt.epoch,
        checkpointHeight: BigInt(last.sequenceNumber),
        timestamp: timestampOf(last.timestampMs),
        lowestAvailableCheckpoint: 0n,
        lowestAvailableCheckpointObjects: 0n,
        server: "atoma-devnet",
      } satisfies GrpcTypes.GetServiceInfoResponse;
    }),
    GetObject: unary(
      (req: GrpcTypes.GetObjectRequest, mask): EncodedMessage => wrapMessage(1, getObject(node, answers, req, mask)),
      READ_MASKS.object,
    ),
    BatchGetObjects: unary((req: GrpcTypes.BatchGetObjectsRequest, mask): EncodedMessage => {
      if (req.requests.length > 1000)
        throw invalid("requests", `at most 1000 objects per batch, got ${req.requests.length}`);
      return new EncodedMessage(
        batchGetObjectsResponse(
          req.requests.map((r, i): Uint8Array | GrpcTypes.GetObjectResult => {
            try {
              return getObject(node, answers, r, mask, `requests[${i}].object_id`);
            } catch (e) {
              const err = e as { code?: keyof typeof GrpcCode; message: string };
              if (!err.code) throw e;
              if (err.code === "INVALID_ARGUMENT") throw e;
              return {
                result: { oneofKind: "error", error: { code: GrpcCode[err.code], message: err.message, details: [] } },
              };
            }
          }),
        ),
      );
    }, READ_MASKS.object),
    GetTransaction: unary((req: GrpcTypes.GetTransactionRequest, mask): EncodedMessage => {
      if (!req.digest) throw invalid("digest", "required");
      const tx = rt.txs.get(req.digest);
      if (!tx) throw notFound(`transaction ${req.digest} not found`);
      return wrapMessage(1, encodedTransaction(answers, tx, mask));
    }, READ_MASKS.transaction),
    BatchGetTransactions: unary(
      (req: GrpcTypes.BatchGetTransactionsRequest, mask): GrpcTypes.BatchGetTransactionsResponse => ({
        transactions: req.digests.map((d, i) => {
          if (!d) throw invalid(`digests[${i}]`, "required");
          const tx = rt.txs.get(d);
          return tx
            ? {
                result: {
                  oneofKind: "transaction",
                  transaction: maskedTransaction(tx, mask),
                },
              }
            : {
                result: {
                  oneofKind: "error",
                  error: { code: GrpcCode.NOT_FOUND, message: `transaction ${d} not found`, details: [] },
                },
              };
        }),
      }),
      READ_MASKS.transaction,
    ),
    GetCheckpoint: unary((req: GrpcTypes.GetCheckpointRequest, mask): EncodedMessage => {
      const id = req.checkpointId;
      const cps = node.checkpoints;
      let cp = cps[cps.length - 1];
      if (id.oneofKind === "sequenceNumber") {
        cp = id.sequenceNumber < BigInt(cps.length) ? cps[Number(id.sequenceNumber)] : undefined;
        if (!cp) throw notFound(`checkpoint ${id.sequenceNumber} not found (latest is ${cps.length - 1})`);
      } else if (id.oneofKind === "digest") {
        cp = cps.find((c) => c.digest === id.digest);
        if (!cp) throw notFound(`checkpoint ${id.digest} not found`);
      }
      return wrapMessage(1, encodedCheckpoint(node, answers, cp!, mask));
    }, READ_MASKS.checkpoint),
    GetEpoch: unary((req: GrpcTypes.GetEpochRequest, mask): GrpcTypes.GetEpochResponse => {
      if (req.epoch !== undefined && req.epoch !== rt.epoch) throw notFound(`epoch ${req.epoch} not found`);
      return { epoch: applyMask(GrpcTypes.Epoch, epochProto(node), mask) };
    }, READ_MASKS.epoch),
    // Each event under one mask is converted and encoded once and shared by every reader (each
    // node's follower reads the same events), before its checkpoint is cut and after (the
    // checkpoint is put in as the page is written); the scan starts and ends at the cursors and
    // stops once it knows whether there is more than a page.
    ListEvents: stream(async (req: GrpcTypes.ListEventsRequest, sink: StreamSink<EncodedMessage>, mask) => {
      const all = rt.events;
      const limit = req.options?.limit && req.options.limit > 0 ? Math.min(req.options.limit, 1000) : 50;
      const after = cursorIndex("options.after", req.options?.after);
      const before = cursorIndex("options.before", req.options?.before);
      const desc = req.options?.ordering === Ordering.DESCENDING;
      const lo = after === undefined ? 0 : after + 1;
      const hi = before === undefined ? all.length : Math.min(before, all.length);
      const idx: number[] = [];
      for (let k = 0; k < hi - lo && idx.length <= limit; k++) {
        const i = desc ? hi - 1 - k : lo + k;
        if (eventMatches(all[i]!, req.filter)) idx.push(i);
      }
      const sent = idx.slice(0, limit);
      const withCheckpoint = mask.contains("checkpoint");
      const cpOf = new Map<string, string | null>();
      for (const i of sent) {
        const e = all[i]!;
        if (!cpOf.has(e.id.txDigest)) cpOf.set(e.id.txDigest, rt.txs.get(e.id.txDigest)?.checkpoint ?? null);
        const cp = cpOf.get(e.id.txDigest) ?? null;
        const open = answers.events.get(`${i}|${mask.key}`, () =>
          encodeOpenEvent(applyMask(GrpcTypes.Event, eventToProto(e, null, mask), mask)),
        );
        const seq = cp !== null ? BigInt(cp) : undefined;
        await sink.send(
          new EncodedMessage(listEventsResponse(open, withCheckpoint ? seq : undefined, cursorBytes(i), seq)),
        );
      }
      if (idx.length > sent.length)
        await sink.send(
          new EncodedMessage(GrpcTypes.ListEventsResponse.toBinary({ end: { reason: QueryEndReason.ITEM_LIMIT } })),
        );
    }, READ_MASKS.event),
  };
}
