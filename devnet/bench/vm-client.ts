/**
 * The load generator of `bench/vm.bench.ts`, run as a child process (one per client share) so
 * that building, signing and sending transactions does not run on the server's CPU time. The
 * parent sends the setup (keys, gas and cap refs, requests) and then one message per phase;
 * this process answers each phase with what it sent, its failures, the signed transactions and
 * the CPU time it used.
 *
 * Transactions (`build`): `"bytes"` (default) builds each kind once per actor and shape with the
 * SDK's builders and then serializes every transaction's `TransactionData` from known inputs and
 * signs it with node:crypto (`tx-bytes.ts`); `"sdk"` builds each with `Transaction.build` and
 * signs with the SDK's Ed25519 (the load generator before, kept as the peer of the client's cost).
 *
 * Each transaction is distinct and signed over the current refs: the gas coin's and the NodeCap's
 * refs are taken from the previous transaction's effects (`showEffects`, what a client reads its
 * new refs from), whose status must be success. JSON-RPC calls go over undici's `Pool` (`http`;
 * `"node"`: node:http's keep-alive Agent, the client before); gRPC-web over node:http.
 *
 * Messages (node IPC, advanced serialization): see `ClientInit`, `ClientPhase`, `ClientProfile`,
 * `ClientDone`. With `ClientInit.profile`, `profile` start/stop messages write this process's CPU
 * profile (`VM_BENCH_CLIENT_CPU_PROFILE` of the bench).
 */
import { writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { Session } from "node:inspector";
import { buildCommit, buildReveal, buildSettle, computeCommitment, hashOutput, signEd25519 } from "@atoma/sdk";
import { messageWithIntent, toSerializedSignature } from "@mysten/sui/cryptography";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { blake2b } from "@noble/hashes/blake2.js";
import { Pool } from "undici";
import { grpcExecuteCaller } from "./grpc-web.js";
import { jsonRpcCaller } from "./json-rpc.js";
import {
  Ed25519Signer,
  type KindTemplate,
  kindTemplate,
  ownedInput,
  type Ref,
  sharedInput,
  transactionBytes,
} from "./tx-bytes.js";

export type { Ref } from "./tx-bytes.js";
/** How the clients build and sign: serialized from templates + node:crypto, or `Transaction.build` + SDK signing. */
export type ClientBuild = "bytes" | "sdk";
/** The HTTP client of the JSON-RPC calls: undici's `Pool`, or node:http's keep-alive `Agent` (the client before). */
export type ClientHttp = "undici" | "node";
/** How transactions are sent: JSON-RPC `sui_executeTransactionBlock` or gRPC-web ExecuteTransaction. */
export type ClientTransport = "jsonrpc" | "grpc";
export interface ClientInit {
  type: "init";
  url: string;
  pkg: string;
  build: ClientBuild;
  transport: ClientTransport;
  http: ClientHttp;
  registry: { objectId: string; initialSharedVersion: string };
  /** This client's node operators: their key, node, NodeCap and gas coin; `index` salts the commitment. */
  nodes: { sk: Uint8Array; index: number; nodeId: string; cap: Ref; gas: Ref }[];
  keepers: { sk: Uint8Array; gas: Ref }[];
  requests: { id: string; isv: string; nodes: string[] }[];
  /** Initial shared version of each node's NodeAccount (id = node id), for the settlement PTB. */
  accounts: Record<string, string>;
  /** Indices into `requests` that this client's keepers settle. */
  settle: number[];
  /** Where to write this process's CPU profile of the phases between `profile` start and stop. */
  profile?: string;
}
/** A round's phase: the transactions of one shape for requests [from, to), or no-op calls for `ms` milliseconds. */
export type ClientPhase =
  | { type: "phase"; phase: "commit" | "reveal" | "settle"; from: number; to: number }
  | { type: "phase"; phase: "noop"; ms: number };
/** Starts, or stops and writes (to `ClientInit.profile`), this process's CPU profile; answered with `profiled`. */
export interface ClientProfile {
  type: "profile";
  action: "start" | "stop";
}
export interface ClientDone {
  type: "done";
  phase: ClientPhase["phase"];
  sent: number;
  failures: number;
  errors: string[];
  /** Every executed transaction of the phase (the parent re-verifies and re-decodes them for the breakdown). */
  signed: { bytes: string; sig: string; sender: string }[];
  cpuMs: number;
}

interface Actor {
  kp: Ed25519Keypair;
  signer: Ed25519Signer;
  sk: Uint8Array;
  address: string;
  gas: Ref;
  /** Per shape: the kind built once by the SDK, and the request id it was built for. */
  templates: Map<string, { template: KindTemplate; requestId: string; accounts: string[] }>;
}

/** One transaction: its shape, the request it acts on, its SDK build and the owned object it mutates. */
interface Job {
  shape: "commit" | "reveal" | "settle";
  request: { id: string; isv: string };
  build: (tx: Transaction) => void;
  owned?: Ref;
  /** The request's assigned nodes' NodeAccounts (settle), swapped into the template in assignment order. */
  accounts?: string[];
}

const GAS_PRICE = 1000;
const GAS_BUDGET = 500_000_000;

let init: ClientInit | undefined;
let agent: Agent | undefined;
let pool: Pool | undefined;
let actors: { nodes: (Actor & { index: number; nodeId: string; cap: Ref })[]; keepers: Actor[] } | undefined;

let rpc: ReturnType<typeof jsonRpcCaller> = () => Promise.reject(new Error("vm-client: no init message yet"));
let grpcExecute: ReturnType<typeof grpcExecuteCaller> = () =>
  Promise.reject(new Error("vm-client: no init message yet"));

/** One execution's outcome, whichever the transport: failure text, the gas coin's and the changed objects' refs. */
interface Executed {
  error?: string;
  gas?: Ref;
  changed: Ref[];
}
async function send(bytes: Uint8Array, b64: string, sig: string): Promise<Executed> {
  if (init!.transport === "grpc") {
    const r = await grpcExecute(bytes, Buffer.from(sig, "base64"));
    const error =
      r.grpcStatus !== 0
        ? (r.grpcMessage ?? `gRPC status ${r.grpcStatus}`)
        : r.success
          ? undefined
          : (r.error ?? "failed");
    return { ...(error ? { error } : {}), ...(r.gas ? { gas: r.gas } : {}), changed: r.changed };
  }
  const r = await rpc("sui_executeTransactionBlock", [b64, [sig], { showEffects: true }]);
  const eff = (r.result as { effects?: Record<string, unknown> } | undefined)?.effects as
    | { status: { status: string; error?: string }; gasObject: { reference: Ref }; mutated?: { reference: Ref }[] }
    | undefined;
  const error = eff?.status.status === "success" ? undefined : (r.error?.message ?? eff?.status.error ?? "no effects");
  return {
    ...(error ? { error } : {}),
    ...(eff ? { gas: eff.gasObject.reference } : {}),
    changed: (eff?.mutated ?? []).map((m) => m.reference),
  };
}

/** Sui's transaction signature (intent-prefixed blake2b digest, flag ‖ sig ‖ pk) through the SDK's Ed25519. */
function signTxSdk(a: Actor, bytes: Uint8Array): string {
  const digest = blake2b(messageWithIntent("TransactionData", bytes), { dkLen: 32 });
  return toSerializedSignature({
    signatureScheme: "ED25519",
    signature: signEd25519(digest, a.sk),
    publicKey: a.kp.getPublicKey(),
  });
}

function actor(sk: Uint8Array, gas: Ref): Actor {
  const kp = Ed25519Keypair.fromSecretKey(sk);
  const signer = new Ed25519Signer(sk);
  return { kp, signer, sk, address: kp.toSuiAddress(), gas: { ...gas }, templates: new Map() };
}

/** The signed bytes of `job` for `a`: from the actor's template of the shape (built on first use), or through the SDK. */
async function signedBytes(a: Actor, job: Job): Promise<{ bytes: Uint8Array; sig: string }> {
  if (init!.build === "sdk") {
    const tx = new Transaction();
    tx.setSender(a.address);
    tx.setGasPrice(GAS_PRICE);
    tx.setGasBudget(GAS_BUDGET);
    tx.setGasPayment([a.gas]);
    job.build(tx);
    const bytes = await tx.build();
    return { bytes, sig: signTxSdk(a, bytes) };
  }
  const accounts = job.accounts ?? [];
  const key = `${job.shape}/${accounts.length}`;
  let t = a.templates.get(key);
  if (!t) {
    t = {
      template: await kindTemplate(job.build),
      requestId: normalizeSuiAddress(job.request.id),
      accounts: accounts.map((id) => normalizeSuiAddress(id)),
    };
    a.templates.set(key, t);
  }
  const replace = { [t.requestId]: sharedInput(job.request.id, job.request.isv, true) };
  if (job.owned) replace[normalizeSuiAddress(job.owned.objectId)] = ownedInput(job.owned);
  t.accounts.forEach((from, i) => {
    const id = accounts[i]!;
    replace[from] = sharedInput(id, init!.accounts[id]!, true);
  });
  const bytes = transactionBytes(t.template, replace, {
    sender: a.address,
    payment: [a.gas],
    price: GAS_PRICE,
    budget: GAS_BUDGET,
  });
  return { bytes, sig: a.signer.signTransaction(bytes) };
}

async function runPhase(msg: ClientPhase): Promise<ClientDone> {
  const { phase } = msg;
  const cfg = init!;
  const { nodes, keepers } = actors!;
  const cpu0 = process.cpuUsage();
  const signed: ClientDone["signed"] = [];
  const errors: string[] = [];
  let failures = 0;
  let sent = 0;
  const target = { packageId: cfg.pkg };
  const execute = async (a: Actor, job: Job): Promise<void> => {
    const { bytes, sig } = await signedBytes(a, job);
    const b64 = Buffer.from(bytes).toString("base64");
    signed.push({ bytes: b64, sig, sender: a.address });
    sent++;
    const r = await send(bytes, b64, sig);
    if (r.error !== undefined) {
      failures++;
      if (errors.length < 3) errors.push(r.error);
    }
    if (r.gas) a.gas = r.gas;
    const owned = job.owned;
    if (owned) {
      const m = r.changed.find((x) => x.objectId === owned.objectId);
      if (m) Object.assign(owned, m);
    }
  };
  const output = hashOutput(new TextEncoder().encode("the output"));
  const salt = (i: number) => new Uint8Array(32).fill(i);
  if (msg.phase === "commit" || msg.phase === "reveal") {
    const shape = msg.phase;
    const round = cfg.requests.slice(msg.from, msg.to);
    await Promise.all(
      nodes.map(async (n) => {
        const commitment = computeCommitment(output, n.nodeId, salt(n.index));
        for (const r of round) {
          if (!r.nodes.includes(n.nodeId)) continue;
          const on = { ...target, request: { objectId: r.id, initialSharedVersion: r.isv }, nodeCap: n.cap };
          await execute(n, {
            shape,
            request: r,
            owned: n.cap,
            build: (tx) =>
              shape === "commit"
                ? buildCommit(tx, { ...on, commitment })
                : buildReveal(tx, { ...on, outputHash: output, salt: salt(n.index) }),
          });
        }
      }),
    );
  } else if (msg.phase === "settle") {
    const { from, to } = msg;
    const round = cfg.settle.filter((i) => i >= from && i < to);
    let next = 0;
    await Promise.all(
      keepers.map(async (k) => {
        while (next < round.length) {
          const r = cfg.requests[round[next++]!]!;
          await execute(k, {
            shape: "settle",
            request: r,
            accounts: r.nodes,
            // one PTB: settle_begin, settle_node per assigned NodeAccount, settle_end (issue 13 B stage 2)
            build: (tx) =>
              buildSettle(tx, {
                ...target,
                request: { objectId: r.id, initialSharedVersion: r.isv },
                registry: cfg.registry,
                nodes: r.nodes.map((id) => ({ objectId: id, initialSharedVersion: cfg.accounts[id]! })),
              }),
          });
        }
      }),
    );
  } else if (msg.phase === "noop") {
    const end = performance.now() + msg.ms;
    const lanes = Math.max(1, nodes.length);
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (performance.now() < end) {
          const r = await rpc("suix_getReferenceGasPrice", []);
          sent++;
          if (r.error) {
            failures++;
            if (errors.length < 3) errors.push(r.error.message);
          }
        }
      }),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  return { type: "done", phase, sent, failures, errors, signed, cpuMs: (cpu.user + cpu.system) / 1000 };
}

let profiler: Session | undefined;
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    profiler!.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
  );
/** `VM_BENCH_CLIENT_CPU_PROFILE`: this process's CPU profile (node:inspector), written on stop. */
async function profile(action: ClientProfile["action"]): Promise<void> {
  const file = init?.profile;
  if (!file) throw new Error("vm-client: a profile message without ClientInit.profile");
  if (action === "start") {
    profiler = new Session();
    profiler.connect();
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: 200 });
    await post("Profiler.start");
    return;
  }
  const { profile: p } = (await post("Profiler.stop")) as { profile: object };
  writeFileSync(file, JSON.stringify(p));
  profiler!.disconnect();
  profiler = undefined;
}

async function onMessage(m: ClientInit | ClientPhase | ClientProfile): Promise<void> {
  if (m.type === "profile") {
    await profile(m.action);
    process.send!({ type: "profiled" });
    return;
  }
  if (m.type === "init") {
    init = m;
    agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, m.nodes.length, m.keepers.length) });
    const sockets = Math.max(1, m.nodes.length, m.keepers.length);
    pool = new Pool(m.url, { connections: sockets });
    rpc = jsonRpcCaller(m.url, m.http === "node" ? agent : pool);
    grpcExecute = grpcExecuteCaller(m.url, agent);
    actors = {
      nodes: m.nodes.map((n) => ({ ...actor(n.sk, n.gas), index: n.index, nodeId: n.nodeId, cap: { ...n.cap } })),
      keepers: m.keepers.map((k) => actor(k.sk, k.gas)),
    };
    const a = actors.keepers[0] ?? actors.nodes[0];
    if (a) {
      const probe = new TextEncoder().encode("vm-bench signature probe");
      const expected = (await a.kp.signTransaction(probe)).signature;
      if (signTxSdk(a, probe) !== expected || a.signer.signTransaction(probe) !== expected)
        throw new Error("vm-client: a signature differs from Ed25519Keypair.signTransaction");
    }
    process.send!({ type: "ready" });
    return;
  }
  process.send!(await runPhase(m));
}

process.on("message", (m: ClientInit | ClientPhase | ClientProfile) => {
  onMessage(m).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.on("disconnect", () => {
  agent?.destroy();
  void pool?.destroy();
  process.exit(0);
});
