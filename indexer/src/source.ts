/**
 * Where events come from: a narrow `EventSource` (pages of raw events after a cursor), with an
 * implementation over `client.core.listEvents` of @mysten/sui 2.x.
 */
import type { ClientWithCoreApi } from "@mysten/sui/client";

export interface RawEvent {
  txDigest: string;
  eventSeq: number;
  type: string;
  bcs: Uint8Array;
  sender: string;
  packageId: string;
  timestampMs?: bigint | null;
  checkpoint?: bigint | null;
}

export interface EventPage {
  events: RawEvent[];
  /** Cursor to resume after the last event of this page (null when the page is empty). */
  nextCursor: string | null;
  hasNextPage: boolean;
}

export interface EventSource {
  /** The next page of events strictly after `cursor` (null = from the start), oldest first. */
  nextPage(cursor: string | null, limit: number, signal?: AbortSignal): Promise<EventPage>;
}

/** Events of `<packageId>::events` (the original package id covers every upgraded version). */
export class CoreEventSource implements EventSource {
  constructor(
    private readonly client: ClientWithCoreApi,
    private readonly packageId: string,
    private readonly module = "events",
  ) {}

  async nextPage(cursor: string | null, limit: number, signal?: AbortSignal): Promise<EventPage> {
    const page = await this.client.core.listEvents({
      filter: { eventType: `${this.packageId}::${this.module}` },
      after: cursor,
      limit,
      order: "ascending",
      signal,
    });
    return {
      events: page.events.map((e) => ({
        txDigest: e.transactionDigest,
        eventSeq: e.eventIndex,
        type: e.eventType,
        bcs: e.bcs,
        sender: e.sender,
        packageId: e.packageId,
        timestampMs: null,
        checkpoint: e.checkpoint === null || e.checkpoint === undefined ? null : BigInt(e.checkpoint),
      })),
      nextCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
    };
  }
}

/** An in-process source over a list of events (cursor = index of the last event as a decimal string). */
export class ArrayEventSource implements EventSource {
  constructor(readonly events: RawEvent[]) {}

  async nextPage(cursor: string | null, limit: number): Promise<EventPage> {
    const start = cursor === null ? 0 : Number(cursor) + 1;
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`cursor: not an index (${cursor})`);
    const events = this.events.slice(start, start + limit);
    const end = start + events.length;
    return { events, nextCursor: events.length ? String(end - 1) : cursor, hasNextPage: end < this.events.length };
  }
}
