/**
 * Devnet end-to-end: latency request → settled (create + sample + 3 nodes commit/reveal + settle)
 * and settled requests per second, with 5 in-process node daemons running the built-in
 * forecaster. Peer measured in the same run: one plain SDK transaction (add_stake) round trip, so
 * the figure reads "a request costs X transactions' worth of time".
 *   tsx node-runner/bench/e2e.bench.ts [--requests 20] [--parallel 8]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RequestKind, RequestStatus } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import pino from "pino";
import { registerNode, startChain } from "../../demo/src/network.js";
import { loadExecutors } from "../src/daemon/executors-loader.js";
import { type RunningNode, startNode } from "../src/daemon/node.js";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const REQUESTS = arg("--requests", 20);
const PARALLEL = arg("--parallel", 8);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] as number;

const dir = mkdtempSync(path.join(tmpdir(), "atoma-bench-e2e-"));
const chain = await startChain({ seed: "bench-e2e" });
const executors = await loadExecutors();
const running: RunningNode[] = [];
const registered = [];
for (let i = 0; i < 5; i++) {
  const n = await registerNode(chain, path.join(dir, `n${i}`), { capabilities: ["builtin:forecast-v1"], price: 1000n });
  registered.push(n);
  running.push(
    await startNode({
      rpcUrl: chain.url,
      packageId: chain.deployed.packageId,
      registryId: chain.deployed.registryId,
      nodeId: n.nodeId,
      keys: n.keys,
      stateDir: n.stateDir,
      executors,
      logger: pino({ level: "silent" }),
      pollMs: 25,
      metricsPort: null,
    }),
  );
}
const input = (i: number) => new TextEncoder().encode(JSON.stringify({ series: ["1", "2", String(i)], horizon: 2 }));

// Peer: one plain transaction round trip (add_stake through the SDK).
const op = registered[0] as (typeof registered)[number];
const txMs: number[] = [];
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  await chain.atoma.addStake(op.keys.signer, op.nodeId, 1n);
  txMs.push(performance.now() - t);
}

// Latency: sequential requests, created → Settled observed by the requester (poll 10 ms).
const user = Ed25519Keypair.generate();
await requestSuiFromFaucetV2({ host: chain.url, recipient: user.toSuiAddress() });
const lat: number[] = [];
for (let i = 0; i < Math.min(REQUESTS, 10); i++) {
  const t = performance.now();
  const { requestId } = await chain.atoma.createRequest(user, {
    kind: RequestKind.Inference,
    capability: "builtin:forecast-v1",
    input: input(i),
    maxPrice: 2000n,
  });
  const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 60_000, pollMs: 10 });
  if (r.status !== RequestStatus.Settled) throw new Error(`request ${requestId} not settled`);
  lat.push(performance.now() - t);
}

// Throughput: PARALLEL requesters (own gas coins) submit REQUESTS in total; settled per second.
const users = await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    const k = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: chain.url, recipient: k.toSuiAddress() });
    return k;
  }),
);
const t0 = performance.now();
const ids: string[] = [];
await Promise.all(
  users.map(async (u, j) => {
    for (let i = j; i < REQUESTS; i += PARALLEL) {
      const { requestId } = await chain.atoma.createRequest(u, {
        kind: RequestKind.Inference,
        capability: "builtin:forecast-v1",
        input: input(100 + i),
        maxPrice: 2000n,
      });
      ids.push(requestId);
    }
  }),
);
let settled = 0;
await Promise.all(
  ids.map(async (id) => {
    const r = await chain.atoma.waitForSettlement(id, { timeoutMs: 300_000, pollMs: 50 });
    if (r.status === RequestStatus.Settled) settled++;
  }),
);
const secs = (performance.now() - t0) / 1000;

await Promise.all(running.map((n) => n.stop()));
await chain.devnet.close();
rmSync(dir, { recursive: true, force: true });

const tx = median(txMs);
console.log(`peer: one SDK transaction round trip (add_stake)   median ${tx.toFixed(1)} ms`);
console.log(
  `request → settled (3 nodes, sequential, n=${lat.length})  median ${median(lat).toFixed(0)} ms, p90 ${p90(lat).toFixed(0)} ms = ${(median(lat) / tx).toFixed(1)}× one transaction`,
);
console.log(
  `throughput: ${settled}/${ids.length} settled in ${secs.toFixed(1)} s with ${PARALLEL} requesters = ${(settled / secs).toFixed(2)} settled requests/s (${(((settled / secs) * tx) / 1000).toFixed(2)} per transaction-time)`,
);
