/**
 * Benchmark: executed atoma transactions per second on the devnet's Move interpreter — a
 * commit/reveal/settle mix sent over HTTP by 32 concurrent clients (one per node operator, then
 * 32 keepers), each transaction built and signed with Ed25519 by the client. The clients run in
 * child processes (`bench/vm-client.ts`, `clients` of them, default: half the cores, at least
 * one), so this process is the server alone and the figures measure it. Peer: a no-op JSON-RPC
 * call (suix_getReferenceGasPrice) sent by the same client processes over the same HTTP stack,
 * in the same run.
 *
 * Also reports the cores (this machine's, and which processes shared them), the CPU time of the
 * server and of the clients, interpreted instructions per transaction, and the share of server
 * time spent in the interpreter, in signature verification and in BCS decoding of the
 * transactions. A second JSON line gives the two rates per CPU second of the server process,
 * which a loaded (shared) machine moves much less than the wall-clock rates.
 *
 *   tsx devnet/bench/vm.bench.ts [requests=60] [concurrency=32] [clients]
 *   VM_BENCH_CPU_PROFILE=server.cpuprofile tsx devnet/bench/vm.bench.ts   # + the server's profile
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { AtomaClient } from "@atoma/sdk";
import { fromBase64 } from "@mysten/bcs";
import { decodeSuiPrivateKey } from "@mysten/sui/cryptography";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { decodeTx, startDevnet, verifySignatures } from "../src/index.js";
import { funded, publishAtoma } from "../test/atoma/harness.js";
import type { ClientDone, ClientInit, ClientPhase, Ref } from "./vm-client.js";

const CORES = availableParallelism();
const REQUESTS = Number(process.argv[2] ?? 60);
const CONC = Number(process.argv[3] ?? 32);
const CLIENTS = Number(process.argv[4] ?? Math.max(1, Math.floor(CORES / 2)));
const SAMPLE = 3;
const TARGET = 1000;
for (const [name, v] of [
  ["requests", REQUESTS],
  ["concurrency", CONC],
  ["clients", CLIENTS],
] as const)
  if (!Number.isInteger(v) || v < 1) {
    console.error(`vm.bench: ${name} must be a positive integer, got ${v}`);
    process.exit(2);
  }

const d = await startDevnet({ seed: "vm-bench", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 60_000 });
const sui = new SuiJsonRpcClient({ url: d.url, network: "localnet" });

// ---- setup (not measured) ----
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
const requester = await funded(d.url, "vm-bench-requester");
const requests: ClientInit["requests"] = [];
for (let i = 0; i < REQUESTS; i++) {
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
  requests.push({ id: r.requestId, isv, nodes: r.nodes });
}
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
const share = <T>(xs: T[], c: number) => xs.filter((_, i) => i % CLIENTS === c);
const noopTotal = SAMPLE * REQUESTS * 2 + REQUESTS;
for (let c = 0; c < CLIENTS; c++) {
  const child = fork(clientFile, [], { execArgv, serialization: "advanced", stdio: "inherit" });
  clients.push(child);
  const init: ClientInit = {
    type: "init",
    url: d.url,
    pkg: deployed.packageId,
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
    noopCalls: Math.floor(noopTotal / CLIENTS) + (c < noopTotal % CLIENTS ? 1 : 0),
  };
  await ask(child, init, "ready");
}

function ask<T>(child: ChildProcess, msg: ClientInit | ClientPhase, answer: string): Promise<T> {
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
// Server-side time: the runtime's executeSigned (verify, decode, execute, effects), summed.
let serverMs = 0;
const rt = d.runtime;
const origExecute = rt.executeSigned.bind(rt);
rt.executeSigned = (txB64, sigs) => {
  const t0 = performance.now();
  try {
    return origExecute(txB64, sigs);
  } finally {
    serverMs += performance.now() - t0;
  }
};
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
interface PhaseResult {
  ms: number;
  serverCpuMs: number;
  clientCpuMs: number;
  sent: number;
  failures: number;
  signed: ClientDone["signed"];
}
async function phase(p: ClientPhase["phase"]): Promise<PhaseResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await Promise.all(clients.map((c) => ask<ClientDone>(c, { type: "phase", phase: p }, "done")));
  const ms = performance.now() - t0;
  const serverCpuMs = cpuMs(process.cpuUsage(cpu0));
  for (const r of done) for (const e of r.errors) console.error(`${p} failed: ${e}`);
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
if (inspector) {
  inspector.connect();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
}
const before = { ...d.runtime.vmStats };
const runs = [await phase("commit"), await phase("reveal"), await phase("settle")];
if (inspector) {
  const { profile } = (await post("Profiler.stop")) as { profile: object };
  writeFileSync(profileFile!, JSON.stringify(profile));
  inspector.disconnect();
}
const vm = {
  instructions: d.runtime.vmStats.instructions - before.instructions,
  ms: d.runtime.vmStats.ms - before.ms,
};
const sum = (f: (r: PhaseResult) => number) => runs.reduce((s, r) => s + f(r), 0);
const execMs = sum((r) => r.ms);
const execServerCpu = sum((r) => r.serverCpuMs);
const execClientCpu = sum((r) => r.clientCpuMs);
const failures = sum((r) => r.failures);
const signedAll = runs.flatMap((r) => r.signed);
const txs = signedAll.length;
// Peer: no-op calls from the same client processes with the same concurrency.
const noop = await phase("noop");
// In-process: signature verification and BCS decoding of the same transactions.
let t = performance.now();
for (const s of signedAll) verifySignatures(fromBase64(s.bytes), [s.sig], s.sender);
const verifyMs = performance.now() - t;
t = performance.now();
for (const s of signedAll) decodeTx(fromBase64(s.bytes));
const decodeMs = performance.now() - t;
for (const c of clients) c.disconnect();
await d.close();

const tps = (txs / execMs) * 1000;
const noopRps = (noop.sent / noop.ms) * 1000;
const cpuTps = (txs / execServerCpu) * 1000;
const cpuNoop = (noop.sent / noop.serverCpuMs) * 1000;
const fig = {
  transactions: txs,
  mix: { commit: runs[0]!.sent, reveal: runs[1]!.sent, settle: runs[2]!.sent },
  concurrency: CONC,
  failures: failures + noop.failures,
  // Cores: the machine's (shared with whatever else runs on it); the server is this process
  // (one JavaScript thread), the clients CLIENTS other processes. CPU time per transaction of
  // each side shows how much of the machine each took.
  cores: { machine: CORES, server: "this process (1 JS thread)", clientProcesses: CLIENTS },
  executedTxPerSec: Math.round(tps),
  noopRpcPerSec: Math.round(noopRps),
  ratioExecToNoop: +(tps / noopRps).toFixed(3),
  serverExecutedTxPerSec: Math.round((txs / serverMs) * 1000),
  serverCpuMsPerTx: +(execServerCpu / txs).toFixed(3),
  clientCpuMsPerTx: +(execClientCpu / txs).toFixed(3),
  serverCpuMsPerNoop: +(noop.serverCpuMs / noop.sent).toFixed(3),
  clientCpuMsPerNoop: +(noop.clientCpuMs / noop.sent).toFixed(3),
  // Breakdown of the server's time in executeSigned (per transaction, and shares of it).
  instructionsPerTx: Math.round(vm.instructions / txs),
  serverMsPerTx: +(serverMs / txs).toFixed(3),
  vmMsPerTx: +(vm.ms / txs).toFixed(3),
  verifyMsPerTx: +(verifyMs / txs).toFixed(3),
  decodeMsPerTx: +(decodeMs / txs).toFixed(3),
  shareInterpreter: +(vm.ms / serverMs).toFixed(3),
  shareSignatureVerification: +(verifyMs / serverMs).toFixed(3),
  shareBcsDecode: +(decodeMs / serverMs).toFixed(3),
  targetTxPerSec: TARGET,
};
console.log(JSON.stringify(fig, null, 2));
console.log(
  JSON.stringify({
    bench: "devnet-vm",
    figure: `executed atoma tx/s (commit/reveal/settle, ${CONC} clients in ${CLIENTS} processes, ${CORES} cores)`,
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
