/**
 * The keeper against a real devnet (the atoma package's bytecode, real signatures and BCS): three
 * honest daemons and one registered node that never runs (stake exactly `min_stake`). Requests
 * settle (the absent node slashed 2 %), a first keeper reads the events and journals what it owes,
 * a second keeper on the same folder (the first one's "restart", its cursor already past the
 * events) sweeps every request into the treasury and refreshes the slashed node (below
 * min_stake but still Active with its leaf in the sampling tree: a settlement writes only the
 * nodes' accounts since issue 13 B stage 2), which the refresh jails and takes out of the tree.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AtomaEvent, NodeStatus, RequestKind, RequestStatus } from "@atoma/sdk";
import { bcs } from "@mysten/sui/bcs";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import type { Executor } from "../../src/daemon/execute.js";
import { type RunningNode, startNode } from "../../src/daemon/node.js";
import { Keeper, SdkKeeperChain } from "../../src/keeper/index.js";
import { registerConfiguredNode, spawnCli } from "../cli/spawn-cli.js";

const enc = new TextEncoder();
const upper: Executor = {
  name: "upper",
  capabilities: ["test:upper-v1"],
  run: async (job) => enc.encode(new TextDecoder().decode(job.input).toUpperCase()),
};
const MIN_STAKE = 100_000_000_000n;
const root = path.resolve(import.meta.dirname, "../../..");
const silent = pino({ level: "silent" });

/** Every event of the package so far, decoded. */
async function allEvents(chain: DemoChain): Promise<AtomaEvent[]> {
  return (await chain.atoma.allEvents(100)).map((r) => r.event);
}

/** The treasury's part of each request, from its events: escrow + slashed − paid − refunded. */
function incomeByRequest(events: AtomaEvent[], ids: readonly string[]): Map<string, bigint> {
  const income = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const add = (id: string, v: bigint) => {
    if (income.has(id)) income.set(id, (income.get(id) as bigint) + v);
  };
  for (const ev of events) {
    if (ev.name === "RequestCreated") add(ev.data.request_id, BigInt(ev.data.escrow));
    if (ev.name === "NodeSlashed") add(ev.data.request_id, BigInt(ev.data.amount));
    if (ev.name === "NodePaid") add(ev.data.request_id, -BigInt(ev.data.amount));
    if (ev.name === "RequestSettled") add(ev.data.request_id, -BigInt(ev.data.refund));
    if (ev.name === "RequestFailed") add(ev.data.request_id, -BigInt(ev.data.refund));
  }
  return income;
}

/** `registry::eligible_nodes` (the capability's sampling tree, in slot order), by simulation. */
async function eligibleNodes(chain: DemoChain, capability: string): Promise<string[]> {
  const tx = new Transaction();
  tx.setSender(chain.admin.toSuiAddress());
  tx.moveCall({
    target: `${chain.deployed.packageId}::registry::eligible_nodes`,
    arguments: [tx.object(chain.deployed.registryId), tx.pure.vector("u8", [...enc.encode(capability)])],
  });
  const sim = await chain.sui.core.simulateTransaction({ transaction: tx, include: { commandResults: true } });
  const ret = sim.commandResults?.[0]?.returnValues[0]?.bcs;
  if (!ret) throw new Error("eligible_nodes returned nothing");
  return bcs.vector(bcs.Address).parse(ret);
}

const treasury = async (chain: DemoChain) => BigInt((await chain.atoma.getRegistry()).treasury.value);

describe("keeper on a devnet", () => {
  let chain: DemoChain;
  let absent: RegisteredNode;
  const honest: RunningNode[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-keeper-"));
  const keeperDir = path.join(dir, "keeper");
  const user = Ed25519Keypair.generate();
  const keeperKey = Ed25519Keypair.generate();
  const settled: string[] = [];
  /** Requests created after the refresh (settled later; the CLI test sweeps them). */
  const later: string[] = [];

  beforeAll(async () => {
    // Shortest windows (10 s): a request that sampled the absent node settles once its reveal deadline passes.
    chain = await startChain({
      seed: "keeper-devnet",
      windowMs: 10_000n,
      transport: testTransport(),
      ...testDevnetOptions(),
    });
    for (let i = 0; i < 3; i++) {
      const n = await registerNode(chain, path.join(dir, `n${i}`), {
        capabilities: ["test:upper-v1"],
        price: 1000n,
        stake: 2n * MIN_STAKE,
      });
      honest.push(
        await startNode({
          rpcUrl: chain.url,
          transport: testTransport(),
          packageId: chain.deployed.packageId,
          registryId: chain.deployed.registryId,
          nodeId: n.nodeId,
          keys: n.keys,
          stateDir: n.stateDir,
          executors: [upper],
          logger: silent,
          pollMs: 100,
          metricsPort: null,
        }),
      );
    }
    absent = await registerNode(chain, path.join(dir, "absent"), {
      capabilities: ["test:upper-v1"],
      price: 1000n,
      stake: MIN_STAKE,
    });
    await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
    await requestSuiFromFaucetV2({ host: chain.url, recipient: keeperKey.toSuiAddress() });
    // One request samples all four nodes (the absent one slashed), two sample three of them; a
    // quorum of 50.01 % lets three (or two) reveals settle without a dispute round.
    const sizes = [4, 3, 3];
    const created = [];
    for (const [i, sampleSize] of sizes.entries())
      created.push(
        await chain.atoma.createRequest(user, {
          kind: RequestKind.Wasm,
          capability: "test:upper-v1",
          input: enc.encode(`keeper ${i}`),
          maxPrice: 2000n,
          sampleSize,
          quorumBps: 5001,
        }),
      );
    expect(created[0]?.nodes).toContain(absent.nodeId);
    for (const c of created) {
      const r = await chain.atoma.waitForSettlement(c.requestId, { timeoutMs: 90_000, pollMs: 200 });
      expect(r.status).toBe(RequestStatus.Settled);
      settled.push(c.requestId);
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all(honest.map((n) => n.stop()));
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("journals what it owes, and after a restart sweeps it all into the treasury and takes the jailed node out of the sampling tree", async () => {
    const slashed = await chain.atoma.getNode(absent.nodeId);
    // 2 % per request it was sampled for and never answered: below min_stake after the first.
    const stakeLeft = BigInt(slashed.stake.value);
    expect(stakeLeft).toBeLessThanOrEqual((MIN_STAKE * 98n) / 100n);
    // The settlement does not jail (it takes no &mut Registry): the node stays Active with its leaf
    // in the sampling tree until refresh_node jails it and takes it out.
    expect(slashed.status).toBe(NodeStatus.Active);
    expect(await eligibleNodes(chain, "test:upper-v1")).toContain(absent.nodeId);
    expect(await treasury(chain)).toBe(0n);

    // First run: reads every event, sends nothing (a batch of 32 or an hour's wait is never due).
    const sdk = new SdkKeeperChain(chain.atoma, keeperKey);
    const first = new Keeper({
      chain: sdk,
      stateDir: keeperDir,
      logger: silent,
      pollMs: 100,
      sweep: { maxBatch: 32, maxDelayMs: 3_600_000 },
      refresh: { maxBatch: 32, maxDelayMs: 3_600_000 },
    });
    first.start();
    for (let i = 0; i < 300 && first.sweeper.duty.pending.size < settled.length; i++)
      await new Promise((r) => setTimeout(r, 100));
    // Stopped without a flush, as a crash: only the files remember.
    await first.stop();
    expect(first.sweeper.duty.pending.ids().sort()).toEqual([...settled].sort());
    expect(first.refresher.duty.pending.ids()).toEqual([absent.nodeId]);
    expect(first.sweeper.duty.stats.transactions).toBe(0);

    // Restart on the same folder: the cursor is past the events, the pending lists carry them.
    const flushed: string[] = [];
    const second = new Keeper({
      chain: sdk,
      stateDir: keeperDir,
      logger: silent,
      pollMs: 100,
      onFlush: (duty, r) => flushed.push(`${duty}:${r.done.length}`),
    });
    expect(second.sweeper.duty.pending.size).toBe(settled.length);
    await second.runOnce();
    expect(flushed).toEqual([`sweep:${settled.length}`, "refresh:1"]);
    // One transaction for the three sweeps, one for the refresh.
    expect(second.sweeper.duty.stats.transactions).toBe(1);
    expect(second.refresher.duty.stats.transactions).toBe(1);

    const events = await allEvents(chain);
    const income = incomeByRequest(events, settled);
    const expected = [...income.values()].reduce((a, b) => a + b, 0n);
    const margins = events
      .filter((e) => e.name === "RequestSettled" && settled.includes(e.data.request_id))
      .reduce((a, e) => a + (e.name === "RequestSettled" ? BigInt(e.data.margin) : 0n), 0n);
    const slashes = events
      .filter((e) => e.name === "NodeSlashed")
      .reduce((a, e) => a + (e.name === "NodeSlashed" ? BigInt(e.data.amount) : 0n), 0n);
    expect(slashes).toBe(MIN_STAKE - stakeLeft);
    expect(margins > 0n).toBe(true);
    // Payouts come from the slash pool first: the treasury's part is the margins plus what is
    // left of the pool (conservation: paid + margin + refund + to treasury == escrow + slashed).
    expect(expected).toBeGreaterThanOrEqual(margins);
    expect(await treasury(chain)).toBe(expected);
    const swept = events.filter((e) => e.name === "FeesSwept");
    expect(swept.map((e) => (e.name === "FeesSwept" ? e.data.request_id : "")).sort()).toEqual([...settled].sort());
    for (const e of swept)
      if (e.name === "FeesSwept") expect(BigInt(e.data.amount)).toBe(income.get(e.data.request_id));
    expect(second.sweeper.duty.pending.size).toBe(0);

    // The refresh jailed the node and took it out of the sampling tree: never sampled again.
    expect((await chain.atoma.getNode(absent.nodeId)).status).toBe(NodeStatus.Jailed);
    expect((await eligibleNodes(chain, "test:upper-v1")).sort()).toEqual(honest.map((n) => n.daemon.nodeId).sort());
    for (let i = 0; i < 4; i++) {
      const c = await chain.atoma.createRequest(user, {
        kind: RequestKind.Wasm,
        capability: "test:upper-v1",
        input: enc.encode(`after ${i}`),
        maxPrice: 2000n,
        sampleSize: 3,
      });
      expect(c.nodes.sort()).toEqual(honest.map((n) => n.daemon.nodeId).sort());
      later.push(c.requestId);
    }
  }, 180_000);

  it("a request swept twice moves 0, and an unfinished one in the batch blocks nothing", async () => {
    const before = await treasury(chain);
    const unfinished = await chain.atoma.createRequest(user, {
      kind: RequestKind.Wasm,
      capability: "test:upper-v1",
      input: enc.encode("not sampled yet"),
      maxPrice: 2000n,
      sample: false,
    });
    const keeper = new Keeper({
      chain: new SdkKeeperChain(chain.atoma, keeperKey),
      stateDir: path.join(dir, "keeper-again"),
      logger: silent,
    });
    for (const id of [settled[0] as string, unfinished.requestId, settled[1] as string]) keeper.sweeper.duty.add(id);
    const result = await keeper.sweeper.flush(true);
    // The batch aborted on the unfinished request; item by item, the swept ones go through again.
    expect(result.done.sort()).toEqual([settled[0], settled[1]].sort());
    expect(result.refused).toEqual([{ id: unfinished.requestId, reason: "fees::ENotFinished" }]);
    expect(keeper.sweeper.duty.stats.transactions).toBe(4);
    expect(await treasury(chain)).toBe(before);
    const again = (await allEvents(chain)).filter((e) => e.name === "FeesSwept" && e.data.request_id === settled[0]);
    expect(again.map((e) => (e.name === "FeesSwept" ? BigInt(e.data.amount) : -1n))).toEqual([
      BigInt(again[0]?.name === "FeesSwept" ? again[0].data.amount : -1),
      0n,
    ]);
    expect(keeper.sweeper.duty.pending.size).toBe(0);
  }, 120_000);

  it("atoma-node keeper --once --json sweeps from a fresh cursor, exit 0; a bad --batch-size is exit 2", async () => {
    const config = path.join(dir, "cli", "atoma-node.json");
    await registerConfiguredNode(chain, path.join(dir, "cli"), config);
    for (const id of later) await chain.atoma.waitForSettlement(id, { timeoutMs: 90_000, pollMs: 200 });
    const before = await treasury(chain);
    const bad = await spawnCli(config, ["keeper", "--batch-size", "0"]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/--batch-size must be a whole number in 1\.\.512/);
    const r = await spawnCli(config, ["keeper", "--once", "--batch-size", "4", "--log-level", "silent"]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; done?: string[] });
    const done = lines.at(-1);
    // A fresh cursor replays every event: the requests swept already are forgotten at their
    // FeesSwept, the later ones swept (4 per PTB); the slashed node refreshed once more (idempotent).
    expect(done).toMatchObject({
      event: "done",
      swept: later.length,
      refreshed: 1,
      pendingSweeps: 0,
      pendingRefreshes: 0,
    });
    expect(
      lines
        .filter((l) => l.event === "swept")
        .flatMap((l) => l.done ?? [])
        .sort(),
    ).toEqual([...later].sort());
    const income = incomeByRequest(await allEvents(chain), later);
    expect((await treasury(chain)) - before).toBe([...income.values()].reduce((a, b) => a + b, 0n));
  }, 180_000);

  it("atoma-node run --keeper queues what settles while it runs; SIGTERM keeps it for the next pass", async () => {
    const config = path.join(dir, "cli", "atoma-node.json");
    const c = await chain.atoma.createRequest(user, {
      kind: RequestKind.Wasm,
      capability: "test:upper-v1",
      input: enc.encode("while the keeper runs"),
      maxPrice: 2000n,
    });
    // `node --import tsx`, not the tsx wrapper: the wrapper gives the child 30 ms to report a
    // relayed SIGTERM, then SIGKILLs it and exits 143 (a loaded CI machine missed that window).
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      path.join(root, "node-runner/src/cli.ts"),
      "-c",
      config,
      "--json",
      "run",
      "--keeper",
      "--metrics-port",
      "off",
      "--log-level",
      "silent",
    ]);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
    await chain.atoma.waitForSettlement(c.requestId, { timeoutMs: 90_000, pollMs: 200 });
    const pendingFile = path.join(dir, "cli", "state", "keeper", "sweep-pending.json");
    const queued = () => existsSync(pendingFile) && readFileSync(pendingFile, "utf8").includes(c.requestId.slice(2));
    for (let i = 0; i < 600 && !queued(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(queued()).toBe(true);
    expect(JSON.parse(stdout.trim().split("\n")[0] as string)).toMatchObject({ event: "running", keeper: true });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Not swept yet (30 s batch delay): the next pass finds it in the list and sweeps it.
    const r = await spawnCli(config, ["keeper", "--once", "--log-level", "silent"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string)).toMatchObject({ event: "done", swept: 1 });
    const swept = (await allEvents(chain)).filter((e) => e.name === "FeesSwept" && e.data.request_id === c.requestId);
    expect(swept).toHaveLength(1);
  }, 180_000);
});
