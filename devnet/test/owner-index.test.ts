/**
 * An address's coins are listed as a Sui full node lists them (its owner index: a type's greatest
 * coin first, then by id), over gRPC and JSON-RPC, page after page; and so a transaction whose gas
 * payment @mysten/sui's resolver picks from the first page of `listCoins` is paid by the big coin
 * even when the address holds more than a page of dust (a node paid once per request does).
 * Ordered by id, the first page was dust in 70 of 71 cases here, and the resolver's payment fell
 * short of the budget ("Balance of gas object … is lower than the needed amount").
 */
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";
import { ownerIndexKey } from "../src/owner-index.js";
import type { StoredObject } from "../src/types.js";

const DUST = 70;
const DUST_MIST = 1000n;

describe("owner-index order of an address's coins", () => {
  let d: RunningDevnet;
  let grpc: SuiGrpcClient;
  let json: SuiJsonRpcClient;
  const alice = Ed25519Keypair.generate();

  beforeAll(async () => {
    d = await startDevnet({ seed: "owner-index", checkpointIntervalMs: 0 });
    grpc = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
    json = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    // 70 coins of 1000 MIST split off the faucet's coin and kept: more than a page (50) of dust.
    const tx = new Transaction();
    const coins = tx.splitCoins(
      tx.gas,
      Array.from({ length: DUST }, () => tx.pure.u64(DUST_MIST)),
    );
    tx.transferObjects(
      Array.from({ length: DUST }, (_, i) => coins[i]!),
      alice.toSuiAddress(),
    );
    const r = await grpc.signAndExecuteTransaction({ transaction: tx, signer: alice, include: { effects: true } });
    expect(r.$kind).toBe("Transaction");
    d.cutCheckpoint();
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  /** Every page of `listCoins` (page size 50 by default), in order. */
  async function allPages(c: SuiGrpcClient | SuiJsonRpcClient): Promise<{ pages: number; balances: bigint[] }> {
    const balances: bigint[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page: { objects: { balance: string }[]; hasNextPage: boolean; cursor: string | null } =
        await c.core.listCoins({ owner: alice.toSuiAddress(), cursor });
      pages++;
      balances.push(...page.objects.map((o) => BigInt(o.balance)));
      if (!page.hasNextPage) return { pages, balances };
      cursor = page.cursor;
    }
  }

  it("lists the greatest coin first and every coin once, greatest to least, over gRPC and JSON-RPC", async () => {
    for (const c of [grpc, json]) {
      const { pages, balances } = await allPages(c);
      expect(pages).toBe(2);
      expect(balances).toHaveLength(DUST + 1);
      expect(balances[0]).toBeGreaterThan(DUST_MIST * 1_000_000n); // the faucet coin's rest
      expect(balances.slice(1)).toEqual(Array.from({ length: DUST }, () => DUST_MIST));
    }
  });

  it("a cursor is a place in the order: the next page starts after it even once its coin is gone", async () => {
    // Each transport's first page of 2 (its own cursor), the same coins on both.
    const firsts = await Promise.all(
      [grpc, json].map((c) => c.core.listCoins({ owner: alice.toSuiAddress(), limit: 2 })),
    );
    const [g, j] = firsts.map((f) => f.objects.map((o) => o.objectId));
    expect(g).toEqual(j);
    // Spend the page's last coin (a dust coin) into the gas coin: the cursors name a coin that is gone.
    const gone = g![1]!;
    const tx = new Transaction();
    tx.mergeCoins(tx.gas, [tx.object(gone)]);
    // Paid by the big coin alone (the resolver would smash the first page's dust into it).
    const big = firsts[0]!.objects[0]!;
    tx.setGasPayment([{ objectId: big.objectId, version: big.version, digest: big.digest }]);
    const r = await grpc.signAndExecuteTransaction({ transaction: tx, signer: alice, include: { effects: true } });
    expect(r.$kind).toBe("Transaction");
    d.cutCheckpoint();
    for (const [k, c] of [grpc, json].entries()) {
      const next = await c.core.listCoins({ owner: alice.toSuiAddress(), cursor: firsts[k]!.cursor, limit: 100 });
      // The rest after the cursor: the 69 dust coins not listed yet, none twice.
      expect(next.objects.map((o) => o.balance)).toEqual(Array.from({ length: DUST - 1 }, () => `${DUST_MIST}`));
      expect(next.objects.map((o) => o.objectId)).not.toContain(gone);
    }
  });

  it("a transaction paid by the resolver's pick from the first page executes (the big coin is on it)", async () => {
    const tx = new Transaction();
    tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(1)])], alice.toSuiAddress());
    // No gas payment set: the resolver lists the coins and pays with the first page.
    const r = await grpc.signAndExecuteTransaction({ transaction: tx, signer: alice, include: { effects: true } });
    expect(r.$kind).toBe("Transaction");
  });

  it("keys: type, then a coin's balance inverted (greater first), then id", () => {
    const coin = (id: string, balance: bigint): StoredObject =>
      ({
        id,
        type: {
          kind: "struct",
          address: `0x${"0".repeat(63)}2`,
          module: "coin",
          name: "Coin",
          args: [{ kind: "struct", address: `0x${"0".repeat(63)}2`, module: "sui", name: "SUI", args: [] }],
        },
        value: { id: { id }, balance: { value: balance } },
      }) as unknown as StoredObject;
    const big = ownerIndexKey(coin(`0x${"f".repeat(64)}`, 2n ** 64n - 1n));
    const small = ownerIndexKey(coin(`0x${"0".repeat(64)}`, 1n));
    const small2 = ownerIndexKey(coin(`0x${"1".repeat(64)}`, 1n));
    expect([small2, small, big].sort()).toEqual([big, small, small2]);
  });
});
