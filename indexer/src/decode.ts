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
  // parse() ignores trailing bytes: a layout we do not know, so refuse it.
  const len = schema.serialize(data as never).toBytes().length;
  if (len !== raw.bcs.length)
    throw new DecodeError(`event.bcs (${name})`, `malformed BCS: ${raw.bcs.length - len} trailing bytes`);
  return { name, data } as DecodedEvent;
}
