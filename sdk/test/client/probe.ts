/**
 * The devnet tests' Move package (devnet/test/fixtures/devnet_probe): published by `signer`
 * with one shared `counter::Counter` created, through an AtomaClient's `execute`.
 */
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { Signer } from "@mysten/sui/cryptography";
import { Transaction } from "@mysten/sui/transactions";
import { AtomaClient } from "../../src/client/index.js";

const FIXTURE = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  "../../../devnet/test/fixtures/devnet_probe",
);

/** Publishes the probe package and creates its Counter: their ids (throws when either is missing). */
export async function publishProbe(
  client: ClientWithCoreApi,
  signer: Signer,
): Promise<{ pkg: string; counterId: string }> {
  const built = await buildMovePackage({ name: "devnet_probe", dir: FIXTURE });
  // The registry id is irrelevant here; the package id drives the event filter.
  const boot = new AtomaClient(client, { packageId: "0x2", registryId: "0x5" });
  let tx = new Transaction();
  tx.transferObjects([tx.publish({ modules: built.modules, dependencies: built.dependencies })], signer.toSuiAddress());
  let r = await boot.execute(tx, signer);
  const pkg = r.effects.changedObjects.find((c) => c.outputState === "PackageWrite")?.objectId;
  if (!pkg) throw new Error("publishProbe: the publish wrote no package");
  tx = new Transaction();
  tx.moveCall({ target: `${pkg}::counter::create` });
  r = await boot.execute(tx, signer);
  const counterId = r.created.find((c) => c.type?.endsWith("::counter::Counter"))?.objectId;
  if (!counterId) throw new Error("publishProbe: counter::create created no Counter");
  return { pkg, counterId };
}
