/** API errors: every one is a 4xx `{ error, message, field? }` (Fastify's own too), never a 500 for bad input. */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";

/** Messages never echo more than this much of the input (a 10 KB URL is not repeated back). */
const MAX_MESSAGE = 300;
export const clip = (m: string) => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}…` : m);

export class BadInputError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}
export class BadCursorError extends BadInputError {
  constructor(rule: string) {
    super("cursor", rule);
  }
}

/** Errors Fastify raises before routing (a malformed URL, a bad content type), without echoing the URL. */
export function frameworkErrors(
  err: Error & { statusCode?: number },
  _req: unknown,
  reply: { status(n: number): { send(b: unknown): void } },
): void {
  reply.status(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send({
    error: "bad_request",
    message: clip(err.message.replace(/'[^']*'/g, "the URL")),
  });
}

type Validation = { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> };

export function installErrorHandlers(app: FastifyInstance, logger: Logger | false | undefined): void {
  app.setErrorHandler(
    (
      err: Error & { statusCode?: number; validation?: Validation[]; field?: string; validationContext?: string },
      _req,
      reply,
    ) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (err.validation) {
        const v = err.validation[0];
        const field =
          (v?.params?.additionalProperty as string | undefined) ??
          (v?.params?.missingProperty as string | undefined) ??
          v?.instancePath?.replace(/^\//, "") ??
          undefined;
        const allowed = err.validation.filter((x) => x.keyword === "const").map((x) => String(x.params?.allowedValue));
        // A union of literals fails once per literal ("must be equal to constant" ×5): say it once, with the values.
        const rule = allowed.length > 0 ? `must be one of ${allowed.join(", ")}` : v?.message;
        return reply.status(400).send({
          error: "bad_request",
          message: clip(`${err.validationContext ?? "input"}${field ? `.${field}` : ""}: ${rule ?? err.message}`),
          ...(field ? { field } : {}),
        });
      }
      if (status < 500)
        return reply.status(status).send({
          error: status === 429 ? "rate_limited" : status === 404 ? "not_found" : "bad_request",
          message: clip(err.message),
          ...(err.field ? { field: err.field } : {}),
        });
      if (logger) logger.error({ err: err.message }, "request failed");
      if (process.env.ATOMA_INDEXER_DEBUG) console.error(err);
      return reply.status(500).send({ error: "internal", message: "internal error" });
    },
  );
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: "not_found", message: clip(`no route ${req.method} ${req.url.slice(0, 200)}`) }),
  );
}
