/** `/v1/nodes`: nodes with their derived reputation and latest attestation, and one node's history. */
import { Type } from "@fastify/type-provider-typebox";
import { type SQL, sql } from "drizzle-orm";
import { foldReputation } from "../reputation.js";
import type { ResourcePlugin } from "./plugin.js";
import { cond, decodeCursor, encodeCursor, int, normId, shape } from "./query.js";
import {
  type ApiAttestation,
  type ApiHistory,
  type ApiNode,
  Cursor,
  errors,
  HistoryT,
  hex,
  IdParam,
  Limit,
  NodeT,
  page,
  ref,
  strict,
} from "./schemas.js";

type NodeRow = Omit<ApiNode, "reputation" | "attestation">;
type Rows = <T = Record<string, unknown>>(s: SQL) => Promise<T[]>;

/** Adds the derived reputation and the latest attestation (recorded or revoked) to node rows. */
async function enrichNodes(q: Rows, items: NodeRow[]): Promise<ApiNode[]> {
  const ids = items.map((n) => n.nodeId);
  if (ids.length === 0) return [];
  const inIds = sql`(${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )})`;
  const [evs, atts, recorded] = await Promise.all([
    q<{
      node_id: string;
      kind: "paid" | "slashed";
      reason: number | null;
    }>(sql`select x.node_id, x.kind, x.reason from (
          select p.node_id, 'paid' as kind, null::smallint as reason, r.pos from payouts p join raw_events r using (tx_digest, event_seq) where p.node_id in ${inIds}
          union all
          select s.node_id, 'slashed' as kind, s.reason, r.pos from slashes s join raw_events r using (tx_digest, event_seq) where s.node_id in ${inIds}
        ) x order by x.pos`),
    q<{
      node_id: string;
      event: string;
    }>(sql`select distinct on (a.node_id) a.node_id, a.event from attestations a join raw_events r using (tx_digest, event_seq)
          where a.node_id in ${inIds} order by a.node_id, r.pos desc`),
    // The latest recorded attestation stays visible after a revocation, marked revoked.
    q(sql`select distinct on (a.node_id) a.* from attestations a join raw_events r using (tx_digest, event_seq)
          where a.node_id in ${inIds} and a.event = 'recorded' order by a.node_id, r.pos desc`),
  ]);
  const byNode = new Map<string, { kind: "paid" | "slashed"; reason: number | null }[]>();
  for (const e of evs) {
    const l = byNode.get(e.node_id) ?? [];
    l.push(e);
    byNode.set(e.node_id, l);
  }
  const latest = new Map(atts.map((a) => [a.node_id, a.event]));
  const rec = new Map(recorded.map((a) => [String(a.node_id), shape<ApiAttestation>(a)]));
  return items.map((n) => {
    const r = rec.get(n.nodeId);
    return {
      ...n,
      reputation: foldReputation(byNode.get(n.nodeId) ?? []).toString(),
      attestation: r ? { ...r, revoked: latest.get(n.nodeId) === "revoked" } : null,
    };
  });
}

const NodesQuery = strict({
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  operator: Type.Optional(hex),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const nodesPlugin: ResourcePlugin = async (app, { q }) => {
  app.get(
    "/v1/nodes",
    { schema: { querystring: NodesQuery, response: { 200: page(NodeT), ...errors } } },
    async (req) => {
      const { operator, cursor } = req.query;
      const status = req.query.status === undefined ? undefined : int(req.query.status, "status", 0, 255);
      const limit = int(req.query.limit, "limit", 1, 200, 50);
      const after = cursor ? decodeCursor(cursor, ["id"])[0] : undefined;
      const rows = await q(
        sql`select * from nodes ${cond([
          status !== undefined ? sql`status = ${status}` : undefined,
          operator ? sql`operator = ${normId(operator)}` : undefined,
          after ? sql`node_id > ${after}` : undefined,
        ])} order by node_id limit ${limit + 1}`,
      );
      const items = await enrichNodes(
        q,
        rows.slice(0, limit).map((r) => shape<NodeRow>(r)),
      );
      return { items, nextCursor: rows.length > limit ? encodeCursor([items.at(-1)!.nodeId]) : null };
    },
  );

  app.get(
    "/v1/nodes/:nodeId",
    {
      schema: {
        params: IdParam("nodeId"),
        response: { 200: Type.Object({ node: ref(NodeT), history: Type.Array(ref(HistoryT)) }), ...errors },
      },
    },
    async (req, reply) => {
      const id = normId(req.params.nodeId);
      const [node] = await q(sql`select * from nodes where node_id = ${id}`);
      if (!node)
        return reply.status(404).send({ error: "not_found", message: `nodeId: no node ${id}`, field: "nodeId" });
      const history = await q(
        sql`select h.tx_digest, h.event_seq, h.event, h.data from node_history h join raw_events r using (tx_digest, event_seq) where h.node_id = ${id} order by r.pos desc limit 100`,
      );
      const [enriched] = await enrichNodes(q, [shape<NodeRow>(node)]);
      return { node: enriched!, history: history.map((h) => shape<ApiHistory>(h)) };
    },
  );
};
