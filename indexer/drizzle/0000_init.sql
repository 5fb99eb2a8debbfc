CREATE TABLE "attestations" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"node_id" text NOT NULL,
	"event" text NOT NULL,
	"tee_kind" smallint,
	"measurement" text,
	"report_data_hash" text,
	"evidence_hash" text,
	"verifier" text,
	"recorded_ms" bigint,
	"expires_ms" bigint,
	"revoked_by" text,
	CONSTRAINT "attestations_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"cluster_id" text PRIMARY KEY NOT NULL,
	"members" jsonb,
	"epoch" bigint,
	"commitment" text,
	"created_tx" text
);
--> statement-breakpoint
CREATE TABLE "commits" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"node_id" text NOT NULL,
	"round" smallint NOT NULL,
	"commitment" text NOT NULL,
	CONSTRAINT "commits_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "cursors" (
	"stream" text PRIMARY KEY NOT NULL,
	"cursor" text,
	"events" bigint DEFAULT 0 NOT NULL,
	"last_timestamp_ms" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"type" text NOT NULL,
	"bcs" text NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "dead_letters_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "disputes" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"output_hashes" jsonb NOT NULL,
	"escalation_size" bigint NOT NULL,
	CONSTRAINT "disputes_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "key_rotation_acks" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"cluster_id" text NOT NULL,
	"epoch" bigint NOT NULL,
	"node_id" text NOT NULL,
	"acks" bigint NOT NULL,
	CONSTRAINT "key_rotation_acks_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "key_rotations" (
	"cluster_id" text NOT NULL,
	"epoch" bigint NOT NULL,
	"status" text,
	"commitment" text,
	"previous_commitment" text,
	"deadline_ms" bigint,
	"ack_quorum" bigint,
	"acks" bigint,
	"grace_until_ms" bigint,
	"last_pos" bigint,
	CONSTRAINT "key_rotations_cluster_id_epoch_pk" PRIMARY KEY("cluster_id","epoch")
);
--> statement-breakpoint
CREATE TABLE "node_history" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"node_id" text NOT NULL,
	"event" text NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "node_history_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"node_id" text PRIMARY KEY NOT NULL,
	"operator" text,
	"stake" bigint,
	"sig_pk" text,
	"enc_pk" text,
	"capabilities" jsonb,
	"price" bigint,
	"status" smallint,
	"unbonding_until_ms" bigint,
	"tee_kind" smallint,
	"attested_until_ms" bigint,
	"paid_total" bigint,
	"slashed_total" bigint,
	"reveals" bigint,
	"registered_tx" text,
	"last_pos" bigint
);
--> statement-breakpoint
CREATE TABLE "outputs" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"node_id" text NOT NULL,
	"size" bigint NOT NULL,
	CONSTRAINT "outputs_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "payouts" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"node_id" text NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "payouts_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "raw_events" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"pos" bigint NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"package_id" text NOT NULL,
	"sender" text NOT NULL,
	"bcs" text NOT NULL,
	"timestamp_ms" bigint,
	"checkpoint" bigint,
	"data" jsonb,
	CONSTRAINT "raw_events_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "request_samples" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"round" smallint NOT NULL,
	"nodes" jsonb NOT NULL,
	"commit_deadline_ms" bigint NOT NULL,
	"reveal_deadline_ms" bigint NOT NULL,
	CONSTRAINT "request_samples_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"request_id" text PRIMARY KEY NOT NULL,
	"requester" text,
	"kind" smallint,
	"capability" text,
	"input_hash" text,
	"sample_size" bigint,
	"quorum_bps" bigint,
	"confidential" boolean,
	"max_price" bigint,
	"escrow" bigint,
	"created_ms" bigint,
	"status" text,
	"round" smallint,
	"output_hash" text,
	"agreeing" jsonb,
	"paid_total" bigint,
	"slashed_total" bigint,
	"margin" bigint,
	"refund" bigint,
	"rounds" smallint,
	"settled_ms" bigint,
	"fail_reason" smallint,
	"created_pos" bigint,
	"last_pos" bigint
);
--> statement-breakpoint
CREATE TABLE "reveals" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"node_id" text NOT NULL,
	"round" smallint NOT NULL,
	"output_hash" text NOT NULL,
	CONSTRAINT "reveals_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"outcome" text NOT NULL,
	"output_hash" text,
	"agreeing" jsonb,
	"paid_total" bigint,
	"slashed_total" bigint,
	"margin" bigint,
	"refund" bigint NOT NULL,
	"rounds" smallint,
	"settled_ms" bigint,
	"fail_reason" smallint,
	CONSTRAINT "settlements_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "slashes" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"request_id" text NOT NULL,
	"node_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"reason" smallint NOT NULL,
	"remaining_stake" bigint NOT NULL,
	CONSTRAINT "slashes_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE TABLE "stake_changes" (
	"tx_digest" text NOT NULL,
	"event_seq" integer NOT NULL,
	"node_id" text NOT NULL,
	"old_stake" bigint NOT NULL,
	"new_stake" bigint NOT NULL,
	"reason" smallint NOT NULL,
	CONSTRAINT "stake_changes_tx_digest_event_seq_pk" PRIMARY KEY("tx_digest","event_seq")
);
--> statement-breakpoint
CREATE INDEX "attestations_node" ON "attestations" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "commits_request" ON "commits" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "commits_node" ON "commits" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "disputes_request" ON "disputes" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "key_rotation_acks_cluster" ON "key_rotation_acks" USING btree ("cluster_id","epoch");--> statement-breakpoint
CREATE INDEX "node_history_node" ON "node_history" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "nodes_operator" ON "nodes" USING btree ("operator");--> statement-breakpoint
CREATE INDEX "nodes_status" ON "nodes" USING btree ("status");--> statement-breakpoint
CREATE INDEX "outputs_request" ON "outputs" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "payouts_request" ON "payouts" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "payouts_node" ON "payouts" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "raw_events_pos" ON "raw_events" USING btree ("pos");--> statement-breakpoint
CREATE INDEX "request_samples_request" ON "request_samples" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "requests_status" ON "requests" USING btree ("status");--> statement-breakpoint
CREATE INDEX "requests_requester" ON "requests" USING btree ("requester");--> statement-breakpoint
CREATE INDEX "requests_created_pos" ON "requests" USING btree ("created_pos");--> statement-breakpoint
CREATE INDEX "reveals_request" ON "reveals" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "reveals_node" ON "reveals" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "settlements_request" ON "settlements" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "slashes_request" ON "slashes" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "slashes_node" ON "slashes" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "stake_changes_node" ON "stake_changes" USING btree ("node_id");