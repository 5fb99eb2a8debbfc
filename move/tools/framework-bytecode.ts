/**
 * Compiles the Sui framework sources (move-stdlib 0x1, sui-framework 0x2) to bytecode for the
 * devnet's Move interpreter.
 *
 * The WASM compiler always compiles the root package at 0x0, and at 0x0 the Sui checks (objects
 * must start with `0x2::object::UID`, one-time witnesses) reject the framework. So the sources are
 * compiled in the "core" flavor after three line-preserving rewrites, and the bytecode is patched
 * back afterwards:
 * 1. Sui's implicit `use`s (object, ID, UID, transfer, tx_context, TxContext) are written out, on
 *    the `module` line so line numbers (and clever-error codes) stay as in the sources;
 * 2. the `key` ability is dropped from declarations and constraints (restored in the bytecode from
 *    the original declarations);
 * 3. `SUI` is renamed `SUI__` (restored in the identifier pool);
 * then the self address 0x0 is rewritten to 0x1 / 0x2.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as template from "@mysten/move-bytecode-template";
import {
  initMovePackageBuilder,
  MovePackageFetcher,
  resolveMovePackageDependencies,
} from "@zktx.io/sui-move-builder/full";
import { readTree } from "./framework.js";

export interface FrameworkBytecode {
  /** Package id (0x + 64 hex) → base64 modules. */
  packages: Record<string, string[]>;
}

const ADDR = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const ABILITY: Record<string, number> = { copy: 1, drop: 2, store: 4, key: 8 };

class DiskFetcher extends MovePackageFetcher {
  constructor(private readonly dir: string) {
    super();
    this.fetchLocal = async (p: string) => this.read(p.split("/").filter(Boolean).pop() ?? "");
  }
  read(name: string): Record<string, string> {
    const files: Record<string, string> = {
      "Move.toml": readFileSync(path.join(this.dir, name, "Move.toml"), "utf8"),
    };
    return readTree(path.join(this.dir, name, "sources"), "sources", files);
  }
  override async fetch(): Promise<Record<string, string>> {
    throw new Error("framework bytecode: only local framework sources are used");
  }
  override async fetchFile(): Promise<string | null> {
    return null;
  }
  override getResolvedSha(): string | undefined {
    return undefined;
  }
}

const IMPLICIT: [string, string][] = [
  ["object", "use sui::object;"],
  ["ID", "use sui::object::ID;"],
  ["UID", "use sui::object::UID;"],
  ["transfer", "use sui::transfer;"],
  ["tx_context", "use sui::tx_context;"],
  ["TxContext", "use sui::tx_context::TxContext;"],
];

function rewriteSuiSource(src: string): string {
  const m = /module\s+sui::(\w+)\s*;/.exec(src);
  if (!m) return src;
  const mod = m[1] ?? "";
  const code = src.replace(/\/\/.*$/gm, "");
  const uses = [...code.matchAll(/^\s*use\s+([^;]*);/gm)].map((x) => x[1]).join("\n");
  const adds: string[] = [];
  for (const [name, use] of IMPLICIT) {
    if (mod === name || (mod === "object" && (name === "ID" || name === "UID"))) continue;
    if (mod === "tx_context" && name === "TxContext") continue;
    if (!new RegExp(`\\b${name}\\b`).test(code)) continue;
    const declared =
      new RegExp(`\\b${name}\\s*([;,}]|$)|\\b${name}::\\{\\s*Self|\\bas\\s+${name}\\b`, "m").test(uses) ||
      new RegExp(`struct\\s+${name}\\b`).test(code);
    if (!declared) adds.push(use);
  }
  let out = src
    .replace(/has key, store(\s*[{;(])/g, "has store$1")
    .replace(/has key(\s*[{;(])/g, "$1")
    .replace(/(\w)\s*:\s*key\s*\+\s*store\b/g, "$1: store")
    .replace(/(\w)\s*:\s*key\b(?!\s*[:\w])/g, "$1")
    .replace(/\bSUI\b/g, "SUI__");
  const m2 = /module\s+sui::(\w+)\s*;/.exec(out);
  if (m2 && adds.length) {
    const at = m2.index + m2[0].length;
    out = `${out.slice(0, at)} ${adds.join(" ")}${out.slice(at)}`;
  }
  return out;
}

function mask(abilities: string): number {
  let m = 0;
  for (const a of abilities.split(/[\s,+]+/)) m |= ABILITY[a] ?? 0;
  return m;
}
/** `phantom T: key + store, U` → constraint masks. */
function typeParamMasks(list: string | undefined): number[] {
  if (!list?.trim()) return [];
  return list.split(",").map((p) => {
    const c = p.split(":")[1];
    return c ? mask(c) : 0;
  });
}

interface Declared {
  datatypes: Map<string, { abilities: number; params: number[] }>;
  functions: Map<string, number[]>;
}
/** Abilities and constraints as the original sources declare them, keyed `module::name`. */
function declarations(files: Record<string, string>): Declared {
  const out: Declared = { datatypes: new Map(), functions: new Map() };
  for (const [file, src] of Object.entries(files)) {
    if (!file.endsWith(".move")) continue;
    const mod = /module\s+\w+::(\w+)\s*;/.exec(src)?.[1];
    if (!mod) continue;
    const code = src.replace(/\/\/.*$/gm, "");
    for (const d of code.matchAll(/\b(?:struct|enum)\s+(\w+)\s*(?:<([^>]*)>)?\s*(?:has\s+([\w\s,]+?))?\s*[{;(]/g))
      out.datatypes.set(`${mod}::${d[1]}`, { abilities: mask(d[3] ?? ""), params: typeParamMasks(d[2]) });
    for (const f of code.matchAll(/\bfun\s+(\w+)\s*<([^>]*)>\s*\(/g))
      out.functions.set(`${mod}::${f[1]}`, typeParamMasks(f[2]));
  }
  return out;
}

interface Raw {
  self_module_handle_idx: number;
  module_handles: { address: number; name: number }[];
  datatype_handles: { module: number; name: number; abilities: number; type_parameters: { constraints: number }[] }[];
  function_handles: { module: number; name: number; type_parameters: number[] }[];
  identifiers: string[];
  address_identifiers: string[];
}

function patchModule(b64: string, target: string, decl: Declared | undefined): string {
  const raw = template.deserialize(Buffer.from(b64, "base64")) as Raw;
  const zero = "0".repeat(64);
  const selfAddr = raw.address_identifiers.indexOf(zero);
  raw.address_identifiers = raw.address_identifiers.map((a) => (a === zero ? target.slice(2) : a));
  raw.identifiers = raw.identifiers.map((i) => (i === "SUI__" ? "SUI" : i));
  if (decl) {
    const key = (h: { module: number; name: number }) => {
      const mh = raw.module_handles[h.module];
      if (!mh || mh.address !== selfAddr) return undefined;
      return `${raw.identifiers[mh.name]}::${raw.identifiers[h.name]}`;
    };
    for (const h of raw.datatype_handles) {
      const k = key(h);
      const d = k ? decl.datatypes.get(k) : undefined;
      if (!d) continue;
      h.abilities = d.abilities;
      h.type_parameters.forEach((p, i) => {
        p.constraints = d.params[i] ?? p.constraints;
      });
    }
    for (const h of raw.function_handles) {
      const k = key(h);
      const d = k ? decl.functions.get(k) : undefined;
      if (d && d.length === h.type_parameters.length) h.type_parameters = d;
    }
  }
  return Buffer.from(template.serialize(raw)).toString("base64");
}

async function compileRoot(dir: string, name: string, rewrite: (s: string) => string): Promise<string[]> {
  const fetcher = new DiskFetcher(dir);
  const files = fetcher.read(name);
  const r = await resolveMovePackageDependencies({ files, fetcher, silenceWarnings: true });
  const rootFiles = JSON.parse(r.files) as Record<string, string>;
  for (const k of Object.keys(rootFiles)) {
    const v = rootFiles[k];
    if (k.endsWith(".move") && v !== undefined) rootFiles[k] = rewrite(v);
  }
  if (name === "sui-framework")
    rootFiles["Move.toml"] = (rootFiles["Move.toml"] ?? "").replace("[package]\n", '[package]\nflavor = "core"\n');
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(path.dirname(require.resolve("@zktx.io/sui-move-builder/full")), "sui_move_wasm.js");
  const wasm = (await import(wasmPath)) as {
    compile(files: string, deps: string, opts: string): { success: boolean; output: string };
  };
  const res = wasm.compile(
    JSON.stringify(rootFiles),
    r.dependencies,
    JSON.stringify({ silenceWarnings: true, compileIntent: "dump" }),
  );
  if (!res.success) throw new Error(`framework ${name} does not compile:\n${res.output.slice(0, 4000)}`);
  return (JSON.parse(res.output) as { modules: string[] }).modules;
}

/** Compiles move-stdlib and sui-framework from `dir` into relocated, patched bytecode. */
export async function buildFrameworkBytecode(dir: string): Promise<FrameworkBytecode> {
  await initMovePackageBuilder();
  const std = await compileRoot(dir, "move-stdlib", (s) => s);
  const sui = await compileRoot(dir, "sui-framework", rewriteSuiSource);
  const decl = declarations(new DiskFetcher(dir).read("sui-framework"));
  return {
    packages: {
      [ADDR(1)]: std.map((m) => patchModule(m, ADDR(1), undefined)),
      [ADDR(2)]: sui.map((m) => patchModule(m, ADDR(2), decl)),
    },
  };
}
