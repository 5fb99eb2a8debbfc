-- Issue 17: the detail of GET /v1/requests/:id is written by the ingester in each batch's
-- transaction (src/request-details.ts) and read by primary key.
CREATE TABLE "request_details" (
	"request_id" text PRIMARY KEY NOT NULL,
	"body" text,
	"etag" text
);
--> statement-breakpoint
CREATE INDEX "request_details_pending" ON "request_details" USING btree ("request_id") WHERE "request_details"."body" is null;--> statement-breakpoint
-- Requests indexed before this table: pending (null body); the documents are serialized in Node
-- (the API's own serializer), so they are written when storage is opened (fillPendingDetails).
INSERT INTO "request_details" ("request_id") SELECT "request_id" FROM "requests" ON CONFLICT DO NOTHING;
