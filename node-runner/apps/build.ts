/**
 * Assembles every `apps/*.wat` into `apps/*.wasm` with wabt (a devDependency), deterministically
 * (no name/debug sections, fixed feature set), so the demo and the runtime load the committed
 * binaries without wabt.
 *
 *   npx tsx node-runner/apps/build.ts           # (re)write changed .wasm files (atomic: tmp + rename)
 *   npx tsx node-runner/apps/build.ts --check   # exit 1 if a committed .wasm differs from its .wat
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

export const APPS_DIR = path.dirname(fileURLToPath(import.meta.url));

export class AppBuildError extends Error {
  override name = "AppBuildError";
  readonly code = "APP_BUILD";
}

/** Names (without extension) of every `*.wat` in apps/, sorted. */
export function listWatApps(dir = APPS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".wat"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Assembles WAT source text to a WASM binary (same options as apps/wat.ts: bulk memory on, no names). */
export async function assembleWat(fileName: string, source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  let mod: ReturnType<typeof wabt.parseWat>;
  try {
    mod = wabt.parseWat(fileName, source, { bulk_memory: true });
  } catch (e) {
    throw new AppBuildError(`${fileName}: does not assemble (${(e as Error).message})`);
  }
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } catch (e) {
    throw new AppBuildError(`${fileName}: invalid module (${(e as Error).message})`);
  } finally {
    mod.destroy();
  }
}

/** Fresh assembly of `apps/<name>.wat`. */
export async function assembleAppFile(name: string, dir = APPS_DIR): Promise<Uint8Array> {
  const file = path.join(dir, `${name}.wat`);
  return assembleWat(`${name}.wat`, readFileSync(file, "utf8"));
}

/** The committed `apps/<name>.wasm` (throws AppBuildError if missing). */
export function readCommittedApp(name: string, dir = APPS_DIR): Uint8Array {
  const file = path.join(dir, `${name}.wasm`);
  if (!existsSync(file)) throw new AppBuildError(`${name}.wasm: missing (run npx tsx node-runner/apps/build.ts)`);
  return new Uint8Array(readFileSync(file));
}

export interface BuildEntry {
  name: string;
  bytes: number;
  status: "unchanged" | "written" | "drift";
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Builds (or with `check`, only compares) every app; returns one entry per `.wat`. */
export async function buildApps(opts: { check?: boolean; dir?: string } = {}): Promise<BuildEntry[]> {
  const dir = opts.dir ?? APPS_DIR;
  const out: BuildEntry[] = [];
  for (const name of listWatApps(dir)) {
    const fresh = await assembleAppFile(name, dir);
    const target = path.join(dir, `${name}.wasm`);
    const old = existsSync(target) ? new Uint8Array(readFileSync(target)) : null;
    if (old && sameBytes(old, fresh)) {
      out.push({ name, bytes: fresh.length, status: "unchanged" });
    } else if (opts.check) {
      out.push({ name, bytes: fresh.length, status: "drift" });
    } else {
      const tmp = `${target}.tmp-${process.pid}`;
      writeFileSync(tmp, fresh);
      renameSync(tmp, target);
      out.push({ name, bytes: fresh.length, status: "written" });
    }
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(
      "usage: tsx node-runner/apps/build.ts [--check] [--json]\n" +
        "  assembles node-runner/apps/*.wat into *.wasm (deterministic)\n" +
        "  --check  compare only; exit 1 if a committed .wasm is missing or differs\n" +
        "  --json   print the result as one JSON line",
    );
    return 0;
  }
  const unknown = argv.filter((a) => a !== "--check" && a !== "--json");
  if (unknown.length) {
    console.error(`unknown argument ${unknown[0]} (see --help)`);
    return 2;
  }
  const check = argv.includes("--check");
  const res = await buildApps({ check });
  if (argv.includes("--json")) console.log(JSON.stringify(res));
  else for (const r of res) console.log(`${r.status.padEnd(9)} ${r.name}.wasm (${r.bytes} bytes)`);
  return res.some((r) => r.status === "drift") ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
