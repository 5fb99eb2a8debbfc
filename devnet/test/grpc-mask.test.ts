/**
 * Read masks on their own (src/grpc/mask.ts): the tree semantics of sui-rpc's `FieldMaskTree`
 * (a field selected whole covers its sub-paths, in either order; `*`; empty), validation naming
 * the path, and `applyMask` on oneofs and repeated messages. Over the wire: grpc.test.ts.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import { describe, expect, it } from "vitest";
import { applyMask, FieldMaskTree, READ_MASKS, readMaskOf, validateReadMask } from "../src/grpc/mask.js";
import { GrpcStatusError } from "../src/grpc/status.js";

const fx: GrpcTypes.TransactionEffects = {
  status: { success: true },
  epoch: 3n,
  transactionDigest: "D",
  dependencies: ["A", "B"],
  changedObjects: [
    { objectId: "0x1", objectType: "T1", outputVersion: 2n },
    { objectId: "0x2", objectType: "T2", outputVersion: 5n },
  ],
  unchangedConsensusObjects: [],
  unchangedLoadedRuntimeObjects: [],
};

describe("FieldMaskTree", () => {
  it("a field selected whole covers its sub-paths, whichever comes first", () => {
    for (const paths of [
      ["effects", "effects.status"],
      ["effects.status", "effects"],
    ]) {
      const t = FieldMaskTree.of(paths);
      expect(t.contains("effects")).toBe(true);
      expect(t.subtree("effects")?.wildcard).toBe(true);
    }
    const nested = FieldMaskTree.of("effects.status,effects.epoch");
    const sub = nested.subtree("effects")!;
    expect(sub.wildcard).toBe(false);
    expect(["status", "epoch", "dependencies"].map((f) => sub.contains(f))).toEqual([true, true, false]);
    expect(nested.contains("events")).toBe(false);
    expect(nested.subtree("events")).toBeUndefined();
  });

  it("* selects everything, an empty mask nothing", () => {
    expect(FieldMaskTree.of(["digest", "*"]).wildcard).toBe(true);
    expect(FieldMaskTree.of("*").contains("anything")).toBe(true);
    const none = FieldMaskTree.of([]);
    expect(none.wildcard).toBe(false);
    expect(none.contains("digest")).toBe(false);
    expect(FieldMaskTree.of("").contains("digest")).toBe(false);
  });
});

describe("validateReadMask", () => {
  const reject = (paths: string[]): string => {
    try {
      validateReadMask(GrpcTypes.ExecutedTransaction, paths);
    } catch (e) {
      expect(e).toBeInstanceOf(GrpcStatusError);
      expect((e as GrpcStatusError).code).toBe("INVALID_ARGUMENT");
      return (e as Error).message;
    }
    throw new Error(`accepted ${paths.join(",")}`);
  };
  it("accepts fields, nested paths through repeated messages, and * alone", () => {
    expect(() =>
      validateReadMask(GrpcTypes.ExecutedTransaction, [
        "digest",
        "effects.changed_objects.object_type",
        "events.events.json",
        "*",
      ]),
    ).not.toThrow();
  });
  it("names the first unknown path: a typo, a leaf's child, a well-known type's field, a nested *, camelCase", () => {
    const of = (p: string) => `read_mask: unknown path "${p}" for sui.rpc.v2.ExecutedTransaction`;
    expect(reject(["digest", "efects"])).toBe(of("efects"));
    expect(reject(["digest.x"])).toBe(of("digest.x"));
    expect(reject(["timestamp.seconds"])).toBe(of("timestamp.seconds"));
    expect(reject(["effects.*"])).toBe(of("effects.*"));
    expect(reject(["balanceChanges"])).toBe(of("balanceChanges"));
    expect(reject([""])).toBe(of(""));
  });
  it("readMaskOf: the method's default without a mask, the checked mask with one", () => {
    const d = readMaskOf(READ_MASKS.object, undefined);
    expect(["object_id", "version", "digest", "owner"].map((f) => d.contains(f))).toEqual([true, true, true, false]);
    expect(readMaskOf(READ_MASKS.simulateTransaction, undefined).wildcard).toBe(true);
    expect(readMaskOf(READ_MASKS.subscribeCheckpoints, undefined).contains("sequence_number")).toBe(false);
    expect(() => readMaskOf(READ_MASKS.object, { paths: ["colour"] })).toThrow(
      'read_mask: unknown path "colour" for sui.rpc.v2.Object',
    );
  });

  it("readMaskOf: one tree per message type and paths, checked each time it is not yet known", () => {
    const a = readMaskOf(READ_MASKS.transaction, { paths: ["effects.status", "events"] });
    expect(readMaskOf(READ_MASKS.transaction, { paths: ["effects.status", "events"] })).toBe(a);
    expect(a.subtree("effects")).toBe(a.subtree("effects"));
    expect(a.subtree("effects")!.key).toBe("status");
    // Other paths, or the default: other trees.
    const b = readMaskOf(READ_MASKS.transaction, { paths: ["effects.status"] });
    expect(b).not.toBe(a);
    expect(b.contains("events")).toBe(false);
    // Another method on the same message shares it; the same paths on another message do not.
    expect(readMaskOf(READ_MASKS.executeTransaction, { paths: ["effects.status", "events"] })).toBe(a);
    expect(readMaskOf(READ_MASKS.checkpoint, { paths: ["digest"] })).not.toBe(
      readMaskOf(READ_MASKS.transaction, { paths: ["digest"] }),
    );
    expect(readMaskOf(READ_MASKS.transaction, undefined).key).toBe("digest");
    // Paths that join to the same text are not the same mask: one comma-joined path is refused every time.
    expect(readMaskOf(READ_MASKS.transaction, { paths: ["digest", "effects"] }).key).toBe("digest,effects");
    for (let i = 0; i < 2; i++)
      expect(() => readMaskOf(READ_MASKS.transaction, { paths: ["digest,effects"] })).toThrow(
        'read_mask: unknown path "digest,effects"',
      );
    // Still right after a client has sent many distinct masks (the cache is emptied when full).
    for (let i = 0; i < 600; i++)
      readMaskOf(READ_MASKS.object, { paths: ["object_id", ...Array(i % 300).fill("version")] });
    expect(readMaskOf(READ_MASKS.object, { paths: ["object_id", "version"] }).key).toBe("object_id,version");
  });
});

describe("applyMask", () => {
  it("keeps only the selected fields, element by element in repeated messages", () => {
    const out = applyMask(GrpcTypes.TransactionEffects, fx, FieldMaskTree.of("status,changed_objects.object_id"));
    expect(out).toEqual({
      status: { success: true },
      dependencies: [],
      changedObjects: [{ objectId: "0x1" }, { objectId: "0x2" }],
      unchangedConsensusObjects: [],
      unchangedLoadedRuntimeObjects: [],
    });
    expect(applyMask(GrpcTypes.TransactionEffects, fx, FieldMaskTree.all)).toBe(fx);
  });
  it("keeps a selected oneof member and drops an unselected one", () => {
    const r: GrpcTypes.GetObjectResult = {
      result: { oneofKind: "object", object: { objectId: "0x5", version: 1n, digest: "d" } },
    };
    const kept = applyMask(GrpcTypes.GetObjectResult, r, FieldMaskTree.of("object.object_id"));
    expect(kept.result).toEqual({ oneofKind: "object", object: { objectId: "0x5" } });
    const dropped = applyMask(GrpcTypes.GetObjectResult, r, FieldMaskTree.of("error"));
    expect(dropped.result).toEqual({ oneofKind: undefined });
  });
});
