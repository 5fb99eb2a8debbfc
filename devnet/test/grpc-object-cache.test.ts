/**
 * `objectToProto` (src/grpc/convert.ts) converts a Move object once per digest and runtime: each
 * reader of that version gets the same message, equal to a fresh conversion; a new version is
 * converted anew; another runtime has its own.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectToProto } from "../src/grpc/convert.js";
import { FieldMaskTree } from "../src/grpc/mask.js";
import { type RunningDevnet, startDevnet } from "../src/index.js";

describe("objectToProto, once per object version", () => {
  let a: RunningDevnet;
  let b: RunningDevnet;
  beforeAll(async () => {
    a = await startDevnet({ seed: "object-cache", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 0 });
    b = await startDevnet({ seed: "object-cache", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 0 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("gives the same message to each reader of a version, and its own to another version or object", () => {
    const owner = `0x${"42".repeat(32)}`;
    const { coins } = a.runtime.faucet(owner, 5_000n);
    const id = coins[0]!.id;
    const o = a.runtime.getObject(id)!;
    const first = objectToProto(a.runtime, o);
    expect(first.objectId).toBe(id);
    expect(first.balance).toBe(5_000n);
    expect(objectToProto(a.runtime, o)).toBe(first);
    // Same bytes as a conversion of a copy under another runtime (its own cache, a fresh conversion).
    const fresh = objectToProto(b.runtime, { ...o });
    expect(fresh).not.toBe(first);
    expect(GrpcTypes.Object.toBinary(fresh)).toEqual(GrpcTypes.Object.toBinary(first));
    // The same object at another version (another digest): its own message.
    const next = objectToProto(a.runtime, { ...o, version: o.version + 1n, digest: "5".repeat(44) });
    expect(next.version).toBe(o.version + 1n);
    expect(next.digest).toBe("5".repeat(44));
    // Another object (another digest): its own message.
    const other = a.runtime.getObject(a.runtime.faucet(owner, 7_000n).coins[0]!.id)!;
    const second = objectToProto(a.runtime, other);
    expect(second.balance).toBe(7_000n);
    expect(second.digest).not.toBe(first.digest);
    expect(objectToProto(a.runtime, o).balance).toBe(5_000n);
  });

  it("makes the object's BCS and JSON only for a mask that selects them", () => {
    const owner = `0x${"43".repeat(32)}`;
    const o = a.runtime.getObject(a.runtime.faucet(owner, 9_000n).coins[0]!.id)!;
    const sdkMask = FieldMaskTree.of(["owner", "object_type", "digest", "version", "object_id", "contents"]);
    const lean = objectToProto(a.runtime, o, sdkMask);
    expect(lean.bcs).toBeUndefined();
    expect(lean.json).toBeUndefined();
    expect(lean.contents?.value).toEqual(o.bcs);
    expect(objectToProto(a.runtime, o, sdkMask)).toBe(lean);
    const withBcs = objectToProto(a.runtime, o, FieldMaskTree.of(["bcs"]));
    const withJson = objectToProto(a.runtime, o, FieldMaskTree.of(["json"]));
    expect([withBcs.bcs !== undefined, withBcs.json !== undefined]).toEqual([true, false]);
    expect([withJson.bcs !== undefined, withJson.json !== undefined]).toEqual([false, true]);
    const full = objectToProto(a.runtime, o);
    expect(full.bcs).toBe(withBcs.bcs);
    expect(full.json).toBe(withJson.json);
    expect(objectToProto(a.runtime, o, FieldMaskTree.of("*"))).toBe(full);
    expect(GrpcTypes.Object.toBinary(full)).toEqual(GrpcTypes.Object.toBinary(objectToProto(b.runtime, { ...o })));
  });
});
