/**
 * `atoma::sampling`, step for step: candidates are the capability's eligible set in table order,
 * filtered (Active, price <= max_price, attested when confidential, not excluded, weight > 0);
 * each draw takes x = generate_u128_in_range(0, total - 1), walks the cumulative weights to the
 * first index with x < acc, and `swap_remove`s the pick from ids and weights.
 */
import type { RandomGenerator } from "./random.js";
import { type Node, NodeStatus, type Registry } from "./types.js";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** min(stake, stake_cap). */
export function weightOf(node: Node, stakeCap: bigint): bigint {
  return node.stake < stakeCap ? node.stake : stakeCap;
}

function attested(node: Node, t: bigint): boolean {
  const a = node.attestation;
  return a !== null && a.tee_kind !== 0 && !a.revoked && a.expires_ms > t;
}

export function candidates(
  r: Registry,
  capability: Uint8Array,
  maxPrice: bigint,
  confidential: boolean,
  exclude: readonly string[],
  nowMs: bigint,
): { ids: string[]; weights: bigint[] } {
  const ids: string[] = [];
  const weights: bigint[] = [];
  const list = r.eligible.get(hex(capability));
  if (!list) return { ids, weights };
  for (const id of list) {
    const n = r.nodes.get(id)!;
    if (
      n.status === NodeStatus.Active &&
      n.price <= maxPrice &&
      (!confidential || attested(n, nowMs)) &&
      !exclude.includes(id)
    ) {
      const w = weightOf(n, r.params.stake_cap);
      if (w > 0n) {
        ids.push(id);
        weights.push(w);
      }
    }
  }
  return { ids, weights };
}

/** `sampling::draw`: up to `k` of `ids` without replacement (consumes the inputs). */
export function draw(ids: string[], weights: bigint[], k: bigint, g: RandomGenerator): string[] {
  let total = weights.reduce((a, b) => a + b, 0n);
  const out: string[] = [];
  while (BigInt(out.length) < k && ids.length > 0) {
    const x = g.generateU128InRange(0n, total - 1n);
    let acc = 0n;
    let i = 0;
    const n = ids.length;
    while (i < n) {
      acc += weights[i]!;
      if (x < acc) break;
      i++;
    }
    total -= weights[i]!;
    out.push(swapRemove(ids, i));
    swapRemove(weights, i);
  }
  return out;
}

function swapRemove<T>(v: T[], i: number): T {
  const out = v[i]!;
  v[i] = v[v.length - 1]!;
  v.pop();
  return out;
}

/** `sampling::sample`. */
export function sample(
  r: Registry,
  capability: Uint8Array,
  k: bigint,
  maxPrice: bigint,
  confidential: boolean,
  exclude: readonly string[],
  nowMs: bigint,
  g: RandomGenerator,
): string[] {
  const { ids, weights } = candidates(r, capability, maxPrice, confidential, exclude, nowMs);
  return draw(ids, weights, k, g);
}
