/**
 * What the keeper needs from the chain (./keeper.ts): the package's events, and two state changes
 * anyone may make — `fees::sweep_fees` for finished requests and `registry::refresh_node` for
 * nodes — each batched in one PTB. `SdkKeeperChain` implements it over `AtomaClient`; a Move abort
 * rejects with the SDK's `MoveAbortError` (deterministic: retried item by item, never as a batch).
 */
import { type AtomaClient, type AtomaEvent, buildRefreshNode } from "@atoma/sdk";
import type { Signer } from "@mysten/sui/cryptography";
import { Transaction } from "@mysten/sui/transactions";
import { surfacingAborts } from "../sdk-port.js";

/** The events the keeper acts on (already decoded). */
export type KeeperEvent =
  /** A request reached `Settled` or `Failed`: its protocol income waits in it for a sweep. */
  | { name: "RequestFinished"; requestId: string }
  /** Someone swept a request (this keeper or another). */
  | { name: "FeesSwept"; requestId: string; amount: bigint }
  /**
   * A settlement slashed a node: its sampling weight is stale and, below `min_stake`, it is still
   * Active (settlements write only the node's account; `refresh_node` re-weighs and jails).
   */
  | { name: "NodeSlashed"; nodeId: string; requestId: string; remainingStake: bigint }
  /** A node joined: the keeper remembers it (a parameter change re-syncs every node it knows). */
  | { name: "NodeRegistered"; nodeId: string }
  /** The admin set a `Params` field (`stake_cap`/`min_stake` leave every node's weight stale). */
  | { name: "ParamChanged"; param: string; value: bigint }
  | { name: "Other"; type: string };

export interface KeeperEventPage {
  events: KeeperEvent[];
  cursor: string | null;
  hasNextPage: boolean;
}

export interface KeeperChain {
  /** Events after `cursor` (null = from the beginning), at most `limit`. */
  nextEvents(cursor: string | null, limit: number): Promise<KeeperEventPage>;
  /** `fees::sweep_fees` for every request, in one transaction. */
  sweepFees(requestIds: readonly string[]): Promise<void>;
  /** `registry::refresh_node` for every node, in one transaction. */
  refreshNodes(nodeIds: readonly string[]): Promise<void>;
}

/** Maps a decoded Atoma event to what the keeper reacts to. */
export function toKeeperEvent(ev: AtomaEvent): KeeperEvent {
  switch (ev.name) {
    case "RequestSettled":
    case "RequestFailed":
      return { name: "RequestFinished", requestId: ev.data.request_id };
    case "FeesSwept":
      return { name: "FeesSwept", requestId: ev.data.request_id, amount: BigInt(ev.data.amount) };
    case "NodeSlashed":
      return {
        name: "NodeSlashed",
        nodeId: ev.data.node_id,
        requestId: ev.data.request_id,
        remainingStake: BigInt(ev.data.remaining_stake),
      };
    case "NodeRegistered":
      return { name: "NodeRegistered", nodeId: ev.data.node_id };
    case "ParamChanged":
      return {
        name: "ParamChanged",
        param: new TextDecoder().decode(Uint8Array.from(ev.data.name)),
        value: BigInt(ev.data.value),
      };
    default:
      return { name: "Other", type: ev.name };
  }
}

/** `KeeperChain` over the SDK: every transaction signed by `signer` (any funded address). */
export class SdkKeeperChain implements KeeperChain {
  constructor(
    private readonly atoma: AtomaClient,
    private readonly signer: Signer,
  ) {}

  async nextEvents(cursor: string | null, limit: number): Promise<KeeperEventPage> {
    const page = await this.atoma.listEvents({ after: cursor }, limit);
    return {
      events: page.events.map((rec) => toKeeperEvent(rec.event)),
      cursor: page.cursor.after,
      hasNextPage: page.hasNextPage,
    };
  }

  sweepFees(requestIds: readonly string[]): Promise<void> {
    return surfacingAborts(() => this.atoma.sweepFees(this.signer, requestIds));
  }

  refreshNodes(nodeIds: readonly string[]): Promise<void> {
    return surfacingAborts(() => {
      const tx = new Transaction();
      tx.setSender(this.signer.toSuiAddress());
      const { packageId, registryId } = this.atoma.config;
      for (const nodeId of nodeIds) buildRefreshNode(tx, { packageId, registry: registryId, nodeId });
      return this.atoma.execute(tx, this.signer);
    });
  }
}
