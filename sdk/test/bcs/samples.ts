import { EVENT_SCHEMAS, OBJECT_SCHEMAS } from "../../src/bcs/index.js";

/**
 * A full sample value of a schema: parsing a run of 0x01 bytes gives u8 = 1, bool = true,
 * every vector one element long, every option Some, every address 0x0101…, so every field
 * and every nested type is exercised.
 */
export function sampleFor(name: string): unknown {
  const schema =
    (EVENT_SCHEMAS as Record<string, { parse(b: Uint8Array): unknown }>)[name] ??
    (OBJECT_SCHEMAS as Record<string, { parse(b: Uint8Array): unknown }>)[name];
  if (!schema) throw new Error(`no schema named ${name}`);
  return schema.parse(new Uint8Array(8192).fill(1));
}
