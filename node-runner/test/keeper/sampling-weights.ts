/**
 * Test helper: a capability's sampling tree (`registry.eligible[capability].all`) as the chain
 * holds it — node id → weight — read from the Registry's dynamic fields (the sum tree's leaf
 * groups, `sum_tree::LeafKey { tag: capability ‖ 0, idx }` → `sum_tree::Leaf { ids, weights }`, 16
 * slots each, empty ones holding 0x0 with weight 0; groups are read until one is missing).
 * The weights are what sampling draws by, so this shows whether a node's weight is stale.
 */

import { bcs } from "@mysten/sui/bcs";
import { deriveDynamicFieldID } from "@mysten/sui/utils";
import type { DemoChain } from "../../../demo/src/network.js";

const LeafKey = bcs.struct("LeafKey", { tag: bcs.vector(bcs.u8()), idx: bcs.u64() });
const LeafField = bcs.struct("Field", {
  id: bcs.Address,
  name: LeafKey,
  value: bcs.struct("Leaf", { ids: bcs.vector(bcs.Address), weights: bcs.vector(bcs.u64()) }),
});
const PLACEHOLDER = `0x${"0".repeat(64)}`;

/** The `all` tree of `capability`: every member's weight (MIST, min(stake, stake_cap) when last synced). */
export async function samplingWeights(chain: DemoChain, capability: string): Promise<Map<string, bigint>> {
  const tag = [...new TextEncoder().encode(capability), 0];
  const keyType = `${chain.deployed.packageId}::sum_tree::LeafKey`;
  const out = new Map<string, bigint>();
  for (let idx = 0; ; idx++) {
    const fieldId = deriveDynamicFieldID(chain.deployed.registryId, keyType, LeafKey.serialize({ tag, idx }).toBytes());
    let content: Uint8Array | undefined;
    try {
      content = (await chain.sui.core.getObject({ objectId: fieldId, include: { content: true } })).object?.content;
    } catch {
      content = undefined; // no such leaf group: past the last slot
    }
    if (!content) return out;
    const leaf = LeafField.parse(content).value;
    leaf.ids.forEach((id, i) => {
      const w = BigInt(leaf.weights[i] ?? "0");
      if (id !== PLACEHOLDER || w !== 0n) out.set(id, w);
    });
  }
}
