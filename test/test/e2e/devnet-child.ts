/**
 * Child process for the e2e tests: a devnet with the atoma binding, the package published by a
 * Publish transaction, 60 s windows, a demo verifier and TDX measurements allow-listed (the demo
 * one, and a 48-byte MRTD for quotes that go through the verifier service). Prints one JSON line
 * with what the test needs (including the test verifier's key), then runs until SIGTERM.
 */

import { startChain } from "@atoma/demo/network";
import { buildAllowMeasurement } from "@atoma/sdk";
import { Transaction } from "@mysten/sui/transactions";

/** The TDX MRTD (48 bytes) that e2e quotes carry and the chain allows. */
const TDX_MRTD = new Uint8Array(48).fill(0x5d);

// argv: [seed] [commit/reveal window ms]
const windowArg = process.argv[3];
const chain = await startChain({
  seed: process.argv[2] ?? "e2e",
  ...(windowArg ? { windowMs: BigInt(windowArg) } : {}),
});
const tx = new Transaction();
buildAllowMeasurement(tx, {
  packageId: chain.deployed.packageId,
  registry: { objectId: chain.deployed.registryId, initialSharedVersion: chain.deployed.registryInitialSharedVersion },
  adminCap: chain.deployed.adminCapId,
  teeKind: 1,
  measurement: TDX_MRTD,
});
await chain.atoma.execute(tx, chain.admin);
process.stdout.write(
  `${JSON.stringify({
    url: chain.url,
    ...chain.deployed,
    verifierSk: Buffer.from(chain.verifierSk).toString("hex"),
    measurement: Buffer.from(chain.measurement).toString("hex"),
    tdxMrtd: Buffer.from(TDX_MRTD).toString("hex"),
  })}\n`,
);
const stop = async () => {
  await chain.devnet.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
