/**
 * Which files of a Move package the compiler reads, by the Sui CLI's rule (move-package-alt
 * `source_discovery.rs`, `source_paths_for_config`): `sources/` and `scripts/` always;
 * `examples/` and `tests/` too in test mode, for the root package and for every dependency.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The package folders compiled in build (false) or test (true) mode. */
export function sourceFolders(testMode: boolean): string[] {
  return testMode ? ["sources", "scripts", "examples", "tests"] : ["sources", "scripts"];
}

/** `.move` files below `dir`, keyed `prefix/relative/path` (what the Sui CLI's find_move_filenames picks). */
function moveFilesUnder(dir: string, prefix: string, out: Record<string, string>): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    const key = `${prefix}/${entry}`;
    if (statSync(full).isDirectory()) moveFilesUnder(full, key, out);
    else if (entry.endsWith(".move")) out[key] = readFileSync(full, "utf8");
  }
}

/** Move.toml and the `.move` files of `sourceFolders(testMode)`, as the compiler's virtual files. */
export function readPackageFiles(dir: string, testMode: boolean): Record<string, string> {
  const files: Record<string, string> = { "Move.toml": readFileSync(path.join(dir, "Move.toml"), "utf8") };
  for (const folder of sourceFolders(testMode)) moveFilesUnder(path.join(dir, folder), folder, files);
  return files;
}
