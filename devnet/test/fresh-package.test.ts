/**
 * A Move package the devnet has never seen (test/fixtures/fresh_ledger: counters, tables, bags,
 * object bags, its own coin, events, aborts, shared and owned objects) published and used with
 * the stock @mysten/sui client: the devnet executes its bytecode and the framework's, with no
 * TypeScript written for it. Also Sui's per-transaction limits.
 */
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import { bcs } from "@mysten/sui/bcs";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "fresh_ledger");

describe("a never-seen Move package on the devnet", () => {
  let d: RunningDevnet;
  let client: SuiJsonRpcClient;
  const kp = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(42));
  const me = kp.toSuiAddress();
  let pkg = "";
  let counter = "";
  let treasury = "";
  let vault = "";

  const run = async (build: (tx: Transaction) => void, budget = 2_000_000_000) => {
    const tx = new Transaction();
    build(tx);
    tx.setGasBudget(budget);
    return client.signAndExecuteTransaction({
      transaction: tx,
      signer: kp,
      options: { showEffects: true, showEvents: true, showObjectChanges: true, showBalanceChanges: true },
    });
  };
  const inspect = async (build: (tx: Transaction) => void) => {
    const tx = new Transaction();
    build(tx);
    const r = await client.devInspectTransactionBlock({ sender: me, transactionBlock: tx });
    expect(r.effects.status.status, JSON.stringify(r.effects.status)).toBe("success");
    return r.results!;
  };
  const counterValue = async () =>
    (
      (await client.getObject({ id: counter, options: { showContent: true } })).data!.content as unknown as {
        fields: { n: string };
      }
    ).fields.n;

  beforeAll(async () => {
    d = await startDevnet({ seed: "fresh", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 0 });
    client = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    await requestSuiFromFaucetV2({ host: d.url, recipient: me });
    const built = await buildMovePackage({ name: "fresh_ledger", dir: FIXTURE });
    const r = await run((tx) => {
      tx.transferObjects([tx.publish({ modules: built.modules, dependencies: built.dependencies })], me);
    });
    expect(r.effects!.status.status).toBe("success");
    const changes = r.objectChanges!;
    pkg = (changes.find((c) => c.type === "published") as { packageId: string }).packageId;
    const created = changes.filter((c) => c.type === "created") as {
      objectType: string;
      objectId: string;
      owner: unknown;
    }[];
    const find = (suffix: string) => created.find((c) => c.objectType.includes(suffix))!;
    counter = find("::ledger::Counter").objectId;
    treasury = find("::coin::TreasuryCap<").objectId;
    expect(find("::ledger::Counter").owner).toHaveProperty("Shared");
    expect(find("::coin::TreasuryCap<").owner).toEqual({ AddressOwner: me });
    expect(find("::coin::CoinMetadata<").owner).toBe("Immutable");
  });
  afterAll(async () => {
    await d?.close();
  });

  it("a shared counter: init shared it, increments emit events, an abort changes nothing", async () => {
    let r = await run((tx) => {
      tx.moveCall({ target: `${pkg}::ledger::increment`, arguments: [tx.object(counter), tx.pure.u64(5)] });
      tx.moveCall({ target: `${pkg}::ledger::increment`, arguments: [tx.object(counter), tx.pure.u64(7)] });
    });
    expect(r.effects!.status.status).toBe("success");
    expect(r.events!.map((e) => (e.parsedJson as { n: string }).n)).toEqual(["5", "12"]);
    const ev = bcs
      .struct("Incremented", { counter: bcs.Address, n: bcs.u64() })
      .parse(Uint8Array.from(Buffer.from(r.events![1]!.bcs, "base64")));
    expect(ev).toEqual({ counter, n: "12" });
    expect(await counterValue()).toBe("12");
    r = await run((tx) => {
      tx.moveCall({ target: `${pkg}::ledger::increment`, arguments: [tx.object(counter), tx.pure.u64(1)] });
      tx.moveCall({ target: `${pkg}::ledger::increment`, arguments: [tx.object(counter), tx.pure.u64(1001)] });
    });
    expect(r.effects!.status.status).toBe("failure");
    expect(r.effects!.status.error).toMatch(/MoveAbort.*Identifier\("ledger"\).*function_name: Some\("increment"\)/);
    expect(BigInt(r.effects!.abortError!.error_code!) >> 63n).toBe(1n); // clever error
    expect(r.events).toEqual([]);
    expect(await counterValue()).toBe("12");
    const [res] = await inspect(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::value`, arguments: [tx.object(counter)] }),
    );
    expect(bcs.u64().parse(Uint8Array.from(res!.returnValues![0]![0]))).toBe("12");
  });

  it("an owned vault with a Table, a Bag and an ObjectBag (dynamic fields and dynamic object fields)", async () => {
    let r = await run((tx) => void tx.moveCall({ target: `${pkg}::ledger::new_vault` }));
    vault = (
      r.objectChanges!.find((c) => c.type === "created" && c.objectType.endsWith("::Vault")) as { objectId: string }
    ).objectId;
    r = await run((tx) => {
      for (const [k, v] of [
        [1, 10],
        [2, 20],
        [1, 11],
      ] as const)
        tx.moveCall({ target: `${pkg}::ledger::put`, arguments: [tx.object(vault), tx.pure.u64(k), tx.pure.u64(v)] });
    });
    // put(1, 11) again: the table entry is overwritten but the bag's `add` aborts (key exists).
    expect(r.effects!.status.status).toBe("failure");
    expect(r.effects!.abortError).toMatchObject({
      module_id: expect.stringMatching(/::dynamic_field$/),
      error_code: "0",
    });
    r = await run((tx) => {
      tx.moveCall({ target: `${pkg}::ledger::put`, arguments: [tx.object(vault), tx.pure.u64(1), tx.pure.u64(10)] });
      tx.moveCall({ target: `${pkg}::ledger::put`, arguments: [tx.object(vault), tx.pure.u64(2), tx.pure.u64(20)] });
      tx.moveCall({ target: `${pkg}::ledger::add_gem`, arguments: [tx.object(vault), tx.pure.u8(5)] });
    });
    expect(r.effects!.status.status).toBe("success");
    expect(r.events!.map((e) => e.parsedJson)).toEqual([
      { key: "1", value: "10", size: "1" },
      { key: "2", value: "20", size: "2" },
    ]);
    // Children: two table entries, two bag entries, one object-bag wrapper field, the gem itself.
    const created = r.objectChanges!.filter((c) => c.type === "created") as { objectType: string }[];
    expect(created.map((c) => c.objectType.replace(/0x[0-9a-f]{64}/g, "P")).sort()).toEqual([
      "0x2::dynamic_field::Field<0x2::dynamic_object_field::Wrapper<u8>, 0x2::object::ID>",
      "0x2::dynamic_field::Field<u64, 0x1::string::String>",
      "0x2::dynamic_field::Field<u64, 0x1::string::String>",
      "0x2::dynamic_field::Field<u64, u64>",
      "0x2::dynamic_field::Field<u64, u64>",
      "P::ledger::Gem",
    ]);
    const [get, carat] = await inspect((tx) => {
      tx.moveCall({ target: `${pkg}::ledger::get`, arguments: [tx.object(vault), tx.pure.u64(2)] });
      tx.moveCall({ target: `${pkg}::ledger::gem_carat`, arguments: [tx.object(vault), tx.pure.u8(5)] });
    });
    expect(bcs.u64().parse(Uint8Array.from(get!.returnValues![0]![0]))).toBe("20");
    expect(carat!.returnValues![0]![0]).toEqual([5]);
    r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::get`, arguments: [tx.object(vault), tx.pure.u64(99)] }),
    );
    expect(r.effects!.abortError).toMatchObject({ function: "get", error_code: "3" });
    r = await run((tx) => {
      tx.moveCall({ target: `${pkg}::ledger::take`, arguments: [tx.object(vault), tx.pure.u64(2)] });
      const gem = tx.moveCall({ target: `${pkg}::ledger::take_gem`, arguments: [tx.object(vault), tx.pure.u8(5)] });
      tx.transferObjects([gem], me);
    });
    expect(r.effects!.status.status).toBe("success");
    expect(r.effects!.deleted!.length).toBe(3); // table entry, bag entry, object-bag wrapper field
    const gem = r.objectChanges!.find((c) => c.type === "mutated" && c.objectType.endsWith("::Gem")) as {
      owner: unknown;
    };
    expect(gem.owner).toEqual({ AddressOwner: me });
  });

  it("SUI into a Balance and back; its own coin minted with the TreasuryCap from init", async () => {
    let r = await run((tx) => {
      const [c] = tx.splitCoins(tx.gas, [1000n]);
      tx.moveCall({ target: `${pkg}::ledger::deposit`, arguments: [tx.object(vault), c!] });
      const out = tx.moveCall({ target: `${pkg}::ledger::withdraw`, arguments: [tx.object(vault), tx.pure.u64(400)] });
      tx.transferObjects([out], "0x00000000000000000000000000000000000000000000000000000000000000b0");
    });
    expect(r.effects!.status.status).toBe("success");
    expect(
      r.balanceChanges!.find((b) => (b.owner as { AddressOwner: string }).AddressOwner.endsWith("b0"))?.amount,
    ).toBe("400");
    r = await run((tx) => {
      const c = tx.moveCall({ target: `${pkg}::ledger::mint`, arguments: [tx.object(treasury), tx.pure.u64(500)] });
      tx.transferObjects([c], me);
    });
    expect(r.effects!.status.status).toBe("success");
    const bal = await client.getBalance({ owner: me, coinType: `${pkg}::ledger::LEDGER` });
    expect(bal.totalBalance).toBe("500");
  });

  it("enforces Sui's limits: event size, events per transaction, object size, pure argument size", async () => {
    let r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::emit_blob`, arguments: [tx.pure.u64(1000)] }),
    );
    expect(r.effects!.status.status).toBe("success");
    r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::emit_blob`, arguments: [tx.pure.u64(250 * 1024 + 1)] }),
      50_000_000_000,
    );
    expect(r.effects!.status.error).toMatch(/MovePrimitiveRuntimeError.*MEMORY_LIMIT_EXCEEDED: event of 256004 bytes/);
    r = await run((tx) => void tx.moveCall({ target: `${pkg}::ledger::emit_many`, arguments: [tx.pure.u64(1024)] }));
    expect(r.effects!.status.status).toBe("success");
    expect(r.events!.length).toBe(1024);
    r = await run((tx) => void tx.moveCall({ target: `${pkg}::ledger::emit_many`, arguments: [tx.pure.u64(1025)] }));
    expect(r.effects!.status.error).toMatch(/more than 1024 events/);
    r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::make_big`, arguments: [tx.pure.u64(256_000)] }),
      50_000_000_000,
    );
    expect(r.effects!.status.error).toMatch(/MoveObjectTooBig/);
    const tooBig = new Transaction();
    tooBig.moveCall({
      target: "0x1::vector::length",
      typeArguments: ["u8"],
      arguments: [tooBig.pure.vector("u8", new Array(16 * 1024 + 1).fill(1))],
    });
    tooBig.setGasBudget(50_000_000);
    await expect(client.signAndExecuteTransaction({ transaction: tooBig, signer: kp })).rejects.toThrow(
      /maximum pure argument size is 16384/,
    );
  });

  it("storage past the budget: reverted (nothing written but gas, no event), charged computation + the gas coin's storage, as on Sui", async () => {
    const make = (budget: number) =>
      run((tx) => void tx.moveCall({ target: `${pkg}::ledger::make_big`, arguments: [tx.pure.u64(20_000)] }), budget);
    const ok = await make(2_000_000_000);
    expect(ok.effects!.status.status).toBe("success");
    expect(ok.objectChanges!.filter((c) => c.type === "created").length).toBe(1);
    const used = ok.effects!.gasUsed;
    const computation = Number(used.computationCost);
    const storage = Number(used.storageCost);
    expect(storage).toBeGreaterThan(computation);
    const budget = computation + Math.floor(storage / 2);
    const before = await client.getBalance({ owner: me });
    const r = await make(budget);
    expect(r.effects!.status).toEqual({ status: "failure", error: "InsufficientGas" });
    expect(r.objectChanges!.filter((c) => c.type !== "mutated")).toEqual([]);
    expect(r.objectChanges!.map((c) => (c as { objectId: string }).objectId)).toEqual([
      r.effects!.gasObject.reference.objectId,
    ]);
    expect(r.effects!.created ?? []).toEqual([]);
    expect(r.events ?? []).toEqual([]);
    // Sui's gas model ≥ 4: not the whole budget, the computation and the reverted writes' storage.
    const g = r.effects!.gasUsed;
    expect(g.computationCost).toBe(used.computationCost);
    expect(Number(g.storageCost)).toBeLessThan(storage / 10);
    const charged = BigInt(g.computationCost) + BigInt(g.storageCost) - BigInt(g.storageRebate);
    expect(charged).toBeLessThan(BigInt(budget));
    const after = await client.getBalance({ owner: me });
    expect(BigInt(before.totalBalance) - BigInt(after.totalBalance)).toBe(charged);
    expect(r.balanceChanges).toEqual([
      { owner: { AddressOwner: me }, coinType: "0x2::sui::SUI", amount: String(-charged) },
    ]);
  });

  it("runs out of gas inside the interpreter with InsufficientGas", async () => {
    const r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::ledger::emit_many`, arguments: [tx.pure.u64(1000)] }),
      1_100_000,
    );
    expect(r.effects!.status.error).toMatch(/InsufficientGas/);
    expect(await counterValue()).toBe("12");
  });
});
