/**
 * Benchmark: executed atoma transactions per second on the devnet's Move interpreter — a
 * commit/reveal/settle mix sent over HTTP by 32 concurrent clients (one per node operator, then
 * 32 keepers), each transaction built and signed with Ed25519 by the client (from a per-shape
 * template with node:crypto, `bench/tx-bytes.ts`; `VM_BENCH_BUILD=sdk`: `Transaction.build` and
 * the SDK's signing, the client before). The clients run in child processes
 * (`bench/vm-client.ts`, `clients` of them, default: half the cores, at least one), so this
 * process is the server alone and the figures measure it. Peer: a no-op JSON-RPC
 * call (suix_getReferenceGasPrice) sent by the same client processes over the same HTTP stack,
 * in the same run.
 *
 * Method: a warm-up round first — its own requests, their commit/reveal/settle transactions and
 * no-op calls for as long, none of it counted — so that the server's and the clients' JIT, caches
 * and sockets are warm; then the measured round: `requests` more requests (default 800: 5,600
 * transactions, ~4 s at 1,400 tx/s, so that the figure is the devnet's steady state and moves
 * little from run to run; a round under 3 s is reported on stderr) and no-op calls from the same
 * client processes for as long as the transactions took (the peer's rate in the same duration
 * class, warm too). The requests are created before the warm-up by 4 requesters side by side.
 *
 * Also reports the cores (this machine's, and which processes shared them), the CPU time of the
 * server and of the clients, interpreted instructions per transaction, and the share of server
 * time spent in the interpreter, in signature verification and in BCS decoding of the
 * transactions. A second JSON line gives the two rates per CPU second of the server process,
 * which a loaded (shared) machine moves much less than the wall-clock rates.
 *
 *   tsx devnet/bench/vm.bench.ts [requests=800] [concurrency=32] [clients] [warmup=100]
 *   VM_BENCH_CPU_PROFILE=server.cpuprofile tsx devnet/bench/vm.bench.ts   # + the server's profile
 *   VM_BENCH_CLIENT_CPU_PROFILE=client.cpuprofile tsx devnet/bench/vm.bench.ts   # + each client process's (client-N.cpuprofile)
 *   VM_BENCH_VERIFY_THREADS=0 tsx devnet/bench/vm.bench.ts                 # signatures verified on the request thread
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { AtomaClient } from "@atoma/sdk";
import { fromBase64 } from "@mysten/bcs";
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { decodeSuiPrivateKey } from "@mysten/sui/cryptography";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { decodeTx, startDevnet, verifySignatures } from "../src/index.js";
import { funded, publishAtoma } from "../test/atoma/harness.js";
import type {
  ClientBuild,
  ClientDone,
  ClientHttp,
  ClientInit,
  ClientPhase,
  ClientProfile,
  ClientTransport,
  Ref,
} from "./vm-client.js";

const CORES = availableParallelism();
const REQUESTS = Number(process.argv[2] ?? 800);
const CONC = Number(process.argv[3] ?? 32);
const CLIENTS = Number(process.argv[4] ?? Math.max(1, Math.floor(CORES / 2)));
// Requests of the warm-up round (their transactions and the no-op calls after them are not counted).
const WARMUP = Number(process.argv[5] ?? 100);
const SAMPLE = 3;
const TARGET = 1000;
// VM_BENCH_BUILD=sdk: the clients build with Transaction.build and sign with the SDK (the load generator before).
const BUILD = (process.env.VM_BENCH_BUILD ?? "bytes") as ClientBuild;
// VM_BENCH_TRANSPORT=grpc: transactions sent as gRPC-web ExecuteTransaction instead of JSON-RPC (the peer stays JSON-RPC).
const TRANSPORT = (process.env.VM_BENCH_TRANSPORT ?? "jsonrpc") as ClientTransport;
if (TRANSPORT !== "jsonrpc" && TRANSPORT !== "grpc") {
  console.error(`vm.bench: VM_BENCH_TRANSPORT must be "jsonrpc" or "grpc", got ${TRANSPORT}`);
  process.exit(2);
}
// VM_BENCH_HTTP=node: the clients' JSON-RPC calls over node:http's keep-alive Agent instead of undici's Pool (the client before).
const HTTP = (process.env.VM_BENCH_HTTP ?? "undici") as ClientHttp;
if (HTTP !== "undici" && HTTP !== "node") {
  console.error(`vm.bench: VM_BENCH_HTTP must be "undici" or "node", got ${HTTP}`);
  process.exit(2);
}
if (BUILD !== "bytes" && BUILD !== "sdk") {
  console.error(`vm.bench: VM_BENCH_BUILD must be "bytes" or "sdk", got ${BUILD}`);
  process.exit(2);
}
for (const [name, v] of [
  ["requests", REQUESTS],
  ["concurrency", CONC],
  ["clients", CLIENTS],
  ["warmup", WARMUP],
] as const)
  if (!Number.isInteger(v) || v < (name === "warmup" ? 0 : 1)) {
    console.error(`vm.bench: ${name} must be a ${name === "warmup" ? "whole number" : "positive integer"}, got ${v}`);
    process.exit(2);
  }

// VM_BENCH_VERIFY_THREADS=n: signature verification workers of the devnet (0: on the request thread; default: the devnet's).
const VERIFY_THREADS =
  process.env.VM_BENCH_VERIFY_THREADS === undefined ? undefined : Number(process.env.VM_BENCH_VERIFY_THREADS);
if (VERIFY_THREADS !== undefined && !(Number.isInteger(VERIFY_THREADS) && VERIFY_THREADS >= 0)) {
  console.error(`vm.bench: VM_BENCH_VERIFY_THREADS must be a whole number, got ${process.env.VM_BENCH_VERIFY_THREADS}`);
  process.exit(2);
}
const d = await startDevnet({
  seed: "vm-bench",
  clockMs: 1_700_000_000_000n,
  checkpointIntervalMs: 60_000,
  ...(VERIFY_THREADS !== undefined ? { verifyThreads: VERIFY_THREADS } : {}),
});
const sui = new SuiJsonRpcClient({ url: d.url, network: "localnet" });

// ---- setup (not measured) ----
const setupT0 = performance.now();
const admin = await funded(d.url, "vm-bench-admin");
const deployed = await publishAtoma(sui, d.url, admin);
const atoma = new AtomaClient(sui, { packageId: deployed.packageId, registryId: deployed.registryId });
const nodes: { kp: Ed25519Keypair; nodeId: string; capId: string }[] = [];
for (let i = 0; i < CONC; i++) {
  const kp = await funded(d.url, `vm-bench-node-${i}`);
  const r = await atoma.registerNode(kp, {
    stake: 200_000_000_000n,
    sigPk: new Uint8Array(32).fill(i + 1),
    encPk: new Uint8Array(32).fill(i + 2),
    capabilities: ["bench"],
    price: 1_000n,
  });
  nodes.push({ kp, nodeId: r.nodeId, capId: r.nodeCapId });
}
// Requesters creating the requests side by side (one transaction in flight each: its gas coin), so
// that the setup of a several-second round stays short; request i is created by requester i % REQUESTERS.
const REQUESTERS = 4;
const requesters = await Promise.all(
  Array.from({ length: REQUESTERS }, (_, k) => funded(d.url, `vm-bench-requester-${k}`)),
);
const requestsT0 = performance.now();
// The warm-up round's requests first (indices 0 .. WARMUP-1), then the measured round's.
const requests: ClientInit["requests"] = new Array(WARMUP + REQUESTS);
await Promise.all(
  requesters.map(async (requester, k) => {
    for (let i = k; i < WARMUP + REQUESTS; i += REQUESTERS) {
      const r = await atoma.createRequest(requester, {
        kind: 0,
        capability: "bench",
        input: new TextEncoder().encode(`input ${i}`),
        maxTokens: 16n,
        fuel: 0n,
        sampleSize: SAMPLE,
        maxPrice: 1_000n,
      });
      const o = await sui.getObject({ id: r.requestId, options: { showOwner: true } });
      const isv = (o.data!.owner as { Shared: { initial_shared_version: string } }).Shared.initial_shared_version;
      requests[i] = { id: r.requestId, isv, nodes: r.nodes };
    }
  }),
);
const requestsMs = performance.now() - requestsT0;
/** Each node's shared NodeAccount (its id is the node id): the settlement writes it. */
const accounts: Record<string, string> = {};
for (const n of nodes) {
  const o = await sui.getObject({ id: n.nodeId, options: { showOwner: true } });
  accounts[n.nodeId] = (o.data!.owner as { Shared: { initial_shared_version: string } }).Shared.initial_shared_version;
}
const keepers: Ed25519Keypair[] = [];
for (let i = 0; i < CONC; i++) keepers.push(await funded(d.url, `vm-bench-keeper-${i}`));
const refOf = async (id: string): Promise<Ref> => {
  const o = await sui.getObject({ id });
  return { objectId: o.data!.objectId, version: o.data!.version, digest: o.data!.digest };
};
const gasOf = async (kp: Ed25519Keypair): Promise<Ref> => {
  const c = (await sui.getCoins({ owner: kp.toSuiAddress() })).data[0]!;
  return { objectId: c.coinObjectId, version: c.version, digest: c.digest };
};
const sk = (kp: Ed25519Keypair) => decodeSuiPrivateKey(kp.getSecretKey()).secretKey;

// ---- the client processes: each gets every CLIENTS-th node operator, keeper and request to settle ----
const clientFile = fileURLToPath(new URL("./vm-client.ts", import.meta.url));
const execArgv = process.execArgv.some((a) => a.includes("tsx")) ? process.execArgv : ["--import", "tsx"];
const clients: ChildProcess[] = [];
// VM_BENCH_CLIENT_CPU_PROFILE=<file>: each client process's CPU profile of the measured transaction phases.
const clientProfile = process.env.VM_BENCH_CLIENT_CPU_PROFILE;
const share = <T>(xs: T[], c: number) => xs.filter((_, i) => i % CLIENTS === c);
for (let c = 0; c < CLIENTS; c++) {
  const child = fork(clientFile, [], { execArgv, serialization: "advanced", stdio: "inherit" });
  clients.push(child);
  const init: ClientInit = {
    type: "init",
    url: d.url,
    pkg: deployed.packageId,
    build: BUILD,
    transport: TRANSPORT,
    http: HTTP,
    registry: { objectId: deployed.registryId, initialSharedVersion: String(deployed.registryInitialSharedVersion) },
    nodes: await Promise.all(
      share(
        nodes.map((n, index) => ({ ...n, index })),
        c,
      ).map(async (n) => ({
        sk: sk(n.kp),
        index: n.index,
        nodeId: n.nodeId,
        cap: await refOf(n.capId),
        gas: await gasOf(n.kp),
      })),
    ),
    keepers: await Promise.all(share(keepers, c).map(async (k) => ({ sk: sk(k), gas: await gasOf(k) }))),
    requests,
    accounts,
    settle: share(
      requests.map((_, i) => i),
      c,
    ),
    ...(clientProfile
      ? { profile: CLIENTS > 1 ? clientProfile.replace(/(\.cpuprofile)?$/, `-${c}$1`) : clientProfile }
      : {}),
  };
  await ask(child, init, "ready");
}

function ask<T>(child: ChildProcess, msg: ClientInit | ClientPhase | ClientProfile, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type: string }) => {
      if (m.type !== answer) return;
      child.off("message", onMsg);
      child.off("exit", onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`vm-client exited (${code}) before answering ${msg.type}`));
    child.on("message", onMsg);
    child.once("exit", onExit);
    child.send(msg);
  });
}

// ---- measured: offline-built, signed transactions over HTTP ----
// Server-side time on the request thread: the runtime's prepareSigned (decode, signature form)
// and executePrepared (verify unless a worker did, execute, effects), summed.
let serverMs = 0;
const rt = d.runtime;
// vmCpuMsPerTx: the CPU time of each MoveCall (honest with VM_BENCH_VERIFY_THREADS=0: the count is the process's).
rt.vmCpuTiming = true;
const origPrepare = rt.prepareSigned.bind(rt);
const origExecute = rt.executePrepared.bind(rt);
const timed =
  <A extends unknown[], R>(f: (...a: A) => R) =>
  (...a: A): R => {
    const t0 = performance.now();
    try {
      return f(...a);
    } finally {
      serverMs += performance.now() - t0;
    }
  };
rt.prepareSigned = timed(origPrepare);
rt.executePrepared = timed(origExecute);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
interface PhaseResult {
  ms: number;
  serverCpuMs: number;
  clientCpuMs: number;
  sent: number;
  failures: number;
  signed: ClientDone["signed"];
}
async function phase(msg: ClientPhase): Promise<PhaseResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await Promise.all(clients.map((c) => ask<ClientDone>(c, msg, "done")));
  const ms = performance.now() - t0;
  const serverCpuMs = cpuMs(process.cpuUsage(cpu0));
  for (const r of done) for (const e of r.errors) console.error(`${msg.phase} failed: ${e}`);
  return {
    ms,
    serverCpuMs,
    clientCpuMs: done.reduce((s, r) => s + r.cpuMs, 0),
    sent: done.reduce((s, r) => s + r.sent, 0),
    failures: done.reduce((s, r) => s + r.failures, 0),
    signed: done.flatMap((r) => r.signed),
  };
}
// VM_BENCH_CPU_PROFILE=<file>: the server's CPU profile of the measured phases (node:inspector).
const profileFile = process.env.VM_BENCH_CPU_PROFILE;
const inspector = profileFile ? new Session() : undefined;
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    inspector!.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
  );
/** One round's transactions: commit, reveal, settle of requests [from, to). */
const transactions = async (from: number, to: number): Promise<PhaseResult[]> => [
  await phase({ type: "phase", phase: "commit", from, to }),
  await phase({ type: "phase", phase: "reveal", from, to }),
  await phase({ type: "phase", phase: "settle", from, to }),
];
const clientsProfile = (action: ClientProfile["action"]) =>
  clientProfile ? Promise.all(clients.map((c) => ask(c, { type: "profile", action }, "profiled"))) : undefined;

const setupMs = performance.now() - setupT0;

// ---- warm-up round: its own requests, transactions and no-op calls (as long), not counted ----
const warm = WARMUP > 0 ? await transactions(0, WARMUP) : [];
const warmMs = warm.reduce((s, r) => s + r.ms, 0);
const warmNoop = WARMUP > 0 ? await phase({ type: "phase", phase: "noop", ms: warmMs }) : undefined;
for (const r of [...warm, ...(warmNoop ? [warmNoop] : [])])
  if (r.failures > 0) console.error(`warm-up: ${r.failures} failure(s)`);

// ---- measured round ----
if (inspector) {
  inspector.connect();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
}
await clientsProfile("start");
const before = { ...d.runtime.vmStats };
const poolBefore = { ...(d.devnet.verifyPool?.stats ?? { checks: 0, batches: 0 }) };
serverMs = 0;
const runs = await transactions(WARMUP, WARMUP + REQUESTS);
const serverMsExec = serverMs;
await clientsProfile("stop");
if (inspector) {
  const { profile } = (await post("Profiler.stop")) as { profile: object };
  writeFileSync(profileFile!, JSON.stringify(profile));
  inspector.disconnect();
}
const vm = {
  instructions: d.runtime.vmStats.instructions - before.instructions,
  ms: d.runtime.vmStats.ms - before.ms,
  cpuMs: d.runtime.vmStats.cpuMs - before.cpuMs,
};
const sum = (f: (r: PhaseResult) => number) => runs.reduce((s, r) => s + f(r), 0);
const execMs = sum((r) => r.ms);
const execServerCpu = sum((r) => r.serverCpuMs);
const execClientCpu = sum((r) => r.clientCpuMs);
const failures = sum((r) => r.failures);
const signedAll = runs.flatMap((r) => r.signed);
const pool = d.devnet.verifyPool;
const poolChecks = (pool?.stats.checks ?? 0) - poolBefore.checks;
const poolBatches = (pool?.stats.batches ?? 0) - poolBefore.batches;
const txs = signedAll.length;
// Steady state: a measured round much shorter than a few seconds moves with every hiccup of a shared machine.
const MIN_MEASURED_MS = 3000;
if (execMs < MIN_MEASURED_MS)
  console.error(
    `vm.bench: the measured transactions took ${Math.round(execMs)} ms (< ${MIN_MEASURED_MS} ms): pass more requests for a steady figure`,
  );
// Peer: no-op calls from the same client processes with the same concurrency, for as long as the transactions took.
const noop = await phase({ type: "phase", phase: "noop", ms: execMs });
// In-process: signature verification and BCS decoding of the same transactions.
let t = performance.now();
for (const s of signedAll) verifySignatures(fromBase64(s.bytes), [s.sig], s.sender);
const verifyMs = performance.now() - t;
t = performance.now();
for (const s of signedAll) decodeTx(fromBase64(s.bytes));
const decodeMs = performance.now() - t;
// Its peer: the same transactions through @mysten/sui's TransactionData schema (what decodeTx did before).
t = performance.now();
for (const s of signedAll) suiBcs.TransactionData.parse(fromBase64(s.bytes));
const decodeSchemaMs = performance.now() - t;
for (const c of clients) c.disconnect();
await d.close();

const tps = (txs / execMs) * 1000;
const noopRps = (noop.sent / noop.ms) * 1000;
const cpuTps = (txs / execServerCpu) * 1000;
const cpuNoop = (noop.sent / noop.serverCpuMs) * 1000;
const fig = {
  transactions: txs,
  // The warm-up round before the measured one (not counted): its requests, transactions, no-op calls, wall ms.
  warmup: {
    requests: WARMUP,
    transactions: warm.reduce((s, r) => s + r.sent, 0),
    noopCalls: warmNoop?.sent ?? 0,
    ms: Math.round(warmMs + (warmNoop?.ms ?? 0)),
  },
  // Setup before the warm-up (publish, 32 nodes, keepers, client processes), of it creating the requests.
  setupMs: { all: Math.round(setupMs), requests: Math.round(requestsMs) },
  // The measured round: wall ms of its transactions and of the no-op calls after them.
  measuredMs: { transactions: Math.round(execMs), noop: Math.round(noop.ms) },
  noopCalls: noop.sent,
  mix: { commit: runs[0]!.sent, reveal: runs[1]!.sent, settle: runs[2]!.sent },
  concurrency: CONC,
  failures: failures + noop.failures,
  // Cores: the machine's (shared with whatever else runs on it); the server is this process
  // (one JavaScript thread), the clients CLIENTS other processes. CPU time per transaction of
  // each side shows how much of the machine each took.
  cores: {
    machine: CORES,
    server: `this process (1 JS thread${pool ? ` + ${pool.threads} signature verification worker(s)` : ""})`,
    clientProcesses: CLIENTS,
  },
  clientBuild: BUILD,
  clientHttp: HTTP,
  transport: TRANSPORT,
  // Signature verification: worker threads of the devnet (0: on the request thread) and the
  // checks per batch message they got.
  verifyThreads: pool?.threads ?? 0,
  verifyChecksPerBatch: poolBatches ? +(poolChecks / poolBatches).toFixed(2) : null,
  executedTxPerSec: Math.round(tps),
  noopRpcPerSec: Math.round(noopRps),
  ratioExecToNoop: +(tps / noopRps).toFixed(3),
  serverExecutedTxPerSec: Math.round((txs / serverMsExec) * 1000),
  serverCpuMsPerTx: +(execServerCpu / txs).toFixed(3),
  clientCpuMsPerTx: +(execClientCpu / txs).toFixed(3),
  serverCpuMsPerNoop: +(noop.serverCpuMs / noop.sent).toFixed(3),
  clientCpuMsPerNoop: +(noop.clientCpuMs / noop.sent).toFixed(3),
  // Breakdown of the server's time in executeSigned (per transaction, and shares of it).
  instructionsPerTx: Math.round(vm.instructions / txs),
  serverMsPerTx: +(serverMsExec / txs).toFixed(3),
  vmMsPerTx: +(vm.ms / txs).toFixed(3),
  // The process's CPU time during the MoveCalls (the interpreter's own with VM_BENCH_VERIFY_THREADS=0:
  // verify threads running at the same time would count too); unlike vmMsPerTx, not lengthened by
  // other processes holding the cores.
  vmCpuMsPerTx: +(vm.cpuMs / txs).toFixed(3),
  verifyMsPerTx: +(verifyMs / txs).toFixed(3),
  decodeMsPerTx: +(decodeMs / txs).toFixed(3),
  decodeSchemaMsPerTx: +(decodeSchemaMs / txs).toFixed(3),
  shareInterpreter: +(vm.ms / serverMsExec).toFixed(3),
  shareSignatureVerification: +(verifyMs / serverMsExec).toFixed(3),
  shareBcsDecode: +(decodeMs / serverMsExec).toFixed(3),
  // The highest ratio of server CPU rates any devnet could reach here: a transaction costs the server at
  // least a no-op call's handling plus its signature check (native Ed25519 + the intent digest), and
  // nothing for decoding, Move execution, effects or the longer answer.
  cpuRatioBoundBySignatureCheck: +(
    noop.serverCpuMs /
    noop.sent /
    (noop.serverCpuMs / noop.sent + verifyMs / txs)
  ).toFixed(3),
  targetTxPerSec: TARGET,
};
console.log(JSON.stringify(fig, null, 2));
console.log(
  JSON.stringify({
    bench: "devnet-vm",
    figure: `executed atoma tx/s (commit/reveal/settle over ${TRANSPORT}, ${CONC} clients in ${CLIENTS} processes, ${CORES} cores)`,
    value: Math.round(tps),
    unit: "tx/s",
    peer: "no-op JSON-RPC call",
    peerValue: Math.round(noopRps),
    ratio: +(tps / noopRps).toFixed(3),
    target: `>= ${TARGET} tx/s and >= 0.2 of the peer`,
    met: tps >= TARGET && tps / noopRps >= 0.2,
  }),
);
console.log(
  JSON.stringify({
    bench: "devnet-vm-cpu",
    figure: "executed atoma tx per CPU second of the server process (commit/reveal/settle)",
    value: Math.round(cpuTps),
    unit: "tx/s",
    peer: "no-op JSON-RPC calls per CPU second of the server process",
    peerValue: Math.round(cpuNoop),
    ratio: +(cpuTps / cpuNoop).toFixed(3),
    target: `>= ${TARGET} tx/s and >= 0.2 of the peer`,
    met: cpuTps >= TARGET && cpuTps / cpuNoop >= 0.2,
  }),
);
if (failures + noop.failures > 0) process.exit(1);
