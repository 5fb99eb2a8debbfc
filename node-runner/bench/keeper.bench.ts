/**
 * `pnpm bench keeper` — sweeping K finished requests into the treasury: the keeper's way (one
 * PTB of K `sweep_fees`, `SdkKeeperChain.sweepFees`) against its peer in the same run, K
 * single-request transactions (what a keeper without batching sends). Both on one devnet, on
 * requests settled by three daemons; figures: wall time and computation gas of all K sweeps.
 * Plain tsx script: `npx tsx node-runner/bench/keeper.bench.ts [--k 16]`.
 */
import { RequestKind } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { arg, reporter } from "./figures.js";
import { forecastInput, startBenchNetwork } from "./network.js";

const K = arg("--k", 16);
const report = reporter("node-runner/keeper");
const net = await startBenchNetwork({ seed: "keeper-bench", nodes: 3, pollMs: 100 });
try {
  const { atoma } = net.chain;
  const user = (await net.requesters(1))[0] as Ed25519Keypair;
  const ids: string[] = [];
  for (let i = 0; i < 2 * K; i++)
    ids.push(
      (
        await atoma.createRequest(user, {
          kind: RequestKind.Inference,
          capability: "builtin:forecast-v1",
          input: forecastInput(i),
          maxPrice: 2000n,
        })
      ).requestId,
    );
  for (const id of ids) await atoma.waitForSettlement(id, { timeoutMs: 120_000, pollMs: 100 });
  const gas = (r: { effects: { gasUsed: { computationCost: string } } }) => Number(r.effects.gasUsed.computationCost);
  // Batched: the first K in one PTB.
  let t0 = performance.now();
  const batch = await atoma.sweepFees(user, ids.slice(0, K));
  const batchMs = performance.now() - t0;
  const batchGas = gas(batch);
  // Peer: the other K one transaction each.
  let singleGas = 0;
  t0 = performance.now();
  for (const id of ids.slice(K)) singleGas += gas(await atoma.sweepFees(user, [id]));
  const singleMs = performance.now() - t0;
  // Wall time: reported, no target (the batch reads each request's shared version first, and a
  // devnet round trip is ~10 ms; on Sui the point is one Registry write per PTB instead of K).
  report(
    `sweep ${K} requests, one keeper PTB: wall time`,
    batchMs,
    "ms",
    `${K} single-request transactions`,
    singleMs,
    null,
    null,
  );
  report(
    `sweep ${K} requests, one keeper PTB: computation gas`,
    batchGas,
    "MIST",
    `${K} single-request transactions`,
    singleGas,
    "<= 0.5",
    batchGas / singleGas <= 0.5,
  );
} finally {
  await net.close();
}
