/**
 * The offline Move toolchain: compile and unit-test the `atoma` package (and the packages in
 * `move/examples/`) with the Sui compiler built to WASM.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  dumpMovePackage,
  initMovePackageBuilder,
  resolveMovePackageDependencies,
  testMovePackage,
} from "@zktx.io/sui-move-builder/full";
import { type FrameworkSource, fetcherFor, locateFramework, readTree } from "./framework.js";

export { frameworkDir, hasLocalFramework, locateFramework } from "./framework.js";

/** The `move/` folder. */
export const MOVE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where `move:build` writes publishable bytecode (gitignored). */
export const BUILD_DIR = path.join(MOVE_ROOT, "build");

export interface MovePackageDir {
  /** Package name from Move.toml. */
  name: string;
  dir: string;
}

/** Publishable output of one package, as a Publish transaction needs it. */
export interface BuiltMovePackage {
  name: string;
  /** Base64 compiled modules, in dependency order. */
  modules: string[];
  /** Dependency package ids (0x + 64 hex). */
  dependencies: string[];
  /** Package digest bytes. */
  digest: number[];
  /** sha256 of the sources the bytecode was built from. */
  sourceHash: string;
}

export class MoveToolchainError extends Error {
  override name = "MoveToolchainError";
  constructor(
    message: string,
    readonly category: string,
  ) {
    super(message);
  }
}

function packageName(dir: string): string {
  const toml = readFileSync(path.join(dir, "Move.toml"), "utf8");
  const m = /^\s*name\s*=\s*"([^"]+)"/m.exec(toml);
  if (!m?.[1]) throw new MoveToolchainError(`${dir}/Move.toml has no [package] name`, "manifest");
  return m[1];
}

/** The root package and every example package, root first. */
export function listMovePackages(): MovePackageDir[] {
  const out: MovePackageDir[] = [{ name: packageName(MOVE_ROOT), dir: MOVE_ROOT }];
  const examples = path.join(MOVE_ROOT, "examples");
  if (existsSync(examples)) {
    for (const entry of readdirSync(examples).sort()) {
      const dir = path.join(examples, entry);
      if (existsSync(path.join(dir, "Move.toml"))) out.push({ name: packageName(dir), dir });
    }
  }
  return out;
}

/** Move.toml, sources/** and (optionally) tests/** of a package, as the compiler's virtual files. */
export function readPackageFiles(dir: string, withTests: boolean): Record<string, string> {
  const files: Record<string, string> = { "Move.toml": readFileSync(path.join(dir, "Move.toml"), "utf8") };
  readTree(path.join(dir, "sources"), "sources", files);
  if (withTests && existsSync(path.join(dir, "tests"))) readTree(path.join(dir, "tests"), "tests", files);
  return files;
}

function hashFiles(files: Record<string, string>, extra: string[] = []): string {
  const h = createHash("sha256");
  for (const key of Object.keys(files).sort()) h.update(`${key}\0${files[key]}\0`);
  for (const e of extra) h.update(e);
  return h.digest("hex");
}

let initialized: Promise<void> | undefined;
function init(): Promise<void> {
  initialized ??= initMovePackageBuilder().then(() => undefined);
  return initialized;
}

/** Local sources of a package and of its local dependencies (for cache keys). */
function sourcesWithLocalDeps(dir: string): Record<string, string> {
  const files = readPackageFiles(dir, false);
  const toml = files["Move.toml"] ?? "";
  for (const m of toml.matchAll(/local\s*=\s*"([^"]+)"/g)) {
    const dep = path.resolve(dir, m[1] ?? ".");
    for (const [k, v] of Object.entries(readPackageFiles(dep, false))) files[`${path.relative(dir, dep)}/${k}`] = v;
  }
  return files;
}

/** Compiles one package; reuses `move/build/<name>.json` when the sources did not change. */
export async function buildMovePackage(pkg: MovePackageDir, source?: FrameworkSource): Promise<BuiltMovePackage> {
  const files = readPackageFiles(pkg.dir, false);
  const sourceHash = hashFiles(sourcesWithLocalDeps(pkg.dir));
  const out = path.join(BUILD_DIR, `${pkg.name}.json`);
  if (existsSync(out)) {
    const cached = JSON.parse(readFileSync(out, "utf8")) as BuiltMovePackage;
    if (cached.sourceHash === sourceHash) return cached;
  }
  const src = source ?? (await locateFramework());
  await init();
  const fetcher = fetcherFor(src, pkg.dir);
  const result = await dumpMovePackage({ files, fetcher, silenceWarnings: true });
  if ("error" in result) {
    throw new MoveToolchainError(
      `build of ${pkg.name} failed (${result.category}):\n${result.error}`,
      result.category ?? "build",
    );
  }
  const built: BuiltMovePackage = {
    name: pkg.name,
    modules: result.modules,
    dependencies: result.dependencies,
    digest: Array.from(result.digest),
    sourceHash,
  };
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(built, null, 2)}\n`);
  renameSync(tmp, out); // atomic replace
  return built;
}

/** Builds (or loads from cache) the package named `name`. */
export async function loadBuiltPackage(name = "atoma"): Promise<BuiltMovePackage> {
  const pkg = listMovePackages().find((p) => p.name === name);
  if (!pkg) throw new MoveToolchainError(`no Move package named ${name} under ${MOVE_ROOT}`, "manifest");
  return buildMovePackage(pkg);
}

export interface MoveTestCase {
  name: string;
  status: "PASS" | "FAIL" | "TIMEOUT";
}

export type MoveTestRun =
  | { status: "ran"; package: string; passed: boolean; cases: MoveTestCase[]; output: string }
  | { status: "skipped"; package: string; reason: string };

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Parses the Move test runner's `[ PASS    ] addr::module::test` lines. */
export function parseMoveTestOutput(output: string): MoveTestCase[] {
  const cases: MoveTestCase[] = [];
  for (const line of output.replace(ANSI, "").split("\n")) {
    const m = /^\[\s*(PASS|FAIL|TIMEOUT)\s*\]\s+(\S+)/.exec(line.trim());
    if (m?.[1] && m[2]) cases.push({ name: m[2], status: m[1] as MoveTestCase["status"] });
  }
  return cases;
}

/** Runs the Move unit tests of one package. */
export async function runMoveTests(pkg: MovePackageDir, source?: FrameworkSource): Promise<MoveTestRun> {
  const src = source ?? (await locateFramework());
  if (src.kind === "none") return { status: "skipped", package: pkg.name, reason: src.fix };
  await init();
  const files = readPackageFiles(pkg.dir, true);
  const fetcher = fetcherFor(src, pkg.dir);
  const resolvedDependencies = await resolveMovePackageDependencies({ files, fetcher });
  const result = await testMovePackage({ files, fetcher, resolvedDependencies, silenceWarnings: true });
  if ("error" in result) {
    return {
      status: "ran",
      package: pkg.name,
      passed: false,
      cases: [{ name: `${pkg.name}::<compile>`, status: "FAIL" }],
      output: `${result.category}: ${result.error}`,
    };
  }
  const output = result.output.replace(ANSI, "");
  const cases = parseMoveTestOutput(output);
  return {
    status: "ran",
    package: pkg.name,
    passed: result.passed && cases.every((c) => c.status === "PASS"),
    cases,
    output,
  };
}
