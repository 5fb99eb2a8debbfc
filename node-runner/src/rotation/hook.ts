/**
 * The daemon hook: runs a RotationParticipant next to the request loop, with keys under
 * `<stateDir>/cluster-keys` (0600) and its event cursor in `<stateDir>/rotation-cursor.json`.
 */
import path from "node:path";
import type { Logger } from "pino";
import type { NodeKeys } from "../config.js";
import { type KeyDistribution, MasterKeyStore } from "./keys.js";
import { type RotationChain, RotationParticipant } from "./rotation.js";

export interface RotationHookOptions {
  atoma: RotationChain;
  keys: NodeKeys;
  nodeId: string;
  /** Its NodeCap's object id. */
  nodeCapId: string;
  stateDir: string;
  distribution: KeyDistribution;
  signal: AbortSignal;
  logger?: Pick<Logger, "info" | "warn">;
  pollMs?: number;
  /** Chain-time clock in ms (default Date.now). */
  now?: () => bigint | number;
}

/** Starts the participant loop; resolves when `signal` aborts. Poll errors are logged and retried. */
export async function runRotationParticipant(o: RotationHookOptions): Promise<void> {
  const p = new RotationParticipant({
    chain: o.atoma,
    signer: o.keys.signer,
    nodeId: o.nodeId,
    nodeCapId: o.nodeCapId,
    encSk: o.keys.encSk,
    ...(o.keys.mlkemSk ? { mlkemSk: o.keys.mlkemSk } : {}),
    keys: new MasterKeyStore(path.join(o.stateDir, "cluster-keys")),
    distribution: o.distribution,
    stateFile: path.join(o.stateDir, "rotation-cursor.json"),
    ...(o.now ? { now: o.now } : {}),
  });
  while (!o.signal.aborted) {
    try {
      await p.run({
        pollMs: o.pollMs ?? 1000,
        signal: o.signal,
        onOutcome: (r) =>
          o.logger?.info(
            {
              clusterId: r.clusterId,
              epoch: String(r.epoch),
              kind: r.kind,
              ...("reason" in r ? { reason: r.reason } : {}),
            },
            "key rotation",
          ),
      });
    } catch (err) {
      o.logger?.warn({ err: (err as Error).message }, "key rotation poll failed; retrying");
      await new Promise((res) => setTimeout(res, o.pollMs ?? 1000));
    }
  }
}
