/** `pnpm move:test`: run the Move unit tests of every package, one PASS/FAIL line per test. */
import { listMovePackages, locateFramework, runMoveTests } from "./index.js";

if (process.argv.includes("--help")) {
  console.log(`Usage: pnpm move:test [--json] [--strict]

Runs the Move unit tests of every package (move/packages/*, move/examples/*) with the WASM
Sui compiler, each from its own folder with sources/, scripts/, examples/ and tests/ as
\`sui move test\` compiles them. Prints one PASS/FAIL line per test and a summary.

  --json    print one JSON object with every result
  --strict  exit 3 when tests were skipped (framework sources unavailable); implied by CI=true

Exit codes: 0 all passed (or skipped without --strict), 1 a test failed, 3 skipped with --strict.`);
  process.exit(0);
}
const json = process.argv.includes("--json");
const strict = process.argv.includes("--strict") || process.env.CI === "true" || process.env.CI === "1";

const source = await locateFramework();
let passed = 0;
let failed = 0;
let skipped = 0;
const runs = [];
for (const pkg of listMovePackages()) {
  const run = await runMoveTests(pkg, source);
  runs.push(run);
  if (run.status === "skipped") {
    skipped++;
    if (!json) {
      const bar = "=".repeat(78);
      console.log(`${bar}\nSKIPPED: Move tests of ${pkg.name} did not run.\n${run.reason}\n${bar}`);
    }
    continue;
  }
  for (const c of run.cases) {
    if (c.status === "PASS") passed++;
    else failed++;
    if (!json) console.log(`[ ${c.status.padEnd(7)} ] ${c.name}`);
  }
  if (!run.passed && !json) console.log(run.output);
}
if (json) console.log(JSON.stringify({ passed, failed, skippedPackages: skipped, runs }));
else console.log(`move: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} packages SKIPPED` : ""}`);
process.exit(failed > 0 ? 1 : strict && skipped > 0 ? 3 : 0);
