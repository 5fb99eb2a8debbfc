/**
 * A node's earnings: the sum of its `NodePaid` events. The chain keeps no `earned` counter since
 * issue 13 B stage 2 (a settlement writes only the node's `NodeAccount`, and only what slashing
 * and sampling need), so `atoma-node status` and the tests add up the events. This reads every
 * event of the package (O(events)); on a large network ask the indexer (`/nodes/:id`, its
 * `paidTotal` column is the same sum).
 */
import type { AtomaClient } from "@atoma/sdk";

export interface NodeEarnings {
  /** MIST paid to the node (sum of `NodePaid.amount`). */
  earned: bigint;
  /** `NodePaid` events (one per request it was paid for). */
  payouts: number;
}

/** Sums `NodePaid` for `nodeId` over every event of the package. */
export async function nodeEarnings(atoma: Pick<AtomaClient, "listEvents">, nodeId: string): Promise<NodeEarnings> {
  const id = nodeId.toLowerCase();
  let earned = 0n;
  let payouts = 0;
  let after: string | null = null;
  for (;;) {
    const page = await atoma.listEvents({ after }, 100);
    for (const { event } of page.events)
      if (event.name === "NodePaid" && event.data.node_id.toLowerCase() === id) {
        earned += BigInt(event.data.amount);
        payouts++;
      }
    if (!page.hasNextPage || page.cursor.after === after) return { earned, payouts };
    after = page.cursor.after;
  }
}
