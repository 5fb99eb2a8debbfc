import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{move,sdk,devnet,indexer,node-runner,test}/test/**/*.test.ts"],
    globalSetup: ["test/setup/postgres.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Two cores: keep parallelism modest so process-spawning e2e tests stay within their deadlines.
    maxWorkers: 2,
  },
});
