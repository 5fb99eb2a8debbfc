/**
 * Builds the explorer (Vite) into `explorer/dist`, atomically, and only when its inputs changed:
 * the bundle's inputs (explorer sources, the SDK sources it bundles, the lockfile) are hashed and
 * the hash is written to `dist/.source-hash`. The indexer calls `ensureExplorerBuilt()` at start,
 * so a fresh clone (`pnpm install && pnpm start`) and an edited tree both serve a current bundle
 * without a separate build step. `tsx explorer/build.ts` builds by hand (`--force`, `--check`).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const EXPLORER_ROOT = path.dirname(fileURLToPath(import.meta.url));
export const EXPLORER_DIST = path.join(EXPLORER_ROOT, "dist");
const REPO = path.resolve(EXPLORER_ROOT, "..");
const HASH_FILE = ".source-hash";

/** The files whose content decides the bundle, relative to the repository root, sorted. */
export function bundleInputs(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(REPO, rel);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const e of readdirSync(full).sort()) walk(path.join(rel, e));
    } else out.push(rel);
  };
  for (const p of [
    "explorer/index.html",
    "explorer/src",
    "explorer/vite.config.ts",
    "explorer/build.ts",
    "explorer/package.json",
    "sdk/src",
    "sdk/package.json",
    "pnpm-lock.yaml",
  ])
    walk(p);
  return out.sort();
}

/** sha256 over the bundle's inputs (path and content of each). */
export function sourceHash(): string {
  const h = createHash("sha256");
  for (const rel of bundleInputs()) {
    h.update(rel.split(path.sep).join("/"));
    h.update("\0");
    h.update(readFileSync(path.join(REPO, rel)));
    h.update("\0");
  }
  return h.digest("hex");
}

/** The hash the current bundle was built from, or null when there is none. */
export function builtHash(dir = EXPLORER_DIST): string | null {
  try {
    return readFileSync(path.join(dir, HASH_FILE), "utf8").trim();
  } catch {
    return null;
  }
}

export class ExplorerBuildError extends Error {
  override name = "ExplorerBuildError";
}

/**
 * Builds into a temporary folder next to `dist` and renames it into place, so a reader never sees a
 * half-written bundle and two concurrent builders cannot interleave files.
 */
export async function buildExplorer(o: { outDir?: string; log?: (line: string) => void } = {}): Promise<string> {
  const outDir = o.outDir ?? EXPLORER_DIST;
  const hash = sourceHash();
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  const { build } = await import("vite");
  const t0 = Date.now();
  try {
    await build({
      configFile: path.join(EXPLORER_ROOT, "vite.config.ts"),
      root: EXPLORER_ROOT,
      logLevel: "warn",
      build: { outDir: tmp, emptyOutDir: true },
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ExplorerBuildError(`explorer: vite build failed: ${(err as Error).message}`);
  }
  writeFileSync(path.join(tmp, HASH_FILE), `${hash}\n`);
  // A concurrent builder (another process starting an indexer) may have finished first: keep its
  // bundle rather than swap folders under a server that already serves it.
  if (builtHash(outDir) === hash) {
    rmSync(tmp, { recursive: true, force: true });
    return outDir;
  }
  const old = `${outDir}.old-${process.pid}-${Date.now()}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(tmp, outDir);
  } catch (err) {
    // Another builder won the race: keep its bundle when it is from the same inputs.
    rmSync(tmp, { recursive: true, force: true });
    if (builtHash(outDir) !== hash) throw err;
  }
  rmSync(old, { recursive: true, force: true });
  o.log?.(`explorer: built in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${path.relative(REPO, outDir)}`);
  return outDir;
}

/** Returns the bundle folder, building it first when it is missing or older than its inputs. */
export async function ensureExplorerBuilt(o: { log?: (line: string) => void } = {}): Promise<string> {
  if (builtHash() === sourceHash()) return EXPLORER_DIST;
  return buildExplorer(o);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !["--force", "--check", "--help"].includes(a));
  if (args.includes("--help") || unknown.length) {
    (unknown.length ? process.stderr : process.stdout).write(
      "usage: tsx explorer/build.ts [--force] [--check]\n  builds explorer/dist when its inputs changed; --force always; --check exits 1 when stale\n",
    );
    process.exit(unknown.length ? 2 : 0);
  }
  if (args.includes("--check")) {
    const fresh = builtHash() === sourceHash();
    console.log(fresh ? "explorer: bundle is current" : "explorer: bundle is missing or stale");
    process.exit(fresh ? 0 : 1);
  }
  const log = (l: string) => console.log(l);
  (args.includes("--force") ? buildExplorer({ log }) : ensureExplorerBuilt({ log })).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
