/**
 * The order a Sui full node lists an address's objects and coins in: its owner index (sui-core
 * `OwnerIndexKey`: owner, object type, inverted balance, object id), so by type, the coins of one
 * type from the greatest balance to the least, then by id. `sui.rpc.v2` `ListOwnedObjects` and
 * JSON-RPC `suix_getCoins` / `suix_getAllCoins` page through it.
 *
 * Clients depend on it: @mysten/sui's gas resolver pays with the first page of `listCoins`. A node
 * is paid in a coin per request (1000 MIST each in the bench), so after a few hundred requests an
 * id-ordered first page can be all dust, and every transaction the resolver builds fails with
 * "Balance of gas object … is lower than the needed amount" while the address holds 900 SUI.
 */
import { typeToString } from "./bytecode.js";
import type { CoinValue, StoredObject } from "./types.js";

const U64_MAX = (1n << 64n) - 1n;

/** A `coin::Coin<T>` (its value holds `balance.value`). */
export const isCoin = (o: StoredObject): boolean =>
  o.type?.kind === "struct" && o.type.module === "coin" && o.type.name === "Coin";

/**
 * The object's place in the owner index, as a string that sorts like it (type, then `!balance`
 * for a coin as 16 hex digits, then id; NUL-separated). It is also the page token / cursor.
 */
export function ownerIndexKey(o: StoredObject): string {
  const type = o.type ? typeToString(o.type, true) : "";
  const inverted = isCoin(o) ? (U64_MAX - (o.value as CoinValue).balance.value).toString(16).padStart(16, "0") : "";
  return `${type}\u0000${inverted}\u0000${o.id}`;
}

/** `objects` in owner-index order, each with its key. */
export function inOwnerIndexOrder(objects: StoredObject[]): { object: StoredObject; key: string }[] {
  return objects
    .map((object) => ({ object, key: ownerIndexKey(object) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
