/**
 * `atoma-node deploy`: publishes the built `atoma` package with an ordinary Publish transaction,
 * applies the admin setup (optional commit/reveal windows) with the AdminCap it created, and
 * returns the deployment record (sdk `Deployment`) with full ids.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { loadBuiltPackage } from "@atoma/move";
import {
  AtomaClient,
  buildSetParam,
  DEPLOYMENT_VERSION,
  type Deployment,
  isNetworkFailure,
  renderDeployment,
  type SuiTransport,
  suiClientFor,
} from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { createKeystore, loadKeystore, writeFileAtomic } from "./config.js";
import { isDevnet } from "./daemon/node.js";
import { NoGasError, unreachable } from "./errors.js";

export class DeployError extends Error {
  override name = "DeployError";
}

export interface AdminSetup {
  commitWindowMs?: bigint;
  revealWindowMs?: bigint;
}

/** Publishes `atoma` (bytecode from move/build via @atoma/move) signed by `publisher`. */
export async function publishAtomaPackage(
  sui: ClientWithCoreApi,
  publisher: Ed25519Keypair,
): Promise<Omit<Deployment, "rpcUrl" | "chainIdentifier" | "deployedAt" | "version">> {
  const built = await loadBuiltPackage("atoma");
  const tx = new Transaction();
  const cap = tx.publish({ modules: built.modules, dependencies: built.dependencies });
  tx.transferObjects([cap], publisher.toSuiAddress());
  const r = await sui.core.signAndExecuteTransaction({
    transaction: tx,
    signer: publisher,
    include: { effects: true, objectTypes: true },
  });
  if (r.$kind !== "Transaction") throw new DeployError(`publish failed: ${r.FailedTransaction.status.error?.message}`);
  const t = r.Transaction;
  const changes = t.effects?.changedObjects ?? [];
  const types = t.objectTypes ?? {};
  const pub = changes.find((c) => c.outputState === "PackageWrite");
  const created = changes.filter((c) => c.idOperation === "Created" && c.outputState === "ObjectWrite");
  const registry = created.find((c) => types[c.objectId]?.endsWith("::registry::Registry"));
  const admin = created.find((c) => types[c.objectId]?.endsWith("::registry::AdminCap"));
  if (!pub || !registry || !admin) throw new DeployError("publish created no package, Registry or AdminCap");
  const owner = registry.outputOwner;
  if (owner?.$kind !== "Shared") throw new DeployError("the Registry is not shared");
  await sui.core.waitForTransaction({ digest: t.digest });
  return {
    packageId: pub.objectId,
    registryId: registry.objectId,
    registryInitialSharedVersion: String(owner.Shared.initialSharedVersion),
    adminCapId: admin.objectId,
    publisher: publisher.toSuiAddress(),
    digest: t.digest,
  };
}

/** Publish + admin setup; the caller funds `publisher` first. */
export async function deployAtoma(
  sui: ClientWithCoreApi,
  rpcUrl: string,
  publisher: Ed25519Keypair,
  setup: AdminSetup = {},
): Promise<Deployment> {
  const { chainIdentifier } = await sui.core.getChainIdentifier();
  const p = await publishAtomaPackage(sui, publisher);
  const params = [
    ...(setup.commitWindowMs !== undefined ? [["commit_window_ms", setup.commitWindowMs] as const] : []),
    ...(setup.revealWindowMs !== undefined ? [["reveal_window_ms", setup.revealWindowMs] as const] : []),
  ];
  if (params.length > 0) {
    const atoma = new AtomaClient(sui, {
      packageId: p.packageId,
      registryId: p.registryId,
      registryInitialSharedVersion: p.registryInitialSharedVersion,
    });
    const registry = { objectId: p.registryId, initialSharedVersion: p.registryInitialSharedVersion };
    const tx = new Transaction();
    for (const [name, value] of params)
      buildSetParam(tx, { packageId: p.packageId, registry, adminCap: p.adminCapId, name, value });
    await atoma.execute(tx, publisher);
  }
  return { version: DEPLOYMENT_VERSION, rpcUrl, chainIdentifier, ...p, deployedAt: new Date().toISOString() };
}

/**
 * `atoma-node deploy`: the publisher key from `adminKeystore` (created 0600 if missing), funded
 * from the faucet on a devnet (elsewhere a NoGasError names the address), publish + admin setup,
 * and the deployment written atomically to `out`.
 */
export async function deployToFile(o: {
  rpcUrl: string;
  out: string;
  adminKeystore: string;
  setup?: AdminSetup;
  transport?: SuiTransport;
}): Promise<Deployment> {
  const keys = existsSync(o.adminKeystore) ? loadKeystore(o.adminKeystore) : createKeystore(o.adminKeystore);
  const address = keys.signer.toSuiAddress();
  const sui = suiClientFor(o.rpcUrl, o.transport);
  let balance: bigint;
  try {
    balance = BigInt((await sui.core.getBalance({ owner: address })).balance.balance);
  } catch (err) {
    throw isNetworkFailure(err) ? await unreachable("the chain RPC", o.rpcUrl, err) : err;
  }
  if (balance === 0n && (await isDevnet(o.rpcUrl)))
    await requestSuiFromFaucetV2({ host: o.rpcUrl, recipient: address });
  else if (balance === 0n) throw new NoGasError(address, o.rpcUrl);
  const d = await deployAtoma(sui, o.rpcUrl, keys.signer, o.setup);
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileAtomic(o.out, renderDeployment(d));
  return d;
}
