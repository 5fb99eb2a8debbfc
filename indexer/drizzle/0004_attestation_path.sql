ALTER TABLE "attestations" ADD COLUMN "path" text;--> statement-breakpoint
-- Rows indexed before this column: the same rule as src/attestation-path.ts (verifier 0x0 = verified on chain).
UPDATE "attestations" SET "path" = CASE WHEN "verifier" ~ '^0x0*$' THEN (CASE "tee_kind" WHEN 1 THEN 'tdx-onchain' WHEN 4 THEN 'nitro-onchain' ELSE 'onchain' END) ELSE 'verdict' END WHERE "event" = 'recorded';
