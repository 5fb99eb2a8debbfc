/**
 * Where events come from: a narrow `EventSource` (pages of raw events after a cursor), with an
 * implementation over `client.core.listEvents` of @mysten/sui 2.x.
 */
import { isNetworkFailure, networkFailureReason } from "@atoma/sdk";
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
  /**
   * Optional: checks that the followed package exists (a wrong id would otherwise look
   * healthy and "caught up" forever); throws a message naming what is wrong.
   */
  check?(signal?: AbortSignal): Promise<void>;
  /** The next page of events strictly after `cursor` (null = from the start), oldest first. */
  nextPage(cursor: string | null, limit: number, signal?: AbortSignal): Promise<EventPage>;
}

/** Events of `<packageId>::events` (the original package id covers every upgraded version). */
export class CoreEventSource implements EventSource {
  constructor(
    private readonly client: ClientWithCoreApi,
    private readonly packageId: string,
    private readonly module = "events",
    /** Named in errors ("cannot reach <url>"). */
    private readonly url = "the chain RPC",
  ) {}

  /** Network failures name the URL instead of undici's bare "fetch failed". */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isNetworkFailure(e))
        throw new Error(`cannot reach ${this.url} (${await networkFailureReason(e, this.url)})`, { cause: e });
      throw e;
    }
  }

  async check(signal?: AbortSignal): Promise<void> {
    try {
      await this.call(() => this.client.core.getObject({ objectId: this.packageId, signal }));
    } catch (e) {
      const msg = (e as Error).message;
      // A transport that lacks object reads (method not found) cannot tell: not an error.
      if (/not found|does ?not ?exist|notExists/i.test(msg) && !/method/i.test(msg))
        throw new Error(`package ${this.packageId} does not exist on ${this.url}`, { cause: e });
      if (/^cannot reach/.test(msg)) throw e;
    }
  }

  async nextPage(cursor: string | null, limit: number, signal?: AbortSignal): Promise<EventPage> {
    const page = await this.call(() =>
      this.client.core.listEvents({
        filter: { eventType: `${this.packageId}::${this.module}` },
        after: cursor,
        limit,
        order: "ascending",
        signal,
      }),
    );
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
