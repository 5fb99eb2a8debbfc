/**
 * A resumable checkpoint stream over `SubscriptionService.SubscribeCheckpoints`. A Sui full node
 * streams from its tip only, so the stream reads the gap between the caller's cursor and the tip
 * (and any gap after a reconnect) with `LedgerService.GetCheckpoint`: each checkpoint after
 * `after` is yielded exactly once, in order, across disconnects and server restarts.
 */
import type { GrpcTypes, SuiGrpcClient } from "@mysten/sui/grpc";
import { sleep } from "./sleep.js";

export interface CheckpointStreamOptions {
  /** The last checkpoint already processed; the stream starts after it. `null`: at the live tip. */
  after: bigint | null;
  signal?: AbortSignal;
  /** Wait between reconnect attempts, ms (default 250). */
  retryMs?: number;
  /** Called with the error each time the stream drops and is reopened. */
  onReconnect?: (error: unknown) => void;
  /**
   * Field paths of `Checkpoint` to read (e.g. `transactions.events`), sent with the subscription
   * and each catch-up read; default `DEFAULT_CHECKPOINT_READ_MASK`. Without a mask a Sui full node
   * sends `sequence_number,digest` from GetCheckpoint and nothing but the cursor from the
   * subscription, so the mask is always sent.
   */
  readMask?: readonly string[];
}

/** What `checkpointStream` reads unless told otherwise: the checkpoint's identity, time and the transactions' events. */
export const DEFAULT_CHECKPOINT_READ_MASK: readonly string[] = [
  "sequence_number",
  "digest",
  "summary.timestamp",
  "transactions.digest",
  "transactions.events",
];

/** The latest checkpoint's sequence number (`LedgerService.GetCheckpoint` without an id). */
export async function latestCheckpoint(client: SuiGrpcClient, signal?: AbortSignal): Promise<bigint> {
  const { response } = await client.ledgerService.getCheckpoint(
    { checkpointId: { oneofKind: undefined }, readMask: { paths: ["sequence_number"] } },
    { abort: signal },
  );
  const seq = response.checkpoint?.sequenceNumber;
  if (seq === undefined) throw new Error("GetCheckpoint (latest) returned no sequence_number");
  return seq;
}

export async function* checkpointStream(
  client: SuiGrpcClient,
  opts: CheckpointStreamOptions,
): AsyncGenerator<GrpcTypes.Checkpoint, void, undefined> {
  const { signal } = opts;
  let next: bigint | null = opts.after === null ? null : opts.after + 1n;
  const readMask = { readMask: { paths: [...(opts.readMask ?? DEFAULT_CHECKPOINT_READ_MASK)] } };
  // One short-lived signal per call: passing `signal` itself would leave one abort listener on it
  // per call (thousands during a catch-up).
  const withSignal = async <T>(f: (abort: AbortSignal) => PromiseLike<T>): Promise<T> => {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    if (signal?.aborted) ac.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await f(ac.signal);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  };
  const fetchOne = async (seq: bigint): Promise<GrpcTypes.Checkpoint> => {
    const { response } = await withSignal((abort) =>
      client.ledgerService.getCheckpoint(
        { checkpointId: { oneofKind: "sequenceNumber", sequenceNumber: seq }, ...readMask },
        { abort },
      ),
    );
    if (!response.checkpoint) throw new Error(`GetCheckpoint ${seq} returned no checkpoint`);
    return response.checkpoint;
  };
  while (!signal?.aborted) {
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const call = client.subscriptionService.subscribeCheckpoints({ ...readMask }, { abort: inner.signal });
      await call.headers; // subscribed: every later checkpoint reaches this stream
      if (next !== null) {
        const tip = await withSignal((abort) => latestCheckpoint(client, abort));
        for (; next <= tip; next++) yield await fetchOne(next);
      }
      for await (const msg of call.responses) {
        const cp = msg.checkpoint;
        const seq = msg.cursor ?? cp?.sequenceNumber;
        if (!cp || seq === undefined) continue;
        if (next === null) next = seq;
        if (seq < next) continue; // already yielded (read during the catch-up)
        for (; next < seq; next++) yield await fetchOne(next);
        yield cp;
        next = seq + 1n;
      }
      opts.onReconnect?.(new Error("checkpoint stream ended by the server"));
    } catch (e) {
      if (signal?.aborted) return;
      opts.onReconnect?.(e);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      inner.abort();
    }
    await sleep(opts.retryMs ?? 250, signal, "resolve");
  }
}
