-- Issue 13 A4 (lazy escalation nodes): round 0 reveals the blinded t = blake2b256(output_hash ‖ request_id),
-- round 1 the output hash; settlement agrees on t, and the output hash becomes known later (OutputHashAgreed).
ALTER TABLE "requests" ADD COLUMN "agreed_blinded_hash" text;--> statement-breakpoint
-- settlements.output_hash held RequestSettled.output_hash, which is now t: renamed for its meaning.
ALTER TABLE "settlements" RENAME COLUMN "output_hash" TO "blinded_hash";--> statement-breakpoint
ALTER TABLE "reveals" ADD COLUMN "blinded_hash" text;--> statement-breakpoint
-- Rows indexed before this migration come from a package without blinding: the value revealed is
-- what was tallied, so it is its own key; likewise a settled request's agreed value.
UPDATE "reveals" SET "blinded_hash" = "output_hash";--> statement-breakpoint
UPDATE "requests" SET "agreed_blinded_hash" = "output_hash" WHERE "output_hash" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "reveals" ALTER COLUMN "blinded_hash" SET NOT NULL;
