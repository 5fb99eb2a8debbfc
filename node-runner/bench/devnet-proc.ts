/**
 * The bench's devnet in its own process (as a real network runs apart from its clients): the
 * demo chain (devnet + atoma published + admin setup) started here; the parent (./procs.ts) gets
 * `{ url, deployed }` on IPC, then asks `{ op: "txCount" }` and `{ op: "txStats", from }` (the
 * devnet's transaction records: ./tx-stats.ts), `{ op: "cpu" }` (its CPU time so far) and
 * `{ op: "stop" }`.
 */
import { startChain } from "../../demo/src/network.js";
import { txStats } from "./tx-stats.js";

const send = (m: unknown) => process.send?.(m);
const chain = await startChain({ seed: process.argv[2] ?? "bench" });
const txs = () => [...chain.devnet.runtime.txs.values()];
process.on("message", async (m: { op: string; id: number; from?: number }) => {
  if (m.op === "cpu") send({ id: m.id, value: process.cpuUsage() });
  else if (m.op === "txCount") send({ id: m.id, value: chain.devnet.runtime.txs.size });
  else if (m.op === "txStats") send({ id: m.id, value: txStats(txs().slice(m.from ?? 0)) });
  else if (m.op === "stop") {
    await chain.devnet.close();
    send({ id: m.id, value: null });
    process.exit(0);
  }
});
send({ ready: { url: chain.url, deployed: chain.deployed } });
