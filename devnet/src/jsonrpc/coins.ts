/** JSON-RPC: coins and balances of an address. */
import { canonicalType, normalizeAddress, type parseType, typeToString } from "../bytecode.js";
import { inOwnerIndexOrder } from "../owner-index.js";
import { type Runtime, SUI_TYPE } from "../runtime.js";
import type { StoredObject } from "../types.js";
import { type JsonRpcNode, type Methods, page } from "./params.js";

/** The coins (of `coinType`, or all) an address owns, in Sui's owner-index order (a type's greatest first). */
function coinsOf(rt: Runtime, owner: string, coinType: string | null): { object: StoredObject; key: string }[] {
  const o = normalizeAddress(owner);
  const want = coinType ? `0x2::coin::Coin<${canonicalType(coinType)}>` : null;
  const out: StoredObject[] = [];
  for (const obj of rt.ownedBy(o)) {
    if (!obj.type || obj.owner === "Immutable" || !("AddressOwner" in obj.owner) || obj.owner.AddressOwner !== o)
      continue;
    if (obj.type.kind !== "struct" || obj.type.module !== "coin" || obj.type.name !== "Coin") continue;
    if (want && typeToString(obj.type) !== want) continue;
    out.push(obj);
  }
  return inOwnerIndexOrder(out);
}

function coinView(o: StoredObject): unknown {
  const t = o.type as Extract<ReturnType<typeof parseType>, { kind: "struct" }>;
  return {
    coinType: typeToString(t.args[0]!),
    coinObjectId: o.id,
    version: o.version.toString(),
    digest: o.digest,
    balance: (o.value as { balance: { value: bigint } }).balance.value.toString(),
    previousTransaction: o.previousTransaction,
  };
}

function pageCoins(coins: { object: StoredObject; key: string }[], cursor: unknown, limit: unknown): unknown {
  // A cursor is a place in the order: the page starts after it even if its coin changed or went.
  const after = typeof cursor === "string" ? coins.filter((c) => c.key > cursor) : coins;
  const p = page(after, (c) => c.key, null, limit);
  return { data: p.data.map((c) => coinView(c.object)), nextCursor: p.nextCursor, hasNextPage: p.hasNextPage };
}

/** suix_getBalance, suix_getAllBalances, suix_getCoins, suix_getAllCoins. */
export function coinMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  return {
    suix_getBalance: ([owner, coinType]) => {
      const coins = coinsOf(rt, String(owner), typeof coinType === "string" ? coinType : SUI_TYPE);
      const total = coins.reduce((a, c) => a + (c.object.value as { balance: { value: bigint } }).balance.value, 0n);
      return {
        coinType: typeof coinType === "string" ? canonicalType(coinType) : SUI_TYPE,
        coinObjectCount: coins.length,
        totalBalance: total.toString(),
        lockedBalance: {},
      };
    },
    suix_getAllBalances: ([owner]) => {
      const by = new Map<string, { n: number; total: bigint }>();
      for (const { object: c } of coinsOf(rt, String(owner), null)) {
        const t = typeToString((c.type as { args: ReturnType<typeof parseType>[] }).args[0]!);
        const e = by.get(t) ?? { n: 0, total: 0n };
        e.n++;
        e.total += (c.value as { balance: { value: bigint } }).balance.value;
        by.set(t, e);
      }
      return [...by.entries()].map(([coinType, e]) => ({
        coinType,
        coinObjectCount: e.n,
        totalBalance: e.total.toString(),
        lockedBalance: {},
      }));
    },
    suix_getCoins: ([owner, coinType, cursor, limit]) =>
      pageCoins(coinsOf(rt, String(owner), typeof coinType === "string" ? coinType : SUI_TYPE), cursor, limit),
    suix_getAllCoins: ([owner, cursor, limit]) => pageCoins(coinsOf(rt, String(owner), null), cursor, limit),
  };
}
