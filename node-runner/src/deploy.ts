/**
 * `atoma-node deploy`: publishes the built `atoma` package with an ordinary Publish transaction,
 * applies the admin setup (optional commit/reveal windows) with the AdminCap it created, and
 * returns the deployment record (sdk `Deployment`) with full ids.
 */
import { loadBuiltPackage } from "@atoma/move";
import { AtomaClient, buildSetParam, DEPLOYMENT_VERSION, type Deployment } from "@atoma/sdk";
import type { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";

export class DeployError extends Error {
  override name = "DeployError";
}

export interface AdminSetup {
  commitWindowMs?: bigint;
  revealWindowMs?: bigint;
}

/** Publishes `atoma` (bytecode from move/build via @atoma/move) signed by `publisher`. */
export async function publishAtomaPackage(
  sui: SuiJsonRpcClient,
  publisher: Ed25519Keypair,
): Promise<Omit<Deployment, "rpcUrl" | "chainIdentifier" | "deployedAt" | "version">> {
  const built = await loadBuiltPackage("atoma");
  const tx = new Transaction();
  const cap = tx.publish({ modules: built.modules, dependencies: built.dependencies });
  tx.transferObjects([cap], publisher.toSuiAddress());
  const r = await sui.signAndExecuteTransaction({
    transaction: tx,
    signer: publisher,
    options: { showEffects: true, showObjectChanges: true },
  });
  if (r.effects?.status.status !== "success") throw new DeployError(`publish failed: ${r.effects?.status.error}`);
  const changes = r.objectChanges ?? [];
  const pub = changes.find((c) => c.type === "published");
  const created = changes.filter((c) => c.type === "created");
  const registry = created.find((c) => c.objectType.endsWith("::registry::Registry"));
  const admin = created.find((c) => c.objectType.endsWith("::registry::AdminCap"));
  if (pub?.type !== "published" || !registry || !admin)
    throw new DeployError("publish created no package, Registry or AdminCap");
  const owner = registry.owner as { Shared?: { initial_shared_version: string | number } };
  if (!owner.Shared) throw new DeployError("the Registry is not shared");
  await sui.waitForTransaction({ digest: r.digest });
  return {
    packageId: pub.packageId,
    registryId: registry.objectId,
    registryInitialSharedVersion: String(owner.Shared.initial_shared_version),
    adminCapId: admin.objectId,
    publisher: publisher.toSuiAddress(),
    digest: r.digest,
  };
}

/** Publish + admin setup; the caller funds `publisher` first. */
export async function deployAtoma(
  sui: SuiJsonRpcClient,
  rpcUrl: string,
  publisher: Ed25519Keypair,
  setup: AdminSetup = {},
): Promise<Deployment> {
  const chainIdentifier = await sui.getChainIdentifier();
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
