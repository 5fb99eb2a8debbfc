/**
 * `/metrics` (Prometheus text format, prom-client) and `/health` (fastify) for `atoma-node run`.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { Counter, Gauge, Registry } from "prom-client";
import type { DaemonMetrics } from "./daemon/daemon.js";
import type { KeeperMetrics } from "./keeper/duty.js";

/** The daemon's metrics (`DaemonOptions.metrics`) in a Prometheus registry. */
export interface NodeMetrics extends DaemonMetrics {
  registry: Registry;
}

export function createMetrics(nodeId: string): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node_id: nodeId });
  const tasks = new Counter({
    name: "atoma_node_task_steps_total",
    help: "Task steps done by this node, by step",
    labelNames: ["step"] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: "atoma_node_events_total",
    help: "Chain events read",
    registers: [registry],
  });
  const pendingTasks = new Gauge({
    name: "atoma_node_pending_tasks",
    help: "Tasks queued or running",
    registers: [registry],
  });
  return {
    registry,
    step: (step) => tasks.inc({ step }),
    events: (count) => events.inc(count),
    pending: (count) => pendingTasks.set(count),
  };
}

export interface HealthInfo {
  ok: boolean;
  nodeId: string;
  pendingTasks: number;
  lastPollOkMs: number;
}

/** Starts /metrics and /health on `port` (0 = any free port); returns the server and its URL. */
export async function startMetricsServer(
  metrics: NodeMetrics,
  health: () => HealthInfo,
  port: number,
  host = "127.0.0.1",
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get("/health", async (_req, reply) => {
    const h = health();
    reply.code(h.ok ? 200 : 503);
    return h;
  });
  const url = await app.listen({ port, host });
  return { app, url };
}

/** The keeper's metrics (`KeeperOptions.metrics`) in a Prometheus registry. */
export function createKeeperMetrics(): KeeperMetrics & { registry: Registry } {
  const registry = new Registry();
  const items = new Counter({
    name: "atoma_keeper_items_total",
    help: "Keeper items by duty (sweep, refresh) and outcome (done, refused)",
    labelNames: ["duty", "outcome"] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: "atoma_keeper_failed_transactions_total",
    help: "Keeper transactions that failed without a Move abort (items kept)",
    labelNames: ["duty"] as const,
    registers: [registry],
  });
  const pending = new Gauge({
    name: "atoma_keeper_pending",
    help: "Keeper items pending, by duty",
    labelNames: ["duty"] as const,
    registers: [registry],
  });
  const events = new Counter({ name: "atoma_keeper_events_total", help: "Chain events read", registers: [registry] });
  return {
    registry,
    done: (duty, n) => items.inc({ duty, outcome: "done" }, n),
    refused: (duty, n) => items.inc({ duty, outcome: "refused" }, n),
    failed: (duty) => failures.inc({ duty }),
    pending: (duty, n) => pending.set({ duty }, n),
    events: (n) => events.inc(n),
  };
}
