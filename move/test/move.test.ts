/** Runs every Move unit test (move/ and move/examples/*) as one vitest test each. */
import { describe, expect, it } from "vitest";
import { listMovePackages, locateFramework, runMoveTests } from "../tools/index.js";
import { declaredMoveTests, parseMoveTestSummary } from "../tools/test-count.js";

const source = await locateFramework();

for (const pkg of listMovePackages()) {
  const run = await runMoveTests(pkg, source);
  describe(`move package ${pkg.name}`, () => {
    if (run.status === "skipped") {
      console.warn(`\n${"=".repeat(78)}\nSKIPPED: Move tests of ${pkg.name}: ${run.reason}\n${"=".repeat(78)}`);
      it.skip(`Move tests of ${pkg.name} (SKIPPED: framework sources unavailable)`, () => {});
      return;
    }
    // What must have run, read from the sources (not from the runner): every #[test] function.
    const declared = declaredMoveTests(pkg.dir);
    it("runs every declared #[test], and the runner's own count agrees", () => {
      expect(declared.tests.length).toBeGreaterThan(0);
      expect(new Set(declared.tests).size, "duplicate test names").toBe(declared.tests.length);
      expect(run.cases.map((c) => c.name).sort(), "PASS/FAIL lines vs #[test] functions in the sources").toEqual(
        [...declared.tests].sort(),
      );
      // The closing line is missing when the runner crashed or its output was cut off.
      expect(parseMoveTestSummary(run.output), run.output.slice(-2000)).toEqual({
        total: declared.tests.length,
        passed: declared.tests.length,
        failed: 0,
      });
    });
    it("has no test function that lost its #[test] attribute", () => {
      expect(declared.orphans, "unreferenced no-argument functions in #[test_only] code").toEqual([]);
    });
    for (const c of run.cases) {
      it(c.name, () => {
        expect(c.status, run.output).toBe("PASS");
      });
    }
  });
}

// Test files that need the Move build are excluded by vitest.config.ts when the framework
// sources are unavailable; list them here as skipped so the summary counts them.
const skippedFiles = JSON.parse(process.env.ATOMA_SKIPPED_FOR_MOVE ?? "[]") as string[];
if (skippedFiles.length) {
  describe("test files that need the Move build", () => {
    for (const f of skippedFiles) it.skip(`${f} (SKIPPED: framework sources unavailable)`, () => {});
  });
}
