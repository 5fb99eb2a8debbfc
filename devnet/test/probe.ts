/**
 * The tests' Move package (test/fixtures/devnet_probe): published by `signer` through any
 * client (gRPC or JSON-RPC), with one shared `counter::Counter` created.
 */
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { Signer } from "@mysten/sui/cryptography";
import { Transaction } from "@mysten/sui/transactions";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "devnet_probe");

/** Publishes the probe package and creates its Counter: their ids (throws when a step fails). */
export async function publishProbe(
  client: ClientWithCoreApi,
  signer: Signer,
): Promise<{ pkg: string; counterId: string }> {
  const exec = async (tx: Transaction, what: string) => {
    const r = await client.core.signAndExecuteTransaction({
      transaction: tx,
      signer,
      include: { effects: true, objectTypes: true },
    });
    if (r.$kind !== "Transaction")
      throw new Error(`publishProbe: ${what} failed: ${JSON.stringify(r.FailedTransaction.status)}`);
    return r.Transaction;
  };
  const built = await buildMovePackage({ name: "devnet_probe", dir: FIXTURE });
  let tx = new Transaction();
  tx.transferObjects([tx.publish({ modules: built.modules, dependencies: built.dependencies })], signer.toSuiAddress());
  const pkg = (await exec(tx, "publish")).effects.changedObjects.find(
    (c) => c.outputState === "PackageWrite",
  )?.objectId;
  if (!pkg) throw new Error("publishProbe: the publish wrote no package");
  tx = new Transaction();
  tx.moveCall({ target: `${pkg}::counter::create` });
  const created = await exec(tx, "counter::create");
  const counterId = Object.entries(created.objectTypes ?? {}).find(([, t]) => t.endsWith("::counter::Counter"))?.[0];
  if (!counterId) throw new Error("publishProbe: counter::create created no Counter");
  return { pkg, counterId };
}
