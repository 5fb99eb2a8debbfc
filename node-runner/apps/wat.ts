/** Assembles the sample apps' WAT sources with wabt (a devDependency). */
import { readFileSync } from "node:fs";
import wabtInit from "wabt";

export const APP_NAMES = [
  "echo-upper",
  "word-count",
  "infinite-loop",
  "float-nan",
  "recurse",
  "forbidden-import",
  "no-max-memory",
  "big-output",
] as const;
export type AppName = (typeof APP_NAMES)[number];

export async function assembleApp(name: AppName): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const src = readFileSync(new URL(`./${name}.wat`, import.meta.url), "utf8");
  const mod = wabt.parseWat(`${name}.wat`, src, { bulk_memory: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
