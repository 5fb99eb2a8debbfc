/** `pnpm framework:build`: regenerates devnet/framework/bytecode.json (Sui framework bytecode for the devnet VM). */
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readTree } from "./framework.js";
import { buildFrameworkBytecode } from "./framework-bytecode.js";
import { frameworkDir, hasLocalFramework, MOVE_ROOT } from "./index.js";

if (process.argv.includes("--help")) {
  console.log(`Usage: pnpm framework:build [--json]

Compiles move-stdlib (0x1) and sui-framework (0x2) from $SUI_FRAMEWORK_DIR
(default ~/.cache/atoma/sui-framework) and writes their bytecode to
devnet/framework/bytecode.json, which the devnet's Move interpreter executes.

Exit codes: 0 written, 1 compile error, 2 framework sources missing.`);
  process.exit(0);
}
const dir = frameworkDir();
if (!hasLocalFramework(dir)) {
  console.error(`framework:build: no framework sources in ${dir} (see docs/development.md)`);
  process.exit(2);
}
try {
  const built = await buildFrameworkBytecode(dir);
  const sources = {
    ...readTree(path.join(dir, "move-stdlib", "sources"), "std"),
    ...readTree(path.join(dir, "sui-framework", "sources"), "sui"),
  };
  const h = createHash("sha256");
  for (const k of Object.keys(sources).sort()) h.update(`${k}\0${sources[k]}\0`);
  const out = path.join(MOVE_ROOT, "..", "devnet", "framework", "bytecode.json");
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ sourceHash: h.digest("hex"), ...built }, null, 2)}\n`);
  renameSync(tmp, out);
  const counts = Object.fromEntries(Object.entries(built.packages).map(([k, v]) => [k, v.length]));
  if (process.argv.includes("--json")) console.log(JSON.stringify({ out, modules: counts }));
  else console.log(`wrote ${path.relative(process.cwd(), out)}: ${JSON.stringify(counts)}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
