import { defineConfig } from "vitest/config";

// No test file is excluded for a missing prerequisite: the committed bytecode (move/build/) serves
// every test that publishes or links the Move package, and the few tests that compile Move, read
// ../shared/vectors or need PostgreSQL decide for themselves through test/setup/prerequisites.ts
// (skipped with a banner on a user's machine, failed under CI=true).
export default defineConfig({
  test: {
    include: ["{move,sdk,devnet,indexer,node-runner,demo,explorer,simulate,test}/test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    globalSetup: ["test/setup/postgres.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Two cores: keep parallelism modest so process-spawning e2e tests stay within their deadlines.
    maxWorkers: 2,
  },
});
