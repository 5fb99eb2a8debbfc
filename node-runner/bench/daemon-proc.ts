/**
 * Node daemons in their own process (as operators run them): the parent (./procs.ts) sends
 * `{ op: "start", spec }` with the chain's URL and ids and each node's keystore, ids and state
 * folder; the daemons start (the node-runner's own `startNode`, built-in executors) and every
 * chain read a task makes comes back as `{ reads: [...] }` (batched each 100 ms); `{ op: "cpu" }` answers
 * the process's CPU time so far; `{ op: "stop" }` stops them.
 */
import path from "node:path";
import pino from "pino";
import { loadKeystore } from "../src/config.js";
import { loadExecutors } from "../src/daemon/executors-loader.js";
import { type RunningNode, startNode } from "../src/daemon/node.js";
import type { ChainRead } from "../src/daemon/task-runner.js";

export interface DaemonProcSpec {
  rpcUrl: string;
  packageId: string;
  registryId: string;
  pollMs: number;
  batch?: boolean;
  /** false: each daemon follows the events alone instead of the process's shared follower. */
  sharedEvents?: boolean;
  nodes: { nodeId: string; nodeCapId: string; keystore: string; stateDir: string }[];
}

const send = (m: unknown) => process.send?.(m);
let running: RunningNode[] = [];
let reads: ChainRead[] = [];
const flush = setInterval(() => {
  if (reads.length) send({ reads });
  reads = [];
}, 100);

process.on("message", async (m: { op: string; spec?: DaemonProcSpec }) => {
  if (m.op === "start" && m.spec) {
    const s = m.spec;
    const executors = await loadExecutors();
    running = await Promise.all(
      s.nodes.map((n) =>
        startNode({
          rpcUrl: s.rpcUrl,
          packageId: s.packageId,
          registryId: s.registryId,
          nodeId: n.nodeId,
          nodeCapId: n.nodeCapId,
          keys: loadKeystore(path.resolve(n.keystore)),
          stateDir: n.stateDir,
          executors,
          // BENCH_LOG_LEVEL (e.g. "warn"): the daemons' logs on stderr, one JSON line each, with the node.
          logger: pino(
            { level: process.env.BENCH_LOG_LEVEL ?? "silent", base: { node: n.nodeId.slice(0, 10) } },
            pino.destination(2),
          ),
          pollMs: s.pollMs,
          ...(s.batch === undefined ? {} : { batch: s.batch }),
          ...(s.sharedEvents === false ? { eventHub: null } : {}),
          metricsPort: null,
          onRead: (r) => reads.push(r),
        }),
      ),
    );
    send({ started: running.length });
  } else if (m.op === "cpu") {
    send({ cpu: process.cpuUsage() });
  } else if (m.op === "stop") {
    await Promise.all(running.map((n) => n.stop()));
    clearInterval(flush);
    if (reads.length) send({ reads });
    send({ stopped: true });
    process.exit(0);
  }
});
send({ ready: true });
