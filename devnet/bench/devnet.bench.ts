/**
 * Executed transactions per second through HTTP with real Ed25519 signatures, and the share of
 * time spent in signature verification and BCS decoding (measured in-process in the same run).
 * Peer: a no-op JSON-RPC call (suix_getReferenceGasPrice) over the same HTTP stack.
 *
 *   tsx devnet/bench/devnet.bench.ts [N=2000] [concurrency=32]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fromBase64 } from "@mysten/bcs";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { decodeTx, startDevnet, verifySignatures } from "../src/index.js";
import { jsonRpcCaller } from "./json-rpc.js";

const N = Number(process.argv[2] ?? 2000);
const CONC = Number(process.argv[3] ?? 32);

async function measure(stateDir?: string) {
  const d = await startDevnet({ seed: "bench", checkpointIntervalMs: 1000, ...(stateDir ? { stateDir } : {}) });
  const agent = new Agent({ keepAlive: true, maxSockets: CONC });

  const rpc = jsonRpcCaller(d.url, agent);
  async function pool<T>(items: T[], f: (t: T) => Promise<void>): Promise<number> {
    let i = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (i < items.length) await f(items[i++]!);
      }),
    );
    return performance.now() - t0;
  }

  // Setup: N coins for one sender (distinct owned objects), N pre-signed transfers.
  const kp = Ed25519Keypair.generate();
  const sender = kp.toSuiAddress();
  const recipient = Ed25519Keypair.generate().toSuiAddress();
  d.runtime.faucet(sender, 10_000_000_000n, N);
  const coins = [...d.runtime.objects.values()].filter(
    (o) => o.owner !== "Immutable" && "AddressOwner" in o.owner && o.owner.AddressOwner === sender,
  );
  const signed: { bytes: string; sig: string }[] = [];
  for (const c of coins.slice(0, N)) {
    const tx = new Transaction();
    tx.setSender(sender);
    tx.setGasPrice(1000);
    tx.setGasBudget(10_000_000);
    tx.setGasPayment([{ objectId: c.id, version: c.version.toString(), digest: c.digest }]);
    tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(1000)])], tx.pure.address(recipient));
    const bytes = await tx.build();
    const { signature } = await kp.signTransaction(bytes);
    signed.push({ bytes: Buffer.from(bytes).toString("base64"), sig: signature });
  }

  // Peer: no-op RPC.
  const noop = await pool(
    Array.from({ length: N }, (_, i) => i),
    async () => void (await rpc("suix_getReferenceGasPrice", [])),
  );
  // Executions.
  let failures = 0;
  const exec = await pool(signed, async (s) => {
    const r = await rpc("sui_executeTransactionBlock", [s.bytes, [s.sig], { showEffects: true }]);
    const st = (r.result as { effects?: { status: { status: string } } } | undefined)?.effects?.status.status;
    if (st !== "success") failures++;
  });
  // In-process: verification and BCS decoding of the same transactions.
  let t = performance.now();
  for (const s of signed) verifySignatures(fromBase64(s.bytes), [s.sig], sender);
  const verifyMs = performance.now() - t;
  t = performance.now();
  for (const s of signed) decodeTx(fromBase64(s.bytes));
  const decodeMs = performance.now() - t;

  await d.close();
  agent.destroy();

  return { exec, noop, verifyMs, decodeMs, failures };
}

const mem = await measure();
const dir = mkdtempSync(path.join(tmpdir(), "devnet-bench-"));
const disk = await measure(dir);
rmSync(dir, { recursive: true, force: true });
const { exec, noop, verifyMs, decodeMs } = mem;
const failures = mem.failures + disk.failures;
const tps = (N / exec) * 1000;
const noopRps = (N / noop) * 1000;
const fig = {
  transactions: N,
  concurrency: CONC,
  failures,
  executedTxPerSec: Math.round(tps),
  executedTxPerSecWithStateDir: Math.round((N / disk.exec) * 1000),
  noopRpcPerSec: Math.round(noopRps),
  ratioExecToNoop: +(tps / noopRps).toFixed(3),
  shareSignatureVerification: +(verifyMs / exec).toFixed(3),
  shareBcsDecode: +(decodeMs / exec).toFixed(3),
  targetTxPerSec: 1000,
};
console.log(JSON.stringify(fig, null, 2));
if (failures > 0) process.exit(1);
