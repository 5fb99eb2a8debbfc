#!/usr/bin/env node
// `pnpm bench`: runs every benchmark script (<package>/bench/*.bench.ts) one after another.
// Each prints its figures as ratios against a peer measured in the same run.
//   pnpm bench [name] [options...]   options go to every chosen script (`pnpm bench throughput --requests 500`)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const [only, ...options] = process.argv.slice(2);
const scripts = [];
for (const pkg of ["sdk", "devnet", "indexer", "node-runner", "simulate"]) {
  const dir = path.join(root, pkg, "bench");
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith(".bench.ts")) scripts.push(path.join(pkg, "bench", f));
}
const chosen = only ? scripts.filter((s) => s.includes(only)) : scripts;
if (!chosen.length) {
  console.log(only ? `no benchmark matches "${only}"` : "no benchmarks yet");
  process.exit(only ? 2 : 0);
}
let failed = 0;
for (const s of chosen) {
  console.log(`\n▶ ${s}`);
  const res = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), [s, ...options], {
    cwd: root,
    stdio: "inherit",
  });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
