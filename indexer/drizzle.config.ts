import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./indexer/src/schema.ts",
  out: "./indexer/drizzle",
});
