/**
 * The wire check a Sui full node makes before answering: every field of the request carries the
 * wire type its schema declares (a mismatch is INVALID_ARGUMENT naming the field). Read masks are
 * checked in mask.ts.
 */
import { BinaryReader, type IMessageType, ScalarType, WireType } from "@protobuf-ts/runtime";
import { invalid } from "./status.js";

type AnyMessageType = IMessageType<object>;

function scalarWire(t: ScalarType): WireType {
  switch (t) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    default:
      return WireType.Varint;
  }
}

const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "start-group", "end-group", "32-bit"];

/** Walks the wire bytes against the schema; throws INVALID_ARGUMENT naming the first bad field. */
export function checkWire(type: AnyMessageType, bytes: Uint8Array, path = ""): void {
  const reader = new BinaryReader(bytes);
  const byNo = new Map(type.fields.map((f) => [f.no, f]));
  while (reader.pos < reader.len) {
    let no: number;
    let wire: WireType;
    try {
      [no, wire] = reader.tag();
    } catch (e) {
      throw invalid(path || type.typeName, `malformed protobuf: ${(e as Error).message}`);
    }
    const f = byNo.get(no);
    const name = `${path}${f ? f.name : `#${no}`}`;
    if (f) {
      let want: WireType;
      if (f.kind === "scalar") want = scalarWire(f.T);
      else if (f.kind === "enum") want = WireType.Varint;
      else want = WireType.LengthDelimited;
      const packedOk = f.repeat && (f.kind === "enum" || f.kind === "scalar") && wire === WireType.LengthDelimited;
      if (wire !== want && !packedOk)
        throw invalid(
          name,
          `wrong wire type for field of ${type.typeName}: expected ${WIRE_NAMES[want]}, got ${WIRE_NAMES[wire] ?? wire}`,
        );
      if (f.kind === "message" && wire === WireType.LengthDelimited) {
        let sub: Uint8Array;
        try {
          sub = reader.bytes();
        } catch (e) {
          throw invalid(name, `malformed protobuf: ${(e as Error).message}`);
        }
        checkWire(f.T() as AnyMessageType, sub, `${name}.`);
        continue;
      }
    }
    try {
      reader.skip(wire);
    } catch (e) {
      throw invalid(name, `malformed protobuf: ${(e as Error).message}`);
    }
  }
}
