/**
 * Answers encoded once and shared: a checkpoint (or an executed transaction) under one read mask
 * is converted to its `sui.rpc.v2` message and encoded once, and every subscriber and reader
 * asking for it under the same mask gets the same bytes. The response wrappers
 * (`SubscribeCheckpointsResponse`, `GetCheckpointResponse`, …) are written around those bytes
 * as protobuf-ts writes an embedded message (tag, length, bytes), so the answer is byte for byte
 * the one `toBinary` of the whole response gives (`test/grpc-shared.test.ts`).
 */
import { BinaryWriter, WireType } from "@protobuf-ts/runtime";
import type { OpenEvent } from "./direct.js";

/** A response message already encoded; the server sends its bytes as they are. */
export class EncodedMessage {
  constructor(readonly bytes: Uint8Array) {}
}

/** A bounded map of encoded messages (or their parts), least recently used out first. */
export class EncodedCache<V = Uint8Array> {
  private readonly entries = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`EncodedCache capacity must be a positive integer, got ${capacity}`);
  }

  /** The bytes under `key`, made (and kept) by `make` on a miss. */
  get(key: string, make: () => V): V {
    const got = this.entries.get(key);
    if (got) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, got);
      return got;
    }
    this.misses++;
    const bytes = make();
    this.entries.set(key, bytes);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A response whose only field is the embedded message at field `no` (e.g. `GetCheckpointResponse.checkpoint`). */
export function wrapMessage(no: number, message: Uint8Array): EncodedMessage {
  return new EncodedMessage(new BinaryWriter().tag(no, WireType.LengthDelimited).bytes(message).finish());
}

/** `SubscribeCheckpointsResponse { cursor = 1, checkpoint = 2 }`. */
export function subscribeCheckpointsResponse(cursor: bigint, checkpoint: Uint8Array): EncodedMessage {
  return new EncodedMessage(
    new BinaryWriter()
      .tag(1, WireType.Varint)
      .uint64(cursor)
      .tag(2, WireType.LengthDelimited)
      .bytes(checkpoint)
      .finish(),
  );
}

/** The caches one gRPC server's services share. */
export interface SharedAnswers {
  /** Checkpoints, by sequence number and read mask. */
  checkpoints: EncodedCache;
  /** Executed transactions, by digest, checkpoint and read mask. */
  transactions: EncodedCache;
  /**
   * Events (ListEvents), by their index and read mask, without their checkpoint (put in when the
   * page is written): an event read before its checkpoint is cut and after is encoded once.
   */
  events: EncodedCache<OpenEvent>;
  /** Move objects (GetObject, BatchGetObjects), by digest and read mask. */
  objects: EncodedCache;
}

export function sharedAnswers(
  sizes: { checkpoints?: number; transactions?: number; events?: number; objects?: number } = {},
): SharedAnswers {
  return {
    checkpoints: new EncodedCache(sizes.checkpoints ?? 256),
    transactions: new EncodedCache(sizes.transactions ?? 4096),
    events: new EncodedCache<OpenEvent>(sizes.events ?? 8192),
    objects: new EncodedCache(sizes.objects ?? 4096),
  };
}
