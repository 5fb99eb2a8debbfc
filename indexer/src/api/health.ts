/** `/health` (200 only while ingesting works) and `/metrics` (Prometheus). */
import { Type } from "@fastify/type-provider-typebox";
import { readCursor } from "../ingest.js";
import type { ResourcePlugin } from "./plugin.js";
import { nullable } from "./schemas.js";

const HealthBody = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("error")]),
  events: Type.String(),
  cursor: nullable(Type.String()),
  caughtUp: nullable(Type.Boolean()),
  lastError: nullable(Type.String()),
});

export const healthPlugin: ResourcePlugin = async (app, { api: opts }) => {
  const st = opts.storage;
  app.get(
    "/health",
    {
      schema: {
        response: {
          200: HealthBody,
          503: HealthBody,
        },
      },
    },
    async (_req, reply) => {
      const c = await readCursor(st.db);
      const h = opts.health?.();
      // Unhealthy while the last attempt failed (RPC unreachable, package missing): 503.
      if (h?.lastError) reply.code(503);
      return {
        status: h?.lastError ? ("error" as const) : ("ok" as const),
        events: (c?.events ?? 0n).toString(),
        cursor: c?.cursor ?? null,
        caughtUp: h ? h.caughtUp : null,
        lastError: h ? h.lastError : null,
      };
    },
  );
  app.get(
    "/metrics",
    {
      schema: {
        description: "Prometheus metrics (text exposition format)",
        produces: ["text/plain"],
        response: { 200: Type.String({ description: "Prometheus text format" }) },
      },
    },
    async (_req, reply) => {
      const reg = opts.registry;
      reply.header("content-type", reg?.contentType ?? "text/plain");
      return reg ? reg.metrics() : "";
    },
  );
};
