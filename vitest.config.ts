import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { locateFramework } from "./move/tools/framework.js";

const PACKAGES = ["move", "sdk", "devnet", "indexer", "node-runner", "simulate", "test"];
/** Test files that compile or publish the Move package (directly or through a devnet). */
const NEEDS_MOVE =
  /@atoma\/move|loadBuiltPackage|buildMovePackage|startDevnet|publishAtoma|devnet\/src\/cli|startDemoNetwork|startChain|demo\/network/;

function testFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) testFiles(full, out);
    else if (e.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

/** True when `file` or a relative module it imports (transitively) uses the Move build. */
function needsMove(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  if (NEEDS_MOVE.test(src)) return true;
  for (const m of src.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const rel = (m[1] ?? "").replace(/\.js$/, ".ts");
    if (needsMove(path.resolve(path.dirname(file), rel), seen)) return true;
  }
  return false;
}

export default defineConfig(async () => {
  const framework = await locateFramework();
  const exclude: string[] = [];
  if (framework.kind === "none") {
    for (const pkg of PACKAGES) {
      for (const file of testFiles(path.join(pkg, "test"))) {
        if (file.startsWith(path.join("move", "test"))) continue; // reports its own SKIPPED tests
        if (needsMove(file)) exclude.push(file);
      }
    }
    process.env.ATOMA_SKIPPED_FOR_MOVE = JSON.stringify(exclude);
  }
  return {
    test: {
      include: ["{move,sdk,devnet,indexer,node-runner,simulate,test}/test/**/*.test.ts"],
      exclude: ["**/node_modules/**", ...exclude],
      globalSetup: ["test/setup/postgres.ts"],
      testTimeout: 120_000,
      hookTimeout: 180_000,
      pool: "forks",
      // Two cores: keep parallelism modest so process-spawning e2e tests stay within their deadlines.
      maxWorkers: 2,
    },
  };
});
