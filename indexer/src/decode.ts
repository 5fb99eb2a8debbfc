/**
 * Decoding adapter: `decode(raw)` → `{ name, data }` or a DecodeError naming why. Points at the
 * indexer's own schemas (decode-fallback.ts) until the SDK exports `decodeAtomaEvent`.
 */
import { DecodeError } from "@atoma/sdk";
import { EVENT_SCHEMAS, type EventData, type EventName } from "./decode-fallback.js";

export type { EventData, EventName };
export type DecodedEvent = { [N in EventName]: { name: N; data: EventData<N> } }[EventName];

const TYPE_RE = /^0x[0-9a-fA-F]+::events::([A-Za-z0-9_]+)$/;

/** The event name of a Move type `0x<any package version>::events::Name`, or undefined. */
export function eventNameOf(type: string): EventName | undefined {
  const m = TYPE_RE.exec(type);
  const name = m?.[1];
  return name !== undefined && Object.hasOwn(EVENT_SCHEMAS, name) ? (name as EventName) : undefined;
}

const uleb = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
/**
 * BCS size of a parsed event value (for the trailing-bytes check, without re-serializing). In
 * these schemas: addresses/IDs are "0x"+64 hex (32 bytes), u64 decimal strings (8), u8 numbers (1),
 * bools (1), vectors ULEB128 length + items.
 */
function sizeOf(v: unknown): number {
  switch (typeof v) {
    case "string":
      return v.startsWith("0x") ? 32 : 8;
    case "number":
    case "boolean":
      return 1;
    case "object": {
      if (Array.isArray(v)) {
        let n = uleb(v.length);
        for (const x of v) n += sizeOf(x);
        return n;
      }
      let n = 0;
      for (const x of Object.values(v as object)) n += sizeOf(x);
      return n;
    }
    default:
      throw new DecodeError("event", `unexpected decoded value ${typeof v}`);
  }
}

export function decode(raw: { type: string; bcs: Uint8Array }): DecodedEvent {
  const name = eventNameOf(raw.type);
  if (name === undefined)
    throw new DecodeError("event.type", `unknown event type ${JSON.stringify(raw.type.slice(0, 300))}`);
  const schema = EVENT_SCHEMAS[name];
  let data: unknown;
  try {
    data = schema.parse(raw.bcs);
  } catch (e) {
    throw new DecodeError(`event.bcs (${name})`, `malformed BCS: ${(e as Error).message}`, { cause: e });
  }
  // parse() would ignore trailing bytes: a layout we do not know, so refuse it.
  const len = sizeOf(data);
  if (len !== raw.bcs.length)
    throw new DecodeError(`event.bcs (${name})`, `malformed BCS: ${raw.bcs.length - len} trailing bytes`);
  return { name, data } as DecodedEvent;
}
