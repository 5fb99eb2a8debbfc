/**
 * `pnpm bench stream` — time from a request's creation to the first commit of a sampled node,
 * with the node reacting to the checkpoint stream (gRPC SubscribeCheckpoints, the default) vs
 * polling the event list (JSON-RPC transport, no stream), both with the same 1 s poll interval,
 * on one devnet in the same run (requests alternate between the two groups of nodes).
 * Plain tsx script: `npx tsx node-runner/bench/stream.bench.ts [--json]`.
 */
import { RequestKind, type SuiTransport } from "@atoma/sdk";
import type { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import type { Executor } from "../src/daemon/execute.js";
import { median } from "./figures.js";
import { startBenchNetwork } from "./network.js";

const JSON_OUT = process.argv.includes("--json");
const ROUNDS = Number(process.env.STREAM_BENCH_ROUNDS ?? 8);
const POLL_MS = 1000;
const enc = new TextEncoder();

const net = await startBenchNetwork({ seed: "stream-bench" });
const { chain, running: nodes } = net;
const firstCommit = new Map<string, number>();
const group = async (transport: SuiTransport, capability: string): Promise<void> => {
  const exec: Executor = { name: capability, capabilities: [capability], run: async (job) => job.input };
  for (let i = 0; i < 3; i++)
    await net.addNode({
      name: `${transport}-${i}`,
      capabilities: [capability],
      transport,
      executors: [exec],
      pollMs: POLL_MS,
      onStep: (step, requestId) => {
        if (step === "committed" && !firstCommit.has(requestId)) firstCommit.set(requestId, performance.now());
      },
    });
};

try {
  await group("grpc", "bench:stream");
  await group("jsonrpc", "bench:poll");
  const user = (await net.requesters(1))[0] as Ed25519Keypair;
  const lat: Record<"stream" | "poll", number[]> = { stream: [], poll: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ["stream", "poll"] as const) {
      // Start at a random phase of the poll interval, as a real request would.
      await new Promise((res) => setTimeout(res, Math.random() * POLL_MS));
      const t0 = performance.now();
      const { requestId } = await chain.atoma.createRequest(user, {
        kind: RequestKind.Wasm,
        capability: `bench:${kind}`,
        input: enc.encode(`r${r}`),
        maxPrice: 2000n,
      });
      const deadline = Date.now() + 30_000;
      while (!firstCommit.has(requestId) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      const t1 = firstCommit.get(requestId);
      if (t1 === undefined) throw new Error(`no commit for ${requestId} within 30 s (${kind})`);
      lat[kind].push(t1 - t0);
    }
  }
  const s = median(lat.stream);
  const p = median(lat.poll);
  const ratio = s / p;
  const target = 0.6;
  if (!JSON_OUT) {
    console.log(
      `request creation → first commit, median of ${ROUNDS} (poll interval ${POLL_MS} ms, checkpoints every 250 ms)`,
    );
    console.log(
      `  streaming (gRPC SubscribeCheckpoints): ${s.toFixed(0)} ms   [${lat.stream.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    console.log(
      `  polling (event list every ${POLL_MS} ms): ${p.toFixed(0)} ms   [${lat.poll.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    console.log(`  stream wake-ups per node: ${nodes.map((n) => n.daemon.wakes).join(", ")}`);
  }
  console.log(
    JSON.stringify({
      bench: "node-runner/stream",
      figure: "request creation to first commit, streaming",
      value: Math.round(s),
      unit: "ms",
      peer: `polling every ${POLL_MS} ms`,
      peerValue: Math.round(p),
      ratio: Number(ratio.toFixed(3)),
      target: `<= ${target}`,
      met: ratio <= target,
    }),
  );
} finally {
  await net.close();
}
