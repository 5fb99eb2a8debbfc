/**
 * Where checkpoints come from when the indexer ingests by checkpoint: a narrow `CheckpointSource`
 * (the latest checkpoint; the checkpoints after a watermark, each once, in order, with the atoma
 * events of their transactions), implemented over `SubscriptionService.SubscribeCheckpoints`
 * through @atoma/sdk's `checkpointStream` (which reads gaps with `GetCheckpoint` by number).
 */
import { checkpointStream, latestCheckpoint } from "@atoma/sdk";
import type { GrpcTypes, SuiGrpcClient } from "@mysten/sui/grpc";
import { normalizeStructTag, normalizeSuiAddress } from "@mysten/sui/utils";
import type { RawEvent } from "./source.js";

/** One checkpoint's worth of the followed package's events. */
export interface CheckpointBatch {
  checkpoint: bigint;
  timestampMs: bigint | null;
  events: RawEvent[];
}

export interface CheckpointSource {
  /** The latest checkpoint's sequence number. */
  tip(signal?: AbortSignal): Promise<bigint>;
  /** Every checkpoint after `after`, once, in order, across disconnects; ends only when `signal` aborts. */
  checkpoints(
    after: bigint,
    opts: { signal?: AbortSignal; onReconnect?: (error: unknown) => void },
  ): AsyncIterable<CheckpointBatch>;
}

/** The parts of a checkpoint the indexer reads (a Sui full node sends `sequence_number,digest` by default). */
export const CHECKPOINT_READ_MASK = [
  "sequence_number",
  "summary.timestamp",
  "transactions.digest",
  "transactions.events",
] as const;

const millis = (t: { seconds: bigint; nanos: number } | undefined): bigint | null =>
  t ? t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1_000_000)) : null;

/**
 * The events of `<packageId>::<module>` in a checkpoint, in transaction order; `eventSeq` is the
 * index in its transaction. Event types carry the id of the package that first defined them (the
 * original id for every upgraded version); more ids may be given for types added by an upgrade.
 */
export function checkpointEvents(
  cp: GrpcTypes.Checkpoint,
  packageIds: string | readonly string[],
  module = "events",
): CheckpointBatch {
  const prefixes = (typeof packageIds === "string" ? [packageIds] : packageIds).map(
    (p) => `${normalizeSuiAddress(p)}::${module}::`,
  );
  const checkpoint = cp.sequenceNumber;
  if (checkpoint === undefined) throw new Error("checkpoint without sequence_number (read mask?)");
  const timestampMs = millis(cp.summary?.timestamp);
  const events: RawEvent[] = [];
  for (const tx of cp.transactions) {
    const list = tx.events?.events ?? [];
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (!e.eventType) continue;
      const type = normalizeStructTag(e.eventType);
      if (!prefixes.some((p) => type.startsWith(p))) continue;
      if (!tx.digest) throw new Error(`checkpoint ${checkpoint}: a transaction without digest (read mask?)`);
      events.push({
        txDigest: tx.digest,
        eventSeq: i,
        type,
        bcs: e.contents?.value ?? new Uint8Array(),
        sender: normalizeSuiAddress(e.sender ?? "0x0"),
        packageId: normalizeSuiAddress(e.packageId ?? "0x0"),
        timestampMs,
        checkpoint,
      });
    }
  }
  return { checkpoint, timestampMs, events };
}

/** Checkpoints over gRPC (`sui.rpc.v2`): SubscribeCheckpoints, with GetCheckpoint by number for gaps. */
export class GrpcCheckpointSource implements CheckpointSource {
  constructor(
    private readonly client: SuiGrpcClient,
    private readonly packageIds: string | readonly string[],
    private readonly module = "events",
  ) {}

  tip(signal?: AbortSignal): Promise<bigint> {
    return latestCheckpoint(this.client, signal);
  }

  async *checkpoints(
    after: bigint,
    opts: { signal?: AbortSignal; onReconnect?: (error: unknown) => void },
  ): AsyncGenerator<CheckpointBatch, void, undefined> {
    for await (const cp of checkpointStream(this.client, {
      after,
      readMask: CHECKPOINT_READ_MASK,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onReconnect ? { onReconnect: opts.onReconnect } : {}),
    }))
      yield checkpointEvents(cp, this.packageIds, this.module);
  }
}
