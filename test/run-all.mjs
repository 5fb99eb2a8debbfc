#!/usr/bin/env node
// `pnpm test`: the checks (typecheck, lint), then every unit/integration/e2e test and the Move
// tests (vitest). Closes with a "Checks:" line, the skipped suites by name, and one summary line
// counting tests only: "Summary: N passed, N failed, N skipped" (CI parses it).
// Under CI=true nothing may skip: a skipped test fails the run (a missing prerequisite already
// fails its test file, naming it; see test/setup/prerequisites.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const extra = process.argv.slice(2);
const ci = process.env.CI === "true" || process.env.CI === "1";

/** @type {{ name: string, ok: boolean }[]} */
const checks = [];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
/** Skipped tests per file: relative path -> titles. */
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

if (!extra.length) {
  check("typecheck", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
  check("lint", bin("biome"), ["check", "."]);
}

const out = mkdtempSync(path.join(tmpdir(), "atoma-test-"));
const report = path.join(out, "vitest.json");
console.log(`\n▶ tests: vitest run (unit, integration, end-to-end, Move)${ci ? " — CI=true: nothing may skip" : ""}`);
const res = spawnSync(
  bin("vitest"),
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extra],
  { cwd: root, stdio: "inherit" },
);
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  for (const file of json.testResults ?? []) {
    const rel = path.relative(root, file.name);
    for (const t of file.assertionResults ?? []) {
      if (t.status === "passed") passed++;
      else if (t.status === "failed") {
        failed++;
        failures.push(`${rel} › ${t.fullName}`);
      } else {
        skipped++;
        if (!skippedByFile.has(rel)) skippedByFile.set(rel, []);
        skippedByFile.get(rel).push(t.fullName);
      }
    }
    if (file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed")) {
      failed++;
      failures.push(`${rel} (file failed to load: ${String(file.message ?? "").split("\n")[0]})`);
    }
  }
} catch (err) {
  failed++;
  failures.push(`vitest produced no report (exit ${res.status}): ${err.message}`);
}
if (res.status !== 0 && failed === 0) {
  failed++;
  failures.push(`vitest exited ${res.status}`);
}
rmSync(out, { recursive: true, force: true });

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
