/**
 * The generated SDK files as they are checked in: generated from the committed bytecode
 * (`move/build/<package>.json`), formatted by the repository's Biome, compared or written.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, readArtifact } from "@atoma/move";
import { CodegenError, generatePackage } from "./generate.js";

/** `sdk/src/generated/`. */
export const GENERATED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/generated");
/** The packages the SDK binds, the module of each that holds its events and the one holding its named constants. */
export const BOUND_PACKAGES = [{ name: "atoma", eventModule: "events", constantsModule: "constants" }] as const;

const BIOME = path.join(REPO_ROOT, "node_modules", ".bin", "biome");

/** Formats TypeScript text as `biome format` would write it at `file`. */
export function formatTs(text: string, file: string): string {
  try {
    return execFileSync(BIOME, ["format", `--stdin-file-path=${path.relative(REPO_ROOT, file)}`], {
      cwd: REPO_ROOT,
      input: text,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new CodegenError(path.relative(REPO_ROOT, file), `biome format failed: ${err.stderr || err.message}`);
  }
}

/** Every generated file: absolute path -> formatted content. */
export function renderGenerated(): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of BOUND_PACKAGES) {
    const artifact = readArtifact(p.name);
    if (!artifact) throw new CodegenError(`move/build/${p.name}.json`, "missing: run `pnpm move:build`");
    const files = generatePackage(
      { name: p.name, modules: artifact.modules },
      { eventModule: p.eventModule, constantsModule: p.constantsModule, source: `move/build/${p.name}.json` },
    );
    for (const [rel, text] of files) {
      const file = path.join(GENERATED_DIR, rel);
      out.set(file, formatTs(text, file));
    }
  }
  return out;
}

/** Generated files whose checked-in copy is missing or differs, relative to the repository root. */
export function staleGenerated(rendered = renderGenerated()): string[] {
  const stale: string[] = [];
  for (const [file, text] of rendered) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) stale.push(path.relative(REPO_ROOT, file));
  }
  return stale;
}

/** Writes every stale file (atomically: a temporary file renamed over it); returns those written. */
export function writeGenerated(rendered = renderGenerated()): string[] {
  const stale = staleGenerated(rendered);
  for (const rel of stale) {
    const file = path.join(REPO_ROOT, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, rendered.get(file) as string);
    renameSync(tmp, file);
  }
  return stale;
}
