/** `/v1/clusters/:clusterId`: a cluster and its membership (issue 13 A7: invited, then members by consent). */
import { sql } from "drizzle-orm";
import type { ResourcePlugin } from "./plugin.js";
import { normId, shape } from "./query.js";
import { type ApiCluster, type ApiClusterMember, ClusterT, errors, IdParam, ref } from "./schemas.js";

export const clustersPlugin: ResourcePlugin = async (app, { q }) => {
  app.get(
    "/v1/clusters/:clusterId",
    { schema: { params: IdParam("clusterId"), response: { 200: ref(ClusterT), ...errors } } },
    async (req, reply) => {
      const id = normId(req.params.clusterId);
      const [row] = await q(sql`select * from clusters where cluster_id = ${id}`);
      if (!row) return reply.code(404).send({ error: "not_found", message: `cluster ${id} not indexed` });
      const members = await q(
        sql`select node_id, state, last_tx, last_pos from cluster_members where cluster_id = ${id} order by last_pos, node_id`,
      );
      const c = shape<Omit<ApiCluster, "membership">>(row);
      return { ...c, membership: members.map((m) => shape<ApiClusterMember>(m)) };
    },
  );
};
