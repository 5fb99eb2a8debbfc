/**
 * Devnet throughput (issue 17 rows 3 and 4): NODES in-process node daemons (the node-runner's own
 * daemon, built-in forecaster), requests sampled to N = 3, REQUESTERS requesters.
 *
 * Figures, each with a peer measured in the same run:
 *  - round trips request → settled: median latency of sequential requests divided by the median
 *    round trip of one no-op transaction (add_stake 1 MIST) — target ≤ 4;
 *  - settled requests/s with REQUESTERS requesters, against the devnet's no-op transaction rate
 *    (the same number of senders sending add_stake back to back) — target ≥ 100;
 *  - transactions per request: every transaction the devnet executed during the throughput
 *    phase (aborted ones included) per request, against the floor of one create-and-sample plus
 *    N commits plus N reveals (settle and post riding in the last reveal).
 *   tsx node-runner/bench/throughput.bench.ts [--nodes 20] [--requests 200] [--requesters 16] [--poll-ms 250] [--no-batch]
 */
import { RequestKind, RequestStatus } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { arg, quantile, reporter } from "./figures.js";
import { forecastInput as input, startBenchNetwork } from "./network.js";

const NODES = arg("--nodes", 20);
const REQUESTS = arg("--requests", 200);
const REQUESTERS = arg("--requesters", 16);
const POLL_MS = arg("--poll-ms", 250);
const LATENCY_RUNS = arg("--latency-runs", 10);
/** `--no-batch`: every commit and reveal in its own transaction (the A side of an A/B). */
const BATCH = !process.argv.includes("--no-batch");
const N = 3;
const median = (xs: number[]) => quantile(xs, 0.5);

const report = reporter("throughput");

const net = await startBenchNetwork({ seed: "bench-throughput", nodes: NODES, pollMs: POLL_MS, batch: BATCH });
const { chain, registered } = net;
const users = await net.requesters(REQUESTERS);
const create = (u: Ed25519Keypair, i: number) =>
  chain.atoma.createRequest(u, {
    kind: RequestKind.Inference,
    capability: "builtin:forecast-v1",
    input: input(i),
    maxPrice: 2000n,
    sampleSize: N,
  });

// Peer 1: one no-op transaction's round trip (add_stake 1 MIST), sequential.
const tx = median(await net.noopRoundTrips(10));

// Peer 2: the devnet's no-op transaction rate with as many senders as requesters (each node
// operator stakes 1 MIST, back to back, for about as many transactions as the throughput phase).
const peerTotal = REQUESTS * (1 + 2 * N);
const senders = registered.slice(0, Math.min(REQUESTERS, registered.length));
let peerDone = 0;
const tPeer = performance.now();
await Promise.all(
  senders.map(async (s, j) => {
    for (let i = j; i < Math.min(peerTotal, 400); i += senders.length) {
      await chain.atoma.addStake(s.keys.signer, s.nodeId, 1n);
      peerDone++;
    }
  }),
);
const noopPerS = peerDone / ((performance.now() - tPeer) / 1000);

// Latency: sequential requests, created → Settled observed by the requester (poll 5 ms).
const lat: number[] = [];
for (let i = 0; i < LATENCY_RUNS; i++) {
  const t = performance.now();
  const { requestId } = await create(users[0] as Ed25519Keypair, i);
  const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 120_000, pollMs: 5 });
  if (r.status !== RequestStatus.Settled) throw new Error(`request ${requestId} not settled`);
  lat.push(performance.now() - t);
}

// Throughput: REQUESTERS requesters submit REQUESTS in total, each waiting for nothing but its
// own create transaction; settled requests per second until the last one settled and has its
// output. Settlements are read from the event list (one listEvents call per 100 ms, as an
// indexer would), not by polling each request.
const txsBefore = chain.devnet.runtime.txs.size;
let cursor = (await chain.atoma.listEvents({ after: null }, 1000)).cursor;
for (
  let page = await chain.atoma.listEvents(cursor, 1000);
  page.events.length;
  page = await chain.atoma.listEvents(cursor, 1000)
)
  cursor = page.cursor;
const t0 = performance.now();
const ids = new Set<string>();
const settledIds = new Set<string>();
const postedIds = new Set<string>();
let submitting = true;
const submit = Promise.all(
  users.map(async (u, j) => {
    for (let i = j; i < REQUESTS; i += REQUESTERS) ids.add((await create(u, 1000 + i)).requestId);
  }),
).finally(() => {
  submitting = false;
});
const done = () => [...ids].filter((id) => settledIds.has(id) && postedIds.has(id)).length;
while (submitting || done() < ids.size) {
  if (performance.now() - t0 > 600_000) break;
  const page = await chain.atoma.listEvents(cursor, 1000);
  cursor = page.cursor;
  for (const rec of page.events) {
    if (rec.event.name === "RequestSettled") settledIds.add(rec.event.data.request_id);
    if (rec.event.name === "OutputPosted") postedIds.add(rec.event.data.request_id);
  }
  if (!page.hasNextPage) await new Promise((r) => setTimeout(r, 100));
}
await submit;
const settled = done();
const secs = (performance.now() - t0) / 1000;
// Let straggling transactions (late settles, posts) land before counting.
await new Promise((r) => setTimeout(r, 2_000));
const txsPerRequest = (chain.devnet.runtime.txs.size - txsBefore) / REQUESTS;
// What those transactions were: by the events they emitted ("aborted" when the status is failure).
const kinds = new Map<string, number>();
for (const rec of [...chain.devnet.runtime.txs.values()].slice(txsBefore)) {
  const status = (rec.effects as { status?: { status?: string } }).status?.status;
  const names = [...new Set(rec.events.map((e) => e.type.split("::").at(-1) ?? ""))]
    .filter((n) =>
      ["RequestCreated", "ResultCommitted", "ResultRevealed", "RequestSettled", "OutputPosted"].includes(n),
    )
    .sort();
  const key = status === "failure" ? "aborted" : names.join("+") || "other";
  kinds.set(key, (kinds.get(key) ?? 0) + 1);
}

// Batching: commits and reveals carried per transaction that carries any.
const carried = { ResultCommitted: { events: 0, txs: 0 }, ResultRevealed: { events: 0, txs: 0 } };
for (const rec of [...chain.devnet.runtime.txs.values()].slice(txsBefore))
  for (const name of ["ResultCommitted", "ResultRevealed"] as const) {
    const n = rec.events.filter((e) => e.type.endsWith(`::${name}`)).length;
    if (n) {
      carried[name].events += n;
      carried[name].txs++;
    }
  }

await net.close();

console.log(
  `${NODES} nodes, N = ${N}, ${REQUESTERS} requesters, ${REQUESTS} requests, daemon poll ${POLL_MS} ms, batching ${BATCH ? "on" : "off"}; ${settled}/${REQUESTS} settled with output in ${secs.toFixed(1)} s`,
);
console.log(
  `transactions during the throughput phase, by their events: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}`,
);
console.log(
  `batching: ${carried.ResultCommitted.events} commits in ${carried.ResultCommitted.txs} transactions, ` +
    `${carried.ResultRevealed.events} reveals in ${carried.ResultRevealed.txs} transactions`,
);
const rt = median(lat) / tx;
report(
  "request → settled, sequential",
  median(lat),
  "ms",
  "one no-op transaction round trip (ratio = round trips)",
  tx,
  "ratio <= 4",
  rt <= 4,
);
const perS = settled / secs;
report(
  "settled requests/s",
  perS,
  "req/s",
  `no-op transactions/s (${senders.length} senders)`,
  noopPerS,
  ">= 100",
  perS >= 100,
);
report(
  "transactions per request",
  txsPerRequest,
  "transactions",
  `floor: 1 create-and-sample + ${N} commits + ${N} reveals`,
  1 + 2 * N,
  `<= ${2 + 2 * N} (with one settle)`,
  txsPerRequest <= 2 + 2 * N,
);
if (settled < REQUESTS) process.exitCode = 1;
