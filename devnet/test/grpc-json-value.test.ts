/**
 * `jsonValue` (src/grpc/convert.ts) builds google.protobuf.Value messages directly; they must be
 * the messages `Value.fromJson` makes: equal, encoded to the same bytes, written to the same JSON,
 * and refused the same way.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import type { IMessageType } from "@protobuf-ts/runtime";
import { describe, expect, it } from "vitest";
import { jsonValue, normalizedStructTag } from "../src/grpc/convert.js";

const field = GrpcTypes.Object.fields.find((f) => f.name === "json");
if (field?.kind !== "message") throw new Error("no json field");
const Value = field.T() as unknown as IMessageType<object>;

const samples: unknown[] = [
  null,
  0,
  -1.5,
  2 ** 53 + 2,
  "",
  "text with ünïcödé",
  true,
  false,
  [],
  {},
  [1, "a", null, [true, {}], { x: [] }],
  {
    request_id: "0x2a",
    nodes: ["0x01", "0x02", "0x03"],
    price: "2000",
    nested: { deep: { deeper: [{ k: 1 }, { k: null }] } },
    "": "empty key",
    "with space": false,
  },
];

describe("jsonValue", () => {
  it.each(samples.map((s) => [JSON.stringify(s), s]))("is Value.fromJson for %s", (_, json) => {
    const ours = jsonValue(json);
    const theirs = Value.fromJson(json as never);
    expect(ours).toEqual(theirs);
    expect(Value.toBinary(ours)).toEqual(Value.toBinary(theirs));
    expect(Value.toJson(ours)).toEqual(Value.toJson(theirs));
    expect(Value.is(ours)).toBe(true);
    // An event's Value inside a message encodes the same too.
    const ev = (json: object) => GrpcTypes.Event.toBinary({ eventType: "0x2::x::Y", json } as GrpcTypes.Event);
    expect(ev(ours)).toEqual(ev(theirs));
  });

  it("differs where the JSON differs", () => {
    expect(Value.toBinary(jsonValue({ a: 1 }))).not.toEqual(Value.toBinary(jsonValue({ a: 2 })));
    expect(Value.toBinary(jsonValue(["a", "b"]))).not.toEqual(Value.toBinary(jsonValue(["b", "a"])));
  });

  it("refuses what Value.fromJson refuses, with its error", () => {
    expect(() => Value.fromJson(undefined as never)).toThrow(/google.protobuf.Value/);
    expect(() => jsonValue(undefined)).toThrow(/google.protobuf.Value/);
    expect(() => jsonValue(10n)).toThrow(/google.protobuf.Value/);
    expect(() => jsonValue({ a: [undefined] })).toThrow(/google.protobuf.Value/);
  });
});

describe("normalizedStructTag", () => {
  it("is normalizeStructTag, remembered", () => {
    expect(normalizedStructTag("0x2::coin::Coin<0x2::sui::SUI>")).toBe(
      `0x${"0".repeat(63)}2::coin::Coin<0x${"0".repeat(63)}2::sui::SUI>`,
    );
    expect(normalizedStructTag("0x2::coin::Coin<0x2::sui::SUI>")).toBe(
      `0x${"0".repeat(63)}2::coin::Coin<0x${"0".repeat(63)}2::sui::SUI>`,
    );
    expect(() => normalizedStructTag("not a tag")).toThrow();
  });
});
