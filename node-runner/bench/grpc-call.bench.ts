/**
 * `pnpm bench grpc-call`: the CPU one gRPC read costs the client and the devnet (in its own
 * process, ./procs.ts), through the SDK's client (`suiClientFor`: binary grpc-web frames over
 * node:http, sdk/src/client/grpc-fetch.ts) against @mysten/sui's default `SuiGrpcClient` (global
 * fetch, base64 frames) in the same run, alternating, `--calls N` reads of the registry object
 * each (8 at a time), `--rounds R` rounds; the medians of the rounds.
 */
import { suiClientFor } from "@atoma/sdk";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { arg, reporter, reportSides } from "./figures.js";
import { startDevnetProcess } from "./procs.js";

const calls = arg("--calls", 400);
const rounds = arg("--rounds", 3);
const report = reporter("grpc-call");
const devnet = await startDevnetProcess("grpc-call");
const id = devnet.deployed.registryId;

async function measure(c: ClientWithCoreApi): Promise<{ client: number; devnet: number }> {
  for (let i = 0; i < 40; i++) await c.core.getObject({ objectId: id });
  const d0 = await devnet.cpuMs();
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i += 8)
    await Promise.all(Array.from({ length: 8 }, () => c.core.getObject({ objectId: id })));
  const u = process.cpuUsage(c0);
  const d1 = await devnet.cpuMs();
  return { client: (u.user + u.system) / 1000 / calls, devnet: (d1 - d0) / calls };
}

const sdk: { client: number; devnet: number }[] = [];
const peer: { client: number; devnet: number }[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    peer.push(await measure(new SuiGrpcClient({ baseUrl: devnet.url, network: "localnet" })));
    sdk.push(await measure(suiClientFor(devnet.url, "grpc")));
  }
} finally {
  await devnet.stop();
}
const peerName = "@mysten/sui's default SuiGrpcClient (global fetch, base64 frames)";
reportSides(report, (side) => `${side} CPU per gRPC read (getObject)`, sdk, peerName, peer);
process.exit(0);
