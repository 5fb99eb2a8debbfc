import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import { bcs } from "@mysten/sui/bcs";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { JsonRpcError, SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "devnet_probe");
const T0 = 1_700_000_000_000n;

describe("devnet through SuiJsonRpcClient", () => {
  let d: RunningDevnet;
  let client: SuiJsonRpcClient;
  let stateDir: string;
  const alice = Ed25519Keypair.generate();
  const bob = Ed25519Keypair.generate();
  let pkg = "";
  let counterId = "";

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), "devnet-test-"));
    d = await startDevnet({ seed: "test", stateDir, clockMs: T0, checkpointIntervalMs: 100 });
    client = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
  });
  afterAll(async () => {
    await d?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("funds an address from the faucet", async () => {
    const r = await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    expect(r.status).toBe("Success");
    const bal = await client.core.getBalance({ owner: alice.toSuiAddress() });
    expect(bal.balance.balance).toBe("1000000000000");
  });

  it("splits, merges and transfers coins with gas smashing", async () => {
    await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    const tx = new Transaction();
    const [a, b] = tx.splitCoins(tx.gas, [1_000_000n, 2_000_000n]);
    tx.mergeCoins(a!, [b!]);
    tx.transferObjects([a!], bob.toSuiAddress());
    const r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEffects: true, showBalanceChanges: true, showObjectChanges: true },
    });
    expect(r.effects?.status).toEqual({ status: "success" });
    const bobBal = await client.core.getBalance({ owner: bob.toSuiAddress() });
    expect(bobBal.balance.balance).toBe("3000000");
    const coins = await client.core.listCoins({ owner: alice.toSuiAddress() });
    expect(coins.objects.length).toBe(1); // two faucet coins smashed into one
    const gas = r.effects!.gasUsed;
    const fee = BigInt(gas.computationCost) + BigInt(gas.storageCost) - BigInt(gas.storageRebate);
    expect(BigInt(coins.objects[0]!.balance)).toBe(2_000_000_000_000n - 3_000_000n - fee);
    const aliceChange = r.balanceChanges!.find(
      (c) => (c.owner as { AddressOwner: string }).AddressOwner === alice.toSuiAddress(),
    );
    expect(BigInt(aliceChange!.amount)).toBe(-(3_000_000n + fee));
  });

  it("runs the framework subset (0x2::coin, 0x2::transfer) from a PTB", async () => {
    const coins = await client.core.listCoins({ owner: alice.toSuiAddress() });
    const before = BigInt((await client.core.getBalance({ owner: bob.toSuiAddress() })).balance.balance);
    const tx = new Transaction();
    const [c] = tx.splitCoins(tx.gas, [10_000n]);
    const part = tx.moveCall({
      target: "0x2::coin::split",
      typeArguments: ["0x2::sui::SUI"],
      arguments: [c!, tx.pure.u64(4_000n)],
    });
    tx.moveCall({
      target: "0x2::transfer::public_transfer",
      typeArguments: ["0x2::coin::Coin<0x2::sui::SUI>"],
      arguments: [part, tx.pure.address(bob.toSuiAddress())],
    });
    tx.transferObjects([c!], alice.toSuiAddress());
    const r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEffects: true },
    });
    expect(r.effects?.status).toEqual({ status: "success" });
    const after = BigInt((await client.core.getBalance({ owner: bob.toSuiAddress() })).balance.balance);
    expect(after - before).toBe(4_000n);
    expect(coins.objects.length).toBeGreaterThan(0);
    const fn = await client.getNormalizedMoveFunction({ package: "0x2", module: "coin", function: "split" });
    expect(fn.return.length).toBe(1);
  });

  it("publishes a Move package and serves its normalized functions", async () => {
    const built = await buildMovePackage({ name: "devnet_probe", dir: FIXTURE });
    const tx = new Transaction();
    const cap = tx.publish({ modules: built.modules, dependencies: built.dependencies });
    tx.transferObjects([cap], alice.toSuiAddress());
    const r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEffects: true, showObjectChanges: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const published = r.objectChanges!.find((c) => c.type === "published") as { packageId: string; modules: string[] };
    expect(published.modules).toEqual(["counter"]);
    pkg = published.packageId;
    const capChange = r.objectChanges!.find((c) => c.type === "created") as { objectType: string };
    expect(capChange.objectType).toBe("0x2::package::UpgradeCap");
    const fn = await client.getNormalizedMoveFunction({ package: pkg, module: "counter", function: "bump" });
    expect(fn.parameters.length).toBe(4);
    expect(fn.visibility).toBe("Public");
    const mod = await client.getNormalizedMoveModule({ package: pkg, module: "counter" });
    expect(Object.keys(mod.structs)).toEqual(["Bumped", "Counter", "Rolled", "Ticket"]);
    expect(mod.exposedFunctions.internal_reset?.visibility).toBe("Friend");
  });

  it("creates a shared object and bumps it with Clock, emitting a BCS event", async () => {
    let tx = new Transaction();
    tx.moveCall({ target: `${pkg}::counter::create` });
    let r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showObjectChanges: true, showEffects: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const created = r.objectChanges!.find(
      (c) => c.type === "created" && c.objectType.endsWith("::counter::Counter"),
    ) as {
      objectId: string;
      owner: { Shared: { initial_shared_version: string } };
    };
    counterId = created.objectId;
    expect(created.owner.Shared.initial_shared_version).toBe(r.effects!.created![0]!.reference.version);

    d.clock.set(T0 + 5000n);
    tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(5), tx.object.clock()],
    });
    r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEvents: true, showEffects: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const ev = r.events![0]!;
    expect(ev.type).toBe(`${pkg}::counter::Bumped`);
    const Bumped = bcs.struct("Bumped", {
      counter_id: bcs.Address,
      value: bcs.u64(),
      at_ms: bcs.u64(),
      by: bcs.Address,
    });
    const decoded = Bumped.parse(Buffer.from(ev.bcs as string, "base64"));
    expect(decoded).toEqual({ counter_id: counterId, value: "5", at_ms: String(T0 + 5000n), by: alice.toSuiAddress() });
    expect(ev.parsedJson).toEqual(decoded);

    const obj = await client.core.getObject({ objectId: counterId, include: { content: true, json: true } });
    const Counter = bcs.struct("Counter", {
      id: bcs.Address,
      value: bcs.u64(),
      owner: bcs.Address,
      last_ms: bcs.u64(),
      pot: bcs.struct("Balance", { value: bcs.u64() }),
    });
    expect(Counter.parse(obj.object.content!)).toEqual({
      id: counterId,
      value: "5",
      owner: alice.toSuiAddress(),
      last_ms: String(T0 + 5000n),
      pot: { value: "0" },
    });
    expect(obj.object.json).toMatchObject({ value: "5", pot: "0", id: { id: counterId } });
  });

  it("aborts with the Move module and code, changing nothing but gas", async () => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(101), tx.object.clock()],
    });
    tx.setGasBudget(50_000_000);
    tx.setSender(alice.toSuiAddress());
    const r = await client.core.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      include: { effects: true },
    });
    expect(r.$kind).toBe("FailedTransaction");
    const err = r.FailedTransaction!.status.error!;
    expect(err.$kind).toBe("MoveAbort");
    if (err.$kind !== "MoveAbort") throw new Error("unreachable");
    expect(err.MoveAbort.abortCode).toBe("7");
    expect(err.MoveAbort.location?.module).toBe("counter");
    expect(err.MoveAbort.location?.functionName).toBe("bump");
    const obj = await client.getObject({ id: counterId, options: { showContent: true } });
    expect((obj.data!.content as unknown as { fields: { value: string } }).fields.value).toBe("5");
    // The build's dry run surfaces the same abort.
    const tx2 = new Transaction();
    tx2.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx2.object(counterId), tx2.pure.u64(500), tx2.object.clock()],
    });
    await expect(client.signAndExecuteTransaction({ transaction: tx2, signer: alice })).rejects.toThrow(
      /abort code: 7/,
    );
  });

  it("rolls back the commands before a failing one: the input coin keeps its balance", async () => {
    const carol = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: d.url, recipient: carol.toSuiAddress() });
    await requestSuiFromFaucetV2({ host: d.url, recipient: carol.toSuiAddress() });
    const [gasCoin, coin] = (await client.core.listCoins({ owner: carol.toSuiAddress() })).objects;
    const tx = new Transaction();
    const [part] = tx.splitCoins(tx.object(coin!.objectId), [1_000_000n]);
    tx.transferObjects([part!], bob.toSuiAddress());
    tx.splitCoins(tx.object(coin!.objectId), [10n ** 15n]); // more than it holds: fails
    tx.setGasPayment([{ objectId: gasCoin!.objectId, version: gasCoin!.version, digest: gasCoin!.digest }]);
    tx.setGasBudget(50_000_000);
    tx.setSender(carol.toSuiAddress());
    const r = await client.core.signAndExecuteTransaction({
      transaction: tx,
      signer: carol,
      include: { effects: true },
    });
    expect(r.$kind).toBe("FailedTransaction");
    expect(r.FailedTransaction!.status.error!.message).toMatch(/InsufficientCoinBalance in command 2/);
    const after = await client.core.getObject({ objectId: coin!.objectId });
    expect(after.object.version).not.toBe(coin!.version); // written back (a mutable input), unchanged
    const coins = await client.core.listCoins({ owner: carol.toSuiAddress() });
    expect(coins.objects.find((c) => c.objectId === coin!.objectId)?.balance).toBe("1000000000000");
    expect(coins.objects.length).toBe(2);
  });

  it("uses Random, coins into Balance and results feeding later commands", async () => {
    let tx = new Transaction();
    tx.moveCall({ target: `${pkg}::counter::roll`, arguments: [tx.object(counterId), tx.object.random()] });
    let r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEvents: true, showEffects: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const roll = BigInt((r.events![0]!.parsedJson as { roll: string }).roll);
    expect(roll >= 1n && roll <= 6n).toBe(true);

    tx = new Transaction();
    const [c] = tx.splitCoins(tx.gas, [700n]);
    tx.moveCall({ target: `${pkg}::counter::deposit`, arguments: [tx.object(counterId), c!] });
    const out = tx.moveCall({
      target: `${pkg}::counter::withdraw`,
      arguments: [tx.object(counterId), tx.pure.u64(300)],
    });
    tx.transferObjects([out], bob.toSuiAddress());
    r = await client.signAndExecuteTransaction({ transaction: tx, signer: alice, options: { showEffects: true } });
    expect(r.effects?.status.status).toBe("success");
    const bobCoins = await client.core.listCoins({ owner: bob.toSuiAddress() });
    expect(bobCoins.objects.map((x) => x.balance).sort()).toEqual(["300", "3000000", "4000"]);
    const obj = await client.getObject({ id: counterId, options: { showContent: true } });
    expect((obj.data!.content as unknown as { fields: { pot: string } }).fields.pot).toBe("400");
  });

  it("rejects unused key values, unbound functions and package-private calls", async () => {
    const run = async (build: (tx: Transaction) => void) => {
      const tx = new Transaction();
      build(tx);
      tx.setGasBudget(50_000_000);
      return client.signAndExecuteTransaction({ transaction: tx, signer: alice, options: { showEffects: true } });
    };
    let r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::counter::ticket`, arguments: [tx.object(counterId)] }),
    );
    expect(r.effects!.status.error).toMatch(/UnusedValueWithoutDrop/);
    r = await run((tx) => void tx.moveCall({ target: `${pkg}::counter::unbound`, arguments: [tx.object(counterId)] }));
    expect(r.effects!.status.status).toBe("success");
    // A framework native the devnet does not provide fails the transaction naming it.
    r = await run(
      (tx) =>
        void tx.moveCall({
          target: "0x2::bls12381::bls12381_min_pk_verify",
          arguments: [tx.pure.vector("u8", [1]), tx.pure.vector("u8", [2]), tx.pure.vector("u8", [3])],
        }),
    );
    expect(r.effects!.status.error).toMatch(/0x2::bls12381::bls12381_min_pk_verify is not available in the devnet/);
    r = await run(
      (tx) => void tx.moveCall({ target: `${pkg}::counter::internal_reset`, arguments: [tx.object(counterId)] }),
    );
    expect(r.effects!.status.error).toMatch(/NonEntryFunctionInvoked/);
    const owner = (await client.getObject({ id: counterId, options: { showOwner: true } })).data!.owner as {
      Shared: { initial_shared_version: string };
    };
    r = await run((tx) => {
      const ro = tx.sharedObjectRef({
        objectId: counterId,
        initialSharedVersion: owner.Shared.initial_shared_version,
        mutable: false,
      });
      tx.moveCall({ target: `${pkg}::counter::bump`, arguments: [ro, tx.pure.u64(1), tx.object.clock()] });
    });
    expect(r.effects!.status.error).toMatch(/InvalidObjectByMutRef/);
    r = await run(
      (tx) =>
        void tx.moveCall({
          target: `${pkg}::counter::bump`,
          arguments: [tx.object(counterId), tx.pure.string("x"), tx.object.clock()],
        }),
    );
    expect(r.effects!.status.error).toMatch(/InvalidBCSBytes/);
    const obj = await client.getObject({ id: counterId, options: { showContent: true } });
    expect((obj.data!.content as unknown as { fields: { value: string } }).fields.value).not.toBe("0");
  });

  it("stores dynamic fields as child objects and simulates/dev-inspects", async () => {
    let tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::tag`,
      arguments: [tx.object(counterId), tx.pure.u64(42), tx.pure.vector("u8", [1, 2, 3])],
    });
    let r = await client.signAndExecuteTransaction({ transaction: tx, signer: alice, options: { showEffects: true } });
    expect(r.effects?.status.status).toBe("success");
    const fields = await client.getDynamicFields({ parentId: counterId });
    expect(fields.data.length).toBe(1);
    expect(fields.data[0]!.name).toEqual({ type: "u64", value: "42" });
    const child = await client.getObject({
      id: fields.data[0]!.objectId,
      options: { showOwner: true, showContent: true },
    });
    expect(child.data!.owner).toEqual({ ObjectOwner: counterId });
    expect((child.data!.content as unknown as { fields: { value: number[] } }).fields.value).toEqual([1, 2, 3]);

    tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::tag`,
      arguments: [tx.object(counterId), tx.pure.u64(42), tx.pure.vector("u8", [9])],
    });
    tx.setGasBudget(50_000_000);
    r = await client.signAndExecuteTransaction({ transaction: tx, signer: alice, options: { showEffects: true } });
    expect(r.effects!.status.error).toMatch(/Identifier\("dynamic_field"\).*, 0\) in command 0/);

    tx = new Transaction();
    tx.setSender(alice.toSuiAddress());
    tx.moveCall({ target: `${pkg}::counter::value`, arguments: [tx.object(counterId)] });
    const sim = await client.core.simulateTransaction({ transaction: tx, include: { commandResults: true } });
    expect(sim.$kind).toBe("Transaction");
    const ret = sim.commandResults![0]!.returnValues[0]!;
    expect(bcs.u64().parse(ret.bcs)).toMatch(/^\d+$/);
    const v = BigInt(bcs.u64().parse(ret.bcs));
    const obj = await client.getObject({ id: counterId, options: { showContent: true } });
    expect(v).toBe(BigInt((obj.data!.content as unknown as { fields: { value: string } }).fields.value));

    tx = new Transaction();
    const note = tx.moveCall({ target: `${pkg}::counter::untag`, arguments: [tx.object(counterId), tx.pure.u64(42)] });
    void note;
    r = await client.signAndExecuteTransaction({ transaction: tx, signer: alice, options: { showEffects: true } });
    expect(r.effects?.status.status).toBe("success");
    expect(r.effects!.deleted!.length).toBe(1);
    expect((await client.getDynamicFields({ parentId: counterId })).data.length).toBe(0);
  });

  it("rejects using another address's object", async () => {
    const bobCoins = await client.core.listCoins({ owner: bob.toSuiAddress() });
    const tx = new Transaction();
    tx.transferObjects([tx.object(bobCoins.objects[0]!.objectId)], alice.toSuiAddress());
    tx.setGasBudget(5_000_000);
    await expect(client.signAndExecuteTransaction({ transaction: tx, signer: alice })).rejects.toThrow(
      /owned by account address/,
    );
  });

  it("aborts with the exact clever-error code read from the bytecode", async () => {
    await requestSuiFromFaucetV2({ host: d.url, recipient: bob.toSuiAddress() });
    const tx = new Transaction();
    tx.moveCall({ target: `${pkg}::counter::reset`, arguments: [tx.object(counterId)] });
    tx.setGasBudget(50_000_000);
    const r = await client.core.signAndExecuteTransaction({ transaction: tx, signer: bob, include: { effects: true } });
    const err = r.FailedTransaction!.status.error!;
    if (err.$kind !== "MoveAbort") throw new Error(`expected MoveAbort, got ${err.$kind}`);
    const code = BigInt(err.MoveAbort.abortCode);
    expect(code >> 63n).toBe(1n); // tagged clever error
    expect(Number((code >> 48n) & 0xffn)).toBe(9); // #[error(code = 9)]
    expect(err.MoveAbort.location?.functionName).toBe("reset");
    const site = d.runtime.getNormalizedModule(pkg, "counter").errors.find((e) => e.name === "ENotOwner");
    expect(site?.code).toBe(code);
  });

  it("rejects a wrong object version and a bad signature", async () => {
    const coins = await client.core.listCoins({ owner: alice.toSuiAddress() });
    const coin = coins.objects[0]!;
    const tx = new Transaction();
    tx.setSender(alice.toSuiAddress());
    tx.setGasBudget(5_000_000);
    tx.setGasPrice(1000);
    tx.setGasPayment([{ objectId: coin.objectId, version: String(BigInt(coin.version) - 1n), digest: coin.digest }]);
    tx.transferObjects([tx.splitCoins(tx.gas, [1n])], bob.toSuiAddress());
    const bytes = await tx.build({ client });
    const sig = (await alice.signTransaction(bytes)).signature;
    await expect(client.executeTransactionBlock({ transactionBlock: bytes, signature: sig })).rejects.toThrow(
      /not available for consumption/,
    );

    const tx2 = new Transaction();
    tx2.setSender(alice.toSuiAddress());
    tx2.setGasBudget(5_000_000);
    tx2.transferObjects([tx2.splitCoins(tx2.gas, [1n])], bob.toSuiAddress());
    const bytes2 = await tx2.build({ client });
    const wrong = (await bob.signTransaction(bytes2)).signature;
    await expect(client.executeTransactionBlock({ transactionBlock: bytes2, signature: wrong })).rejects.toThrow(
      /signature/i,
    );
  });

  it("answers unknown methods with -32601 and missing transactions like Sui", async () => {
    const err = await client.call("sui_noSuchMethod", []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonRpcError);
    expect((err as JsonRpcError).code).toBe(-32601);
    const missing = "11111111111111111111111111111111";
    const r = await client.core.getTransaction({ digest: missing }).catch((e: unknown) => e);
    expect(String(r)).toMatch(/not ?found/i);
  });

  it("queries events with filters and cursors in both orders", async () => {
    const asc = await client.queryEvents({
      query: { MoveModule: { package: pkg, module: "counter" } },
      order: "ascending",
      limit: 1,
    });
    expect(asc.data.length).toBe(1);
    expect(asc.data[0]!.type).toBe(`${pkg}::counter::Bumped`);
    expect(asc.hasNextPage).toBe(true);
    const next = await client.queryEvents({
      query: { MoveModule: { package: pkg, module: "counter" } },
      order: "ascending",
      cursor: asc.nextCursor!,
      limit: 10,
    });
    expect(next.data.map((e) => e.type)).toEqual([`${pkg}::counter::Rolled`]);
    const desc = await client.queryEvents({ query: { MoveEventType: `${pkg}::counter::Rolled` } });
    expect(desc.data.length).toBe(1);
    const bobEvents = await client.core.listEvents({ filter: { sender: bob.toSuiAddress() } });
    expect(bobEvents.events.length).toBe(0);
    const aliceEvents = await client.core.listEvents({ filter: { sender: alice.toSuiAddress() }, limit: 1 });
    expect(aliceEvents.events.length).toBe(1);
    const aliceNext = await client.core.listEvents({
      filter: { sender: alice.toSuiAddress() },
      after: aliceEvents.endCursor!,
      limit: 5,
    });
    expect(aliceNext.events.map((e) => e.eventType)).toEqual([`${pkg}::counter::Rolled`]);
    expect(aliceEvents.hasNextPage).toBe(true);
    const all = await client.queryEvents({ query: { All: [] }, order: "descending", limit: 50 });
    const firstDesc = await client.queryEvents({ query: { All: [] }, order: "descending", limit: 1 });
    const restDesc = await client.queryEvents({
      query: { All: [] },
      order: "descending",
      cursor: firstDesc.nextCursor!,
      limit: 50,
    });
    expect([...firstDesc.data, ...restDesc.data].map((e) => e.id)).toEqual(all.data.map((e) => e.id));
    expect(all.data[0]!.id.txDigest).not.toBe(all.data[all.data.length - 1]!.id.txDigest);
    const chain = await client.core.getChainIdentifier();
    expect(chain.chainIdentifier).toBe(d.devnet.chainIdentifier);
  });

  it("keeps its state across a restart with the same state dir", async () => {
    const before = await client.getObject({ id: counterId, options: { showBcs: true } });
    const total = d.devnet.runtime.txOrder.length;
    await d.close();
    d = await startDevnet({ seed: "test", stateDir, clockMs: T0, checkpointIntervalMs: 100 });
    client = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    const after = await client.getObject({ id: counterId, options: { showBcs: true } });
    expect(after.data!.digest).toBe(before.data!.digest);
    expect(after.data!.bcs).toEqual(before.data!.bcs);
    expect(d.devnet.runtime.txOrder.length).toBe(total);
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(1), tx.object.clock()],
    });
    const r = await client.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      options: { showEffects: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const full = await client.waitForTransaction({ digest: r.digest, options: { showRawInput: true } });
    const signed = bcs.SenderSignedData.parse(Buffer.from(full.rawTransaction!, "base64"));
    expect(signed[0]!.txSignatures.length).toBe(1);
    expect(signed[0]!.intentMessage.value.V1!.sender).toBe(alice.toSuiAddress());
  });
});
