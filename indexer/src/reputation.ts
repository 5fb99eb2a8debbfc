/**
 * A node's reputation, derived from its events: the Move package keeps it in the node's NodeAccount
 * but emits no event for it. Mirrors `node_account::reward` (+1 per `NodePaid`) and
 * `node_account::slash` (−penalty per `NodeSlashed`, floor 0): the initial value comes from the
 * SDK's `Limits` (generated from `atoma::constants::initial_reputation`), the penalties mirror
 * `move/packages/atoma/sources/settlement.move` (REP_ABSENT, REP_DISSENT, by slash reason);
 * `indexer/test/reputation.test.ts` reads those sources and fails when they drift.
 */
import { Limits, SlashReason } from "@atoma/sdk";

export const REPUTATION = {
  initial: BigInt(Limits.initialReputation),
  perPayout: 1n,
  /** Penalty by `NodeSlashed.reason`: 0 absent, 1 dissent. */
  penaltyByReason: { [SlashReason.Absent]: 5n, [SlashReason.Dissent]: 10n } as Record<number, bigint>,
} as const;

export class UnknownSlashReasonError extends Error {
  override name = "UnknownSlashReasonError";
  constructor(readonly reason: number) {
    super(`reputation: NodeSlashed reason ${reason} has no known reputation penalty`);
  }
}

/** Folds a node's payouts and slashes, in chain order, into its reputation. */
export function foldReputation(events: Iterable<{ kind: "paid" | "slashed"; reason?: number | null }>): bigint {
  let rep: bigint = REPUTATION.initial;
  for (const e of events) {
    if (e.kind === "paid") rep += REPUTATION.perPayout;
    else {
      const p = REPUTATION.penaltyByReason[e.reason ?? -1];
      if (p === undefined) throw new UnknownSlashReasonError(e.reason ?? -1);
      rep = rep > p ? rep - p : 0n;
    }
  }
  return rep;
}
