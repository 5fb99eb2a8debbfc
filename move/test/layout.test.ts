/**
 * Package layout: every Move package builds and tests from its own folder, and the toolchain
 * picks a package's files exactly as the Sui CLI does (move-package `source_paths_for_config`:
 * sources/ and scripts/ always, examples/ and tests/ in test mode), so a package nested in
 * another's examples/ (the bug `sui move test` hit in move/) breaks our runs too.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireFramework } from "../../test/setup/prerequisites.js";
import { listMovePackages, MOVE_ROOT, readPackageFiles, runMoveTests, sourceFolders } from "../tools/index.js";

const tmp = mkdtempSync(path.join(tmpdir(), "atoma-move-layout-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A package `host` whose examples/ holds another package (address `guest` unassigned in host). */
function hostWithNestedExample(): string {
  write("host/Move.toml", '[package]\nname = "host"\nedition = "2024"\n\n[addresses]\nhost = "0x0"\n');
  write("host/sources/a.move", "module host::a;\n\npublic fun one(): u64 { 1 }\n");
  write("host/scripts/s.move", "module host::s;\n\npublic fun two(): u64 { 2 }\n");
  write(
    "host/tests/a_tests.move",
    "#[test_only]\nmodule host::a_tests;\n\n#[test]\nfun one() { assert!(host::a::one() == 1) }\n",
  );
  write("host/examples/guest/Move.toml", '[package]\nname = "guest"\n\n[addresses]\nguest = "0x0"\n');
  write("host/examples/guest/sources/g.move", "module guest::g;\n\npublic fun three(): u64 { 3 }\n");
  return path.join(tmp, "host");
}

/** Folders (relative to MOVE_ROOT) holding a Move.toml below `dir`, `dir` excluded. */
function nestedManifests(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const full = path.join(dir, e);
    if (!statSync(full).isDirectory() || e === "build") continue;
    if (existsSync(path.join(full, "Move.toml"))) out.push(path.relative(MOVE_ROOT, full));
    out.push(...nestedManifests(full));
  }
  return out;
}

describe("Move package layout", () => {
  it("lists atoma and tee_verify under move/packages and the example consumer under move/examples", () => {
    const pkgs = listMovePackages().map((p) => [p.name, path.relative(MOVE_ROOT, p.dir)]);
    expect(pkgs).toEqual([
      ["atoma", path.join("packages", "atoma")],
      ["tee_verify", path.join("packages", "tee_verify")],
      ["atoma_consumer", path.join("examples", "atoma_consumer")],
    ]);
  });

  it("has no package inside another package's folder (the Sui CLI would compile it as examples/ or tests/)", () => {
    for (const p of listMovePackages()) expect(nestedManifests(p.dir), p.name).toEqual([]);
  });

  it("picks sources/ and scripts/ to build, and examples/ and tests/ too in test mode, as the Sui CLI does", () => {
    expect(sourceFolders(false)).toEqual(["sources", "scripts"]);
    expect(sourceFolders(true)).toEqual(["sources", "scripts", "examples", "tests"]);
    const dir = hostWithNestedExample();
    expect(Object.keys(readPackageFiles(dir, false)).sort()).toEqual(["Move.toml", "scripts/s.move", "sources/a.move"]);
    expect(Object.keys(readPackageFiles(dir, true)).sort()).toEqual([
      "Move.toml",
      "examples/guest/sources/g.move",
      "scripts/s.move",
      "sources/a.move",
      "tests/a_tests.move",
    ]);
  });
});

const source = await requireFramework("the Move layout test that compiles a package with a nested example");

describe("a package nested in examples/ under test mode", () => {
  it.skipIf(!source)(
    `fails to compile with the unassigned address, as sui move test does${source ? "" : " (SKIPPED: framework sources unavailable)"}`,
    async () => {
      const run = await runMoveTests({ name: "host", dir: hostWithNestedExample() }, source);
      expect(run.status).toBe("ran");
      if (run.status !== "ran") return;
      expect(run.passed).toBe(false);
      expect(run.cases).toEqual([{ name: "host::<compile>", status: "FAIL" }]);
      expect(run.output).toMatch(/address 'guest' is not assigned a value/);
    },
  );

  it.skipIf(!source)(
    `fails the same way in a package that depends on it locally (dependencies compile examples/ and tests/ in test mode too)${source ? "" : " (SKIPPED: framework sources unavailable)"}`,
    async () => {
      hostWithNestedExample();
      write(
        "user/Move.toml",
        '[package]\nname = "user"\nedition = "2024"\n\n[dependencies]\nhost = { local = "../host" }\n\n[addresses]\nuser = "0x0"\n',
      );
      write("user/sources/u.move", "module user::u;\n\npublic fun four(): u64 { host::a::one() + 3 }\n");
      write(
        "user/tests/u_tests.move",
        "#[test_only]\nmodule user::u_tests;\n\n#[test]\nfun four() { assert!(user::u::four() == 4) }\n",
      );
      const run = await runMoveTests({ name: "user", dir: path.join(tmp, "user") }, source);
      expect(run.status).toBe("ran");
      if (run.status !== "ran") return;
      expect(run.cases).toEqual([{ name: "user::<compile>", status: "FAIL" }]);
      expect(run.output).toMatch(/address 'guest' is not assigned a value/);
    },
  );
});
