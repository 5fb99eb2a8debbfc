/**
 * The tests' Move package (test/fixtures/devnet_probe): published by `signer` through any
 * client (gRPC or JSON-RPC), with one shared `counter::Counter` created; and a devnet started
 * with it (`startProbeDevnet`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { Signer } from "@mysten/sui/cryptography";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Transaction } from "@mysten/sui/transactions";
import { type DevnetOptions, type RunningDevnet, startDevnet } from "../src/index.js";

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

/** A devnet with the probe package published, and `close` (stops it, removes its state folder). */
export interface ProbeDevnet<C extends ClientWithCoreApi> {
  d: RunningDevnet;
  client: C;
  pkg: string;
  counterId: string;
  close(): Promise<void>;
}

/**
 * A devnet in a fresh state folder (`seed`, `options`), each of `funded` given SUI by its faucet,
 * and the probe package published by the first of them through `client(url)`.
 */
export async function startProbeDevnet<C extends ClientWithCoreApi>(o: {
  seed: string;
  options?: Omit<DevnetOptions, "seed" | "stateDir">;
  client: (url: string) => C;
  funded: [Signer, ...Signer[]];
}): Promise<ProbeDevnet<C>> {
  const stateDir = mkdtempSync(path.join(tmpdir(), `${o.seed}-`));
  let d: RunningDevnet | undefined;
  try {
    d = await startDevnet({ seed: o.seed, stateDir, ...o.options });
    const client = o.client(d.url);
    for (const k of o.funded) await requestSuiFromFaucetV2({ host: d.url, recipient: k.toSuiAddress() });
    const { pkg, counterId } = await publishProbe(client, o.funded[0]);
    const running = d;
    return {
      d: running,
      client,
      pkg,
      counterId,
      async close() {
        await running.close();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await d?.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}
