/**
 * Runs every Move unit test (move/packages/* and move/examples/*, each from its own folder with
 * `examples/` and `tests/` included as the Sui CLI includes them) as one vitest test each.
 */
import { describe, expect, it } from "vitest";
import { requireFramework } from "../../test/setup/prerequisites.js";
import { listMovePackages, runMoveTests } from "../tools/index.js";
import { declaredMoveTests, parseMoveTestSummary } from "../tools/test-count.js";

const source = await requireFramework("the Move unit tests (pnpm move:test)");

for (const pkg of listMovePackages()) {
  if (!source) {
    describe(`move package ${pkg.name}`, () => {
      it.skip(`Move tests of ${pkg.name} (SKIPPED: framework sources unavailable)`, () => {});
    });
    continue;
  }
  const run = await runMoveTests(pkg, source);
  describe(`move package ${pkg.name}`, () => {
    if (run.status === "skipped") throw new Error(`Move tests of ${pkg.name} skipped: ${run.reason}`);
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
