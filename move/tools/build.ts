/** `pnpm move:build`: compile every Move package into publishable bytecode under move/build/. */
import path from "node:path";
import { BUILD_DIR, buildMovePackage, listMovePackages, locateFramework } from "./index.js";

const json = process.argv.includes("--json");
if (process.argv.includes("--help")) {
  console.log(`Usage: pnpm move:build [--json]

Compiles move/ (package "atoma") and every package in move/examples/ with the Sui
compiler built to WASM, writing base64 modules, dependency ids and the package digest to
move/build/<package>.json. Framework sources come from $SUI_FRAMEWORK_DIR
(default ~/.cache/atoma/sui-framework), else GitHub.

Exit codes: 0 built, 1 compile error, 2 framework sources unavailable.`);
  process.exit(0);
}

const source = await locateFramework();
if (source.kind === "none") {
  console.error(`move:build: ${source.fix}`);
  process.exit(2);
}
const results = [];
for (const pkg of listMovePackages()) {
  const started = Date.now();
  try {
    const built = await buildMovePackage(pkg, source);
    const out = path.join(BUILD_DIR, `${pkg.name}.json`);
    results.push({ package: pkg.name, modules: built.modules.length, out, ms: Date.now() - started });
    if (!json)
      console.log(
        `built ${pkg.name}: ${built.modules.length} modules -> ${path.relative(process.cwd(), out)} (${Date.now() - started} ms)`,
      );
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
if (json) console.log(JSON.stringify({ built: results }));
