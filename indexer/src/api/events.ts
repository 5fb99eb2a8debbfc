/** Event lists ordered by ingestion position, newest first: `/v1/attestations`, `/v1/disputes`, `/v1/slashes`. */
import { type TSchema, Type } from "@fastify/type-provider-typebox";
import { sql } from "drizzle-orm";
import type { ResourcePlugin } from "./plugin.js";
import { cond, decodeCursor, encodeCursor, int, normId, shape } from "./query.js";
import { AttestationT, Cursor, DisputeT, errors, hex, Limit, page, SlashT, strict } from "./schemas.js";

const LISTS: { path: string; table: string; filter: "nodeId" | "requestId"; item: TSchema & { $id?: string } }[] = [
  { path: "/v1/attestations", table: "attestations", filter: "nodeId", item: AttestationT },
  { path: "/v1/disputes", table: "disputes", filter: "requestId", item: DisputeT },
  { path: "/v1/slashes", table: "slashes", filter: "nodeId", item: SlashT },
];
const column = { nodeId: "node_id", requestId: "request_id" } as const;

export const eventsPlugin: ResourcePlugin = async (app, { q }) => {
  for (const { path, table, filter, item } of LISTS) {
    const Query = strict({
      [filter]: Type.Optional(hex),
      limit: Type.Optional(Limit),
      cursor: Type.Optional(Cursor),
    });
    app.get(path, { schema: { querystring: Query, response: { 200: page(item), ...errors } } }, async (req) => {
      const qs = req.query as Record<string, string | number | undefined>;
      const limit = int(qs.limit, "limit", 1, 200, 50);
      const f = qs[filter] as string | undefined;
      const before = qs.cursor ? decodeCursor(String(qs.cursor), ["u64"])[0] : undefined;
      const rows = await q(
        sql`select t.*, r.pos from ${sql.raw(table)} t join raw_events r using (tx_digest, event_seq) ${cond([
          f ? sql`t.${sql.raw(column[filter])} = ${normId(f)}` : undefined,
          before !== undefined ? sql`r.pos < ${before}` : undefined,
        ])} order by r.pos desc limit ${limit + 1}`,
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map((r) => shape(r)),
        nextCursor: rows.length > limit ? encodeCursor([String(items.at(-1)!.pos)]) : null,
      };
    });
  }
};
