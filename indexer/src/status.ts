/**
 * The indexer's request status names, and how they map to the chain's `RequestStatus` (the one
 * place that says so; the API, its query enum, the explorer and docs read these names).
 *
 * The mapping is deliberate, because the indexer sees events, not the object:
 * - `Created` is called `open`: a request that no node has been sampled for yet.
 * - `Sampled` and `Revealing` are both `sampled`: the chain moves to `Revealing` when the last
 *   commit lands or lazily once `commit_deadline_ms` has passed, and neither emits an event
 *   (the deadline case happens inside a later call), so an event follower cannot tell them apart.
 *   The commit and reveal rows of `GET /v1/requests/:id` show where a round stands.
 * - `Disputed`, `Settled` and `Failed` keep their names, lower-cased.
 */
import { RequestStatus } from "@atoma/sdk";

export const REQUEST_STATUSES = ["open", "sampled", "disputed", "settled", "failed"] as const;
export type IndexedRequestStatus = (typeof REQUEST_STATUSES)[number];

/** The indexer's name for each chain status. */
export const STATUS_OF_CHAIN: Readonly<Record<RequestStatus, IndexedRequestStatus>> = {
  [RequestStatus.Created]: "open",
  [RequestStatus.Sampled]: "sampled",
  [RequestStatus.Revealing]: "sampled",
  [RequestStatus.Disputed]: "disputed",
  [RequestStatus.Settled]: "settled",
  [RequestStatus.Failed]: "failed",
};
