/**
 * Reads struct layouts from compiled Move modules (@mysten/move-bytecode-template) and turns
 * them into bcs types and sample values, so SDK schemas can be compared byte for byte.
 */
import * as template from "@mysten/move-bytecode-template";
import { type BcsType, bcs } from "@mysten/sui/bcs";

export type Token =
  | "Bool"
  | "U8"
  | "U16"
  | "U32"
  | "U64"
  | "U128"
  | "U256"
  | "Address"
  | "Signer"
  | { Vector: Token }
  | { Datatype: number }
  | { DatatypeInstantiation: [number, Token[]] }
  | { Reference: Token }
  | { MutableReference: Token }
  | { TypeParameter: number };

interface RawModule {
  self_module_handle_idx: number;
  module_handles: { address: number; name: number }[];
  datatype_handles: { module: number; name: number; abilities: number }[];
  identifiers: string[];
  address_identifiers: string[];
  struct_defs: { struct_handle: number; field_information: { Declared?: { name: number; signature: Token }[] } }[];
}

export interface StructLayout {
  module: string;
  name: string;
  abilities: number;
  fields: { name: string; type: Token }[];
  raw: RawModule;
}

export interface ModuleLayouts {
  structs: Map<string, StructLayout>; // "module::Name"
}

export function readLayouts(modulesBase64: string[]): ModuleLayouts {
  const structs = new Map<string, StructLayout>();
  for (const b64 of modulesBase64) {
    const raw = template.deserialize(new Uint8Array(Buffer.from(b64, "base64"))) as RawModule;
    const self = raw.module_handles[raw.self_module_handle_idx];
    if (!self) throw new Error("module without self handle");
    const module = raw.identifiers[self.name] as string;
    for (const def of raw.struct_defs) {
      const h = raw.datatype_handles[def.struct_handle];
      if (!h) throw new Error(`bad struct handle in ${module}`);
      const name = raw.identifiers[h.name] as string;
      const fields = (def.field_information.Declared ?? []).map((f) => ({
        name: raw.identifiers[f.name] as string,
        type: f.signature,
      }));
      structs.set(`${module}::${name}`, { module, name, abilities: h.abilities, fields, raw });
    }
  }
  return { structs };
}

function handleName(raw: RawModule, idx: number): { address: string; module: string; name: string } {
  const h = raw.datatype_handles[idx];
  if (!h) throw new Error(`bad datatype handle ${idx}`);
  const mh = raw.module_handles[h.module];
  if (!mh) throw new Error(`bad module handle ${h.module}`);
  const address = BigInt(`0x${raw.address_identifiers[mh.address]}`).toString(16);
  return {
    address: `0x${address}`,
    module: raw.identifiers[mh.name] as string,
    name: raw.identifiers[h.name] as string,
  };
}

/** A deterministic generator of distinct values, so swapped same-typed fields change bytes. */
export class Counter {
  n = 1;
  next(): number {
    this.n = (this.n % 250) + 1;
    return this.n;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: generated types are checked by bytes, not by TS
type AnyBcs = BcsType<any, any>;
type Gen = { type: AnyBcs; sample: (c: Counter) => unknown };

/** bcs type + sample generator for a token, following the Sui framework layouts. */
export function genFor(layouts: ModuleLayouts, raw: RawModule, tok: Token, args: Gen[] = []): Gen {
  if (typeof tok === "string") {
    switch (tok) {
      case "Bool":
        return { type: bcs.bool(), sample: (c) => c.next() % 2 === 0 };
      case "U8":
        return { type: bcs.u8(), sample: (c) => c.next() };
      case "U16":
        return { type: bcs.u16(), sample: (c) => c.next() * 3 };
      case "U32":
        return { type: bcs.u32(), sample: (c) => c.next() * 1000 };
      case "U64":
        return { type: bcs.u64(), sample: (c) => String(BigInt(c.next()) * 1_000_000_007n) };
      case "U128":
        return { type: bcs.u128(), sample: (c) => String(BigInt(c.next()) << 70n) };
      case "U256":
        return { type: bcs.u256(), sample: (c) => String(BigInt(c.next()) << 130n) };
      case "Address":
        return { type: bcs.Address, sample: (c) => `0x${c.next().toString(16).padStart(64, "0")}` };
      default:
        throw new Error(`token ${tok} cannot be stored`);
    }
  }
  if ("Vector" in tok) {
    const inner = genFor(layouts, raw, tok.Vector, args);
    return { type: bcs.vector(inner.type), sample: (c) => [inner.sample(c), inner.sample(c)] };
  }
  if ("TypeParameter" in tok) {
    const g = args[tok.TypeParameter];
    if (!g) throw new Error(`unbound type parameter ${tok.TypeParameter}`);
    return g;
  }
  if ("Reference" in tok || "MutableReference" in tok) throw new Error("reference in a struct field");
  const [idx, targs] = "Datatype" in tok ? [tok.Datatype, [] as Token[]] : tok.DatatypeInstantiation;
  const typeArgs = () => targs.map((t) => genFor(layouts, raw, t, args));
  const { address, module, name } = handleName(raw, idx);
  const full = `${address}::${module}::${name}`;
  const addr = genFor(layouts, raw, "Address");
  switch (full) {
    case "0x2::object::ID":
      return addr;
    case "0x2::object::UID": {
      const type = bcs.struct("UID", { id: bcs.Address });
      return { type, sample: (c) => ({ id: addr.sample(c) }) };
    }
    case "0x2::balance::Balance": {
      const u = genFor(layouts, raw, "U64");
      return { type: bcs.struct("Balance", { value: bcs.u64() }), sample: (c) => ({ value: u.sample(c) }) };
    }
    case "0x2::table::Table":
    case "0x2::bag::Bag":
    case "0x2::object_table::ObjectTable": {
      const u = genFor(layouts, raw, "U64");
      const type = bcs.struct("Table", { id: bcs.struct("UID", { id: bcs.Address }), size: bcs.u64() });
      return { type, sample: (c) => ({ id: { id: addr.sample(c) }, size: u.sample(c) }) };
    }
    case "0x2::vec_map::VecMap": {
      const [k, v] = typeArgs() as [Gen, Gen];
      const entry = bcs.struct("Entry", { key: k.type, value: v.type });
      return {
        type: bcs.struct("VecMap", { contents: bcs.vector(entry) }),
        sample: (c) => ({ contents: [{ key: k.sample(c), value: v.sample(c) }] }),
      };
    }
    case "0x1::option::Option": {
      const [t] = typeArgs() as [Gen];
      return { type: bcs.option(t.type), sample: (c) => t.sample(c) };
    }
    case "0x1::string::String":
    case "0x1::ascii::String":
      return { type: bcs.string(), sample: (c) => `s${c.next()}` };
  }
  if (address !== "0x0") throw new Error(`no layout known for framework type ${full}`);
  const layout = layouts.structs.get(`${module}::${name}`);
  if (!layout) throw new Error(`struct ${module}::${name} not in the package`);
  return structGen(layouts, layout, typeArgs());
}

export function structGen(layouts: ModuleLayouts, layout: StructLayout, args: Gen[] = []): Gen {
  const fields = layout.fields.map((f) => ({ name: f.name, gen: genFor(layouts, layout.raw, f.type, args) }));
  const type = bcs.struct(layout.name, Object.fromEntries(fields.map((f) => [f.name, f.gen.type])));
  return {
    type: type as AnyBcs,
    sample: (c) => Object.fromEntries(fields.map((f) => [f.name, f.gen.sample(c)])),
  };
}
