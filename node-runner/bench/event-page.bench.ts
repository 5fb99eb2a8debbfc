/**
 * `pnpm bench event-page`: the CPU a page of atoma events costs the client and the devnet (in its
 * own process, ./procs.ts) through `AtomaClient.listEvents` over gRPC — `ListEvents` with the SDK's
 * read mask, no events' JSON (sdk/src/client/grpc-masks.ts) — against the path before it in the
 * same run, alternating: @mysten/sui's `client.core.listEvents` (its mask names `json`) and the
 * same BCS decoding. `--nodes K` registered nodes make the events (NodeRegistered and the rest of
 * register_node's), `--reads N` reads of every page from the start per round (8 at a time),
 * `--rounds R` rounds; the medians of the rounds, per event read.
 */
import { AtomaClient, type AtomaEventRecord, atomaEventName, atomaEventRecord, suiClientFor } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { randomBytes } from "@noble/hashes/utils.js";
import { arg, reporter, reportSides } from "./figures.js";
import { startDevnetProcess } from "./procs.js";

const nodes = arg("--nodes", 40);
const reads = arg("--reads", 40);
const rounds = arg("--rounds", 3);
const PAGE = 50;
const report = reporter("event-page");
const devnet = await startDevnetProcess("event-page");
const client = suiClientFor(devnet.url, "grpc");
const atoma = new AtomaClient(client, devnet.deployed);
const eventType = `${devnet.deployed.packageId}::events`;

/** Every page from the start through `page(after)`: the events read. */
async function readAll(page: (after: string | null) => Promise<{ n: number; after: string | null; more: boolean }>) {
  let after: string | null = null;
  let n = 0;
  for (;;) {
    const p = await page(after);
    n += p.n;
    if (!p.more || p.after === after) return n;
    after = p.after;
  }
}

const masked = async (after: string | null) => {
  const p = await atoma.listEvents({ after }, PAGE);
  return { n: p.events.length, after: p.cursor.after, more: p.hasNextPage };
};
/** The path before: the core's listEvents (events with their JSON), decoded as AtomaClient did. */
const core = async (after: string | null) => {
  const p = await client.core.listEvents({ filter: { eventType }, after, limit: PAGE });
  const events: AtomaEventRecord[] = [];
  for (const e of p.events) if (atomaEventName(e.eventType)) events.push(atomaEventRecord(e));
  return { n: events.length, after: p.endCursor ?? after, more: p.hasNextPage };
};

async function measure(page: typeof masked): Promise<{ client: number; devnet: number; events: number }> {
  for (let i = 0; i < 4; i++) await readAll(page);
  const d0 = await devnet.cpuMs();
  const c0 = process.cpuUsage();
  let events = 0;
  for (let i = 0; i < reads; i += 8)
    for (const n of await Promise.all(Array.from({ length: 8 }, () => readAll(page)))) events += n;
  const u = process.cpuUsage(c0);
  const d1 = await devnet.cpuMs();
  return { client: (u.user + u.system) / 1000 / events, devnet: (d1 - d0) / events, events };
}

const ours: { client: number; devnet: number; events: number }[] = [];
const peer: { client: number; devnet: number; events: number }[] = [];
try {
  for (let i = 0; i < nodes; i++) {
    const signer = Ed25519Keypair.generate();
    await requestSuiFromFaucetV2({ host: devnet.url, recipient: signer.toSuiAddress() });
    await atoma.registerNode(signer, {
      stake: 100_000_000_000n,
      sigPk: signer.getPublicKey().toRawBytes(),
      encPk: randomBytes(32),
      capabilities: ["wasm"],
      price: 40n,
    });
  }
  for (let r = 0; r < rounds; r++) {
    peer.push(await measure(core));
    ours.push(await measure(masked));
  }
} finally {
  await devnet.stop();
}
const perRead = (ours[0]?.events ?? 0) / reads;
if (perRead !== (peer[0]?.events ?? -1) / reads) throw new Error("the two paths read different numbers of events");
console.log(`${perRead} atoma events a read (pages of ${PAGE}), ${reads} reads a round, ${rounds} rounds`);
const peerName = "@mysten/sui's core listEvents (events' JSON asked) + the same decoding";
reportSides(report, (side) => `${side} CPU per atoma event read (listEvents, gRPC)`, ours, peerName, peer);
process.exit(0);
