/**
 * The direct writers (src/grpc/direct.ts) against protobuf-ts's reflection writer, the reference:
 * every transaction, event and object of a run (publish, faucet, node registration, a request
 * created, committed, revealed and settled, an aborted call), before and after their checkpoint,
 * under every read-mask path alone (nested ones included), the masks @mysten/sui's core client
 * sends, `*` and the empty mask; then values of every edge the wire format has (long lengths,
 * u64 limits, non-ASCII and lone surrogates, doubles, nested JSON), and what goes back to
 * protobuf-ts (odd values, unknown fields) with its bytes or its error.
 */
import { EXECUTE_READ_MASK, LIST_EVENTS_READ_MASK } from "@atoma/sdk";
import { GrpcTypes } from "@mysten/sui/grpc";
import type { IMessageType } from "@protobuf-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventToProto, executedToProto, jsonValue, objectToProto } from "../src/grpc/convert.js";
import {
  batchGetObjectsResponse,
  directStats,
  directWritersOff,
  encodeEvent,
  encodeExecutedTransaction,
  encodeObject,
  encodeOpenEvent,
  listEventsResponse,
} from "../src/grpc/direct.js";
import { maskedTransaction } from "../src/grpc/ledger.js";
import { type AnyMessageType, applyMask, FieldMaskTree } from "../src/grpc/mask.js";
import { type Env, settledRun } from "./atoma/harness.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Every path of `T` up to `depth` segments, descending into sui.rpc.v2 messages (as a mask may). */
function pathsOf(T: AnyMessageType, depth: number, prefix = ""): string[] {
  const out: string[] = [];
  for (const f of T.fields) {
    const p = prefix + f.name;
    out.push(p);
    if (depth > 1 && f.kind === "message" && !f.T().typeName.startsWith("google.protobuf."))
      out.push(...pathsOf(f.T() as AnyMessageType, depth - 1, `${p}.`));
  }
  return out;
}

/** What @mysten/sui 2.33's GrpcCoreClient sends (`transactionReadMaskPaths`, listEvents, getObjects). */
const SDK_TX_BASE = ["digest", "transaction.digest", "signatures", "effects.status", "timestamp", "checkpoint"];
const SDK_TX_MASKS = [
  SDK_TX_BASE,
  [...SDK_TX_BASE, "effects", "events", "effects.changed_objects.object_type", "effects.changed_objects.object_id"],
  [
    ...SDK_TX_BASE,
    "transaction.sender",
    "transaction.gas_payment",
    "transaction.expiration",
    "transaction.kind",
    "transaction.bcs",
    "balance_changes",
    "effects",
    "events",
  ],
  ["effects.bcs", "effects.changed_objects.object_type", "effects.changed_objects.object_id"],
  // The events without their JSON (what @atoma/sdk's lanes ask for: they decode the BCS).
  [...EXECUTE_READ_MASK],
];
// The core's listEvents mask, and @atoma/sdk's (the same without the events' JSON).
const SDK_EVENT_MASKS = [[...LIST_EVENTS_READ_MASK, "json"], [...LIST_EVENTS_READ_MASK]];
const SDK_OBJECT_BASE = ["owner", "object_type", "digest", "version", "object_id"];
const SDK_OBJECT_MASKS = [
  SDK_OBJECT_BASE,
  [...SDK_OBJECT_BASE, "contents"],
  [...SDK_OBJECT_BASE, "contents", "previous_transaction", "bcs", "json", "display"],
  ["object_id", "version", "object_type"],
];

function masksFor(T: AnyMessageType, sdk: string[][], depth: number): FieldMaskTree[] {
  return [
    FieldMaskTree.of("*"),
    FieldMaskTree.of([]),
    ...sdk.map((p) => FieldMaskTree.of(p)),
    ...pathsOf(T, depth).map((p) => FieldMaskTree.of([p])),
  ];
}

/** Direct and reference bytes of each message; the number compared. */
function compare<T extends object>(
  type: IMessageType<T>,
  direct: (m: T) => Uint8Array,
  messages: { label: string; m: T }[],
): number {
  for (const { label, m } of messages) {
    const want = type.toBinary(m);
    const got = direct(m);
    if (hex(got) !== hex(want)) expect(hex(got), label).toBe(hex(want));
  }
  return messages.length;
}

describe("direct writers: every message of a run, every mask", () => {
  let env: Env;

  beforeAll(async () => {
    env = await settledRun("grpc-direct");
  }, 180_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("the generated types have the field tables the writers follow", () => {
    expect(directWritersOff).toBeUndefined();
  });

  const runChecks = () => {
    const rt = env.d.runtime;
    const before = directStats.fallbacks;
    const txs = [...rt.txs.values()];
    const statuses = new Set(txs.map((t) => (t.effects as { status?: { status?: string } }).status?.status));
    expect(statuses).toEqual(new Set(["success", "failure"]));
    const txMasks = masksFor(GrpcTypes.ExecutedTransaction, SDK_TX_MASKS, 3);
    let n = 0;
    // The reference: the whole transaction converted, then masked, then protobuf-ts; the served
    // path converts only what the mask selects and writes it directly.
    for (const tx of txs)
      for (const mask of txMasks) {
        const want = GrpcTypes.ExecutedTransaction.toBinary(
          applyMask(GrpcTypes.ExecutedTransaction, executedToProto(tx), mask),
        );
        const served = maskedTransaction(tx, mask);
        const got = encodeExecutedTransaction(served);
        if (hex(got) !== hex(want)) expect(hex(got), `${tx.digest} ${mask.key}`).toBe(hex(want));
        n += compare(GrpcTypes.ExecutedTransaction, encodeExecutedTransaction, [{ label: tx.digest, m: served }]);
      }
    expect(n).toBeGreaterThan(txs.length * 100);

    const eventMasks = masksFor(GrpcTypes.Event, SDK_EVENT_MASKS, 2);
    expect(rt.events.length).toBeGreaterThanOrEqual(10);
    const cursor = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 9]);
    for (const e of rt.events) {
      const cp = rt.txs.get(e.id.txDigest)!.checkpoint;
      const seq = cp === null ? undefined : BigInt(cp);
      compare(
        GrpcTypes.Event,
        encodeEvent,
        eventMasks.map((mask) => ({
          label: `${e.id.txDigest}#${e.id.eventSeq} ${mask.key}`,
          m: applyMask(GrpcTypes.Event, eventToProto(e, cp), mask),
        })),
      );
      // ListEvents: the event converted as far as the mask selects and encoded without its
      // checkpoint, the checkpoint put in as the page is written.
      for (const mask of eventMasks) {
        const open = encodeOpenEvent(applyMask(GrpcTypes.Event, eventToProto(e, null, mask), mask));
        const got = listEventsResponse(open, mask.contains("checkpoint") ? seq : undefined, cursor, seq);
        const want = GrpcTypes.ListEventsResponse.toBinary({
          event: applyMask(GrpcTypes.Event, eventToProto(e, cp), mask),
          watermark: { cursor, ...(seq !== undefined ? { checkpoint: seq } : {}) },
        });
        expect(hex(got), `${e.id.txDigest}#${e.id.eventSeq} ${mask.key}`).toBe(hex(want));
      }
    }

    const objectMasks = masksFor(GrpcTypes.Object, SDK_OBJECT_MASKS, 3);
    const objects = [...rt.objects.values()];
    expect(objects.some((o) => !o.type)).toBe(true); // packages
    expect(objects.some((o) => o.value !== undefined)).toBe(true);
    // The reference: the whole object converted, then masked; the served path converts only what the mask selects.
    for (const o of objects)
      for (const mask of objectMasks) {
        const want = GrpcTypes.Object.toBinary(applyMask(GrpcTypes.Object, objectToProto(rt, o), mask));
        const got = encodeObject(applyMask(GrpcTypes.Object, objectToProto(rt, o, mask), mask));
        if (hex(got) !== hex(want)) expect(hex(got), `${o.id} ${mask.key}`).toBe(hex(want));
      }
    // BatchGetObjects: encoded objects and an error, in order.
    const mask = FieldMaskTree.of(SDK_OBJECT_MASKS[2]!);
    const some = objects.slice(0, 5).map((o) => applyMask(GrpcTypes.Object, objectToProto(rt, o), mask));
    const error: GrpcTypes.GetObjectResult = {
      result: { oneofKind: "error", error: { code: 5, message: "object 0x1 not found", details: [] } },
    };
    expect(hex(batchGetObjectsResponse([...some.map(encodeObject), error]))).toBe(
      hex(
        GrpcTypes.BatchGetObjectsResponse.toBinary({
          objects: [...some.map((object) => ({ result: { oneofKind: "object" as const, object } })), error],
        }),
      ),
    );
    // None of it went to protobuf-ts (sub-messages the writers leave to it aside).
    expect(directStats.fallbacks).toBe(before);
  };

  it("writes each transaction, event and object as protobuf-ts does, before their checkpoint", () => {
    expect([...env.d.runtime.txs.values()].some((t) => t.checkpoint === null)).toBe(true);
    runChecks();
  });

  it("and after", () => {
    env.d.cutCheckpoint();
    expect([...env.d.runtime.txs.values()].every((t) => t.checkpoint !== null)).toBe(true);
    runChecks();
  });
});

describe("direct writers: edge values and what goes back to protobuf-ts", () => {
  const long = (n: number) => "x".repeat(n);
  const json = {
    "": null,
    "10": true,
    "2": false,
    b: [0, -0, 1.5, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY],
    a: { nested: { deeper: [[], {}, "é😀", "\ud800 lone", long(200)] } },
    big: long(20_000),
    list: Array.from({ length: 300 }, (_, i) => i),
  };
  const event: GrpcTypes.Event = {
    packageId: "0x2",
    module: "émodule",
    sender: long(130),
    eventType: long(17_000),
    contents: { name: "", value: new Uint8Array(70_000).fill(7) },
    json: jsonValue(json),
    checkpoint: 0n,
    transactionDigest: "",
    transactionIndex: 18_446_744_073_709_551_615n,
    eventIndex: 4_294_967_295,
  };

  it("long lengths, u64 and u32 limits, non-ASCII and lone surrogates, doubles, nested JSON", () => {
    const before = directStats.fallbacks;
    for (const m of [event, { ...event, checkpoint: 2n ** 53n, transactionIndex: 0n, eventIndex: 0 }, {}])
      expect(hex(encodeEvent(m))).toBe(hex(GrpcTypes.Event.toBinary(m)));
    // Twice: the JSON's bytes come from the value's cache the second time.
    expect(hex(encodeEvent(event))).toBe(hex(GrpcTypes.Event.toBinary(event)));
    const tx: GrpcTypes.ExecutedTransaction = {
      digest: "d",
      signatures: [{ bcs: { value: new Uint8Array(3) }, signature: { oneofKind: undefined }, scheme: -1 as never }],
      events: { events: [event, event] },
      timestamp: { seconds: -5n, nanos: -1 },
      checkpoint: 0n,
      balanceChanges: [{ address: "", coinType: "c", amount: "-1" }],
      effects: {
        version: 0,
        dependencies: ["", "a"],
        changedObjects: [{ objectId: "o", inputState: 0, outputOwner: { kind: 2, version: 0n } }],
        unchangedConsensusObjects: [{ kind: 1, version: 3n }],
        unchangedLoadedRuntimeObjects: [{ objectId: "r", version: 9n, digest: "g" }],
      },
      transactionIndex: 1n,
    };
    expect(hex(encodeExecutedTransaction(tx))).toBe(hex(GrpcTypes.ExecutedTransaction.toBinary(tx)));
    expect(directStats.fallbacks).toBe(before);
  });

  it("sub-messages the writers leave to protobuf-ts are embedded as it writes them", () => {
    const before = directStats.fallbacks;
    const tx: GrpcTypes.ExecutedTransaction = {
      digest: "d",
      transaction: {
        digest: "t",
        version: 1,
        sender: "0x1",
        kind: {
          kind: 1,
          data: { oneofKind: "programmableTransaction", programmableTransaction: { inputs: [], commands: [] } },
        },
        gasPayment: { objects: [{ objectId: "g", version: 1n, digest: "x" }], owner: "0x1", price: 1000n, budget: 5n },
        expiration: { kind: 1 },
      },
      signatures: [
        {
          scheme: 0,
          signature: {
            oneofKind: "simple",
            simple: { scheme: 0, signature: new Uint8Array(64), publicKey: new Uint8Array(32) },
          },
        },
      ],
      effects: {
        status: {
          success: false,
          error: {
            description: "MoveAbort",
            kind: 3,
            errorDetails: { oneofKind: "abort", abort: { abortCode: 7n, location: { package: "0x2", module: "m" } } },
          },
        },
        dependencies: [],
        changedObjects: [
          { objectId: "o", accumulatorWrite: { address: "a", integerTuple: [1n, 2n], eventDigestValue: [] } },
        ],
        unchangedConsensusObjects: [],
        unchangedLoadedRuntimeObjects: [],
      },
      objects: { objects: [{ objectId: "x", version: 1n }] },
      balanceChanges: [],
    };
    expect(hex(encodeExecutedTransaction(tx))).toBe(hex(GrpcTypes.ExecutedTransaction.toBinary(tx)));
    const object: GrpcTypes.Object = {
      objectId: "0x2",
      package: {
        storageId: "0x2",
        modules: [{ name: "m", contents: new Uint8Array(5), datatypes: [], functions: [] }],
        typeOrigins: [],
        linkage: [],
      },
      display: { output: jsonValue({ a: "b" }) },
      json: jsonValue([1, "two"]),
      balance: 0n,
    };
    expect(hex(encodeObject(object))).toBe(hex(GrpcTypes.Object.toBinary(object)));
    expect(directStats.fallbacks).toBe(before);
  });

  it("values not of the writers' shapes: protobuf-ts's bytes, or its error", () => {
    const before = directStats.fallbacks;
    // A u64 as a number or a string: protobuf-ts takes them.
    const asNumber = { eventType: "t", checkpoint: 5 as unknown as bigint };
    expect(hex(encodeEvent(asNumber))).toBe(hex(GrpcTypes.Event.toBinary(asNumber)));
    const asString = { objectId: "o", version: "12" as unknown as bigint };
    expect(hex(encodeObject(asString))).toBe(hex(GrpcTypes.Object.toBinary(asString)));
    // Unknown fields read from the wire are written back, as protobuf-ts does.
    const withUnknown = GrpcTypes.Event.fromBinary(Uint8Array.from([0x22, 0x01, 0x74, 0xf8, 0x06, 0x01]));
    expect(hex(encodeEvent(withUnknown))).toBe(hex(GrpcTypes.Event.toBinary(withUnknown)));
    expect(hex(encodeEvent(withUnknown))).toContain("f80601");
    // Refused by protobuf-ts: the same error.
    const bad = { eventIndex: -1 };
    expect(() => GrpcTypes.Event.toBinary(bad)).toThrow();
    expect(() => encodeEvent(bad)).toThrow(/invalid uint 32: -1/);
    const tooBig = { objectId: "o", version: 2n ** 64n };
    expect(() => encodeObject(tooBig)).toThrow(
      String(
        (() => {
          try {
            GrpcTypes.Object.toBinary(tooBig);
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      ),
    );
    expect(directStats.fallbacks).toBe(before + 6);
  });

  it("an open event takes its checkpoint where protobuf-ts puts field 7, or none", () => {
    const open = encodeOpenEvent({ ...event, checkpoint: undefined });
    const cursor = new Uint8Array(8);
    for (const cp of [undefined, 0n, 300n, 2n ** 64n - 1n])
      expect(hex(listEventsResponse(open, cp, cursor, cp))).toBe(
        hex(
          GrpcTypes.ListEventsResponse.toBinary({
            event: { ...event, checkpoint: cp },
            watermark: { cursor, checkpoint: cp },
          }),
        ),
      );
    expect(() => encodeOpenEvent(event)).toThrow(/has a checkpoint/);
  });
});
