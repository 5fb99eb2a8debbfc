/** sui.rpc.v2.SubscriptionService: a live stream of checkpoints as they are cut, each with its transactions and events. */
import type { GrpcTypes } from "@mysten/sui/grpc";
import type { Checkpoint } from "../journal.js";
import { type EncodedMessage, type SharedAnswers, subscribeCheckpointsResponse } from "./encoded.js";
import { encodedCheckpoint } from "./ledger.js";
import { READ_MASKS } from "./mask.js";
import { type GrpcNode, type ServiceImpl, stream } from "./service.js";

/**
 * Each checkpoint is converted and encoded once per read mask and the bytes shared by every
 * subscriber with that mask (and by GetCheckpoint), not once per subscriber.
 */
export function subscriptionService(node: GrpcNode, answers: SharedAnswers): ServiceImpl {
  return {
    // Like a Sui full node, the stream starts at the next checkpoint; a client that resumes from a
    // cursor reads the gap with LedgerService.GetCheckpoint (see @atoma/sdk's checkpoint stream).
    // Without a read mask each message carries the cursor and an empty checkpoint, as on Sui.
    SubscribeCheckpoints: stream(
      async (
        _req: GrpcTypes.SubscribeCheckpointsRequest,
        sink: { send(m: GrpcTypes.SubscribeCheckpointsResponse | EncodedMessage): Promise<void>; signal: AbortSignal },
        mask,
      ) => {
        const queue: Checkpoint[] = [];
        let wake: (() => void) | undefined;
        const off = node.onCheckpoint((cp) => {
          queue.push(cp);
          wake?.();
        });
        // One abort listener for the whole stream (not one per wait: a long stream would pile them up).
        const onAbort = () => wake?.();
        sink.signal.addEventListener("abort", onAbort, { once: true });
        try {
          while (!sink.signal.aborted) {
            while (queue.length > 0 && !sink.signal.aborted) {
              const cp = queue.shift()!;
              const seq = BigInt(cp.sequenceNumber);
              await sink.send(subscribeCheckpointsResponse(seq, encodedCheckpoint(node, answers, cp, mask)));
            }
            if (sink.signal.aborted) break;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        } finally {
          off();
          sink.signal.removeEventListener("abort", onAbort);
        }
      },
      READ_MASKS.subscribeCheckpoints,
    ),
  };
}
