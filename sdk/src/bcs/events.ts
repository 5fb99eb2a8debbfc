/**
 * The events of `atoma::events` (schemas generated from the bytecode, `pnpm codegen`) and a
 * decoder that turns a chain event `{type, bcs}` into a typed, discriminated union.
 */
import { BcsReader } from "@mysten/bcs";
import { fromBase64 } from "@mysten/sui/utils";
import { DecodeError } from "../errors.js";
import { EVENT_STRUCTS } from "../generated/atoma/events.js";

export * from "../generated/atoma/events.js";

/** Every event schema, by Move struct name in `atoma::events` (generated from the bytecode). */
export const EVENT_SCHEMAS = EVENT_STRUCTS;

export type AtomaEventName = keyof typeof EVENT_SCHEMAS;
export const ATOMA_EVENT_NAMES = Object.keys(EVENT_SCHEMAS) as AtomaEventName[];

/** Decoded data of one event type (u64 as decimal strings, addresses/ids as 0x-hex, bytes as number[]). */
export type AtomaEventData<N extends AtomaEventName> = (typeof EVENT_SCHEMAS)[N]["$inferType"];

/** A decoded event: discriminated on `name`. */
export type AtomaEvent = { [N in AtomaEventName]: { name: N; data: AtomaEventData<N> } }[AtomaEventName];

/** An event as chains return it: the full Move type and its BCS bytes (or base64 of them). */
export interface RawEvent {
  type: string;
  bcs: Uint8Array | string;
}

const TYPE_RE = /^0x[0-9a-fA-F]{1,64}::events::([A-Za-z_][A-Za-z0-9_]*)$/;

/** The event name of a Move event type of any version of the package, or undefined. */
export function atomaEventName(type: string): AtomaEventName | undefined {
  const m = TYPE_RE.exec(type);
  if (!m) return undefined;
  const name = m[1] as string;
  return Object.hasOwn(EVENT_SCHEMAS, name) ? (name as AtomaEventName) : undefined;
}

/**
 * Decodes an event of any version of the `atoma` package (matched by the `::events::<Name>`
 * suffix). Throws DecodeError naming the type on an unknown type or malformed bytes
 * (including trailing bytes).
 */
export function decodeAtomaEvent(event: RawEvent): AtomaEvent {
  const name = atomaEventName(event.type);
  if (!name) throw new DecodeError(event.type, "not an atoma::events event type");
  let raw: Uint8Array;
  try {
    raw = typeof event.bcs === "string" ? fromBase64(event.bcs) : event.bcs;
  } catch (cause) {
    throw new DecodeError(event.type, "event bcs is not valid base64", { cause });
  }
  const schema = EVENT_SCHEMAS[name];
  return { name, data: readExact(schema as { read(reader: BcsReader): unknown }, raw, event.type) } as AtomaEvent;
}

/**
 * Parses `raw` with `schema`, rejecting short input and trailing bytes (parse() alone ignores
 * leftovers, which is how a layout drift usually shows up).
 */
export function readExact<T>(schema: { read(reader: BcsReader): T }, raw: Uint8Array, what: string): T {
  const reader = new BcsReader(raw);
  let data: T;
  try {
    data = schema.read(reader);
  } catch (cause) {
    throw new DecodeError(what, `malformed BCS (${(cause as Error).message})`, { cause });
  }
  // BcsReader keeps its position private; read it when present (no exception on the hot
  // path), else probe one more byte.
  const pos = (reader as unknown as { bytePosition?: unknown }).bytePosition;
  let trailing: boolean;
  if (typeof pos === "number") trailing = pos !== raw.length;
  else {
    trailing = true;
    try {
      reader.read8();
    } catch {
      trailing = false;
    }
  }
  if (trailing) throw new DecodeError(what, "malformed BCS: trailing bytes after the value");
  return data;
}

/** Like decodeAtomaEvent, but returns undefined for events that are not Atoma's. */
export function tryDecodeAtomaEvent(event: RawEvent): AtomaEvent | undefined {
  if (!atomaEventName(event.type)) return undefined;
  return decodeAtomaEvent(event);
}
