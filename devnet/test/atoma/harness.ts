/** Shared setup: a devnet with the atoma binding, the package published by an ordinary Publish tx. */
import { loadBuiltPackage } from "@atoma/move";
import { AtomaClient, buildAddVerifier, type ExecuteResult, hashOutput, signVerdict, type TeeKind } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { type DevnetOptions, type RunningDevnet, startDevnet } from "../../src/index.js";

const T0 = 1_700_000_000_000n;

export interface Deployed {
  packageId: string;
  registryId: string;
  registryInitialSharedVersion: string;
  adminCapId: string;
}

/** Publishes `atoma` with `publisher` (funded first) and reads the Registry and AdminCap from the effects. */
export async function publishAtoma(
  client: SuiJsonRpcClient,
  url: string,
  publisher: Ed25519Keypair,
): Promise<Deployed> {
  await requestSuiFromFaucetV2({ host: url, recipient: publisher.toSuiAddress() });
  const built = await loadBuiltPackage("atoma");
  const tx = new Transaction();
  const cap = tx.publish({ modules: built.modules, dependencies: built.dependencies });
  tx.transferObjects([cap], publisher.toSuiAddress());
  const r = await client.signAndExecuteTransaction({
    transaction: tx,
    signer: publisher,
    options: { showEffects: true, showObjectChanges: true },
  });
  if (r.effects?.status.status !== "success") throw new Error(`publish failed: ${r.effects?.status.error}`);
  const changes = r.objectChanges ?? [];
  const pub = changes.find((c) => c.type === "published");
  const created = changes.filter((c) => c.type === "created");
  const registry = created.find((c) => c.objectType.endsWith("::registry::Registry"));
  const admin = created.find((c) => c.objectType.endsWith("::registry::AdminCap"));
  if (pub?.type !== "published" || !registry || !admin) throw new Error("publish: no package/Registry/AdminCap");
  const owner = registry.owner as { Shared?: { initial_shared_version: string | number } };
  if (!owner.Shared) throw new Error("Registry is not shared");
  await client.waitForTransaction({ digest: r.digest });
  return {
    packageId: pub.packageId,
    registryId: registry.objectId,
    registryInitialSharedVersion: String(owner.Shared.initial_shared_version),
    adminCapId: admin.objectId,
  };
}

export interface Env {
  d: RunningDevnet;
  sui: SuiJsonRpcClient;
  atoma: AtomaClient;
  admin: Ed25519Keypair;
  deployed: Deployed;
}

export async function startAtomaDevnet(seed = "atoma", opts: DevnetOptions = {}): Promise<Env> {
  const d = await startDevnet({ seed, clockMs: T0, checkpointIntervalMs: 60_000, ...opts });
  const sui = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
  // Derived from the seed: the same seed publishes the same package ids (reproducible runs).
  const admin = Ed25519Keypair.fromSecretKey(
    blake2b(new TextEncoder().encode(`atoma-devnet-admin:${seed}`), { dkLen: 32 }),
  );
  const deployed = await publishAtoma(sui, d.url, admin);
  const atoma = new AtomaClient(sui, {
    packageId: deployed.packageId,
    registryId: deployed.registryId,
    registryInitialSharedVersion: deployed.registryInitialSharedVersion,
  });
  return { d, sui, atoma, admin, deployed };
}

/** A funded Ed25519 keypair (derived from `label` when given, so runs are reproducible). */
export async function funded(url: string, label?: string): Promise<Ed25519Keypair> {
  const k =
    label === undefined
      ? Ed25519Keypair.generate()
      : Ed25519Keypair.fromSecretKey(blake2b(new TextEncoder().encode(`atoma-devnet-test:${label}`), { dkLen: 32 }));
  await requestSuiFromFaucetV2({ host: url, recipient: k.toSuiAddress() });
  return k;
}

/** 1 SUI in MIST. */
export const SUI = 1_000_000_000n;

/** The package, Registry and AdminCap arguments of `env`'s admin calls. */
export function adminArgs(env: Env) {
  return {
    packageId: env.deployed.packageId,
    registry: { objectId: env.deployed.registryId, initialSharedVersion: env.deployed.registryInitialSharedVersion },
    adminCap: env.deployed.adminCapId,
  };
}

/** Sends one transaction that `build` fills, signed by `kp`. */
export function execAs(env: Env, kp: Ed25519Keypair, build: (tx: Transaction) => void) {
  const tx = new Transaction();
  tx.setSender(kp.toSuiAddress());
  build(tx);
  return env.atoma.execute(tx, kp);
}

/** Computation cost (MIST) and Move instructions of one execution. */
export interface Cost {
  computation: bigint;
  instructions: bigint;
}

/**
 * Sends one transaction that `build` fills, signed by `kp`, with an explicit gas budget (so no
 * dry run executes first and the instruction count is this execution's), and measures it.
 */
export async function execMetered(
  env: Env,
  kp: Ed25519Keypair,
  build: (tx: Transaction) => void,
): Promise<{ result: ExecuteResult; cost: Cost }> {
  const tx = new Transaction();
  tx.setSender(kp.toSuiAddress());
  tx.setGasBudget(5_000_000_000n);
  build(tx);
  const before = env.d.runtime.vmStats.instructions;
  const result = await env.atoma.execute(tx, kp);
  const cost = {
    computation: BigInt(result.effects.gasUsed.computationCost),
    instructions: BigInt(env.d.runtime.vmStats.instructions - before),
  };
  return { result, cost };
}

/**
 * A verdict on `node`'s evidence (valid one hour from `nowMs`) signed by a fresh verifier that
 * the admin allow-lists first: the arguments of `buildRecordAttestation` less package/registry/cap.
 */
export async function allowListedVerdict(
  env: Env,
  node: { nodeId: string; sigPk: Uint8Array; encPk: Uint8Array },
  e: { teeKind: TeeKind; measurement: Uint8Array; evidence: Uint8Array; nowMs: bigint },
) {
  const verifierSk = ed25519.utils.randomSecretKey();
  const verifierPk = ed25519.getPublicKey(verifierSk);
  await execAs(env, env.admin, (tx) => buildAddVerifier(tx, { ...adminArgs(env), verifierPk }));
  const v = {
    nodeId: node.nodeId,
    teeKind: e.teeKind,
    measurement: e.measurement,
    reportDataHash: blake2b(Uint8Array.from([...node.sigPk, ...node.encPk]), { dkLen: 32 }),
    evidenceHash: blake2b(e.evidence, { dkLen: 32 }),
    issuedMs: e.nowMs,
    expiresMs: e.nowMs + 3_600_000n,
  };
  return { ...v, verifierPk, signature: signVerdict(v, verifierSk) };
}

/** A registered node operator. */
export interface Operator {
  kp: Ed25519Keypair;
  nodeId: string;
  /** The NodeCap's object id (not the node id: that is the node's shared account's). */
  nodeCap: string;
  sigPk: Uint8Array;
  encPk: Uint8Array;
}

/** Funds a fresh operator and registers its node (200 SUI stake, capability "llama", price 1 SUI). */
export async function registerOperator(env: Env, encPk: Uint8Array) {
  const kp = await funded(env.d.url);
  const sigPk = kp.getPublicKey().toRawBytes();
  const res = await env.atoma.registerNode(kp, {
    stake: 200n * SUI,
    sigPk,
    encPk,
    capabilities: ["llama"],
    price: SUI,
  });
  const op: Operator = { kp, nodeId: res.nodeId, nodeCap: res.nodeCapId, sigPk, encPk };
  return { op, res };
}

/** A confidential "llama" request of `sampleSize` nodes at 1 SUI, created and sampled by `requester`. */
export function confidentialRequest(env: Env, requester: Ed25519Keypair, sampleSize: number) {
  return env.atoma.createRequest(requester, {
    kind: 0,
    capability: "llama",
    input: new TextEncoder().encode("secret"),
    sampleSize,
    maxPrice: SUI,
    confidential: true,
  });
}

/** A 3-node "llama" request of `input` at 1 SUI, every operator of `ops` committing to `outputHash` in round 0; the salts in `ops` order. */
export async function committedRequest(
  env: Env,
  requester: Ed25519Keypair,
  ops: Operator[],
  input: Uint8Array,
  outputHash: Uint8Array,
): Promise<{ requestId: string; salts: Uint8Array[] }> {
  const created = await env.atoma.createRequest(requester, {
    kind: 0,
    capability: "llama",
    input,
    sampleSize: 3,
    maxPrice: SUI,
  });
  const salts: Uint8Array[] = [];
  for (const o of ops) {
    const c = await env.atoma.commit(o.kp, {
      requestId: created.requestId,
      nodeCap: o.nodeCap,
      nodeId: o.nodeId,
      outputHash,
      round: 0,
    });
    salts.push(c.salt);
  }
  return { requestId: created.requestId, salts };
}

/**
 * A run of every kind of atoma transaction, on a fresh devnet: 3 operators registered, a request
 * created and sampled, the 3 commits, 2 reveals, the last reveal settling and posting in its
 * transaction, then an aborted call (a second commit of the same node). For tests that compare
 * every transaction, event or object of a run.
 */
export async function settledRun(label: string): Promise<Env> {
  const env = await startAtomaDevnet(label);
  const ops: Operator[] = [];
  for (let i = 0; i < 3; i++) ops.push((await registerOperator(env, new Uint8Array(32).fill(i + 1))).op);
  const requester = await funded(env.d.url);
  const output = new TextEncoder().encode("out");
  const outputHash = hashOutput(output);
  const { requestId, salts } = await committedRequest(env, requester, ops, new TextEncoder().encode("in"), outputHash);
  for (let k = 0; k < 2; k++)
    await env.atoma.reveal(ops[k]!.kp, { requestId, nodeCap: ops[k]!.nodeCap, outputHash, round: 0, salt: salts[k]! });
  await env.atoma.revealAndSettle(ops[2]!.kp, {
    requestId,
    nodeCap: ops[2]!.nodeCap,
    outputHash,
    round: 0,
    salt: salts[2]!,
    output,
  } as never);
  await env.atoma
    .commit(ops[0]!.kp, { requestId, nodeCap: ops[0]!.nodeCap, nodeId: ops[0]!.nodeId, outputHash, round: 0 })
    .catch(() => undefined);
  return env;
}
