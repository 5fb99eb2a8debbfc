/** The source-side count of Move tests that move.test.ts compares the runner's output with. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { declaredMoveTests, parseMoveTestSummary, stripMoveComments } from "../tools/test-count.js";

const dir = mkdtempSync(path.join(tmpdir(), "atoma-move-count-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pkg(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), text);
  }
  return root;
}

describe("declaredMoveTests", () => {
  it("counts #[test], #[test, expected_failure(..)], #[random_test] and tests in sources/, not #[test_only] or comments", () => {
    const root = pkg("a", {
      "sources/m.move": `module p::m;
public fun f(): u64 { 1 }
#[test]
fun inline_test() { assert!(f() == 1) }
`,
      "tests/t.move": `/// doc // not a comment end
#[test_only]
module p::t;
use p::m;
// #[test]
/* #[test]
fun commented() {} */
#[test_only]
fun helper(): u64 { m::f() }
#[test]
fun plain() { assert!(helper() == 1) }
#[test, expected_failure(abort_code = 7, location = p::m)]
fun aborts() { abort 7 }
#[expected_failure]
#[test]
public fun two_attrs() { abort 0 }
#[random_test]
fun random(x: u64) { let _ = x; }
fun used_elsewhere() {}
#[test]
fun calls() { used_elsewhere(); let _ = b"// not a comment"; }
`,
      "tests/nested/u.move": `#[test_only]
module p::u {
    #[test]
    fun nested_dir() {}
}
`,
    });
    const d = declaredMoveTests(root);
    // File order: sources/, then tests/ walked in name order (tests/nested/ before tests/t.move).
    expect(d.tests).toEqual([
      "p::m::inline_test",
      "p::u::nested_dir",
      "p::t::plain",
      "p::t::aborts",
      "p::t::two_attrs",
      "p::t::random",
      "p::t::calls",
    ]);
    expect(d.orphans).toEqual([]);
  });

  it("reports a no-argument function in test code that lost its #[test] and that nothing calls", () => {
    const root = pkg("b", {
      "tests/t.move": `#[test_only]
module p::t;
#[test]
fun kept() {}
fun lost_its_attribute() { assert!(1 + 1 == 2) }
fun called() {}
#[test]
fun caller() { called() }
fun with_args(x: u64): u64 { x }
`,
    });
    expect(declaredMoveTests(root)).toEqual({
      tests: ["p::t::kept", "p::t::caller"],
      orphans: ["p::t::lost_its_attribute"],
    });
  });

  it("keeps strings and line structure when blanking comments", () => {
    expect(stripMoveComments('a // x\nb /* y\nz */ c "d // e"')).toBe('a \nb     \n     c "d // e"');
  });
});

describe("parseMoveTestSummary", () => {
  it("reads the runner's closing line, and null when it is missing", () => {
    expect(
      parseMoveTestSummary("[ PASS    ] p::t::a\nTest result: OK. Total tests: 3; passed: 2; failed: 1\n"),
    ).toEqual({
      total: 3,
      passed: 2,
      failed: 1,
    });
    expect(parseMoveTestSummary("[ PASS    ] p::t::a\n")).toBeNull();
  });
});
