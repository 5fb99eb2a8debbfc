/** `/v1/stream`: one server-sent event per committed batch. */
import type { ServerResponse } from "node:http";
import { readCursor } from "../ingest.js";
import type { ResourcePlugin } from "./plugin.js";
import { ErrorBody, ref } from "./schemas.js";

export const streamPlugin: ResourcePlugin = async (app, { api: opts }) => {
  const st = opts.storage;
  const streams = new Set<ServerResponse>();
  app.addHook("preClose", (done) => {
    for (const s of streams) s.end();
    done();
  });
  app.get(
    "/v1/stream",
    {
      schema: {
        description:
          "Server-sent events: `commit` with `{ events, cursor }` after each committed batch (clients re-read what they show); a comment every 15 s keeps the connection open",
        response: { 503: ref(ErrorBody) },
      },
    },
    async (req, reply) => {
      const subscribe = opts.onCommit;
      if (!subscribe)
        return reply.status(503).send({ error: "unavailable", message: "this API has no running ingester" });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n: connected\n\n");
      streams.add(res);
      // One write at a time; a commit during a write is sent right after it (never dropped).
      let sending = false;
      let again = false;
      const send = async () => {
        if (sending) {
          again = true;
          return;
        }
        sending = true;
        try {
          do {
            again = false;
            const c = await readCursor(st.db);
            res.write(
              `event: commit\ndata: ${JSON.stringify({ events: (c?.events ?? 0n).toString(), cursor: c?.cursor ?? null })}\n\n`,
            );
          } while (again);
        } catch {
          // The database is closing: the stream ends with the server.
        } finally {
          sending = false;
        }
      };
      const off = subscribe(() => void send());
      const beat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      req.raw.on("close", () => {
        off();
        clearInterval(beat);
        streams.delete(res);
      });
    },
  );
};
