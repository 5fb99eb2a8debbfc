/**
 * Child process for the e2e tests: a devnet with the atoma binding, the package published by a
 * Publish transaction, 60 s windows, a demo verifier and TDX measurement allow-listed. Prints one
 * JSON line with what the test needs (including the test verifier's key), then runs until SIGTERM.
 */
import { startChain } from "../../../node-runner/src/demo/network.js";

// argv: [seed] [commit/reveal window ms]
const windowArg = process.argv[3];
const chain = await startChain({
  seed: process.argv[2] ?? "e2e",
  ...(windowArg ? { windowMs: BigInt(windowArg) } : {}),
});
process.stdout.write(
  `${JSON.stringify({
    url: chain.url,
    ...chain.deployed,
    verifierSk: Buffer.from(chain.verifierSk).toString("hex"),
    measurement: Buffer.from(chain.measurement).toString("hex"),
  })}\n`,
);
const stop = async () => {
  await chain.devnet.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
