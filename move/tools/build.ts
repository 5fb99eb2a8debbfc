/**
 * `pnpm move:build`: compile every Move package into the committed bytecode under move/build/
 * (`--check`: compile and compare, write nothing).
 */
import path from "node:path";
import {
  artifactDrift,
  compileMovePackage,
  formatArtifact,
  listBuiltPackages,
  locateFramework,
  REPO_ROOT,
  readArtifact,
  writeArtifact,
} from "./index.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const check = args.includes("--check");
if (args.includes("--help")) {
  console.log(`Usage: pnpm move:build [--check] [--json]

Compiles every Move package (move/packages/*, move/examples/*, and the test fixture packages
that have bytecode in move/build/) with the Sui compiler built to WASM, writing modules,
dependency ids, package digest, module names and source hash to move/build/<package>.json.
These files are committed: the demo, the devnet and the tests use them without compiling.
Framework sources come from $SUI_FRAMEWORK_DIR (default ~/.cache/atoma/sui-framework), else GitHub.

  --check   compile and compare with the committed files; write nothing (exit 1 on a difference)
  --json    one JSON line with the result

Exit codes: 0 built (or up to date), 1 compile error or drift with --check,
2 usage error or framework sources unavailable.`);
  process.exit(0);
}
const unknown = args.filter((a) => !["--json", "--check"].includes(a));
if (unknown.length) {
  console.error(`move:build: unknown argument ${unknown[0]} (see --help)`);
  process.exit(2);
}

const source = await locateFramework();
if (source.kind === "none") {
  console.error(`move:build: ${source.fix}`);
  process.exit(2);
}
const results = [];
let drifted = 0;
for (const pkg of listBuiltPackages()) {
  const started = Date.now();
  try {
    const fresh = await compileMovePackage(pkg, source);
    const before = readArtifact(pkg.name);
    const same = before !== undefined && formatArtifact(before) === formatArtifact(fresh);
    const out = path.relative(REPO_ROOT, path.join(REPO_ROOT, "move", "build", `${pkg.name}.json`));
    const ms = Date.now() - started;
    if (check) {
      const drift = artifactDrift(pkg, fresh);
      if (drift.differences.length) drifted++;
      results.push({ package: pkg.name, out, upToDate: same, differences: drift.differences, ms });
      if (!json)
        console.log(
          same
            ? `up to date ${pkg.name}: ${out}`
            : `DRIFT ${pkg.name}: ${out} differs in ${drift.differences.join(", ")}`,
        );
      continue;
    }
    if (!same) writeArtifact(fresh);
    results.push({ package: pkg.name, modules: fresh.modules.length, out, updated: !same, ms });
    if (!json)
      console.log(`${same ? "unchanged" : "built"} ${pkg.name}: ${fresh.modules.length} modules -> ${out} (${ms} ms)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
if (json) console.log(JSON.stringify({ [check ? "checked" : "built"]: results }));
if (check && drifted) {
  if (!json)
    console.error(`move:build --check: ${drifted} package(s) differ; run pnpm move:build and commit move/build/`);
  process.exit(1);
}
