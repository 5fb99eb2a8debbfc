/**
 * Loader and linker: deserializes modules (move-binary.ts), resolves handles to
 * functions and datatypes across packages, and decodes each function body once into compact
 * arrays (opcode bytes + pre-resolved operands + integer widths from a static stack-type pass).
 */
import { type MoveType, normalizeAddress, shortAddress, typeToString } from "../bytecode.js";
import { deserializeModule, type RawField, type RawModule, type Token } from "../move-binary.js";
import { VmFailure, type VmLocation } from "./errors.js";
import type { NativeFunction } from "./interpreter.js";
import { OP } from "./opcodes.js";
import { decodeConstant } from "./values.js";

/** A call site, linked on first execution. */
export interface CallSite {
  address: string;
  module: string;
  name: string;
  /** Type arguments as tokens of the caller's module (generic calls). */
  tyTokens?: Token[];
  /** The resolved type arguments when the caller is not generic (cached). */
  tyArgs?: MoveType[];
  /** In a generic caller: the last caller instantiation seen here and the type arguments it gave. */
  lastCallerTyArgs?: MoveType[];
  lastTyArgs?: MoveType[];
  target?: VmFunction;
}

export interface Decoded {
  ops: Uint8Array;
  args: unknown[];
  /** Integer width in bits for arithmetic instructions (0 elsewhere). */
  widths: Uint16Array;
  localCount: number;
}

export interface VmFunction {
  module: VmModule;
  name: string;
  index: number;
  isNative: boolean;
  isEntry: boolean;
  visibility: "Public" | "Private" | "Friend";
  typeParamCount: number;
  params: Token[];
  returns: Token[];
  /** Declared locals after the parameters. */
  locals: Token[];
  raw: RawModule["function_defs"][number];
  decoded?: Decoded;
  /** A native's implementation in the native table last used with it, and its abort location. */
  native?: { table: ReadonlyMap<string, NativeFunction>; native: NativeFunction; loc: VmLocation };
}

export interface Datatype {
  module: VmModule;
  name: string;
  abilities: number;
  typeParams: { constraints: number; isPhantom: boolean }[];
  fields?: { name: string; type: Token }[];
  variants?: { name: string; fields: { name: string; type: Token }[] }[];
}

/** Whether a token names a type parameter anywhere in it. */
function namesTypeParameter(t: Token): boolean {
  if (typeof t === "string") return false;
  if ("TypeParameter" in t) return true;
  if ("Vector" in t) return namesTypeParameter(t.Vector);
  if ("Reference" in t) return namesTypeParameter(t.Reference);
  if ("MutableReference" in t) return namesTypeParameter(t.MutableReference);
  if ("Datatype" in t) return false;
  return t.DatatypeInstantiation[1].some(namesTypeParameter);
}

export class VmModule {
  readonly address: string;
  readonly name: string;
  readonly functions = new Map<string, VmFunction>();
  readonly functionsByIndex: VmFunction[] = [];
  readonly datatypes = new Map<string, Datatype>();
  private readonly constants: unknown[] = [];
  constructor(
    readonly raw: RawModule,
    readonly loader: VmLoader,
  ) {
    const self = raw.module_handles[raw.self_module_handle_idx]!;
    this.address = normalizeAddress(raw.address_identifiers[self.address]!);
    this.name = raw.identifiers[self.name]!;
    raw.function_defs.forEach((fd, index) => {
      const h = raw.function_handles[fd.function]!;
      const f: VmFunction = {
        module: this,
        name: raw.identifiers[h.name]!,
        index,
        isNative: !fd.code,
        isEntry: fd.is_entry,
        visibility: fd.visibility,
        typeParamCount: h.type_parameters.length,
        params: raw.signatures[h.parameters] ?? [],
        returns: raw.signatures[h.return_] ?? [],
        locals: fd.code ? (raw.signatures[fd.code.locals] ?? []) : [],
        raw: fd,
        // Set later; present from the start so every function has one shape (the interpreter's reads stay monomorphic).
        decoded: undefined,
        native: undefined,
      };
      this.functions.set(f.name, f);
      this.functionsByIndex.push(f);
    });
    const field = (f: RawField) => ({ name: raw.identifiers[f.name]!, type: f.signature });
    for (const sd of raw.struct_defs) {
      const h = raw.datatype_handles[sd.struct_handle]!;
      this.datatypes.set(raw.identifiers[h.name]!, {
        module: this,
        name: raw.identifiers[h.name]!,
        abilities: h.abilities,
        typeParams: h.type_parameters.map((p) => ({ constraints: p.constraints, isPhantom: p.is_phantom })),
        fields: (sd.field_information.Declared ?? []).map(field),
      });
    }
    for (const ed of raw.enum_defs) {
      const h = raw.datatype_handles[ed.enum_handle]!;
      this.datatypes.set(raw.identifiers[h.name]!, {
        module: this,
        name: raw.identifiers[h.name]!,
        abilities: h.abilities,
        typeParams: h.type_parameters.map((p) => ({ constraints: p.constraints, isPhantom: p.is_phantom })),
        variants: ed.variants.map((v) => ({ name: raw.identifiers[v.variant_name]!, fields: v.fields.map(field) })),
      });
    }
  }

  /** `address::module::name` of a datatype handle. */
  datatypeRef(idx: number): { address: string; module: string; name: string } {
    const h = this.raw.datatype_handles[idx]!;
    const mh = this.raw.module_handles[h.module]!;
    return {
      address: normalizeAddress(this.raw.address_identifiers[mh.address]!),
      module: this.raw.identifiers[mh.name]!,
      name: this.raw.identifiers[h.name]!,
    };
  }

  /**
   * Types of this module's tokens that name no type parameter (the same type whatever the
   * instantiation), made once: the same type object each time, so what is memoised per type
   * object (its text, abilities, store converter) is found again. `false`: the token is generic.
   */
  private readonly closedTypes = new WeakMap<object, MoveType | false>();

  /** A signature token of this module → a runtime type, substituting `tyArgs`. */
  toType(t: Token, tyArgs: readonly MoveType[]): MoveType {
    if (typeof t === "string") {
      const p = PRIM_TYPES[t];
      if (!p) throw new VmFailure("VMInvariantViolation", `unknown primitive ${t}`);
      return p;
    }
    const closed = this.closedTypes.get(t);
    if (closed) return closed;
    const ty = this.makeType(t, tyArgs);
    if (closed === undefined) this.closedTypes.set(t, namesTypeParameter(t) ? false : ty);
    return ty;
  }

  private makeType(t: Exclude<Token, string>, tyArgs: readonly MoveType[]): MoveType {
    if ("Vector" in t) return { kind: "vector", of: this.toType(t.Vector, tyArgs) };
    if ("TypeParameter" in t) {
      const a = tyArgs[t.TypeParameter];
      if (!a) throw new VmFailure("VMInvariantViolation", `type parameter ${t.TypeParameter} not bound`);
      return a;
    }
    if ("Reference" in t) return this.toType(t.Reference, tyArgs);
    if ("MutableReference" in t) return this.toType(t.MutableReference, tyArgs);
    const [idx, args] = "Datatype" in t ? [t.Datatype, [] as Token[]] : t.DatatypeInstantiation;
    const r = this.datatypeRef(idx);
    return { kind: "struct", ...r, args: args.map((a) => this.toType(a, tyArgs)) };
  }

  constant(idx: number): unknown {
    if (!(idx in this.constants)) {
      const c = this.raw.constant_pool[idx]!;
      this.constants[idx] = decodeConstant(this.toType(c.type_, []), Uint8Array.from(c.data));
    }
    return this.constants[idx];
  }

  functionRef(fhIdx: number): { address: string; module: string; name: string } {
    const h = this.raw.function_handles[fhIdx]!;
    const mh = this.raw.module_handles[h.module]!;
    return {
      address: normalizeAddress(this.raw.address_identifiers[mh.address]!),
      module: this.raw.identifiers[mh.name]!,
      name: this.raw.identifiers[h.name]!,
    };
  }

  /** Decodes a function body (once). */
  decode(f: VmFunction): Decoded {
    if (f.decoded) return f.decoded;
    const code = f.raw.code;
    if (!code) throw new VmFailure("VMInvariantViolation", `${this.name}::${f.name} has no body`);
    f.decoded = decodeBody(this, f, code);
    return f.decoded;
  }
}

const PRIM_TYPES: Record<string, MoveType> = Object.fromEntries(
  ["Bool", "U8", "U16", "U32", "U64", "U128", "U256", "Address", "Signer"].map((n) => [
    n,
    { kind: "prim", name: n.toLowerCase() } as MoveType,
  ]),
);

const WIDTH: Record<string, number> = { U8: 8, U16: 16, U32: 32, U64: 64, U128: 128, U256: 256 };

function u256FromLe(bytes: number[]): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function subst(t: Token, args: Token[]): Token {
  if (typeof t === "string") return t;
  if ("TypeParameter" in t) return args[t.TypeParameter] ?? t;
  if ("Vector" in t) return { Vector: subst(t.Vector, args) };
  if ("Reference" in t) return { Reference: subst(t.Reference, args) };
  if ("MutableReference" in t) return { MutableReference: subst(t.MutableReference, args) };
  if ("DatatypeInstantiation" in t)
    return {
      DatatypeInstantiation: [t.DatatypeInstantiation[0], t.DatatypeInstantiation[1].map((a) => subst(a, args))],
    };
  return t;
}
const deref = (t: Token | undefined): Token | undefined =>
  t && typeof t === "object" && ("Reference" in t || "MutableReference" in t)
    ? "Reference" in t
      ? t.Reference
      : t.MutableReference
    : t;

/** Decodes the instructions and computes integer widths with a linear stack-type pass (the stack
 *  is empty at basic-block boundaries in verified Move bytecode). */
function decodeBody(
  m: VmModule,
  f: VmFunction,
  code: NonNullable<RawModule["function_defs"][number]["code"]>,
): Decoded {
  const raw = m.raw;
  const n = code.code.length;
  const ops = new Uint8Array(n);
  const args: unknown[] = new Array(n);
  const widths = new Uint16Array(n);
  const locals: Token[] = [...f.params, ...f.locals];
  const stack: (Token | undefined)[] = [];
  const pop = () => stack.pop();
  const structFields = (defIdx: number, inst: Token[]): Token[] =>
    (raw.struct_defs[defIdx]?.field_information.Declared ?? []).map((x) => subst(x.signature, inst));
  const structTok = (defIdx: number, inst?: Token[]): Token => {
    const h = raw.struct_defs[defIdx]!.struct_handle;
    return inst ? { DatatypeInstantiation: [h, inst] } : { Datatype: h };
  };
  const variantOf = (enumDef: number, variant: number, inst: Token[]) => {
    const ed = raw.enum_defs[enumDef]!;
    const fields = (ed.variants[variant]?.fields ?? []).map((x) => subst(x.signature, inst));
    const tok: Token = inst.length ? { DatatypeInstantiation: [ed.enum_handle, inst] } : { Datatype: ed.enum_handle };
    return { fields, tok };
  };
  const sig = (i: number): Token[] => raw.signatures[i] ?? [];
  for (let pc = 0; pc < n; pc++) {
    const ins = code.code[pc]!;
    const name = typeof ins === "string" ? ins : Object.keys(ins)[0]!;
    const operand = typeof ins === "string" ? undefined : (ins as Record<string, unknown>)[name];
    const op = OP[name as keyof typeof OP];
    if (op === undefined) throw new VmFailure("VMInvariantViolation", `unknown instruction ${name}`);
    ops[pc] = op;
    switch (name) {
      case "Pop":
      case "BrTrue":
      case "BrFalse":
      case "Abort":
        if (name !== "Pop" && name !== "Abort") args[pc] = operand;
        pop();
        break;
      case "Ret":
        stack.length = 0;
        break;
      case "Branch":
        args[pc] = operand;
        break;
      case "Nop":
        break;
      case "LdU8":
      case "LdU16":
      case "LdU32":
        args[pc] = Number(operand);
        stack.push(name.slice(2));
        break;
      case "LdU64":
      case "LdU128":
        args[pc] = BigInt(operand as bigint);
        stack.push(name.slice(2));
        break;
      case "LdU256":
        args[pc] = u256FromLe(operand as number[]);
        stack.push("U256");
        break;
      case "LdConst": {
        args[pc] = m.constant(operand as number);
        stack.push(raw.constant_pool[operand as number]!.type_);
        break;
      }
      case "LdTrue":
      case "LdFalse":
        stack.push("Bool");
        break;
      case "CopyLoc":
      case "MoveLoc":
        args[pc] = operand;
        stack.push(locals[operand as number]);
        break;
      case "StLoc":
        args[pc] = operand;
        pop();
        break;
      case "MutBorrowLoc":
      case "ImmBorrowLoc":
        args[pc] = operand;
        stack.push({ Reference: locals[operand as number]! });
        break;
      case "ReadRef":
        stack.push(deref(pop()));
        break;
      case "WriteRef":
        pop();
        pop();
        break;
      case "FreezeRef":
        break;
      case "Call":
      case "CallGeneric": {
        let fh = operand as number;
        let inst: Token[] = [];
        if (name === "CallGeneric") {
          const fi = raw.function_instantiations[fh]!;
          fh = fi.handle;
          inst = sig(fi.type_parameters);
        }
        const h = raw.function_handles[fh]!;
        const ref = m.functionRef(fh);
        // Every field present from the start: one shape for every call site.
        const site: CallSite = {
          address: ref.address,
          module: ref.module,
          name: ref.name,
          tyTokens: name === "CallGeneric" ? inst : undefined,
          tyArgs: undefined,
          lastCallerTyArgs: undefined,
          lastTyArgs: undefined,
          target: undefined,
        };
        args[pc] = site;
        for (let i = 0; i < sig(h.parameters).length; i++) pop();
        for (const r of sig(h.return_)) stack.push(subst(r, inst));
        break;
      }
      case "Pack":
      case "PackGeneric":
      case "Unpack":
      case "UnpackGeneric": {
        let def = operand as number;
        let inst: Token[] | undefined;
        if (name.endsWith("Generic")) {
          const si = raw.struct_def_instantiations[def]!;
          def = si.def;
          inst = sig(si.type_parameters);
        }
        const fields = structFields(def, inst ?? []);
        args[pc] = fields.length;
        if (name.startsWith("Pack")) {
          for (let i = 0; i < fields.length; i++) pop();
          stack.push(structTok(def, inst));
        } else {
          pop();
          stack.push(...fields);
        }
        break;
      }
      case "MutBorrowField":
      case "ImmBorrowField":
      case "MutBorrowFieldGeneric":
      case "ImmBorrowFieldGeneric": {
        let fh = operand as number;
        let inst: Token[] = [];
        if (name.endsWith("Generic")) {
          const fi = raw.field_instantiations[fh]!;
          fh = fi.handle;
          inst = sig(fi.type_parameters);
        }
        const h = raw.field_handles[fh]!;
        args[pc] = h.field;
        pop();
        stack.push({ Reference: structFields(h.owner, inst)[h.field]! });
        break;
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Mod":
      case "Div":
      case "BitOr":
      case "BitAnd":
      case "Xor": {
        pop();
        const a = pop();
        widths[pc] = typeof a === "string" ? (WIDTH[a] ?? 0) : 0;
        stack.push(a);
        break;
      }
      case "Shl":
      case "Shr": {
        pop();
        const a = pop();
        widths[pc] = typeof a === "string" ? (WIDTH[a] ?? 0) : 0;
        stack.push(a);
        break;
      }
      case "Or":
      case "And":
      case "Eq":
      case "Neq":
      case "Lt":
      case "Gt":
      case "Le":
      case "Ge":
        pop();
        pop();
        stack.push("Bool");
        break;
      case "Not":
        break;
      case "CastU8":
      case "CastU16":
      case "CastU32":
      case "CastU64":
      case "CastU128":
      case "CastU256":
        pop();
        stack.push(name.slice(4));
        break;
      case "VecPack": {
        const [s, count] = operand as [number, bigint];
        args[pc] = Number(count);
        for (let i = 0; i < Number(count); i++) pop();
        stack.push({ Vector: sig(s)[0]! });
        break;
      }
      case "VecLen":
        pop();
        stack.push("U64");
        break;
      case "VecImmBorrow":
      case "VecMutBorrow":
        pop();
        pop();
        stack.push({ Reference: sig(operand as number)[0]! });
        break;
      case "VecPushBack":
        pop();
        pop();
        break;
      case "VecPopBack":
        pop();
        stack.push(sig(operand as number)[0]);
        break;
      case "VecUnpack": {
        const [s, count] = operand as [number, bigint];
        args[pc] = Number(count);
        pop();
        for (let i = 0; i < Number(count); i++) stack.push(sig(s)[0]);
        break;
      }
      case "VecSwap":
        pop();
        pop();
        pop();
        break;
      case "PackVariant":
      case "PackVariantGeneric":
      case "UnpackVariant":
      case "UnpackVariantImmRef":
      case "UnpackVariantMutRef":
      case "UnpackVariantGeneric":
      case "UnpackVariantGenericImmRef":
      case "UnpackVariantGenericMutRef": {
        let enumDef: number;
        let variant: number;
        let inst: Token[] = [];
        if (name.includes("Generic")) {
          const vh = raw.variant_instantiation_handles[operand as number]!;
          const ei = raw.enum_def_instantiations[vh.enum_def]!;
          enumDef = ei.def;
          variant = vh.variant;
          inst = sig(ei.type_parameters);
        } else {
          const vh = raw.variant_handles[operand as number]!;
          enumDef = vh.enum_def;
          variant = vh.variant;
        }
        const v = variantOf(enumDef, variant, inst);
        args[pc] = { tag: variant, count: v.fields.length };
        if (name.startsWith("Pack")) {
          for (let i = 0; i < v.fields.length; i++) pop();
          stack.push(v.tok);
        } else {
          pop();
          const byRef = name.endsWith("Ref");
          for (const t of v.fields) stack.push(byRef ? { Reference: t } : t);
        }
        break;
      }
      case "VariantSwitch":
        args[pc] = code.jump_tables[operand as number]!.jump_table.Full;
        pop();
        break;
      default:
        // Global storage instructions: not part of Sui's Move.
        args[pc] = name;
        break;
    }
  }
  return { ops, args, widths, localCount: locals.length };
}

/** Where the loader finds a package's module bytes. */
/** A package's modules: bytes, or bytes already deserialized (then the loader does not deserialize them again). */
export type PackageSource = (address: string) => readonly (Uint8Array | { raw: RawModule })[] | undefined;

/** Loads and links modules of every package (framework and published) on demand. */
export class VmLoader {
  private readonly modules = new Map<string, VmModule | null>();
  private readonly layouts = new Map<string, Layout>();
  /** The same, by type object (types from decoded signatures and layouts are reused objects). */
  private readonly layoutByType = new WeakMap<object, Layout>();
  constructor(private readonly source: PackageSource) {}

  /** Forgets a package (e.g. a publish that failed). */
  forget(address: string): void {
    const a = normalizeAddress(address);
    this.loadedPackages.delete(a);
    for (const k of [...this.modules.keys()]) if (k.startsWith(`${a}::`)) this.modules.delete(k);
  }

  private readonly loadedPackages = new Set<string>();

  module(address: string, name: string): VmModule | undefined {
    const key = `${address}::${name}`;
    const hit = this.modules.get(key);
    if (hit !== undefined || this.loadedPackages.has(address)) return hit ?? undefined;
    const bytes = this.source(address);
    if (!bytes) return undefined;
    this.loadedPackages.add(address);
    for (const b of bytes) {
      const raw = b instanceof Uint8Array ? deserializeModule(b) : b.raw;
      const m = new VmModule(raw, this);
      this.modules.set(`${m.address}::${m.name}`, m);
    }
    return this.modules.get(key) ?? undefined;
  }

  function(address: string, module: string, name: string): VmFunction | undefined {
    return this.module(address, module)?.functions.get(name);
  }

  datatype(t: { address: string; module: string; name: string }): Datatype {
    const d = this.module(t.address, t.module)?.datatypes.get(t.name);
    if (!d)
      throw new VmFailure(
        "FunctionNotFound",
        `${shortAddress(t.address)}::${t.module}::${t.name} is not available in the devnet (type not found)`,
      );
    return d;
  }

  /** Field / variant layout of a struct or enum type, with type arguments substituted. */
  layout(t: Extract<MoveType, { kind: "struct" }>): Layout {
    const byObject = this.layoutByType.get(t);
    if (byObject) return byObject;
    const key = typeToString(t, true);
    const hit = this.layouts.get(key);
    if (hit) {
      this.layoutByType.set(t, hit);
      return hit;
    }
    const d = this.datatype(t);
    const l: Layout = d.variants
      ? {
          kind: "enum",
          variants: d.variants.map((v) => ({
            name: v.name,
            names: v.fields.map((f) => f.name),
            types: v.fields.map((f) => d.module.toType(f.type, t.args)),
          })),
        }
      : {
          kind: "struct",
          names: (d.fields ?? []).map((f) => f.name),
          types: (d.fields ?? []).map((f) => d.module.toType(f.type, t.args)),
        };
    this.layouts.set(key, l);
    this.layoutByType.set(t, l);
    return l;
  }

  /** Abilities of a (fully instantiated) type, as the Move type system computes them. */
  abilities(t: MoveType): number {
    if (t.kind === "prim") return t.name === "signer" ? 2 : 7;
    if (t.kind === "vector") return this.abilities(t.of) & 7;
    const d = this.datatype(t);
    let a = d.abilities;
    t.args.forEach((arg, i) => {
      if (d.typeParams[i]?.isPhantom) return;
      const aa = this.abilities(arg);
      a &= (aa & 7) | 8;
      if (!(aa & 4)) a &= ~8;
    });
    return a;
  }
}

export type Layout =
  | { kind: "struct"; names: string[]; types: MoveType[] }
  | { kind: "enum"; variants: { name: string; names: string[]; types: MoveType[] }[] };
