/**
 * Weighted sampling without replacement: weight = min(stake, stake_cap). Each draw takes
 * r = generate_u64_in_range(0, total - 1) and picks the first candidate whose cumulative weight
 * exceeds r; the pick is removed (order-preserving) and the total reduced.
 */
import type { RandomGenerator } from "./random.js";
import type { Node } from "./types.js";

export function weightOf(node: Node, stakeCap: bigint): bigint {
  return node.stake < stakeCap ? node.stake : stakeCap;
}

export function sampleWeighted(g: RandomGenerator, pool: Node[], k: number, stakeCap: bigint): Node[] {
  const rest = [...pool];
  const weights = rest.map((n) => weightOf(n, stakeCap));
  let total = weights.reduce((a, b) => a + b, 0n);
  const out: Node[] = [];
  while (out.length < k && rest.length > 0) {
    let idx: number;
    if (total === 0n) idx = 0;
    else {
      const r = g.generateU64InRange(0n, total - 1n);
      let acc = 0n;
      idx = rest.length - 1;
      for (let i = 0; i < rest.length; i++) {
        acc += weights[i]!;
        if (r < acc) {
          idx = i;
          break;
        }
      }
    }
    out.push(rest[idx]!);
    total -= weights[idx]!;
    rest.splice(idx, 1);
    weights.splice(idx, 1);
  }
  return out;
}
