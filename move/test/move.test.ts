/**
 * Runs every Move unit test (move/packages/* and move/examples/*, each from its own folder with
 * `examples/` and `tests/` included as the Sui CLI includes them) as one vitest test each.
 */
import { describe, expect, it } from "vitest";
import { requireFramework } from "../../test/setup/prerequisites.js";
import { listMovePackages, runMoveTests } from "../tools/index.js";

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
    it("compiles and runs at least one test", () => {
      expect(run.cases.length, run.output).toBeGreaterThan(0);
    });
    for (const c of run.cases) {
      it(c.name, () => {
        expect(c.status, run.output).toBe("PASS");
      });
    }
  });
}
