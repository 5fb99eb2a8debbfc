/**
 * `pnpm codegen`: regenerate the SDK bindings (`sdk/src/generated/`) from the committed bytecode
 * (`move/build/*.json`). `--check` writes nothing and exits 1 naming each stale file.
 * Exit codes: 0 ok, 1 stale files (--check) or a generation failure, 2 usage.
 */
import { parseArgs } from "node:util";
import { renderGenerated, staleGenerated, writeGenerated } from "./codegen/files.js";

const HELP = `usage: pnpm codegen [--check] [--json]

Regenerates sdk/src/generated/ (BCS schemas, moveCall builders, Move error table) from
move/build/<package>.json.

  --check   compare only; exit 1 naming every file that differs from a fresh generation
  --json    print one JSON line {"written"|"stale": [...]} instead of text
  --help    this text
`;

function main(): number {
  let values: { check?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { check: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const rendered = renderGenerated();
    if (values.check) {
      const stale = staleGenerated(rendered);
      if (values.json) process.stdout.write(`${JSON.stringify({ stale })}\n`);
      else if (stale.length)
        process.stderr.write(`stale generated files (run pnpm codegen):\n  ${stale.join("\n  ")}\n`);
      else process.stdout.write(`generated files up to date (${rendered.size})\n`);
      return stale.length ? 1 : 0;
    }
    const written = writeGenerated(rendered);
    if (values.json) process.stdout.write(`${JSON.stringify({ written })}\n`);
    else process.stdout.write(written.length ? `wrote ${written.join(", ")}\n` : "generated files up to date\n");
    return 0;
  } catch (e) {
    process.stderr.write(`codegen: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main();
