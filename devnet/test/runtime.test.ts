import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "devnet_probe");

async function setup(stateDir?: string, seed = "rt") {
  const d = await startDevnet({
    seed,
    clockMs: 1_700_000_000_000n,
    checkpointIntervalMs: 0,
    ...(stateDir ? { stateDir } : {}),
  });
  const client = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
  const kp = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(7));
  await requestSuiFromFaucetV2({ host: d.url, recipient: kp.toSuiAddress() });
  const built = await buildMovePackage({ name: "devnet_probe", dir: FIXTURE });
  let tx = new Transaction();
  tx.transferObjects([tx.publish({ modules: built.modules, dependencies: built.dependencies })], kp.toSuiAddress());
  let r = await client.signAndExecuteTransaction({ transaction: tx, signer: kp, options: { showObjectChanges: true } });
  const pkg = (r.objectChanges!.find((c) => c.type === "published") as { packageId: string }).packageId;
  tx = new Transaction();
  tx.moveCall({ target: `${pkg}::counter::create` });
  r = await client.signAndExecuteTransaction({ transaction: tx, signer: kp, options: { showObjectChanges: true } });
  const counter = (
    r.objectChanges!.find((c) => c.type === "created" && c.objectType.endsWith("::Counter")) as { objectId: string }
  ).objectId;
  return { d, client, kp, pkg, counter };
}

describe("runtime invariants", () => {
  const open: RunningDevnet[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("recovers from a torn journal tail", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-torn-"));
    dirs.push(stateDir);
    const { d, client, kp, counter } = await setup(stateDir);
    const before = await client.getObject({ id: counter });
    const txs = d.runtime.txOrder.length;
    await d.close();
    const file = path.join(stateDir, "journal.jsonl");
    const size = statSync(file).size;
    appendFileSync(file, '{"t":"tx","written":[{"id":"0x'); // a crash mid-write
    const d2 = await startDevnet({ seed: "rt", stateDir, checkpointIntervalMs: 0 });
    open.push(d2);
    expect(statSync(file).size).toBe(size);
    expect(d2.runtime.txOrder.length).toBe(txs);
    const c2 = new SuiJsonRpcClient({ url: d2.url, network: "localnet" });
    const after = await c2.getObject({ id: counter });
    expect(after.data!.digest).toBe(before.data!.digest);
    const bal = await c2.getBalance({ owner: kp.toSuiAddress() });
    expect(BigInt(bal.totalBalance) > 0n).toBe(true);
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
  });

  it("derives the same Random results from the same seed", async () => {
    const rolls: string[] = [];
    const digests: string[] = [];
    for (const seed of ["same", "same"]) {
      const { d, client, kp, pkg, counter } = await setup(undefined, seed);
      open.push(d);
      const tx = new Transaction();
      tx.moveCall({ target: `${pkg}::counter::roll`, arguments: [tx.object(counter), tx.object.random()] });
      const r = await client.signAndExecuteTransaction({ transaction: tx, signer: kp, options: { showEvents: true } });
      rolls.push((r.events![0]!.parsedJson as { roll: string }).roll);
      digests.push(r.digest);
    }
    expect(digests[0]).toBe(digests[1]);
    expect(rolls[0]).toBe(rolls[1]);
    expect(rolls[0]).toMatch(/^[1-6]$/);
  });
});
