import { describe, expect, it } from "vitest";
import {
  ATOMA_EVENT_NAMES,
  decodeAtomaEvent,
  EVENT_SCHEMAS,
  enumName,
  NodeField,
  OBJECT_SCHEMAS,
  RequestCreated,
  RequestStatus,
  tryDecodeAtomaEvent,
} from "../../src/bcs/index.js";
import { DecodeError as BaseDecodeError } from "../../src/errors.js";
import { sampleFor } from "./samples.js";

const PKG = `0x${"ab".repeat(32)}`;

describe("BCS schemas", () => {
  it("round-trips every object schema", () => {
    for (const [name, schema] of Object.entries(OBJECT_SCHEMAS)) {
      const v = sampleFor(name);
      const b = schema.serialize(v as never).toBytes();
      expect(schema.parse(b), name).toEqual(v);
    }
  });

  it("round-trips the Node dynamic field", () => {
    const v = { id: { id: `0x${"01".repeat(32)}` }, name: `0x${"02".repeat(32)}`, value: sampleFor("Node") };
    expect(NodeField.parse(NodeField.serialize(v as never).toBytes())).toEqual(v);
  });

  it("decodes every event of any package id, base64 or bytes", () => {
    for (const name of ATOMA_EVENT_NAMES) {
      const v = sampleFor(name);
      const b = EVENT_SCHEMAS[name].serialize(v as never).toBytes();
      const ev = decodeAtomaEvent({ type: `${PKG}::events::${name}`, bcs: b });
      expect(ev.name).toBe(name);
      expect(ev.data).toEqual(v);
      const ev2 = decodeAtomaEvent({ type: `0x2a::events::${name}`, bcs: Buffer.from(b).toString("base64") });
      expect(ev2.data).toEqual(v);
    }
  });

  it("rejects unknown types and malformed bytes, naming the type", () => {
    expect(() => decodeAtomaEvent({ type: `${PKG}::events::Nope`, bcs: new Uint8Array() })).toThrow(/events::Nope/);
    expect(() => decodeAtomaEvent({ type: `${PKG}::other::RequestCreated`, bcs: new Uint8Array() })).toThrow(
      BaseDecodeError,
    );
    const good = RequestCreated.serialize(sampleFor("RequestCreated") as never).toBytes();
    const type = `${PKG}::events::RequestCreated`;
    expect(() => decodeAtomaEvent({ type, bcs: good.slice(0, good.length - 1) })).toThrow(BaseDecodeError);
    const longer = new Uint8Array([...good, 0]);
    expect(() => decodeAtomaEvent({ type, bcs: longer })).toThrow(/trailing bytes/);
    expect(tryDecodeAtomaEvent({ type: "0x2::coin::CoinEvent", bcs: new Uint8Array() })).toBeUndefined();
  });

  it("names enumeration values", () => {
    expect(enumName(RequestStatus, 3)).toBe("Settled");
    expect(enumName(RequestStatus, 9)).toBeUndefined();
  });
});
