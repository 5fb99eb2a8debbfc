/** `/v1/key-rotations`: each rotation's current state and the nodes that acknowledged it. */
import { Type } from "@fastify/type-provider-typebox";
import { sql } from "drizzle-orm";
import type { ResourcePlugin } from "./plugin.js";
import { cond, decodeCursor, encodeCursor, int, normId, shape } from "./query.js";
import { type ApiRotation, Cursor, errors, hex, Limit, page, RotationT, strict } from "./schemas.js";

export const rotationsPlugin: ResourcePlugin = async (app, { q }) => {
  const RotQuery = strict({
    cluster: Type.Optional(hex),
    status: Type.Optional(Type.Union(["started", "completed", "aborted"].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  });
  app.get(
    "/v1/key-rotations",
    { schema: { querystring: RotQuery, response: { 200: page(RotationT), ...errors } } },
    async (req) => {
      const { cluster, status, cursor } = req.query;
      const limit = int(req.query.limit, "limit", 1, 200, 50);
      const after = cursor ? decodeCursor(cursor, ["id", "u64"]) : undefined;
      const rows =
        await q(sql`select k.*, coalesce((select jsonb_agg(a.node_id order by a.acks) from key_rotation_acks a where a.cluster_id = k.cluster_id and a.epoch = k.epoch), '[]'::jsonb) as acked_by
        from key_rotations k ${cond([
          cluster ? sql`k.cluster_id = ${normId(cluster)}` : undefined,
          status ? sql`k.status = ${status}` : undefined,
          after ? sql`(k.cluster_id, k.epoch) > (${after[0]}, ${after[1]}::bigint)` : undefined,
        ])} order by k.cluster_id, k.epoch limit ${limit + 1}`);
      const items = rows.slice(0, limit).map((r) => shape<ApiRotation>(r));
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor([String(last.clusterId), String(last.epoch)]) : null,
      };
    },
  );
};
