/**
 * The bench network's processes: the devnet in one (./devnet-proc.ts) and the node daemons in
 * others (./daemon-proc.ts), so the devnet, the daemons and the bench's requesters use the
 * machine's cores as separate programs would, instead of sharing one thread.
 */
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { Deployed } from "../../demo/src/network.js";
import type { ChainRead } from "../src/daemon/task-runner.js";
import { SERVER_NODE_FLAGS } from "../src/node-flags.js";
import type { DaemonProcSpec } from "./daemon-proc.js";
import type { TxStats } from "./tx-stats.js";

const HERE = path.dirname(new URL(import.meta.url).pathname);

function spawn(script: string, args: string[] = []): ChildProcess {
  return fork(path.join(HERE, script), args, {
    // The devnet and daemon processes run with the flags the product's commands run with
    // (SERVER_NODE_FLAGS); BENCH_NODE_FLAGS replaces them (an A/B: `BENCH_NODE_FLAGS=` runs
    // without). BENCH_CPU_PROF_DIR: each child writes a V8 CPU profile there when it exits.
    execArgv: [
      "--import",
      "tsx",
      ...(process.env.BENCH_NODE_FLAGS !== undefined
        ? process.env.BENCH_NODE_FLAGS.split(" ").filter(Boolean)
        : SERVER_NODE_FLAGS),
      ...(process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The first message of `child` that `pick` accepts (rejects when the child exits first). */
function first<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      const v = pick(m as Record<string, unknown>);
      if (v === undefined) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(v);
    };
    const onExit = (code: number | null) => reject(new Error(`${child.spawnargs.join(" ")} exited (${code})`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export interface DevnetProcess {
  url: string;
  deployed: Deployed;
  /** Transactions the devnet executed so far. */
  txCount(): Promise<number>;
  /** What the transactions from the `from`-th on were (./tx-stats.ts). */
  txStats(from: number): Promise<TxStats>;
  /** The devnet process's CPU time so far (user + system, ms). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export async function startDevnetProcess(seed: string): Promise<DevnetProcess> {
  const child = spawn("devnet-proc.ts", [seed]);
  const { url, deployed } = await first(child, (m) => m.ready as { url: string; deployed: Deployed } | undefined);
  let next = 0;
  const ask = <T>(op: string, extra: Record<string, unknown> = {}): Promise<T> => {
    const id = ++next;
    const reply = first(child, (m) => (m.id === id ? { value: m.value as T } : undefined));
    child.send({ op, id, ...extra });
    return reply.then((r) => r.value);
  };
  return {
    url,
    deployed,
    txCount: () => ask<number>("txCount"),
    txStats: (from) => ask<TxStats>("txStats", { from }),
    cpuMs: () => ask<NodeJS.CpuUsage>("cpu").then(ms),
    async stop() {
      await ask("stop").catch(() => undefined);
    },
  };
}

export interface DaemonProcess {
  /** The process's CPU time so far (user + system, ms). */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `spec.nodes` in one child process; each chain read of their tasks comes to `onRead`. */
export async function startDaemonProcess(
  spec: DaemonProcSpec,
  onRead?: (r: ChainRead) => void,
): Promise<DaemonProcess> {
  const child = spawn("daemon-proc.ts");
  child.on("message", (m: { reads?: ChainRead[] }) => {
    for (const r of m.reads ?? []) onRead?.(r);
  });
  await first(child, (m) => (m.ready ? true : undefined));
  const started = first(child, (m) => (typeof m.started === "number" ? m.started : undefined));
  child.send({ op: "start", spec });
  await started;
  return {
    cpuMs() {
      const reply = first(child, (m) => (m.cpu ? ms(m.cpu as NodeJS.CpuUsage) : undefined));
      child.send({ op: "cpu" });
      return reply;
    },
    async stop() {
      const stopped = first(child, (m) => (m.stopped ? true : undefined)).catch(() => true);
      child.send({ op: "stop" });
      await stopped;
    },
  };
}
