/**
 * Decoding adapter over the SDK's `decodeAtomaEvent` (sdk/src/bcs): `decode(raw)` → `{ name, data }`
 * or a DecodeError naming the type and why (unknown type, malformed BCS, trailing bytes).
 */
import {
  type AtomaEvent,
  type AtomaEventData,
  type AtomaEventName,
  atomaEventName,
  decodeAtomaEvent,
} from "@atoma/sdk";

export type EventName = AtomaEventName;
export type EventData<N extends EventName> = AtomaEventData<N>;
export type DecodedEvent = AtomaEvent;

/** The event name of a Move type `0x<any package version>::events::Name`, or undefined. */
export const eventNameOf = (type: string): EventName | undefined => atomaEventName(type);

export function decode(raw: { type: string; bcs: Uint8Array }): DecodedEvent {
  return decodeAtomaEvent(raw);
}
