/**
 * What a Move package's unit-test run must contain, read from its sources independently of the
 * compiler: the `#[test]` / `#[random_test]` functions declared in `sources/` and `tests/`, and
 * the runner's closing `Test result: ... Total tests: N; passed: P; failed: F` line.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export interface MoveTestSummary {
  total: number;
  passed: number;
  failed: number;
}

/** The runner's own closing count, or null when the line is missing (a crash, cut output). */
export function parseMoveTestSummary(output: string): MoveTestSummary | null {
  const m = /Test result: \w+\. Total tests: (\d+); passed: (\d+); failed: (\d+)/.exec(output);
  if (!m) return null;
  return { total: Number(m[1]), passed: Number(m[2]), failed: Number(m[3]) };
}

export interface DeclaredMoveTests {
  /** `address::module::function` of every test function, in file order. */
  tests: string[];
  /**
   * Functions in `#[test_only]` code that look like a test that lost its attribute: no
   * parameters, no return value, not a test, and never referenced anywhere in the package.
   */
  orphans: string[];
}

function moveFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) moveFiles(full, out);
    else if (e.endsWith(".move")) out.push(full);
  }
  return out;
}

/** Source text with comments blanked out (string and byte-string literals kept intact). */
export function stripMoveComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const n = src[i + 1];
    if (c === "/" && n === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && n === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The top-level item names of an attribute list body: `test, expected_failure(a = b)` -> [test, expected_failure]. */
function attributeNames(body: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of body) {
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    if (depth === 0 && ch === ",") {
      names.push(cur);
      cur = "";
    } else cur += ch;
  }
  names.push(cur);
  return names.map((s) => (/^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(s)?.[1] ?? "").trim()).filter(Boolean);
}

interface FunDecl {
  module: string;
  name: string;
  attributes: string[];
  testOnly: boolean;
  noArgsNoReturn: boolean;
}

/** Every function declaration of one file, with the attributes written right above it. */
function functions(src: string): FunDecl[] {
  const text = stripMoveComments(src);
  const out: FunDecl[] = [];
  const mod = /\bmodule\s+([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  if (!mod) return out;
  const moduleName = `${mod[1]}::${mod[2]}`;
  const moduleTestOnly = attributeNames(
    [...text.slice(0, mod.index).matchAll(/#\[([^\]]*)\]/g)].map((m) => m[1] ?? "").join(","),
  ).includes("test_only");
  // Attributes and modifiers, then `fun name`.
  const re =
    /((?:#\[(?:[^[\]]|\[[^\]]*\])*\]\s*)*)((?:(?:public(?:\([a-z]+\))?|entry|native|macro)\s+)*)fun\s+([A-Za-z_][A-Za-z0-9_]*)\s*(<[^>]*>)?\s*\(([^)]*)\)\s*([:{])/g;
  for (const m of text.matchAll(re)) {
    const attrs = [...(m[1] ?? "").matchAll(/#\[((?:[^[\]]|\[[^\]]*\])*)\]/g)].flatMap((a) =>
      attributeNames(a[1] ?? ""),
    );
    out.push({
      module: moduleName,
      name: m[3] ?? "",
      attributes: attrs,
      testOnly: moduleTestOnly || attrs.includes("test_only"),
      noArgsNoReturn: (m[5] ?? "").trim() === "" && m[6] === "{" && !(m[2] ?? "").includes("macro"),
    });
  }
  return out;
}

/** The unit tests a package declares (sources/ and tests/ under `dir`), read from the text. */
export function declaredMoveTests(dir: string): DeclaredMoveTests {
  const files = [...moveFiles(path.join(dir, "sources")), ...moveFiles(path.join(dir, "tests"))];
  const texts = files.map((f) => stripMoveComments(readFileSync(f, "utf8")));
  const all = files.flatMap((f) => functions(readFileSync(f, "utf8")));
  const isTest = (f: FunDecl) => f.attributes.includes("test") || f.attributes.includes("random_test");
  const tests = all.filter(isTest).map((f) => `${f.module}::${f.name}`);
  const referenced = (name: string) => {
    const use = new RegExp(`\\b${name}\\b`, "g");
    let n = 0;
    for (const t of texts) n += (t.match(use) ?? []).length;
    return n > 1; // more than its own declaration
  };
  const orphans = all
    .filter((f) => f.testOnly && !isTest(f) && f.noArgsNoReturn && !referenced(f.name))
    .map((f) => `${f.module}::${f.name}`);
  return { tests, orphans };
}
