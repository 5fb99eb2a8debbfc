/**
 * The load generator of `bench/vm.bench.ts`, run as a child process (one per client share) so
 * that building, signing and sending transactions does not run on the server's CPU time. The
 * parent sends the setup (keys, gas and cap refs, requests) and then one message per phase;
 * this process answers each phase with what it sent, its failures, the signed transactions and
 * the CPU time it used.
 *
 * Messages (node IPC, advanced serialization): see `ClientInit`, `ClientPhase`, `ClientDone`.
 */
import { Agent } from "node:http";
import { buildSettle, computeCommitment, hashOutput, signEd25519 } from "@atoma/sdk";
import { messageWithIntent, toSerializedSignature } from "@mysten/sui/cryptography";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { blake2b } from "@noble/hashes/blake2.js";
import { jsonRpcCaller } from "./json-rpc.js";

export type Ref = { objectId: string; version: string; digest: string };
export interface ClientInit {
  type: "init";
  url: string;
  pkg: string;
  registry: { objectId: string; initialSharedVersion: string };
  /** This client's node operators: their key, node, NodeCap and gas coin; `index` salts the commitment. */
  nodes: { sk: Uint8Array; index: number; nodeId: string; cap: Ref; gas: Ref }[];
  keepers: { sk: Uint8Array; gas: Ref }[];
  requests: { id: string; isv: string; nodes: string[] }[];
  /** Initial shared version of each node's NodeAccount (id = node id), for the settlement PTB. */
  accounts: Record<string, string>;
  /** Indices into `requests` that this client's keepers settle. */
  settle: number[];
  /** How many no-op calls this client sends in the peer phase. */
  noopCalls: number;
}
export interface ClientPhase {
  type: "phase";
  phase: "commit" | "reveal" | "settle" | "noop";
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
  sk: Uint8Array;
  address: string;
  gas: Ref;
}

let init: ClientInit | undefined;
let agent: Agent | undefined;
let actors: { nodes: (Actor & { index: number; nodeId: string; cap: Ref })[]; keepers: Actor[] } | undefined;

let rpc: ReturnType<typeof jsonRpcCaller> = () => Promise.reject(new Error("vm-client: no init message yet"));

/** Sui's transaction signature (intent-prefixed blake2b digest, flag ‖ sig ‖ pk) through the SDK's Ed25519. */
function signTx(a: Actor, bytes: Uint8Array): string {
  const digest = blake2b(messageWithIntent("TransactionData", bytes), { dkLen: 32 });
  return toSerializedSignature({
    signatureScheme: "ED25519",
    signature: signEd25519(digest, a.sk),
    publicKey: a.kp.getPublicKey(),
  });
}

function actor(sk: Uint8Array, gas: Ref): Actor {
  const kp = Ed25519Keypair.fromSecretKey(sk);
  return { kp, sk, address: kp.toSuiAddress(), gas: { ...gas } };
}

async function runPhase(phase: ClientPhase["phase"]): Promise<ClientDone> {
  const cfg = init!;
  const { nodes, keepers } = actors!;
  const cpu0 = process.cpuUsage();
  const signed: ClientDone["signed"] = [];
  const errors: string[] = [];
  let failures = 0;
  let sent = 0;
  const clock = tx0Clock();
  const execute = async (a: Actor, build: (tx: Transaction) => void, owned?: Ref): Promise<void> => {
    const tx = new Transaction();
    tx.setSender(a.address);
    tx.setGasPrice(1000);
    tx.setGasBudget(500_000_000);
    tx.setGasPayment([a.gas]);
    build(tx);
    const bytes = await tx.build();
    const sig = signTx(a, bytes);
    const b64 = Buffer.from(bytes).toString("base64");
    signed.push({ bytes: b64, sig, sender: a.address });
    sent++;
    const r = await rpc("sui_executeTransactionBlock", [b64, [sig], { showEffects: true }]);
    const eff = (r.result as { effects?: Record<string, unknown> } | undefined)?.effects as
      | { status: { status: string; error?: string }; gasObject: { reference: Ref }; mutated?: { reference: Ref }[] }
      | undefined;
    if (eff?.status.status !== "success") {
      failures++;
      if (errors.length < 3) errors.push(r.error?.message ?? eff?.status.error ?? "no effects");
    }
    if (eff) {
      a.gas = eff.gasObject.reference;
      if (owned) {
        const m = eff.mutated?.find((x) => x.reference.objectId === owned.objectId);
        if (m) Object.assign(owned, m.reference);
      }
    }
  };
  const output = hashOutput(new TextEncoder().encode("the output"));
  const salt = (i: number) => new Uint8Array(32).fill(i);
  if (phase === "commit" || phase === "reveal") {
    await Promise.all(
      nodes.map(async (n) => {
        for (const r of cfg.requests) {
          if (!r.nodes.includes(n.nodeId)) continue;
          await execute(
            n,
            (tx) => {
              const req = tx.sharedObjectRef({ objectId: r.id, initialSharedVersion: r.isv, mutable: true });
              const cap = tx.objectRef(n.cap);
              const args =
                phase === "commit"
                  ? [tx.pure.vector("u8", computeCommitment(output, n.nodeId, salt(n.index)))]
                  : [tx.pure.vector("u8", output), tx.pure.vector("u8", salt(n.index))];
              tx.moveCall({
                target: `${cfg.pkg}::request::${phase}`,
                arguments: [req, cap, ...args, tx.sharedObjectRef(clock)],
              });
            },
            n.cap,
          );
        }
      }),
    );
  } else if (phase === "settle") {
    let next = 0;
    await Promise.all(
      keepers.map(async (k) => {
        while (next < cfg.settle.length) {
          const r = cfg.requests[cfg.settle[next++]!]!;
          await execute(k, (tx) => {
            // one PTB: settle_begin, settle_node per assigned NodeAccount, settle_end (issue 13 B stage 2)
            buildSettle(tx, {
              packageId: cfg.pkg,
              registry: cfg.registry,
              request: { objectId: r.id, initialSharedVersion: r.isv },
              nodes: r.nodes.map((id) => ({ objectId: id, initialSharedVersion: cfg.accounts[id]! })),
            });
          });
        }
      }),
    );
  } else {
    let i = 0;
    const lanes = Math.max(1, nodes.length);
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (i++ < cfg.noopCalls) {
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

const tx0Clock = () => ({ objectId: "0x6", initialSharedVersion: 1, mutable: false });

async function onMessage(m: ClientInit | ClientPhase): Promise<void> {
  if (m.type === "init") {
    init = m;
    agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, m.nodes.length, m.keepers.length) });
    rpc = jsonRpcCaller(m.url, agent);
    actors = {
      nodes: m.nodes.map((n) => ({ ...actor(n.sk, n.gas), index: n.index, nodeId: n.nodeId, cap: { ...n.cap } })),
      keepers: m.keepers.map((k) => actor(k.sk, k.gas)),
    };
    const a = actors.keepers[0] ?? actors.nodes[0];
    if (a) {
      const probe = new TextEncoder().encode("vm-bench signature probe");
      if (signTx(a, probe) !== (await a.kp.signTransaction(probe)).signature)
        throw new Error("signTx differs from Ed25519Keypair.signTransaction");
    }
    process.send!({ type: "ready" });
    return;
  }
  process.send!(await runPhase(m.phase));
}

process.on("message", (m: ClientInit | ClientPhase) => {
  onMessage(m).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.on("disconnect", () => {
  agent?.destroy();
  process.exit(0);
});
