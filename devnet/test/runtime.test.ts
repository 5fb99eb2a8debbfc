import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bcs } from "@mysten/sui/bcs";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterEach, describe, expect, it } from "vitest";
import { bcsFor, Journal, type RunningDevnet, Runtime, startDevnet, typeToString } from "../src/index.js";
import { publishProbe } from "./probe.js";

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
  const { pkg, counterId: counter } = await publishProbe(client, kp);
  return { d, client, kp, pkg, counter };
}

describe("runtime invariants", () => {
  const open: RunningDevnet[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("stores every object with the BCS and digest of its current value (no stale remembered bytes)", async () => {
    const { d, client, kp, pkg, counter } = await setup(undefined, "rt-bcs");
    open.push(d);
    // Gas charging, SplitCoins and MergeCoins change coin balances in place; Move calls replace
    // values; the clock's value follows the time.
    for (let i = 0; i < 3; i++) {
      const tx = new Transaction();
      const [a, b] = tx.splitCoins(tx.gas, [1_000n + BigInt(i), 2_000n]);
      tx.mergeCoins(a!, [b!]);
      tx.transferObjects([a!], kp.toSuiAddress());
      tx.moveCall({ target: `${pkg}::counter::roll`, arguments: [tx.object(counter), tx.object.random()] });
      const r = await client.signAndExecuteTransaction({ transaction: tx, signer: kp, options: { showEffects: true } });
      expect(r.effects?.status.status).toBe("success");
      d.clock.advance(1_000);
    }
    const rt = d.runtime;
    rt.getObject("0x6");
    let checked = 0;
    for (const o of rt.objects.values()) {
      if (!o.type) continue;
      const fresh = bcsFor(o.type, rt.resolve).serialize(o.value).toBytes();
      expect(o.bcs, `${o.id} ${typeToString(o.type)}`).toEqual(fresh);
      const digest = o.digest;
      expect(rt.finishObject({ ...o, value: structuredClone(o.value), bcs: undefined }).digest, o.id).toBe(digest);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it("makes a record's SenderSignedData and BCS effects on first read, in their places, as journaled", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "atoma-rt-lazy-"));
    dirs.push(stateDir);
    const { d, client, kp, pkg, counter } = await setup(stateDir, "rt-lazy");
    open.push(d);
    const tx = new Transaction();
    tx.moveCall({ target: `${pkg}::counter::roll`, arguments: [tx.object(counter), tx.object.random()] });
    tx.setSender(kp.toSuiAddress());
    const bytes = await tx.build({ client });
    const { signature } = await kp.signTransaction(bytes);
    const r = await client.executeTransactionBlock({
      transactionBlock: bytes,
      signature,
      options: { showEffects: true },
    });
    expect(r.effects?.status.status).toBe("success");
    const rec = d.runtime.txs.get(r.digest)!;
    // What the record must hold, made here from the sent parts with @mysten/sui's own schemas.
    const signed = bcs.SenderSignedData.serialize([
      {
        intentMessage: {
          intent: { scope: { TransactionData: true }, version: { V0: true }, appId: { Sui: true } },
          value: bcs.TransactionData.parse(bytes),
        },
        txSignatures: [signature],
      },
    ]).toBase64();
    const keys = ["digest", "rawTransaction", "transaction", "effects", "rawEffects", "events", "objectChanges"];
    expect(Object.keys(rec).slice(0, keys.length)).toEqual(keys);
    // The journal line was written at commit (before any read here): it read both through the accessors.
    const line = readFileSync(path.join(stateDir, "journal.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { t: string; tx?: { digest: string; rawTransaction: string; rawEffects: number[] } })
      .find((l) => l.t === "tx" && l.tx?.digest === r.digest)!;
    expect(line.tx!.rawTransaction).toBe(signed);
    const fx = bcs.TransactionEffects.parse(Uint8Array.from(line.tx!.rawEffects));
    expect(fx.V2?.transactionDigest).toBe(r.digest);
    expect(fx.V2?.status).toEqual({ $kind: "Success", Success: true });
    expect(rec.rawTransaction).toBe(signed);
    expect(rec.rawEffects).toEqual(line.tx!.rawEffects);
    // Read once, they are plain values (and may be replaced, as a journal replay does).
    expect(Object.getOwnPropertyDescriptor(rec, "rawTransaction")).toMatchObject({ value: signed, writable: true });
    const full = await client.getTransactionBlock({
      digest: r.digest,
      options: { showRawInput: true, showRawEffects: true },
    });
    expect(full.rawTransaction).toBe(signed);
    expect(full.rawEffects).toEqual(line.tx!.rawEffects);
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

  it("refuses a journal corrupt before its last line, naming the line; --repair keeps a backup", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-corrupt-"));
    dirs.push(stateDir);
    const { d } = await setup(stateDir);
    const txs = d.runtime.txOrder.length;
    await d.close();
    const file = path.join(stateDir, "journal.jsonl");
    const original = readFileSync(file, "utf8");
    const lines = original.split("\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(4);
    const broken = [...lines];
    broken[2] = broken[2]!.slice(0, 20); // line 3 of N broken, later lines valid
    writeFileSync(file, `${broken.join("\n")}\n`);
    const opts = { seed: "rt", stateDir, checkpointIntervalMs: 0 };
    await expect(startDevnet(opts)).rejects.toThrow(new RegExp(`line 3 of ${lines.length} is corrupt.*--repair`));
    // Nothing was deleted.
    expect(readFileSync(file, "utf8")).toBe(`${broken.join("\n")}\n`);
    const d2 = await startDevnet({ ...opts, repair: true });
    open.push(d2);
    expect(d2.runtime.txOrder.length).toBeLessThan(txs);
    expect(readFileSync(file, "utf8").startsWith(`${lines.slice(0, 2).join("\n")}\n`)).toBe(true);
    const backups = readdirSync(stateDir).filter((f) => f.startsWith("journal.jsonl.bak-"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(path.join(stateDir, backups[0]!), "utf8")).toBe(`${broken.join("\n")}\n`);
  });

  it("reports replay progress and warns when it truncates a torn tail", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-progress-"));
    dirs.push(stateDir);
    const { d } = await setup(stateDir);
    await d.close();
    const file = path.join(stateDir, "journal.jsonl");
    appendFileSync(file, '{"t":"tx"');
    const progress: [number, number][] = [];
    const warnings: string[] = [];
    const j = new Journal(stateDir);
    j.replay(new Runtime({ seed: "rt", now: () => 0n }), {
      progress: (done, total) => progress.push([done, total]),
      progressEveryBytes: 1000,
      warn: (_o, msg) => warnings.push(msg),
    });
    j.close();
    const total = progress[0]![1];
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every(([done, t], i) => t === total && done <= t && (i === 0 || done > progress[i - 1]![0]))).toBe(
      true,
    );
    expect(warnings).toEqual(["journal: torn last line (a crash mid-write) truncated"]);
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
