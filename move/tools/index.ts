/**
 * The offline Move toolchain: compile and unit-test the Move packages (`move/packages/*` and the
 * example packages in `move/examples/*`) with the Sui compiler built to WASM, and keep their
 * committed bytecode (`move/build/<package>.json`) in step with the sources.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as template from "@mysten/move-bytecode-template";
import {
  dumpMovePackage,
  initMovePackageBuilder,
  resolveMovePackageDependencies,
  testMovePackage,
} from "@zktx.io/sui-move-builder/full";
import { type FrameworkSource, fetcherFor, locateFramework } from "./framework.js";
import { readPackageFiles } from "./layout.js";

export { type FrameworkSource, frameworkDir, hasLocalFramework, locateFramework } from "./framework.js";
export { readPackageFiles, sourceFolders } from "./layout.js";

/** The `move/` folder (the toolchain, `packages/`, `examples/` and `build/`). */
export const MOVE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root (paths recorded in build artifacts are relative to it). */
export const REPO_ROOT = path.dirname(MOVE_ROOT);
/** Protocol packages, one folder each (`move/packages/atoma`). */
export const PACKAGES_DIR = path.join(MOVE_ROOT, "packages");
/** Example packages that use the protocol packages (`move/examples/atoma_consumer`). */
export const EXAMPLES_DIR = path.join(MOVE_ROOT, "examples");
/** The `atoma` package: `Move.toml`, `sources/`, `tests/`. */
export const ATOMA_PACKAGE_DIR = path.join(PACKAGES_DIR, "atoma");
/** Where the committed, publishable bytecode lives: `move/build/<package>.json`. */
export const BUILD_DIR = path.join(MOVE_ROOT, "build");

/** Compiler that produced the bytecode, recorded in each artifact. */
export const COMPILER = `@zktx.io/sui-move-builder ${
  (
    JSON.parse(
      readFileSync(path.join(MOVE_ROOT, "node_modules", "@zktx.io", "sui-move-builder", "package.json"), "utf8"),
    ) as { version: string }
  ).version
}`;

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

/** `move/build/<package>.json`: the built package plus what a reviewer needs to check it. */
export interface MoveBuildArtifact extends BuiltMovePackage {
  /** Package folder, relative to the repository root (e.g. `move/packages/atoma`). */
  path: string;
  /** Module names, in the order of `modules`. */
  moduleNames: string[];
  /** Compiler name and version. */
  compiler: string;
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

function packagesIn(parent: string): MovePackageDir[] {
  if (!existsSync(parent)) return [];
  const out: MovePackageDir[] = [];
  for (const entry of readdirSync(parent).sort()) {
    const dir = path.join(parent, entry);
    if (existsSync(path.join(dir, "Move.toml"))) out.push({ name: packageName(dir), dir });
  }
  return out;
}

/** Every Move package of the repository: `atoma` first, then `move/packages/*`, then `move/examples/*`. */
export function listMovePackages(): MovePackageDir[] {
  const all = [...packagesIn(PACKAGES_DIR), ...packagesIn(EXAMPLES_DIR)];
  return [...all.filter((p) => p.name === "atoma"), ...all.filter((p) => p.name !== "atoma")];
}

/**
 * Every package that has committed bytecode in `move/build/` or is listed by `listMovePackages`
 * (test fixture packages elsewhere in the repository keep their bytecode in `move/build/` too).
 */
export function listBuiltPackages(): MovePackageDir[] {
  const out = listMovePackages();
  if (!existsSync(BUILD_DIR)) return out;
  for (const f of readdirSync(BUILD_DIR).sort()) {
    if (!f.endsWith(".json")) continue;
    const name = f.slice(0, -".json".length);
    if (out.some((p) => p.name === name)) continue;
    const artifact = readArtifactOrUndefined(name);
    if (!artifact) continue;
    out.push({ name, dir: path.resolve(REPO_ROOT, artifact.path) });
  }
  return out;
}

function hashFiles(files: Record<string, string>): string {
  const h = createHash("sha256");
  for (const key of Object.keys(files).sort()) h.update(`${key}\0${files[key]}\0`);
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

/** sha256 over the sources (and local dependencies' sources) a package's bytecode is built from. */
export function sourceHashOf(pkg: MovePackageDir): string {
  return hashFiles(sourcesWithLocalDeps(pkg.dir));
}

/** Path of the committed artifact of package `name`. */
export function artifactPath(name: string): string {
  return path.join(BUILD_DIR, `${name}.json`);
}

/** Reads `move/build/<name>.json`, or undefined when there is none. */
export function readArtifact(name: string): MoveBuildArtifact | undefined {
  const file = artifactPath(name);
  if (!existsSync(file)) return undefined;
  let parsed: MoveBuildArtifact;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as MoveBuildArtifact;
  } catch (err) {
    throw new MoveToolchainError(`${file} is not valid JSON: ${(err as Error).message}`, "artifact");
  }
  for (const field of ["name", "path", "sourceHash", "compiler"] as const) {
    if (typeof parsed[field] !== "string") {
      throw new MoveToolchainError(`${file}: field "${field}" is missing or not a string`, "artifact");
    }
  }
  if (!Array.isArray(parsed.modules) || !Array.isArray(parsed.dependencies) || !Array.isArray(parsed.digest)) {
    throw new MoveToolchainError(`${file}: "modules", "dependencies" and "digest" must be arrays`, "artifact");
  }
  return parsed;
}

/** `readArtifact`, with an unreadable or old-format file treated as absent (so it is rebuilt). */
function readArtifactOrUndefined(name: string): MoveBuildArtifact | undefined {
  try {
    return readArtifact(name);
  } catch {
    return undefined;
  }
}

/** Module names of base64 compiled modules, in order. */
export function moduleNamesOf(modules: string[]): string[] {
  return modules.map((b64) => {
    const raw = template.deserialize(new Uint8Array(Buffer.from(b64, "base64"))) as {
      self_module_handle_idx: number;
      module_handles: { name: number }[];
      identifiers: string[];
    };
    const handle = raw.module_handles[raw.self_module_handle_idx];
    const name = handle ? raw.identifiers[handle.name] : undefined;
    if (!name) throw new MoveToolchainError("compiled module without a self handle", "artifact");
    return name;
  });
}

/**
 * The artifact as committed: pretty JSON, one module per line, digest on one line, fields in a
 * fixed order, so the same sources always give the same bytes and a diff shows what changed.
 */
export function formatArtifact(a: MoveBuildArtifact): string {
  const list = (xs: string[]) =>
    xs.length ? `[\n${xs.map((x) => `    ${JSON.stringify(x)}`).join(",\n")}\n  ]` : "[]";
  return `{
  "name": ${JSON.stringify(a.name)},
  "path": ${JSON.stringify(a.path)},
  "compiler": ${JSON.stringify(a.compiler)},
  "sourceHash": ${JSON.stringify(a.sourceHash)},
  "dependencies": ${list(a.dependencies)},
  "digest": [${a.digest.join(", ")}],
  "moduleNames": ${list(a.moduleNames)},
  "modules": ${list(a.modules)}
}
`;
}

function toBuilt(a: MoveBuildArtifact): BuiltMovePackage {
  return {
    name: a.name,
    modules: a.modules,
    dependencies: a.dependencies,
    digest: a.digest,
    sourceHash: a.sourceHash,
  };
}

/**
 * Packages published together with their unpublished local dependencies (what the Sui CLI's
 * `--with-unpublished-dependencies` does): `atoma` carries `tee_verify`'s modules (address 0x0
 * in both) in its own package, dependencies first, so one publish deploys both.
 */
const BUNDLED_DEPENDENCIES: Record<string, string[]> = { atoma: ["tee_verify"] };

/**
 * A package's `Move.toml` with its `local = "…"` dependencies made absolute, for a copy of the
 * package compiled from another folder (e.g. the atoma sources plus generated tests in a temp dir).
 */
export function manifestForCopy(pkgDir: string): string {
  return readFileSync(path.join(pkgDir, "Move.toml"), "utf8").replace(
    /local\s*=\s*"([^"]+)"/g,
    (_m, p: string) => `local = "${path.resolve(pkgDir, p).split(path.sep).join("/")}"`,
  );
}

/** Compiles one package from its sources, ignoring any committed bytecode; writes nothing. */
export async function compileMovePackage(pkg: MovePackageDir, source?: FrameworkSource): Promise<MoveBuildArtifact> {
  const files = readPackageFiles(pkg.dir, false);
  const src = source ?? (await locateFramework());
  await init();
  const fetcher = fetcherFor(src, pkg.dir);
  const result = await dumpMovePackage({
    files,
    fetcher,
    silenceWarnings: true,
  });
  if ("error" in result) {
    throw new MoveToolchainError(
      `build of ${pkg.name} failed (${result.category}):\n${result.error}`,
      result.category ?? "build",
    );
  }
  const bundled: string[] = [];
  for (const dep of BUNDLED_DEPENDENCIES[pkg.name] ?? []) {
    const depDir = listMovePackages().find((p) => p.name === dep);
    if (!depDir) throw new MoveToolchainError(`${pkg.name} bundles ${dep}, which is not a package here`, "build");
    bundled.push(...(await compileMovePackage(depDir, src)).modules);
  }
  const modules = [...bundled, ...result.modules];
  return {
    name: pkg.name,
    path: path.relative(REPO_ROOT, pkg.dir).split(path.sep).join("/"),
    compiler: COMPILER,
    sourceHash: sourceHashOf(pkg),
    dependencies: result.dependencies,
    digest: Array.from(result.digest),
    moduleNames: moduleNamesOf(modules),
    modules,
  };
}

/** Writes `move/build/<name>.json` atomically. */
export function writeArtifact(a: MoveBuildArtifact): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = artifactPath(a.name);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, formatArtifact(a));
  renameSync(tmp, out); // atomic replace
  return out;
}

/**
 * The bytecode of one package: the committed `move/build/<name>.json` when it was built from the
 * current sources (no compiler, no framework sources needed), else compiled and written there.
 */
export async function buildMovePackage(pkg: MovePackageDir, source?: FrameworkSource): Promise<BuiltMovePackage> {
  const sourceHash = sourceHashOf(pkg);
  const committed = readArtifactOrUndefined(pkg.name);
  if (committed?.sourceHash === sourceHash) return toBuilt(committed);
  const src = source ?? (await locateFramework());
  if (src.kind === "none") {
    throw new MoveToolchainError(
      `${path.relative(REPO_ROOT, artifactPath(pkg.name))} ${committed ? "was built from other sources than" : "is missing for"} ${path.relative(REPO_ROOT, pkg.dir)}, and rebuilding it needs the Sui framework sources. ${src.fix}`,
      "framework",
    );
  }
  const built = await compileMovePackage(pkg, src);
  writeArtifact(built);
  return toBuilt(built);
}

/** The bytecode of the package named `name` (committed, or built when its sources changed). */
export async function loadBuiltPackage(name = "atoma"): Promise<BuiltMovePackage> {
  const pkg = listBuiltPackages().find((p) => p.name === name);
  if (!pkg) throw new MoveToolchainError(`no Move package named ${name} under ${MOVE_ROOT}`, "manifest");
  return buildMovePackage(pkg);
}

/** How a committed artifact differs from its package's sources, or from a fresh compile. */
export interface ArtifactDrift {
  package: string;
  artifact: string;
  /** What differs, e.g. `sourceHash`, `modules (request)`, `missing`. */
  differences: string[];
}

/**
 * Compares `move/build/<name>.json` with the package: its recorded source hash against the
 * current sources (no compiler needed), and, when `fresh` is given, every field against a fresh
 * compile.
 */
export function artifactDrift(pkg: MovePackageDir, fresh?: MoveBuildArtifact): ArtifactDrift {
  const artifact = path.relative(REPO_ROOT, artifactPath(pkg.name));
  const committed = readArtifact(pkg.name);
  if (!committed) return { package: pkg.name, artifact, differences: ["missing"] };
  const differences: string[] = [];
  if (committed.sourceHash !== sourceHashOf(pkg)) differences.push("sourceHash (sources changed since the build)");
  if (fresh) {
    if (formatArtifact(committed) === formatArtifact(fresh)) return { package: pkg.name, artifact, differences };
    for (const field of ["path", "compiler", "dependencies", "digest", "moduleNames"] as const) {
      if (JSON.stringify(committed[field]) !== JSON.stringify(fresh[field])) differences.push(field);
    }
    const changed = fresh.moduleNames.filter(
      (m, i) => committed.modules[committed.moduleNames.indexOf(m)] !== fresh.modules[i],
    );
    if (changed.length) differences.push(`modules (${changed.join(", ")})`);
    if (!differences.length) differences.push("formatting");
  }
  return { package: pkg.name, artifact, differences };
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
  const fetcher = fetcherFor(src, pkg.dir, true);
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
  // A compile error (e.g. an unassigned address in examples/) runs no test: report it as one failure.
  if (!result.passed && cases.length === 0) cases.push({ name: `${pkg.name}::<compile>`, status: "FAIL" });
  return {
    status: "ran",
    package: pkg.name,
    passed: result.passed && cases.every((c) => c.status === "PASS"),
    cases,
    output,
  };
}
