-- Issue 13 A7: cluster membership is by consent; ClusterCreated.members are only the invited nodes.
CREATE TABLE "cluster_members" (
	"cluster_id" text NOT NULL,
	"node_id" text NOT NULL,
	"state" text NOT NULL,
	"last_tx" text NOT NULL,
	"last_pos" bigint NOT NULL,
	CONSTRAINT "cluster_members_cluster_id_node_id_pk" PRIMARY KEY("cluster_id","node_id")
);
--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "member_count" bigint;--> statement-breakpoint
CREATE INDEX "cluster_members_node" ON "cluster_members" USING btree ("node_id");--> statement-breakpoint
-- Clusters indexed before this table: their creation-time invitations (the membership events
-- before it were not projected; `pnpm indexer replay --from start` rebuilds every state).
INSERT INTO "cluster_members" ("cluster_id", "node_id", "state", "last_tx", "last_pos")
SELECT c."cluster_id", m."node_id", 'invited', coalesce(c."created_tx", ''), 0
FROM "clusters" c CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(c."members", '[]'::jsonb)) AS m("node_id")
ON CONFLICT DO NOTHING;
