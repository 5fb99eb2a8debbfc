/**
 * Devnet end-to-end: latency request → settled (create + sample + 3 nodes commit/reveal + settle)
 * and settled requests per second, with 5 in-process node daemons running the built-in
 * forecaster. Peer measured in the same run: one plain SDK transaction (add_stake) round trip, so
 * the figure reads "a request costs X transactions' worth of time".
 *   tsx node-runner/bench/e2e.bench.ts [--requests 20] [--parallel 8]
 */
import { RequestKind, RequestStatus } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { arg, quantile } from "./figures.js";
import { forecastInput as input, startBenchNetwork } from "./network.js";

const REQUESTS = arg("--requests", 20);
const PARALLEL = arg("--parallel", 8);
const median = (xs: number[]) => quantile(xs, 0.5);
const p90 = (xs: number[]) => quantile(xs, 0.9);

const net = await startBenchNetwork({ seed: "bench-e2e", nodes: 5, pollMs: 25 });
const { chain } = net;

// Peer: one plain transaction round trip (add_stake through the SDK).
const txMs = await net.noopRoundTrips(10);

// Latency: sequential requests, created → Settled observed by the requester (poll 10 ms).
const user = (await net.requesters(1))[0] as Ed25519Keypair;
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
const users = await net.requesters(PARALLEL);
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

await net.close();

const tx = median(txMs);
console.log(`peer: one SDK transaction round trip (add_stake)   median ${tx.toFixed(1)} ms`);
console.log(
  `request → settled (3 nodes, sequential, n=${lat.length})  median ${median(lat).toFixed(0)} ms, p90 ${p90(lat).toFixed(0)} ms = ${(median(lat) / tx).toFixed(1)}× one transaction`,
);
console.log(
  `throughput: ${settled}/${ids.length} settled in ${secs.toFixed(1)} s with ${PARALLEL} requesters = ${(settled / secs).toFixed(2)} settled requests/s (${(((settled / secs) * tx) / 1000).toFixed(2)} per transaction-time)`,
);
