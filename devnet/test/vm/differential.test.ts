/**
 * Differential test of the interpreter against the real Move VM: 200 seeded random calls into
 * the vm_ops fixture run through the devnet interpreter; their outcomes become Move unit tests
 * that the real Move VM (WASM test runner) must pass. More: `pnpm fuzz:devnet --count N`.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildMovePackage, locateFramework, runMoveTests } from "@atoma/move";
import { fromBase64 } from "@mysten/bcs";
import { describe, expect, it } from "vitest";
import { normalizeAddress, relocateModule } from "../../src/bytecode.js";
import { frameworkPackages, VmLoader } from "../../src/vm/index.js";
import { casesToMove, generateCases } from "./cases.js";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "fixtures", "vm_ops");
const PKG = normalizeAddress("0xd1ff");
const SEED = "devnet-vm-differential";

describe("interpreter vs the real Move VM (differential)", () => {
  it("200 seeded cases: the real VM passes every outcome the interpreter produced", { timeout: 600_000 }, async () => {
    const source = await locateFramework();
    if (source.kind === "none") throw new Error(source.fix);
    const built = await buildMovePackage({ name: "vm_ops", dir: FIXTURE });
    const mods = built.modules.map((m) => relocateModule(fromBase64(m), PKG));
    const fw = frameworkPackages();
    const loader = new VmLoader((a) => (a === PKG ? mods : fw.get(a)));
    const cases = generateCases(loader, PKG, SEED, 200);
    // The same seed gives the same cases; the mix covers values, arithmetic errors and aborts.
    expect(generateCases(loader, PKG, SEED, 200)).toEqual(cases);
    const kinds = new Set(cases.map((c) => c.outcome.kind));
    expect([...kinds].sort()).toEqual(["abort", "arithmetic", "values", "vector"]);
    const dir = mkdtempSync(path.join(tmpdir(), "vm-diff-"));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      mkdirSync(path.join(dir, "tests"), { recursive: true });
      writeFileSync(path.join(dir, "tests", "diff_tests.move"), casesToMove(cases, SEED));
      const run = await runMoveTests({ name: "vm_ops", dir }, source);
      expect(run.status).toBe("ran");
      if (run.status !== "ran") return;
      const failed = run.cases.filter((c) => c.status !== "PASS").map((c) => c.name);
      expect(failed, run.output.slice(-3000)).toEqual([]);
      expect(run.cases.length).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
