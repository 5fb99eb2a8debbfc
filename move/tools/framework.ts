/**
 * Serves the Sui framework sources (move-stdlib, sui-framework) to the WASM Move compiler
 * from a local folder, so builds and tests work without reaching GitHub.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { GitHubMovePackageFetcher, MovePackageFetcher } from "@zktx.io/sui-move-builder/full";
import { readPackageFiles } from "./layout.js";

/** Folder that holds `move-stdlib/` and `sui-framework/` (each with `Move.toml` and `sources/`). */
export function frameworkDir(): string {
  return process.env.SUI_FRAMEWORK_DIR ?? path.join(homedir(), ".cache", "atoma", "sui-framework");
}

const FRAMEWORK_PACKAGES = ["move-stdlib", "sui-framework"] as const;

/** True when the framework folder holds both packages. */
export function hasLocalFramework(dir = frameworkDir()): boolean {
  return FRAMEWORK_PACKAGES.every(
    (p) => existsSync(path.join(dir, p, "Move.toml")) && existsSync(path.join(dir, p, "sources")),
  );
}

/** Reads every file below `dir` into a map keyed by `prefix/relative/path`. */
export function readTree(dir: string, prefix: string, out: Record<string, string> = {}): Record<string, string> {
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    const key = `${prefix}/${entry}`;
    if (statSync(full).isDirectory()) readTree(full, key, out);
    else if (entry.endsWith(".move") || entry.endsWith(".toml")) out[key] = readFileSync(full, "utf8");
  }
  return out;
}

export class FrameworkNotFoundError extends Error {
  override name = "FrameworkNotFoundError";
}

/** Answers the compiler's git requests for the Sui framework from a local folder. */
export class LocalFrameworkFetcher extends MovePackageFetcher {
  /**
   * `localRoot`: the package whose `local = "…"` dependencies are resolved from disk; they are read
   * like the root package (`testMode`: with `examples/` and `tests/`, as the Sui CLI compiles them).
   */
  constructor(
    private readonly dir: string,
    private readonly localRoot?: string,
    private readonly testMode = false,
  ) {
    super();
    if (localRoot) {
      this.fetchLocal = async (localPath: string) => this.readLocalPackage(localPath);
    }
  }

  private readLocalPackage(localPath: string): Record<string, string> {
    return readPackageFiles(path.resolve(this.localRoot ?? ".", localPath), this.testMode);
  }

  override async fetch(gitUrl: string, _rev: string, subdir?: string): Promise<Record<string, string>> {
    const name = (subdir ?? "").split("/").filter(Boolean).pop() ?? "";
    if (
      !/github\.com\/MystenLabs\/sui(\.git)?$/i.test(gitUrl) ||
      !(FRAMEWORK_PACKAGES as readonly string[]).includes(name)
    ) {
      throw new FrameworkNotFoundError(
        `no local copy of ${gitUrl} ${subdir ?? ""}: only the Sui framework packages are served from ${this.dir}`,
      );
    }
    const pkg = path.join(this.dir, name);
    // Move.toml and sources/** only: the framework's own tests are not part of the dependency.
    const files: Record<string, string> = { "Move.toml": readFileSync(path.join(pkg, "Move.toml"), "utf8") };
    return readTree(path.join(pkg, "sources"), "sources", files);
  }

  override async fetchFile(): Promise<string | null> {
    return null;
  }

  override getResolvedSha(): string | undefined {
    return undefined;
  }
}

/** GitHub fetcher that also resolves local dependencies from disk. */
class GitHubWithLocal extends GitHubMovePackageFetcher {
  constructor(localRoot: string, testMode: boolean) {
    super();
    const local = new LocalFrameworkFetcher(frameworkDir(), localRoot, testMode);
    this.fetchLocal = local.fetchLocal;
  }
}

async function githubReachable(): Promise<boolean> {
  try {
    const res = await fetch("https://github.com", { method: "HEAD", signal: AbortSignal.timeout(3000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

export type FrameworkSource = { kind: "local"; dir: string } | { kind: "github" } | { kind: "none"; fix: string };

/** Picks where framework sources come from: the local folder, else GitHub, else none. */
export async function locateFramework(): Promise<FrameworkSource> {
  const dir = frameworkDir();
  if (hasLocalFramework(dir)) return { kind: "local", dir };
  if (await githubReachable()) return { kind: "github" };
  return {
    kind: "none",
    fix: `Sui framework sources not found in ${dir} and GitHub is unreachable. Fill the folder as docs/development.md says (move-stdlib/ and sui-framework/, each with Move.toml and sources/), or set SUI_FRAMEWORK_DIR.`,
  };
}

/** The fetcher for a package at `localRoot`; `testMode` reads its local dependencies as test builds do. */
export function fetcherFor(source: FrameworkSource, localRoot: string, testMode = false): MovePackageFetcher {
  if (source.kind === "local") return new LocalFrameworkFetcher(source.dir, localRoot, testMode);
  if (source.kind === "github") return new GitHubWithLocal(localRoot, testMode);
  throw new FrameworkNotFoundError(source.fix);
}
