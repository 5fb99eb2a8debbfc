/** Reads public/entry function signatures from compiled modules. */
import * as template from "@mysten/move-bytecode-template";
import type { Token } from "../bcs/bytecode-layout.js";

export interface FunctionSig {
  module: string;
  name: string;
  visibility: string;
  isEntry: boolean;
  params: { ref: "mut" | "imm" | "none"; type: string }[];
}

interface RawModule {
  self_module_handle_idx: number;
  module_handles: { address: number; name: number }[];
  datatype_handles: { module: number; name: number }[];
  function_handles: { module: number; name: number; parameters: number }[];
  function_defs: { function: number; visibility: string; is_entry: boolean }[];
  signatures: Token[][];
  identifiers: string[];
  address_identifiers: string[];
}

function typeName(raw: RawModule, t: Token): string {
  if (typeof t === "string") return t;
  if ("Vector" in t) return `vector<${typeName(raw, t.Vector)}>`;
  if ("Datatype" in t || "DatatypeInstantiation" in t) {
    const idx = "Datatype" in t ? t.Datatype : t.DatatypeInstantiation[0];
    const h = raw.datatype_handles[idx] as { module: number; name: number };
    const mh = raw.module_handles[h.module] as { address: number; name: number };
    const addr = `0x${BigInt(`0x${raw.address_identifiers[mh.address]}`).toString(16)}`;
    return `${addr}::${raw.identifiers[mh.name]}::${raw.identifiers[h.name]}`;
  }
  return JSON.stringify(t);
}

export function readFunctions(modules: string[]): Map<string, FunctionSig> {
  const out = new Map<string, FunctionSig>();
  for (const b64 of modules) {
    const raw = template.deserialize(new Uint8Array(Buffer.from(b64, "base64"))) as RawModule;
    const self = raw.module_handles[raw.self_module_handle_idx] as { name: number };
    const module = raw.identifiers[self.name] as string;
    for (const def of raw.function_defs) {
      const h = raw.function_handles[def.function] as { name: number; parameters: number };
      const name = raw.identifiers[h.name] as string;
      const params = (raw.signatures[h.parameters] ?? []).map((t) => {
        if (typeof t === "object" && "MutableReference" in t)
          return { ref: "mut" as const, type: typeName(raw, t.MutableReference) };
        if (typeof t === "object" && "Reference" in t) return { ref: "imm" as const, type: typeName(raw, t.Reference) };
        return { ref: "none" as const, type: typeName(raw, t) };
      });
      out.set(`${module}::${name}`, { module, name, visibility: def.visibility, isEntry: def.is_entry, params });
    }
  }
  return out;
}
