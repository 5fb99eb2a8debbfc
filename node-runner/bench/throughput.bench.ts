/**
 * Devnet throughput (issue 17 rows 3 and 4): NODES in-process node daemons (the node-runner's own
 * daemon, built-in forecaster), requests sampled to N = 3, REQUESTERS requesters.
 *
 * Figures, each with a peer measured in the same run:
 *  - request → settled, sequential (median): against the same flow driven through the SDK with
 *    no daemon (3 nodes with no daemon: create-and-sample, the 3 commits at once, 2 reveals at
 *    once, the last reveal settling and posting in its transaction);
 *  - transaction round trips per request (the issue's count: sequential transactions from create
 *    to settled: create, commits, reveals, settle, whether the settle rides in the last reveal
 *    or not) — target ≤ 4; and the same latency in no-op transaction round trips;
 *  - chain round trips on the critical path per request: the transaction round trips, plus the
 *    reads of the request object the sampled nodes made (one per task phase that read it, the
 *    nodes of a phase reading in parallel), plus one event read before each step a node takes
 *    on another's transaction (a node learns of the others' commits and reveals from events):
 *    against the SDK flow's 4, which reads nothing (it sent every transaction itself);
 *  - reads per request (the request object and the clock, every daemon) against the floor of
 *    one read of the input per sampled node;
 *  - settled requests/s with REQUESTERS requesters, against the devnet's ceiling: its no-op
 *    transaction rate (as many senders, add_stake back to back) ÷ the 7 transactions a request
 *    needs at least — target ≥ 100;
 *  - transactions per request: every transaction the devnet executed during the throughput
 *    phase (aborted ones included) per request, against the floor of one create-and-sample plus
 *    N commits plus N reveals (settle and post riding in the last reveal).
 *
 * CPU per settled request, by process (devnet, daemons, requesters + bench), and of the last the
 * bench's own bookkeeping apart: its settlement follower's event reading, read again after the
 * phase (decoding the two kinds it follows, against decoding all), and its polls during the phase.
 *
 * Processes (`--processes P`, default 1): the devnet runs in a process of its own and the NODES
 * daemons in P more (as a network and its operators run), the requesters and both peers in the
 * bench's process, so the figure is the machine's rather than one thread's; `--processes 0` runs
 * everything in one process (the mode before issue 17 row 4's client work).
 *   tsx node-runner/bench/throughput.bench.ts [--nodes 20] [--requests 2000] [--requesters 16] [--poll-ms 250] [--latency-runs 10] [--processes 1] [--no-batch] [--own-followers]
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  type AtomaEventName,
  type AtomaEventRecord,
  type EventCursor,
  hashOutput,
  RequestKind,
  RequestStatus,
} from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { type RegisteredNode, registerNode } from "../../demo/src/network.js";
import type { ChainRead } from "../src/daemon/task-runner.js";
import { arg, quantile, reporter } from "./figures.js";
import { forecastInput as input, startBenchNetwork } from "./network.js";

const NODES = arg("--nodes", 20);
const REQUESTS = arg("--requests", 2000);
const REQUESTERS = arg("--requesters", 16);
const POLL_MS = arg("--poll-ms", 250);
const LATENCY_RUNS = arg("--latency-runs", 10);
const PROCESSES = arg("--processes", 1);
/** `--no-batch`: every commit and reveal in its own transaction (the A side of an A/B). */
const BATCH = !process.argv.includes("--no-batch");
/**
 * `--own-followers`: every daemon follows the events alone (its own checkpoint stream and event
 * reads, as before issue 17 row 4's shared follower) instead of its process's one follower.
 */
const SHARED_EVENTS = !process.argv.includes("--own-followers");
const N = 3;
const median = (xs: number[]) => quantile(xs, 0.5);

const report = reporter("throughput");

/** Reads of every daemon's tasks, per request: how many of the request object and of the clock, and in which phases. */
const reads = new Map<string, { request: number; clock: number; requestPhases: Set<string> }>();
/** Reads by kind and phase (`clock@committed`), all requests. */
const readsByPhase = new Map<string, number>();
const onRead = (r: ChainRead) => {
  readsByPhase.set(`${r.what}@${r.phase}`, (readsByPhase.get(`${r.what}@${r.phase}`) ?? 0) + 1);
  const e = reads.get(r.requestId) ?? { request: 0, clock: 0, requestPhases: new Set<string>() };
  e[r.what]++;
  if (r.what === "request") e.requestPhases.add(r.phase);
  reads.set(r.requestId, e);
};
const net = await startBenchNetwork({
  seed: "bench-throughput",
  nodes: NODES,
  pollMs: POLL_MS,
  batch: BATCH,
  sharedEvents: SHARED_EVENTS,
  onRead,
  processes: PROCESSES,
});
const { chain, registered } = net;
// The peer flow's nodes: registered, no daemon (nothing else serves their capability).
const DIRECT = "bench:direct-v1";
const direct: RegisteredNode[] = [];
for (let i = 0; i < N; i++)
  direct.push(await registerNode(chain, path.join(net.dir, `direct${i}`), { capabilities: [DIRECT], price: 1000n }));
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
      await chain.atoma.addStake(s.keys.signer, s.nodeCapId, 1n);
      peerDone++;
    }
  }),
);
const noopPerS = peerDone / ((performance.now() - tPeer) / 1000);

/** Every atoma event after `after`, and the cursor after the last. */
async function eventsAfter(after: EventCursor): Promise<{ events: AtomaEventRecord[]; cursor: EventCursor }> {
  const events: AtomaEventRecord[] = [];
  let cursor = after;
  for (;;) {
    const page = await chain.atoma.listEvents(cursor, 1000);
    events.push(...page.events);
    cursor = page.cursor;
    if (!page.hasNextPage || page.events.length === 0) return { events, cursor };
  }
}
let cursor = (await eventsAfter({ after: null })).cursor;

/**
 * The sequential transactions of a request, from its events: create, the commits, the reveals
 * (two steps when the settle rides in the last one: it waited for the others), a settle of its
 * own, a post of its own.
 */
function transactionRoundTrips(evs: AtomaEventRecord[]): number {
  const of = (name: string) => new Set(evs.filter((e) => e.event.name === name).map((e) => e.txDigest));
  const reveals = of("ResultRevealed");
  const [settle] = [...of("RequestSettled")];
  const [post] = [...of("OutputPosted")];
  const rides = settle !== undefined && reveals.has(settle);
  return (
    1 +
    (of("ResultCommitted").size ? 1 : 0) +
    (rides && reveals.size > 1 ? 2 : reveals.size ? 1 : 0) +
    (settle !== undefined && !rides ? 1 : 0) +
    (post !== undefined && post !== settle ? 1 : 0)
  );
}
const byRequest = (evs: AtomaEventRecord[], id: string) =>
  evs.filter((e) => (e.event.data as { request_id?: string }).request_id === id);

// Latency: sequential requests, created → Settled observed by the requester (poll 5 ms).
const lat: number[] = [];
const latIds: string[] = [];
for (let i = 0; i < LATENCY_RUNS; i++) {
  const t = performance.now();
  const { requestId } = await create(users[0] as Ed25519Keypair, i);
  const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 120_000, pollMs: 5 });
  if (r.status !== RequestStatus.Settled) throw new Error(`request ${requestId} not settled`);
  lat.push(performance.now() - t);
  latIds.push(requestId);
}

// Peer: the same flow through the SDK, no daemon: the requester and the 3 nodes' keys in this
// process, each step sent as soon as the one before landed.
const enc = new TextEncoder();
const directLat: number[] = [];
const directIds: string[] = [];
for (let i = 0; i < LATENCY_RUNS; i++) {
  const t = performance.now();
  const { requestId, nodes } = await chain.atoma.createRequest(users[0] as Ed25519Keypair, {
    kind: RequestKind.Inference,
    capability: DIRECT,
    input: input(i),
    maxPrice: 2000n,
    sampleSize: N,
  });
  const by = nodes.map((id) => direct.find((d) => d.nodeId === id) as RegisteredNode);
  const output = enc.encode(`direct ${i}`);
  const outputHash = hashOutput(output);
  const salts = by.map(() => new Uint8Array(randomBytes(32)));
  const at = (k: number) => ({
    requestId,
    nodeCap: by[k]?.nodeCapId as string,
    outputHash,
    round: 0,
    salt: salts[k] as Uint8Array,
  });
  await Promise.all(by.map((d, k) => chain.atoma.commit(d.keys.signer, { ...at(k), nodeId: d.nodeId })));
  await Promise.all(by.slice(0, -1).map((d, k) => chain.atoma.reveal(d.keys.signer, at(k))));
  await chain.atoma.revealAndSettle((by.at(-1) as RegisteredNode).keys.signer, { ...at(N - 1), output });
  const r = await chain.atoma.waitForSettlement(requestId, { timeoutMs: 120_000, pollMs: 5 });
  if (r.status !== RequestStatus.Settled || r.output.length === 0) throw new Error(`direct ${requestId} not settled`);
  directLat.push(performance.now() - t);
  directIds.push(requestId);
}
const seq = await eventsAfter(cursor);
cursor = seq.cursor;
const txRounds = latIds.map((id) => transactionRoundTrips(byRequest(seq.events, id)));
const directRounds = directIds.map((id) => transactionRoundTrips(byRequest(seq.events, id)));
// Critical path: the transactions, the request reads (one per phase that read it), and one event
// read before each transaction after the create (it answers another node's transaction).
const chainRounds = latIds.map((id, k) => (txRounds[k] as number) * 2 - 1 + (reads.get(id)?.requestPhases.size ?? 0));
const seqReads = latIds.map((id) => reads.get(id) ?? { request: 0, clock: 0, requestPhases: new Set<string>() });

// Throughput: REQUESTERS requesters submit REQUESTS in total, each waiting for nothing but its
// own create transaction; settled requests per second until the last one settled and has its
// output. Settlements are read from the event list (one listEvents call per 100 ms, as an
// indexer would, decoding only the two kinds it follows), not by polling each request.
const FOLLOWED = ["RequestSettled", "OutputPosted"] as const;
const phaseStart = cursor;
const txsBefore = await net.txCount();
const cpuBefore = await net.cpuMs();
readsByPhase.clear();
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
let polls = 0;
while (submitting || done() < ids.size) {
  if (performance.now() - t0 > 600_000) break;
  const page = await chain.atoma.listEvents(cursor, 1000, { names: FOLLOWED });
  polls++;
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
const cpuAfter = await net.cpuMs();
/** CPU ms per settled request during the throughput phase, by process (null: not apart). */
const cpuPer = (k: "devnet" | "daemons" | "bench") => {
  const a = cpuAfter[k];
  const b = cpuBefore[k];
  return a === null || b === null || settled === 0 ? null : (a - b) / settled;
};
// The bench's own bookkeeping apart from the requesters' work: the phase's events read again
// the same way (pages of 1000, the two followed kinds decoded), this process's CPU for it per
// settled request (the phase's empty polls not included); then again decoding every event (what
// the loop did before `names`), the peer.
const readAgain = async (names?: readonly AtomaEventName[]) => {
  const u0 = process.cpuUsage();
  let c = phaseStart;
  let events = 0;
  for (;;) {
    const page = await chain.atoma.listEvents(c, 1000, names ? { names } : {});
    events += page.events.length;
    if (!page.hasNextPage || page.cursor.after === c.after) break;
    c = page.cursor;
  }
  const u = process.cpuUsage(u0);
  return { ms: settled ? (u.user + u.system) / 1000 / settled : 0, events };
};
const benchRead = await readAgain(FOLLOWED);
const benchReadAll = await readAgain();
// Let straggling transactions (late settles, posts) land before counting.
await new Promise((r) => setTimeout(r, 2_000));
const stats = await net.txStats(txsBefore);
const txsPerRequest = stats.total / REQUESTS;
const kinds = new Map(stats.kinds);
const aborted = new Map(stats.aborted);
const carried = stats.carried;

const phaseReads = [...ids].map((id) => reads.get(id) ?? { request: 0, clock: 0, requestPhases: new Set<string>() });
const requestReads = phaseReads.reduce((n, r) => n + r.request, 0) / REQUESTS;
const clockReads = phaseReads.reduce((n, r) => n + r.clock, 0) / REQUESTS;

await net.close();

console.log(
  `${NODES} nodes, N = ${N}, ${REQUESTERS} requesters, ${REQUESTS} requests, daemon poll ${POLL_MS} ms, batching ${BATCH ? "on" : "off"}, ` +
    `events ${SHARED_EVENTS ? "one follower per process" : "one follower per daemon"}, ` +
    `${PROCESSES ? `devnet in its own process, daemons in ${PROCESSES}` : "devnet and daemons in this process"}; ` +
    `${settled}/${REQUESTS} settled with output in ${secs.toFixed(1)} s`,
);
console.log(
  `transactions during the throughput phase, by their events: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}` +
    (aborted.size ? ` (aborted: ${[...aborted].map(([k, n]) => `${k} ${n}`).join(", ")})` : ""),
);
console.log(
  `batching: ${carried.ResultCommitted.events} commits in ${carried.ResultCommitted.txs} transactions, ` +
    `${carried.ResultRevealed.events} reveals in ${carried.ResultRevealed.txs} transactions`,
);
console.log(
  `sequential: ${LATENCY_RUNS} requests through the daemons, then ${LATENCY_RUNS} through the SDK alone; ` +
    `transaction round trips ${txRounds.join(" ")} (SDK alone: ${directRounds.join(" ")}); ` +
    `reads of the request by phase ${seqReads.map((r) => [...r.requestPhases].join("+")).join(" ")}; ` +
    `clock reads ${seqReads.map((r) => r.clock).join(" ")}`,
);
console.log(
  `reads during the throughput phase, per request: ${requestReads.toFixed(2)} of the request object, ${clockReads.toFixed(2)} of the clock ` +
    `(by phase, all requests: ${[...readsByPhase].map(([k, n]) => `${k} ${n}`).join(", ")})`,
);
{
  const [d, n, b] = [cpuPer("devnet"), cpuPer("daemons"), cpuPer("bench")];
  const f = (x: number | null) => (x === null ? "-" : x.toFixed(1));
  const total = (d ?? 0) + (n ?? 0) + (b ?? 0);
  console.log(
    `CPU per settled request (throughput phase): devnet ${f(d)} ms, daemons ${f(n)} ms, requesters + bench ${f(b)} ms; ` +
      `total ${total.toFixed(1)} ms: ${(2000 / total).toFixed(1)} req/s on 2 free cores at this cost, ` +
      `${d ? (2000 / d).toFixed(1) : "-"} req/s if the devnet had both to itself`,
  );
  console.log(
    `of the requesters + bench share, the bench's event reading (the phase's events read again): ` +
      `${benchRead.ms.toFixed(2)} ms per settled request decoding the ${FOLLOWED.join(" and ")} events ` +
      `(${(benchRead.events / Math.max(settled, 1)).toFixed(2)} a request), ` +
      `${benchReadAll.ms.toFixed(2)} ms decoding all ${(benchReadAll.events / Math.max(settled, 1)).toFixed(2)}; ` +
      `during the phase it polled ${polls} times (${(polls / Math.max(settled, 1)).toFixed(2)} a settled request: ` +
      `one a 100 ms once caught up, so a longer phase costs it more)`,
  );
}
report(
  "request → settled, sequential",
  median(lat),
  "ms",
  "the same flow through the SDK with no daemon (create, 3 commits, 2 reveals, reveal + settle + post)",
  median(directLat),
  null,
  null,
);
const rt = median(lat) / tx;
report(
  "request → settled, sequential, in no-op transaction round trips",
  median(lat),
  "ms",
  "one no-op transaction round trip (ratio = round trips)",
  tx,
  "ratio <= 4",
  rt <= 4,
);
report(
  "transaction round trips per request (sequential)",
  median(txRounds),
  "round trips",
  "the same flow through the SDK with no daemon",
  median(directRounds),
  "<= 4",
  median(txRounds) <= 4,
);
report(
  "chain round trips on the critical path per request (transactions + request reads + event reads)",
  median(chainRounds),
  "round trips",
  "the same flow through the SDK with no daemon (no reads: it sent each transaction itself)",
  median(directRounds),
  null,
  null,
);
report(
  "reads per request (request object + clock, all daemons)",
  requestReads + clockReads,
  "reads",
  `floor: one read of the input per sampled node`,
  N,
  null,
  null,
);
const perS = settled / secs;
report(
  "settled requests/s",
  perS,
  "req/s",
  `devnet ceiling: no-op transactions/s (${senders.length} senders, ${noopPerS.toFixed(2)}) ÷ ${1 + 2 * N} transactions per request`,
  noopPerS / (1 + 2 * N),
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
