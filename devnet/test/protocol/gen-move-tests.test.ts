import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ATOMA_PACKAGE_DIR, manifestForCopy, runMoveTests } from "@atoma/move";
import { describe, expect, it } from "vitest";
import { requireFramework } from "../../../test/setup/prerequisites.js";
import { GENERATED_PATH, generateConformanceMove } from "./gen-move-tests.js";
import { SCENARIOS } from "./scenarios.js";

const source = await requireFramework("the generated Move conformance tests run against the Move sources");

describe("generated Move conformance tests", () => {
  const text = generateConformanceMove();

  it("move/packages/atoma/tests/conformance_tests.move equals the generator's output (regenerate with `pnpm exec tsx devnet/test/protocol/gen-move-tests.ts`)", () => {
    expect(existsSync(GENERATED_PATH)).toBe(true);
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(text);
  });

  it("has one Move test per scenario, abort scenarios as expected_failure with the Move constant", () => {
    for (const s of SCENARIOS) {
      expect(text).toContain(`fun ${s.name}() {`);
      if (s.abort) expect(text).toContain(`expected_failure(abort_code = atoma::${s.abort.module}::${s.abort.error})`);
    }
  });

  it.skipIf(!source)(
    `passes against the Move package's sources (WASM Move toolchain)${source ? "" : " (SKIPPED: framework sources unavailable)"}`,
    { timeout: 300_000 },
    async () => {
      // Only the package sources and this module: other test modules are not part of this check.
      const dir = mkdtempSync(path.join(tmpdir(), "atoma-conformance-"));
      try {
        cpSync(path.join(ATOMA_PACKAGE_DIR, "sources"), path.join(dir, "sources"), { recursive: true });
        writeFileSync(path.join(dir, "Move.toml"), manifestForCopy(ATOMA_PACKAGE_DIR));
        mkdirSync(path.join(dir, "tests"));
        writeFileSync(path.join(dir, "tests", "conformance_tests.move"), text);
        const run = await runMoveTests({ name: "atoma", dir }, source);
        expect(run.status).toBe("ran");
        if (run.status !== "ran") return;
        const failed = run.cases.filter((c) => c.status !== "PASS").map((c) => c.name);
        expect(failed, run.output.slice(-4000)).toEqual([]);
        expect(run.cases.length).toBe(SCENARIOS.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
