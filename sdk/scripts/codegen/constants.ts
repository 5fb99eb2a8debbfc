/**
 * The enum tables and limits generated from the package's `constants` module: every public
 * zero-argument function whose body only loads a constant and returns it (`LdConst k; Ret` or
 * `LdU8 v; Ret`, …) gives one value. A function named `<prefix><member>` with a prefix of
 * `ENUM_TABLES` joins that table (`tee_kind_sev_snp` → `TeeKind.SevSnp`); the others are limits
 * (`max_output_bytes` → `Limits.maxOutputBytes`). The values come from the bytecode only, so a
 * constant changed in Move changes the SDK at the next `pnpm codegen`.
 */
import { loadModule } from "../../../devnet/src/bytecode.js";
import { CodegenError, type PackageBytecode } from "./generate.js";

/** Move function-name prefix → the SDK's table name (its public name, kept as it was). */
export const ENUM_TABLES: readonly (readonly [prefix: string, table: string])[] = [
  ["node_status_", "NodeStatus"],
  ["tee_kind_", "TeeKind"],
  ["request_kind_", "RequestKind"],
  ["request_status_", "RequestStatus"],
  ["round_", "Round"],
  ["stake_change_", "StakeChangeReason"],
  ["slash_reason_", "SlashReason"],
  ["failure_reason_", "FailureReason"],
  ["attestation_path_", "AttestationPath"],
  ["tcb_status_", "TcbStatus"],
];

/** Words written in capitals in member names (Intel's `SWHardeningNeeded`). */
const ACRONYMS: Readonly<Record<string, string>> = { sw: "SW" };

const pascal = (s: string) =>
  s
    .split("_")
    .map((w) => ACRONYMS[w] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
const camel = (s: string) => {
  const p = pascal(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
};

const WIDTH: Readonly<Record<string, number>> = { U8: 1, U16: 2, U32: 4, U64: 8 };

/** One `constants` accessor: its function name and the value its body returns. */
export interface ConstantValue {
  name: string;
  value: bigint;
}

/** The accessors of `module` in definition order; anything else public and zero-argument fails. */
export function readConstants(pkg: PackageBytecode, module: string): ConstantValue[] {
  for (const b64 of pkg.modules) {
    const loaded = loadModule(new Uint8Array(Buffer.from(b64, "base64")));
    if (loaded.normalized.name !== module) continue;
    const m = loaded.raw;
    const out: ConstantValue[] = [];
    for (const fd of m.function_defs) {
      const h = m.function_handles[fd.function];
      if (!h || fd.visibility !== "Public") continue;
      const name = m.identifiers[h.name] ?? "";
      const where = `${pkg.name}::${module}::${name}`;
      const params = m.signatures[h.parameters] ?? [];
      const ret = m.signatures[h.return_] ?? [];
      const type = ret[0];
      if (params.length || ret.length !== 1 || typeof type !== "string" || !(type in WIDTH))
        throw new CodegenError(where, "a constants accessor takes no argument and returns one u8/u16/u32/u64");
      const code = fd.code?.code ?? [];
      const load = code[0];
      if (code.length !== 2 || code[1] !== "Ret" || typeof load !== "object")
        throw new CodegenError(where, "body must only load a constant and return it");
      let value: bigint;
      if ("LdConst" in load) {
        const c = m.constant_pool[Number(load.LdConst)];
        if (!c || c.type_ !== type) throw new CodegenError(where, `constant ${String(load.LdConst)} is not a ${type}`);
        value = c.data.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
      } else {
        const [op, v] = Object.entries(load)[0] ?? [];
        if (op !== `Ld${type}` || v === undefined) throw new CodegenError(where, `unexpected load ${String(op)}`);
        value = BigInt(v as number | string | bigint);
      }
      out.push({ name, value });
    }
    if (!out.length) throw new CodegenError(`${pkg.name}::${module}`, "no constant accessors");
    return out;
  }
  throw new CodegenError(`${pkg.name}::${module}`, "module not found");
}

const literal = (where: string, v: bigint) => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodegenError(where, `${v} does not fit a JavaScript number`);
  return String(v);
};

/** `constants.ts`: one `as const` table (and its value type) per enumeration, then `Limits`. */
export function generateConstants(pkg: PackageBytecode, module: string, header: string): string {
  const values = readConstants(pkg, module);
  const tables = new Map<string, ConstantValue[]>(ENUM_TABLES.map(([, t]) => [t, []]));
  const limits: ConstantValue[] = [];
  for (const c of values) {
    const hit = ENUM_TABLES.find(([p]) => c.name.startsWith(p));
    if (hit) tables.get(hit[1])?.push({ name: pascal(c.name.slice(hit[0].length)), value: c.value });
    else limits.push({ name: camel(c.name), value: c.value });
  }
  const out = [header, ""];
  for (const [prefix, table] of ENUM_TABLES) {
    const members = (tables.get(table) ?? []).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const where = `${pkg.name}::${module}::${prefix}*`;
    if (!members.length) throw new CodegenError(where, `no accessor for table ${table}`);
    const seen = new Set<bigint>();
    for (const m of members) {
      if (seen.has(m.value)) throw new CodegenError(where, `value ${m.value} used twice in ${table}`);
      seen.add(m.value);
    }
    out.push(
      `/** \`${module}::${prefix}*()\`. */`,
      `export const ${table} = { ${members.map((m) => `${m.name}: ${literal(where, m.value)}`).join(", ")} } as const;`,
      `export type ${table} = (typeof ${table})[keyof typeof ${table}];`,
      "",
    );
  }
  out.push(
    `/** The size limits and other named numbers of \`${module}\`. */`,
    `export const Limits = { ${limits.map((m) => `${m.name}: ${literal(`${pkg.name}::${module}::${m.name}`, m.value)}`).join(", ")} } as const;`,
    "",
  );
  return out.join("\n");
}
