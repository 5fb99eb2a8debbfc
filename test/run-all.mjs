#!/usr/bin/env node
// `pnpm test`: the checks (typecheck, lint), then every unit/integration/e2e test and the Move
// tests (vitest), then the gRPC leg: the devnet-backed tests again against a gRPC-only devnet
// (ATOMA_TEST_TRANSPORT=grpc; the files that take their transport from test/setup/transport.ts).
// Closes with a "Checks:" line, the skipped suites by name, and one summary line counting the tests
// of both legs: "Summary: N passed, N failed, N skipped" (CI parses it).
// `--grpc` runs the gRPC leg alone (`pnpm test:grpc`); paths or vitest options run those alone.
// Under CI=true nothing may skip: a skipped test fails the run (a missing prerequisite already
// fails its test file, naming it; see test/setup/prerequisites.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const argv = process.argv.slice(2);
const grpcOnly = argv.includes("--grpc");
const extra = argv.filter((a) => a !== "--grpc");
const ci = process.env.CI === "true" || process.env.CI === "1";

/** @type {{ name: string, ok: boolean }[]} */
const checks = [];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
/** Skipped tests per file: relative path (with its leg) -> titles. */
const skippedByFile = new Map();

function check(name, cmd, args) {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${[path.basename(cmd), ...args].join(" ")}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  const ok = res.status === 0;
  console.log(`${ok ? "✔" : "✘"} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  checks.push({ name, ok });
  if (!ok) failures.push(`check ${name}`);
}

/** The test files whose devnet transport follows ATOMA_TEST_TRANSPORT (they import test/setup/transport.ts). */
function transportFiles() {
  const files = [];
  for (const pkg of ["sdk", "node-runner", "indexer", "test"]) {
    const dir = path.join(root, pkg, "test");
    for (const f of readdirSync(dir, { recursive: true })) {
      const rel = String(f);
      if (!rel.endsWith(".test.ts")) continue;
      if (/setup\/transport\.js["']/.test(readFileSync(path.join(dir, rel), "utf8")))
        files.push(path.posix.join(pkg, "test", rel.split(path.sep).join("/")));
    }
  }
  return files.sort();
}

/** One vitest run; its results are added to the totals, failures and skips named with `tag`. */
function leg(title, tag, args, env = {}) {
  const out = mkdtempSync(path.join(tmpdir(), "atoma-test-"));
  const report = path.join(out, "vitest.json");
  console.log(`\n▶ ${title}${ci ? " — CI=true: nothing may skip" : ""}`);
  const res = spawnSync(
    bin("vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args],
    { cwd: root, stdio: "inherit", env: { ...process.env, ...env } },
  );
  let legFailed = 0;
  try {
    const json = JSON.parse(readFileSync(report, "utf8"));
    for (const file of json.testResults ?? []) {
      const rel = `${tag}${path.relative(root, file.name)}`;
      for (const t of file.assertionResults ?? []) {
        if (t.status === "passed") passed++;
        else if (t.status === "failed") {
          failed++;
          legFailed++;
          failures.push(`${rel} › ${t.fullName}`);
        } else {
          skipped++;
          if (!skippedByFile.has(rel)) skippedByFile.set(rel, []);
          skippedByFile.get(rel).push(t.fullName);
        }
      }
      if (file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed")) {
        failed++;
        legFailed++;
        failures.push(`${rel} (file failed to load: ${String(file.message ?? "").split("\n")[0]})`);
      }
    }
  } catch (err) {
    failed++;
    legFailed++;
    failures.push(`${tag}vitest produced no report (exit ${res.status}): ${err.message}`);
  }
  if (res.status !== 0 && legFailed === 0) {
    failed++;
    failures.push(`${tag}vitest exited ${res.status}`);
  }
  rmSync(out, { recursive: true, force: true });
}

if (!extra.length && !grpcOnly) {
  check("typecheck", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
  check("lint", bin("biome"), ["check", "."]);
}
if (!grpcOnly) leg("tests: vitest run (unit, integration, end-to-end, Move)", "", extra);
if (grpcOnly || !extra.length) {
  // `--grpc <paths or vitest options>` runs those under gRPC instead of the transport files.
  const args = grpcOnly && extra.length ? extra : transportFiles();
  leg(
    `gRPC leg: vitest run ${args.join(" ")} against a gRPC-only devnet (ATOMA_TEST_TRANSPORT=grpc)`,
    "[grpc] ",
    args,
    { ATOMA_TEST_TRANSPORT: "grpc" },
  );
}

if (skippedByFile.size) {
  console.log(`\nSkipped suites (${skipped} tests; their banners above say what is missing and how to enable it):`);
  for (const [file, titles] of [...skippedByFile].sort()) console.log(`  ↓ ${file} (${titles.length} skipped)`);
  if (ci) failures.push(`CI=true: ${skipped} tests skipped in ${skippedByFile.size} files; nothing may skip under CI`);
}
if (failures.length) {
  console.log("\nFailures:");
  for (const f of failures) console.log(`  ✘ ${f}`);
}
if (checks.length) {
  console.log(`\nChecks: ${checks.map((c) => `${c.name} ${c.ok ? "passed" : "FAILED"}`).join(", ")}`);
}
console.log(`\nSummary: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length ? 1 : 0);
