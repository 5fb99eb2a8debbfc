/**
 * The keeper follows `stake_cap` and `min_stake` changes, on a real devnet (the atoma package's
 * bytecode, real signatures and BCS): three nodes staking 1, 2 and 3 × min_stake; the admin
 * lowers `stake_cap` to 2.5 × min_stake, which leaves every weight in the sampling tree stale
 * until `refresh_node`. A first keeper reads the `ParamChanged` and queues every node it knows
 * (from `NodeRegistered`), then stops before sending (a crash); a second one on the same folder
 * sends the refreshes in batches of 2 and the tree's weights become min(stake, stake_cap). Then
 * `min_stake` rises to 1.5 × min_stake: the running keeper refreshes every node again and the
 * node below it is jailed and leaves the tree.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AtomaEvent, buildSetParam, NodeStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoChain, type RegisteredNode, registerNode, startChain } from "../../../demo/src/network.js";
import { testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import { Keeper, SdkKeeperChain } from "../../src/keeper/index.js";
import { samplingWeights } from "./sampling-weights.js";

const MIN_STAKE = 100_000_000_000n;
const CAPABILITY = "test:params-v1";
const silent = pino({ level: "silent" });

async function setParam(chain: DemoChain, name: string, value: bigint): Promise<void> {
  const tx = new Transaction();
  tx.setSender(chain.admin.toSuiAddress());
  buildSetParam(tx, {
    packageId: chain.deployed.packageId,
    registry: chain.deployed.registryId,
    adminCap: chain.deployed.adminCapId,
    name,
    value,
  });
  await chain.atoma.execute(tx, chain.admin);
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every event of the package so far, decoded. */
async function allEvents(chain: DemoChain): Promise<AtomaEvent[]> {
  return (await chain.atoma.allEvents(100)).map((r) => r.event);
}

describe("keeper follows stake_cap and min_stake on a devnet", () => {
  let chain: DemoChain;
  const nodes: RegisteredNode[] = [];
  const stakes = [MIN_STAKE, 2n * MIN_STAKE, 3n * MIN_STAKE];
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-keeper-params-"));
  const keeperDir = path.join(dir, "keeper");
  const keeperKey = Ed25519Keypair.generate();

  beforeAll(async () => {
    chain = await startChain({ seed: "keeper-params", transport: testTransport(), ...testDevnetOptions() });
    for (const [i, stake] of stakes.entries())
      nodes.push(
        await registerNode(chain, path.join(dir, `n${i}`), { capabilities: [CAPABILITY], price: 1000n, stake }),
      );
    await requestSuiFromFaucetV2({ host: chain.url, recipient: keeperKey.toSuiAddress() });
  }, 180_000);

  afterAll(async () => {
    await chain?.devnet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-weights every node after a stake_cap change (crash-safe, batched) and jails the one below a raised min_stake", async () => {
    const ids = nodes.map((n) => n.nodeId);
    const weightsOf = async () => {
      const w = await samplingWeights(chain, CAPABILITY);
      return ids.map((id) => w.get(id) ?? null);
    };
    // Default stake_cap (100 × min_stake): weight = stake.
    expect(await weightsOf()).toEqual(stakes);

    const cap = (5n * MIN_STAKE) / 2n;
    await setParam(chain, "stake_cap", cap);
    expect((await chain.atoma.getRegistry()).params.stake_cap).toBe(String(cap));
    // The chain applies the new cap only at each node's next sync: the 3 × min_stake node still weighs 3.
    expect(await weightsOf()).toEqual(stakes);

    // First keeper: reads every event (3 NodeRegistered, the ParamChanged), queues the 3 nodes,
    // sends nothing (a batch of 32 or an hour's wait is never due), and stops as a crash would.
    const sdk = new SdkKeeperChain(chain.atoma, keeperKey);
    const first = new Keeper({
      chain: sdk,
      stateDir: keeperDir,
      logger: silent,
      pollMs: 100,
      refresh: { maxBatch: 32, maxDelayMs: 3_600_000 },
    });
    first.start();
    await until("the first keeper to queue the refreshes", () => first.refresher.duty.pending.size === 3);
    await first.stop();
    expect(first.refresher.paramStats).toEqual({ changes: 1, queued: 3 });
    expect(first.refresher.duty.stats.transactions).toBe(0);
    expect(first.refresher.known.ids()).toEqual(ids);
    const saved = (file: string) =>
      (JSON.parse(readFileSync(path.join(keeperDir, file), "utf8")) as { pending: { id: string }[] }).pending.map(
        (p) => p.id,
      );
    expect(saved("known-nodes.json")).toEqual(ids);
    expect(saved("refresh-pending.json").sort()).toEqual([...ids].sort());
    expect(await weightsOf()).toEqual(stakes);

    // Second keeper on the same folder (its cursor past the events): batches of 2, one per pass.
    const second = new Keeper({
      chain: sdk,
      stateDir: keeperDir,
      logger: silent,
      pollMs: 100,
      refresh: { maxBatch: 2, maxDelayMs: 0, maxBatchesPerPass: 1 },
    });
    expect(second.refresher.known.size).toBe(3);
    second.start();
    try {
      await until("the refreshes", () => second.refresher.duty.stats.done >= 3);
      expect(second.refresher.duty.stats.transactions).toBe(2);
      expect(second.refresher.duty.stats.refused).toBe(0);
      expect(second.refresher.duty.pending.size).toBe(0);
      expect(await weightsOf()).toEqual([MIN_STAKE, 2n * MIN_STAKE, cap]);

      // min_stake rises above node 0's stake: the running keeper refreshes every node again,
      // refresh_node jails node 0 and takes it out of the tree.
      await setParam(chain, "min_stake", (3n * MIN_STAKE) / 2n);
      await until("the min_stake refreshes", () => second.refresher.duty.stats.done >= 6, 90_000);
      expect(second.refresher.paramStats).toEqual({ changes: 1, queued: 3 });
      expect(second.refresher.duty.stats.transactions).toBe(4);
      expect(await weightsOf()).toEqual([null, 2n * MIN_STAKE, cap]);
      expect((await chain.atoma.getNode(ids[0] as string)).status).toBe(NodeStatus.Jailed);
      expect((await chain.atoma.getNode(ids[1] as string)).status).toBe(NodeStatus.Active);
      const jailed = (await allEvents(chain)).filter(
        (e) => e.name === "NodeStatusChanged" && e.data.node_id === ids[0] && e.data.new_status === NodeStatus.Jailed,
      );
      expect(jailed).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 240_000);
});
