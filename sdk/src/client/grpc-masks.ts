/**
 * The two gRPC calls of the SDK's hot path with read masks naming only what it reads (issue 17
 * row 4). @mysten/sui's `GrpcCoreClient.listEvents` always asks for every event's JSON, and its
 * `executeTransaction` with `events: true` for whole events (their JSON too): the node builds and
 * encodes a JSON `Struct` per event and the client decodes it with protobuf-ts's reflection reader
 * for nothing, since `AtomaClient` decodes events from their BCS (`decodeAtomaEvent`). Here the
 * same calls go to the same services with the same requests but for the mask, and their answers
 * are parsed as `GrpcCoreClient` parses them (`parseGrpcTransactionResponse`; the event list's
 * lookahead item, cursors and `hasNextPage` as in `GrpcCoreClient.listEvents`): the results are
 * the core's, but each event's `json` is null. Other clients (JSON-RPC, GraphQL) keep the core path.
 */
import { fromBase64, toBase64 } from "@mysten/bcs";
import type { ClientWithCoreApi, SuiClientTypes } from "@mysten/sui/client";
import { GrpcTypes, isSuiGrpcClient, parseGrpcTransactionResponse, type SuiGrpcClient } from "@mysten/sui/grpc";
import { normalizeStructTag, normalizeSuiAddress } from "@mysten/sui/utils";
import { InvalidInputError } from "../errors.js";
import { ChainError } from "./errors.js";

/** What an executed transaction's events are read for: type and BCS, plus the core's other fields but JSON. */
const EVENT_FIELDS = ["package_id", "module", "sender", "event_type", "contents"] as const;

/**
 * `ExecuteTransaction`'s read mask for `include: { effects, events, objectTypes }`: the core's
 * paths for it (`transactionReadMaskPaths`), with `events` narrowed to the events' fields but `json`.
 */
export const EXECUTE_READ_MASK: readonly string[] = [
  "digest",
  "transaction.digest",
  "signatures",
  "effects.status",
  "timestamp",
  "checkpoint",
  "effects",
  ...EVENT_FIELDS.map((f) => `events.events.${f}`),
  "effects.changed_objects.object_type",
  "effects.changed_objects.object_id",
];

/** `ListEvents`' read mask: the core's paths but `json`. */
export const LIST_EVENTS_READ_MASK: readonly string[] = [
  ...EVENT_FIELDS,
  "checkpoint",
  "transaction_digest",
  "event_index",
];

/** The include the lanes execute with (the mask above is for exactly this). */
export const EXECUTE_INCLUDE = { effects: true, events: true, objectTypes: true } as const;

/** `client.core.executeTransaction(options)` with `EXECUTE_READ_MASK`: the core's result, events' `json` null. */
export async function executeMasked(
  client: SuiGrpcClient,
  options: SuiClientTypes.ExecuteTransactionOptions<typeof EXECUTE_INCLUDE>,
): Promise<SuiClientTypes.TransactionResult<typeof EXECUTE_INCLUDE>> {
  const { response } = await client.transactionExecutionService.executeTransaction(
    {
      transaction: { bcs: { value: options.transaction } },
      signatures: options.signatures.map((signature) => ({
        bcs: { value: fromBase64(signature) },
        signature: { oneofKind: undefined },
      })),
      readMask: { paths: [...EXECUTE_READ_MASK] },
    },
    { abort: options.signal },
  );
  if (!response.transaction) throw new ChainError("ExecuteTransaction answered without a transaction");
  return parseGrpcTransactionResponse(response.transaction, { include: EXECUTE_INCLUDE });
}

/**
 * `client` as the lanes' executor sees it: over gRPC, a view whose `core.executeTransaction` is
 * `executeMasked` (the include asked is always `EXECUTE_INCLUDE`: the lanes' own) and whose other
 * members are the core's; any other client as it is.
 */
export function withMaskedExecution(client: ClientWithCoreApi): ClientWithCoreApi {
  if (!isSuiGrpcClient(client)) return client;
  const core = client.core;
  const execute = (o: SuiClientTypes.ExecuteTransactionOptions<typeof EXECUTE_INCLUDE>) => {
    const include = o.include as SuiClientTypes.TransactionInclude | undefined;
    // Anything else than the lanes' include (a caller of the view asking for more) takes the core's path.
    const lanes =
      include &&
      Object.keys(include).every((k) => k in EXECUTE_INCLUDE && include[k as keyof typeof include] === true) &&
      Object.keys(EXECUTE_INCLUDE).every((k) => include[k as keyof typeof include] === true);
    return lanes ? executeMasked(client, o) : core.executeTransaction(o);
  };
  const view = new Proxy(core, {
    get(target, prop) {
      if (prop === "executeTransaction") return execute;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { core: view } as unknown as ClientWithCoreApi;
}

/** A page of `listEvents` as `GrpcCoreClient.listEvents` returns it (events' `json` null). */
export async function listEventsMasked(
  client: SuiGrpcClient,
  o: { eventType: string; after: string | null; limit: number; signal?: AbortSignal },
): Promise<SuiClientTypes.ListEventsResponse> {
  const [pkg, module, ...rest] = o.eventType.split("::");
  if (!pkg || !module || rest.length > 0)
    throw new InvalidInputError("eventType", `"${o.eventType}" is not <package>::<module>`);
  const call = client.ledgerService.listEvents(
    {
      readMask: { paths: [...LIST_EVENTS_READ_MASK] },
      filter: {
        terms: [
          {
            literals: [
              {
                negated: false,
                predicate: {
                  oneofKind: "eventType",
                  eventType: { eventType: `${normalizeSuiAddress(pkg)}::${module}` },
                },
              },
            ],
          },
        ],
      },
      // One extra item as lookahead, as the core asks (an exact-limit last page is told apart).
      options: {
        limit: o.limit + 1,
        ordering: GrpcTypes.Ordering.ASCENDING,
        after: o.after ? fromBase64(o.after) : undefined,
        before: undefined,
      },
    },
    { abort: o.signal },
  );
  const events: SuiClientTypes.EventEntry[] = [];
  let startCursor: string | null = null;
  let endCursor: string | null = null;
  let frontier: string | null = null;
  let end: GrpcTypes.QueryEnd | undefined;
  let sawLookaheadItem = false;
  for await (const frame of call.responses) {
    if (frame.watermark?.cursor) frontier = toBase64(frame.watermark.cursor);
    if (frame.event) {
      if (events.length >= o.limit) sawLookaheadItem = true;
      else {
        startCursor ??= frontier;
        endCursor = frontier;
        const e = frame.event;
        // Field for field as the core reads them (a missing one fails or is undefined alike).
        events.push({
          packageId: normalizeSuiAddress(e.packageId as string),
          module: e.module as string,
          sender: normalizeSuiAddress(e.sender as string),
          eventType: normalizeStructTag(e.eventType as string),
          bcs: e.contents?.value ?? new Uint8Array(),
          json: null,
          checkpoint: e.checkpoint?.toString() ?? null,
          transactionDigest: e.transactionDigest as string,
          eventIndex: e.eventIndex as number,
        });
      }
    }
    if (frame.end) end = frame.end;
  }
  const hasNextPage =
    sawLookaheadItem ||
    end?.reason === GrpcTypes.QueryEndReason.SCAN_LIMIT ||
    end?.reason === GrpcTypes.QueryEndReason.ITEM_LIMIT;
  return {
    events,
    hasNextPage,
    startCursor,
    endCursor: sawLookaheadItem ? endCursor : hasNextPage ? (frontier ?? endCursor) : endCursor,
  };
}
