/**
 * The read API (Fastify 5 + TypeBox): an app factory registering one plugin per resource (api/*.ts)
 * over shared schemas derived from the tables (api/schemas.ts, `addSchema` + `$ref`), so responses
 * are serialized by fast-json-stringify. Opaque cursor pagination; OpenAPI at /docs/json and UI at
 * /docs; /health, /metrics. Bad input is a 4xx `{ error, message, field? }`, never a 500.
 */

import path from "node:path";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import type { SQL } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { chainPlugin } from "./api/chain.js";
import { clustersPlugin } from "./api/clusters.js";
import { frameworkErrors, installErrorHandlers } from "./api/errors.js";
import { eventsPlugin } from "./api/events.js";
import { healthPlugin } from "./api/health.js";
import { nodesPlugin } from "./api/nodes.js";
import type { ResourceOptions, ResourcePlugin } from "./api/plugin.js";
import { requestsPlugin } from "./api/requests.js";
import { rotationsPlugin } from "./api/rotations.js";
import { SHARED_SCHEMAS } from "./api/schemas.js";
import { statsPlugin } from "./api/stats.js";
import { streamPlugin } from "./api/stream.js";
import type { Storage } from "./db.js";

export { BadCursorError, BadInputError } from "./api/errors.js";
export { encodeCursor } from "./api/query.js";
export type {
  ApiAttestation,
  ApiCommit,
  ApiDispute,
  ApiHistory,
  ApiNode,
  ApiOutcome,
  ApiOutput,
  ApiPayout,
  ApiRequest,
  ApiReveal,
  ApiRotation,
  ApiSample,
  ApiSlash,
} from "./api/schemas.js";

export interface ApiOptions {
  storage: Storage;
  registry?: Registry;
  /** Health details from the running ingester, when there is one. */
  health?: () => { caughtUp: boolean; lastError: string | null };
  logger?: Logger | false;
  /** Requests per minute per client (default 6000); false disables the limit. */
  rateLimit?: number | false;
  /**
   * Origins allowed by CORS (browser apps reading the API): a list of origins, or true for any.
   * Default: none (no CORS headers, so other sites' pages cannot read it). Only GET/HEAD are
   * ever allowed cross-origin: the API has no writes.
   */
  corsOrigin?: string[] | boolean;
  /** A chain client: enables `GET /v1/requests/:id/object` (the live Request object's BCS). */
  chain?: ClientWithCoreApi;
  /** The verifier's blob store (files named by blake2b-256 hex): enables `GET /v1/evidence/:hash`. */
  evidenceDir?: string;
  /** A built explorer bundle (index.html + assets), served at `/`. */
  explorerDir?: string;
  /**
   * Subscribes to committed batches: enables the server-sent events of `GET /v1/stream`, and the
   * in-memory cache of `GET /v1/requests/:id` (emptied on every commit). Give it only when every
   * write to the database goes through the ingester that calls the listener.
   */
  onCommit?: (listener: () => void) => () => void;
  /** Request details kept between commits (with `onCommit`): entries, default 10,000; false: none. */
  detailCache?: number | false;
}

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
    // Errors Fastify raises before routing, in our shape (the reply is not typed for a route yet).
    frameworkErrors: (err, req, reply) =>
      frameworkErrors(err, req, reply as unknown as Parameters<typeof frameworkErrors>[2]),
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandlers(app, opts.logger);

  const origins = opts.corsOrigin ?? false;
  if (origins !== false)
    await app.register(cors, { origin: origins, methods: ["GET", "HEAD"], strictPreflight: false });
  if (opts.rateLimit !== false)
    await app.register(rateLimit, {
      max: opts.rateLimit ?? 6000,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        error: "rate_limited",
        message: `rate limit: at most ${ctx.max} requests per ${ctx.after}`,
      }),
    });
  await app.register(swagger, {
    openapi: { info: { title: "Atoma indexer API", version: "0.1.0" } },
    // Shared schemas appear under their own names (components/schemas/Request, …).
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  const resource: ResourceOptions = { api: opts, q: <T>(s: SQL) => opts.storage.rows<T>(s) };
  const plugins: ResourcePlugin[] = [
    healthPlugin,
    nodesPlugin,
    requestsPlugin,
    eventsPlugin,
    rotationsPlugin,
    clustersPlugin,
    statsPlugin,
    chainPlugin,
    streamPlugin,
  ];
  for (const plugin of plugins) await app.register(plugin, resource);

  // ---- the explorer (static bundle) at / ----
  if (opts.explorerDir) {
    await app.register(fastifyStatic, {
      root: path.resolve(opts.explorerDir),
      prefix: "/",
      index: ["index.html"],
      wildcard: true,
      allowedPath: (p) => !p.split("/").some((seg) => seg.startsWith(".")),
    });
  }
  return app as unknown as FastifyInstance;
}
