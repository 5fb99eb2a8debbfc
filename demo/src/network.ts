/**
 * A whole local network in one process, for the demo, the end-to-end tests and the benchmark:
 * the devnet with the `atoma` binding, the package published by an ordinary Publish
 * transaction, short windows set as admin, nodes registered and (optionally) attested, and the
 * indexer on embedded PGlite.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type RunningDevnet, startDevnet } from "@atoma/devnet";
import { type RunningIndexer, startIndexer } from "@atoma/indexer";
import { createKeystore, type NodeKeys, publishAtomaPackage } from "@atoma/node-runner";
import { createBlobStore } from "@atoma/node-runner/attestation";
import {
  AtomaClient,
  blake2b256,
  buildAddVerifier,
  buildAllowMeasurement,
  buildSetParam,
  concatBytes,
  DEFAULT_SUI_TRANSPORT,
  type SuiTransport,
  signVerdict,
  suiClientFor,
} from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";

export interface Deployed {
  packageId: string;
  registryId: string;
  registryInitialSharedVersion: string;
  adminCapId: string;
}

/** Publishes the built `atoma` package with `publisher` (funded by the faucet first), over either transport. */
export async function publishAtoma(sui: ClientWithCoreApi, url: string, publisher: Ed25519Keypair): Promise<Deployed> {
  await requestSuiFromFaucetV2({ host: url, recipient: publisher.toSuiAddress() });
  return publishAtomaPackage(sui, publisher);
}

export interface DemoChain {
  devnet: RunningDevnet;
  url: string;
  sui: ClientWithCoreApi;
  /** How the demo's clients (SDK, nodes, indexer) talk to the devnet: gRPC unless asked otherwise. */
  transport: SuiTransport;
  atoma: AtomaClient;
  admin: Ed25519Keypair;
  deployed: Deployed;
  /** The demo verifier's Ed25519 secret key (allow-listed by AdminCap). */
  verifierSk: Uint8Array;
  /** The measurement allow-listed for TDX in the demo. */
  measurement: Uint8Array;
  /** Where attested nodes' (simulated) evidence is stored by blake2b-256 hex, like the verifier's blob store. */
  evidenceDir?: string;
}

export const DEMO_MEASUREMENT = blake2b256(new TextEncoder().encode("atoma-demo-measurement"));

/** Devnet + publish + admin setup: 60 s commit/reveal windows, a demo verifier and a TDX measurement allowed. */
export async function startChain(
  o: {
    seed?: string;
    stateDir?: string;
    port?: number;
    windowMs?: bigint;
    evidenceDir?: string;
    transport?: SuiTransport;
    jsonRpc?: boolean;
    /** TEST ONLY: Nitro root certificates (DER) the devnet's native accepts besides AWS's. */
    nitroTestRoots?: readonly Uint8Array[];
  } = {},
): Promise<DemoChain> {
  const devnet = await startDevnet({
    seed: o.seed ?? "atoma-demo",
    checkpointIntervalMs: 250,
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.jsonRpc === false ? { jsonRpc: false } : {}),
    ...(o.nitroTestRoots ? { nitroTestRoots: o.nitroTestRoots } : {}),
  });
  const transport = o.transport ?? DEFAULT_SUI_TRANSPORT;
  const sui = suiClientFor(devnet.url, transport);
  const admin = Ed25519Keypair.generate();
  const deployed = await publishAtoma(sui, devnet.url, admin);
  const atoma = new AtomaClient(sui, {
    packageId: deployed.packageId,
    registryId: deployed.registryId,
    registryInitialSharedVersion: deployed.registryInitialSharedVersion,
  });
  const verifierSk = ed25519.utils.randomSecretKey();
  const registry = { objectId: deployed.registryId, initialSharedVersion: deployed.registryInitialSharedVersion };
  const base = { packageId: deployed.packageId, registry, adminCap: deployed.adminCapId };
  const tx = new Transaction();
  // Windows only bound the wait for an absent node; 60 s keeps honest nodes in time on a busy
  // machine (chain time is wall time) while being far shorter than the 5 min / 2 min defaults.
  buildSetParam(tx, { ...base, name: "commit_window_ms", value: o.windowMs ?? 60_000n });
  buildSetParam(tx, { ...base, name: "reveal_window_ms", value: o.windowMs ?? 60_000n });
  buildAddVerifier(tx, { ...base, verifierPk: ed25519.getPublicKey(verifierSk) });
  buildAllowMeasurement(tx, { ...base, teeKind: 1, measurement: DEMO_MEASUREMENT });
  await atoma.execute(tx, admin);
  return {
    devnet,
    url: devnet.url,
    sui,
    transport,
    atoma,
    admin,
    deployed,
    verifierSk,
    measurement: DEMO_MEASUREMENT,
    ...(o.evidenceDir ? { evidenceDir: o.evidenceDir } : {}),
  };
}

export interface RegisteredNode {
  nodeId: string;
  /** Its NodeCap (owned by `keys.signer`; a separate object from the node's account since issue 13 B stage 2). */
  nodeCapId: string;
  keys: NodeKeys;
  stateDir: string;
  capabilities: string[];
}

/**
 * Creates a node's keystore (0600) under `dir`, funds its address, registers it and, with
 * `attest`, records an attestation verdict signed by the demo verifier (TEE kind TDX with the
 * demo measurement: a simulated TEE; no hardware attestation happens on this machine).
 */
/** What `registerNode` needs of the chain (a devnet in another process has no `devnet` here: `attest` needs one). */
export type NodeRegistrar = Pick<DemoChain, "atoma" | "url" | "verifierSk" | "measurement" | "evidenceDir"> & {
  devnet?: Pick<RunningDevnet, "clock">;
};

export async function registerNode(
  chain: NodeRegistrar,
  dir: string,
  o: { capabilities: string[]; price: bigint; stake?: bigint; attest?: boolean },
): Promise<RegisteredNode> {
  mkdirSync(dir, { recursive: true });
  const keys = createKeystore(path.join(dir, "keystore.json"));
  await requestSuiFromFaucetV2({ host: chain.url, recipient: keys.signer.toSuiAddress() });
  const res = await chain.atoma.registerNode(keys.signer, {
    stake: o.stake ?? 100_000_000_000n,
    sigPk: keys.sigPk,
    encPk: keys.encPk,
    capabilities: o.capabilities,
    price: o.price,
  });
  if (o.attest) {
    if (!chain.devnet) throw new Error("registerNode: attest needs the devnet in this process (its clock)");
    const now = chain.devnet.clock.now();
    // Simulated evidence (no TEE here): stored like the verifier's blob store so the explorer can
    // fetch it by hash; its hash matches the chain, and a TDX verifier rejects it as no quote.
    const evidence = new TextEncoder().encode(`demo-evidence:${res.nodeId}`);
    if (chain.evidenceDir) await createBlobStore(chain.evidenceDir).put(evidence);
    const verdict = {
      nodeId: res.nodeId,
      teeKind: 1,
      measurement: chain.measurement,
      reportDataHash: blake2b256(concatBytes(keys.sigPk, keys.encPk)),
      evidenceHash: blake2b256(evidence),
      issuedMs: now,
      expiresMs: now + 3_600_000n,
    };
    await chain.atoma.recordAttestation(keys.signer, {
      nodeCap: res.nodeCapId,
      teeKind: verdict.teeKind,
      measurement: verdict.measurement,
      reportDataHash: verdict.reportDataHash,
      evidenceHash: verdict.evidenceHash,
      issuedMs: verdict.issuedMs,
      expiresMs: verdict.expiresMs,
      verifierPk: ed25519.getPublicKey(chain.verifierSk),
      signature: signVerdict(verdict, chain.verifierSk),
    });
  }
  return {
    nodeId: res.nodeId,
    nodeCapId: res.nodeCapId,
    keys,
    stateDir: path.join(dir, "state"),
    capabilities: o.capabilities,
  };
}

export async function startDemoIndexer(chain: DemoChain, dataDir?: string): Promise<RunningIndexer> {
  return startIndexer({
    rpcUrl: chain.url,
    transport: chain.transport,
    packageId: chain.deployed.packageId,
    ...(dataDir ? { dataDir } : {}),
    pollMs: 200,
    rateLimit: false,
    explorer: true,
    ...(chain.evidenceDir ? { evidenceDir: chain.evidenceDir } : {}),
  });
}
