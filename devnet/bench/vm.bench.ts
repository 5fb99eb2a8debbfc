/**
 * Executed `atoma` transactions per second through the Move interpreter: a commit / reveal /
 * settle mix sent over HTTP by 32 concurrent clients (one per node operator, then 32 keepers),
 * each transaction built offline and signed with Ed25519. Peer: a no-op JSON-RPC call
 * (suix_getReferenceGasPrice) over the same HTTP stack, in the same run. Also reports
 * interpreted instructions per transaction and the share of execution time spent in the
 * interpreter, in signature verification and in BCS decoding of the transactions, and the
 * server-side rate (time inside the runtime's executeSigned only: clients build and sign in this
 * same process, so the end-to-end figure also pays for them). Clients sign with the SDK's
 * Ed25519 (`signEd25519`: node:crypto in Node), byte-identical to `Ed25519Keypair`'s @noble
 * signature (Ed25519 is deterministic), so the clients' share of the one process stays small.
 *
 * A second JSON line gives the same two rates per CPU second of this process (server and
 * clients together), which a loaded machine moves much less than the wall-clock rates.
 *
 *   tsx devnet/bench/vm.bench.ts [requests=60] [concurrency=32]
 */
import { Agent, request } from "node:http";
import { AtomaClient, computeCommitment, hashOutput, signEd25519 } from "@atoma/sdk";
import { fromBase64 } from "@mysten/bcs";
import { decodeSuiPrivateKey, messageWithIntent, toSerializedSignature } from "@mysten/sui/cryptography";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { decodeTx, startDevnet, verifySignatures } from "../src/index.js";
import { funded, publishAtoma } from "../test/atoma/harness.js";

const REQUESTS = Number(process.argv[2] ?? 60);
const CONC = Number(process.argv[3] ?? 32);
const SAMPLE = 3;
const TARGET = 1000;

type Ref = { objectId: string; version: string; digest: string };
interface Worker {
  kp: Ed25519Keypair;
  gas: Ref;
}

const d = await startDevnet({ seed: "vm-bench", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 60_000 });
const sui = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
const url = new URL(d.url);
const agent = new Agent({ keepAlive: true, maxSockets: CONC });

function rpc(method: string, params: unknown[]): Promise<{ result?: unknown; error?: { message: string } }> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

// ---- setup (not measured) ----
const admin = await funded(d.url, "vm-bench-admin");
const deployed = await publishAtoma(sui, d.url, admin);
const atoma = new AtomaClient(sui, { packageId: deployed.packageId, registryId: deployed.registryId });
const pkg = deployed.packageId;
const registry = { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion };
const nodes: { w: Worker; nodeId: string; cap: Ref }[] = [];
for (let i = 0; i < CONC; i++) {
  const kp = await funded(d.url, `vm-bench-node-${i}`);
  const r = await atoma.registerNode(kp, {
    stake: 200_000_000_000n,
    sigPk: new Uint8Array(32).fill(i + 1),
    encPk: new Uint8Array(32).fill(i + 2),
    capabilities: ["bench"],
    price: 1_000n,
  });
  nodes.push({
    w: { kp, gas: { objectId: "", version: "", digest: "" } },
    nodeId: r.nodeId,
    cap: { objectId: r.nodeCapId, version: "", digest: "" },
  });
}
const requester = await funded(d.url, "vm-bench-requester");
const requests: { id: string; isv: string; nodes: string[] }[] = [];
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
const keepers: Worker[] = [];
for (let i = 0; i < CONC; i++)
  keepers.push({ kp: await funded(d.url, `vm-bench-keeper-${i}`), gas: { objectId: "", version: "", digest: "" } });
const refOf = async (id: string): Promise<Ref> => {
  const o = await sui.getObject({ id });
  return { objectId: o.data!.objectId, version: o.data!.version, digest: o.data!.digest };
};
for (const n of nodes) {
  n.cap = await refOf(n.cap.objectId);
  const coins = await sui.getCoins({ owner: n.w.kp.toSuiAddress() });
  n.w.gas = { objectId: coins.data[0]!.coinObjectId, version: coins.data[0]!.version, digest: coins.data[0]!.digest };
}
for (const k of keepers) {
  const coins = await sui.getCoins({ owner: k.kp.toSuiAddress() });
  k.gas = { objectId: coins.data[0]!.coinObjectId, version: coins.data[0]!.version, digest: coins.data[0]!.digest };
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
/** Sui's transaction signature (intent-prefixed blake2b digest, flag ‖ sig ‖ pk) through the SDK's Ed25519. */
const secretKeys = new Map<Ed25519Keypair, Uint8Array>();
function signTx(kp: Ed25519Keypair, bytes: Uint8Array): string {
  let sk = secretKeys.get(kp);
  if (!sk) {
    sk = decodeSuiPrivateKey(kp.getSecretKey()).secretKey;
    secretKeys.set(kp, sk);
  }
  const digest = blake2b(messageWithIntent("TransactionData", bytes), { dkLen: 32 });
  return toSerializedSignature({
    signatureScheme: "ED25519",
    signature: signEd25519(digest, sk),
    publicKey: kp.getPublicKey(),
  });
}
{
  const probe = new TextEncoder().encode("vm-bench signature probe");
  if (signTx(keepers[0]!.kp, probe) !== (await keepers[0]!.kp.signTransaction(probe)).signature)
    throw new Error("signTx differs from Ed25519Keypair.signTransaction");
}
const clock = () => ({ objectId: "0x6", initialSharedVersion: 1, mutable: false });
const signedAll: { bytes: string; sig: string; sender: string }[] = [];
let failures = 0;
const execute = async (w: Worker, build: (tx: Transaction) => void, owned?: Ref): Promise<void> => {
  const tx = new Transaction();
  tx.setSender(w.kp.toSuiAddress());
  tx.setGasPrice(1000);
  tx.setGasBudget(500_000_000);
  tx.setGasPayment([w.gas]);
  build(tx);
  const bytes = await tx.build();
  const signature = signTx(w.kp, bytes);
  const b64 = Buffer.from(bytes).toString("base64");
  signedAll.push({ bytes: b64, sig: signature, sender: w.kp.toSuiAddress() });
  const r = await rpc("sui_executeTransactionBlock", [b64, [signature], { showEffects: true }]);
  const eff = (r.result as { effects?: Record<string, unknown> } | undefined)?.effects as
    | {
        status: { status: string; error?: string };
        gasObject: { reference: Ref };
        mutated?: { reference: Ref }[];
      }
    | undefined;
  if (eff?.status.status !== "success") {
    failures++;
    if (failures < 4) console.error("failed:", r.error?.message ?? eff?.status.error);
  }
  if (eff) {
    w.gas = eff.gasObject.reference;
    if (owned) {
      const m = eff.mutated?.find((x) => x.reference.objectId === owned.objectId);
      if (m) Object.assign(owned, m.reference);
    }
  }
};
const salt = (i: number) => new Uint8Array(32).fill(i);
const output = hashOutput(new TextEncoder().encode("the output"));
async function phase(kind: "commit" | "reveal"): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    nodes.map(async (n, i) => {
      for (const r of requests) {
        if (!r.nodes.includes(n.nodeId)) continue;
        await execute(
          n.w,
          (tx) => {
            const req = tx.sharedObjectRef({ objectId: r.id, initialSharedVersion: r.isv, mutable: true });
            const cap = tx.objectRef(n.cap);
            if (kind === "commit")
              tx.moveCall({
                target: `${pkg}::request::commit`,
                arguments: [
                  req,
                  cap,
                  tx.pure.vector("u8", computeCommitment(output, n.nodeId, salt(i))),
                  tx.sharedObjectRef(clock()),
                ],
              });
            else
              tx.moveCall({
                target: `${pkg}::request::reveal`,
                arguments: [
                  req,
                  cap,
                  tx.pure.vector("u8", output),
                  tx.pure.vector("u8", salt(i)),
                  tx.sharedObjectRef(clock()),
                ],
              });
          },
          n.cap,
        );
      }
    }),
  );
  return performance.now() - t0;
}
const before = { ...d.runtime.vmStats };
const cpu0 = process.cpuUsage();
const commitMs = await phase("commit");
const revealMs = await phase("reveal");
const settleStart = performance.now();
let next = 0;
await Promise.all(
  keepers.map(async (k) => {
    while (next < requests.length) {
      const r = requests[next++]!;
      await execute(k, (tx) => {
        tx.moveCall({
          target: `${pkg}::settlement::settle`,
          arguments: [
            tx.sharedObjectRef({ objectId: r.id, initialSharedVersion: r.isv, mutable: true }),
            tx.sharedObjectRef({ ...registry, mutable: true }),
            tx.sharedObjectRef(clock()),
          ],
        });
      });
    }
  }),
);
const settleMs = performance.now() - settleStart;
const execMs = commitMs + revealMs + settleMs;
const execCpu = process.cpuUsage(cpu0);
const txs = signedAll.length;
const vm = {
  calls: d.runtime.vmStats.moveCalls - before.moveCalls,
  instructions: d.runtime.vmStats.instructions - before.instructions,
  ms: d.runtime.vmStats.ms - before.ms,
};

// Peer: the same number of no-op calls with the same concurrency.
let i = 0;
const p0 = performance.now();
const cpu1 = process.cpuUsage();
await Promise.all(
  Array.from({ length: CONC }, async () => {
    while (i++ < txs) await rpc("suix_getReferenceGasPrice", []);
  }),
);
const noopMs = performance.now() - p0;
const noopCpu = process.cpuUsage(cpu1);
// In-process: signature verification and BCS decoding of the same transactions.
let t = performance.now();
for (const s of signedAll) verifySignatures(fromBase64(s.bytes), [s.sig], s.sender);
const verifyMs = performance.now() - t;
t = performance.now();
for (const s of signedAll) decodeTx(fromBase64(s.bytes));
const decodeMs = performance.now() - t;
await d.close();
agent.destroy();

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const tps = (txs / execMs) * 1000;
const cpuTps = (txs / cpuMs(execCpu)) * 1000;
const cpuNoop = (txs / cpuMs(noopCpu)) * 1000;
const noopRps = (txs / noopMs) * 1000;
const fig = {
  transactions: txs,
  mix: { commit: SAMPLE * REQUESTS, reveal: SAMPLE * REQUESTS, settle: REQUESTS },
  concurrency: CONC,
  failures,
  executedTxPerSec: Math.round(tps),
  noopRpcPerSec: Math.round(noopRps),
  ratioExecToNoop: +(tps / noopRps).toFixed(3),
  serverExecutedTxPerSec: Math.round((txs / serverMs) * 1000),
  instructionsPerTx: Math.round(vm.instructions / txs),
  vmMsPerTx: +(vm.ms / txs).toFixed(3),
  serverMsPerTx: +(serverMs / txs).toFixed(3),
  shareInterpreter: +(vm.ms / execMs).toFixed(3),
  shareSignatureVerification: +(verifyMs / execMs).toFixed(3),
  shareBcsDecode: +(decodeMs / execMs).toFixed(3),
  // CPU time of this process (server and clients) per transaction / per no-op call: what the
  // rates would be with the process alone on one core (the wall-clock rates above move with the
  // machine's load; these much less).
  cpuMsPerTx: +(cpuMs(execCpu) / txs).toFixed(3),
  cpuMsPerNoop: +(cpuMs(noopCpu) / txs).toFixed(3),
  targetTxPerSec: TARGET,
};
console.log(JSON.stringify(fig, null, 2));
console.log(
  JSON.stringify({
    bench: "devnet-vm",
    figure: "executed atoma tx/s (commit/reveal/settle, 32 clients)",
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
    figure: "executed atoma tx per CPU second of the process (commit/reveal/settle, 32 clients)",
    value: Math.round(cpuTps),
    unit: "tx/s",
    peer: "no-op JSON-RPC calls per CPU second",
    peerValue: Math.round(cpuNoop),
    ratio: +(cpuTps / cpuNoop).toFixed(3),
    target: `>= ${TARGET} tx/s and >= 0.2 of the peer`,
    met: cpuTps >= TARGET && cpuTps / cpuNoop >= 0.2,
  }),
);
if (failures > 0) process.exit(1);
