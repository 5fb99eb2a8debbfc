/**
 * `pnpm fuzz:devnet [--target vm|atoma] [--count N] [--seed S] [--json]`: differential fuzzing
 * against the real Move VM: `vm` (default) of the devnet's Move interpreter with random calls into
 * the vm_ops fixture (devnet/test/vm/cases.ts); `atoma` of random atoma operation sequences
 * run through the SDK on a devnet (devnet/test/fuzz/sequences.ts). A seed reproduces the same
 * cases; a failing case is printed with its Move test.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildMovePackage, locateFramework, runMoveTests } from "@atoma/move";
import { fromBase64 } from "@mysten/bcs";
import { normalizeAddress, relocateModule } from "../src/bytecode.js";
import { frameworkPackages, VmLoader } from "../src/vm/index.js";
import { fuzzSequences } from "../test/fuzz/run.js";
import { casesToMove, generateCases } from "../test/vm/cases.js";

const HELP = `Usage: pnpm fuzz:devnet [--target vm|atoma] [--count N] [--seed S] [--json]

--target vm (default): N seeded random calls (default 200) into the vm_ops fixture through the
devnet interpreter, their outcomes written as Move unit tests and run in the real Move VM (WASM
test runner).
--target atoma: N seeded random atoma operation sequences (register, stake, unstake, withdraw,
price and capability changes, create, sample, commit, reveal, settle, escalate, post output,
cluster key rotation (create, start, ack, complete, abort), clock steps; honest, wrong, absent
and late nodes) through the SDK on a devnet; every event's
bytes, the abort and the final state become one Move test per sequence for the real Move VM.

Exit codes: 0 all agree, 1 a disagreement or a runtime failure, 2 usage error.`;

let opts: { count: number; seed: string; json: boolean; target: "vm" | "atoma" };
try {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "200" },
      target: { type: "string", default: "vm" },
      seed: { type: "string", default: `fuzz-${Date.now()}` },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000)
    throw new Error(`--count ${values.count}: must be 1..100000`);
  if (values.target !== "vm" && values.target !== "atoma") throw new Error(`--target ${values.target}: vm or atoma`);
  opts = { count, seed: values.seed, json: values.json, target: values.target };
} catch (e) {
  console.error(`fuzz:devnet: ${(e as Error).message}\n\n${HELP}`);
  process.exit(2);
}

if (opts.target === "atoma") {
  try {
    const r = await fuzzSequences(opts.seed, opts.count);
    const ok = r.failed.length === 0 && r.ran === r.tests.length;
    if (opts.json)
      console.log(
        JSON.stringify({ target: "atoma", seed: opts.seed, count: r.tests.length, ran: r.ran, failed: r.failed }),
      );
    else {
      console.log(
        `seed ${opts.seed}: ${r.ran}/${r.tests.length} sequences ran in the real Move VM, ${r.failed.length} disagree`,
      );
      for (const f of r.failed.slice(0, 5)) {
        const name = f.split("::").pop() ?? f;
        const t = r.tests.find((x) => x.name === name);
        console.log(`\n${f}: ${t?.ops.join("; ")}\n${t?.move ?? ""}`);
      }
      if (!ok) console.log(r.output.slice(-3000));
    }
    process.exit(ok ? 0 : 1);
  } catch (e) {
    console.error(`fuzz:devnet: ${(e as Error).message}`);
    process.exit(1);
  }
}

const fixture = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "test", "fixtures", "vm_ops");
const source = await locateFramework();
if (source.kind === "none") {
  console.error(`fuzz:devnet: ${source.fix}`);
  process.exit(1);
}
const pkg = normalizeAddress("0xd1ff");
const built = await buildMovePackage({ name: "vm_ops", dir: fixture });
const mods = built.modules.map((m) => relocateModule(fromBase64(m), pkg));
const fw = frameworkPackages();
const loader = new VmLoader((a) => (a === pkg ? mods : fw.get(a)));
const cases = generateCases(loader, pkg, opts.seed, opts.count);
const text = casesToMove(cases, opts.seed);
const dir = mkdtempSync(path.join(tmpdir(), "vm-fuzz-"));
try {
  cpSync(fixture, dir, { recursive: true });
  mkdirSync(path.join(dir, "tests"), { recursive: true });
  writeFileSync(path.join(dir, "tests", "diff_tests.move"), text);
  const run = await runMoveTests({ name: "vm_ops", dir }, source);
  if (run.status !== "ran") throw new Error(run.reason);
  const failed = run.cases.filter((c) => c.status !== "PASS").map((c) => c.name);
  const ok = failed.length === 0 && run.cases.length === cases.length;
  if (opts.json) console.log(JSON.stringify({ seed: opts.seed, count: cases.length, ran: run.cases.length, failed }));
  else {
    console.log(
      `seed ${opts.seed}: ${run.cases.length}/${cases.length} cases ran in the real Move VM, ${failed.length} disagree`,
    );
    for (const f of failed.slice(0, 10)) {
      const name = f.split("::").pop() ?? f;
      const i = text.indexOf(`fun ${name}()`);
      console.log(`\n${f}:\n${text.slice(text.lastIndexOf("#[test]", i), text.indexOf("}\n", i) + 1)}`);
    }
    if (!ok && failed.length === 0) console.log(run.output.slice(-3000));
  }
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(`fuzz:devnet: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
