/**
 * Move bytecode → Sui's normalized JSON (as sui_getNormalizedMove* return it), type strings,
 * abilities and BCS schemas generated from struct layouts.
 * Why one file past ~600 lines: normalized JSON, type strings and BCS schemas are three views
 * of the same decoded struct and type tables and share their caches.
 */
import { type BcsType, fromHex, toHex } from "@mysten/bcs";
import { bcs } from "@mysten/sui/bcs";
import { isValidSuiAddress, normalizeSuiAddress } from "@mysten/sui/utils";
import { DevnetError } from "./errors.js";
import { deserializeModule, type RawModule, serializeModule, type Token } from "./move-binary.js";

export type NormalizedType =
  | "Bool"
  | "U8"
  | "U16"
  | "U32"
  | "U64"
  | "U128"
  | "U256"
  | "Address"
  | "Signer"
  | { Struct: { address: string; module: string; name: string; typeArguments: NormalizedType[] } }
  | { Vector: NormalizedType }
  | { TypeParameter: number }
  | { Reference: NormalizedType }
  | { MutableReference: NormalizedType };

export type Ability = "Copy" | "Drop" | "Store" | "Key";
export interface NormalizedFunction {
  visibility: "Public" | "Private" | "Friend";
  isEntry: boolean;
  typeParameters: { abilities: Ability[] }[];
  parameters: NormalizedType[];
  return: NormalizedType[];
}
export interface NormalizedStruct {
  abilities: { abilities: Ability[] };
  typeParameters: { constraints: { abilities: Ability[] }; isPhantom: boolean }[];
  fields: { name: string; type: NormalizedType }[];
}
export interface NormalizedModule {
  fileFormatVersion: number;
  address: string;
  name: string;
  friends: { address: string; name: string }[];
  structs: Record<string, NormalizedStruct>;
  enums: Record<string, unknown>;
  exposedFunctions: Record<string, NormalizedFunction>;
}
/** An abort site of a Move 2024 clever error (`#[error] const EName`), read from the bytecode. */
export interface CleverAbortSite {
  /** The constant's name, e.g. `EWrongVersion`. */
  name: string;
  /** The full u64 abort code Sui reports (tag bit, error code, line, name and value constant indices). */
  code: bigint;
  /** `#[error(code = N)]` value, or undefined when the error has none. */
  errorCode?: number;
  /** The constant's value when it is a `vector<u8>` (the error message), else undefined. */
  message?: string;
  line: number;
  /** Function containing the abort, and its definition index. */
  function: string;
  functionIndex: number;
}

/** A deserialized module plus its normalized form and the index of every function definition. */
export interface LoadedModule {
  /** Clever-error abort sites, in bytecode order. */
  errors: CleverAbortSite[];
  normalized: NormalizedModule;
  /** Every function (exposed or not), with its definition index (for MoveLocation.function). */
  functions: Map<string, NormalizedFunction & { index: number }>;
  bytes: Uint8Array;
  /** The deserialized module (the interpreter's loader reads it instead of deserializing again). */
  raw: RawModule;
}

function constantString(data: number[] | undefined): string | undefined {
  if (!data) return undefined;
  let len = 0;
  let shift = 0;
  let i = 0;
  for (; i < data.length; i++) {
    const b = data[i]!;
    len |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) {
      i++;
      break;
    }
  }
  return Buffer.from(data.slice(i, i + len)).toString("utf8");
}

function isBytesType(t: unknown): boolean {
  return typeof t === "object" && t !== null && (t as { Vector?: unknown }).Vector === "U8";
}

const ABILITY_BITS: [number, Ability][] = [
  [1, "Copy"],
  [2, "Drop"],
  [4, "Store"],
  [8, "Key"],
];
export function abilitiesFromMask(mask: number): Ability[] {
  return ABILITY_BITS.filter(([b]) => (mask & b) !== 0).map(([, a]) => a);
}

/** Lower-case hex digits by character code (1: a digit). */
const LOWER_HEX = new Uint8Array(128);
for (const c of "0123456789abcdef") LOWER_HEX[c.charCodeAt(0)] = 1;
/**
 * Whether `a` is in the runtime's canonical form, 0x + 64 lower-case hex (`/^0x[0-9a-f]{64}$/`),
 * by a loop over the character codes: a third of the regex's time, and every id on the execution
 * path is tested, several times per MoveCall.
 */
function isCanonicalAddress(a: string): boolean {
  if (a.length !== 66 || a.charCodeAt(0) !== 48 || a.charCodeAt(1) !== 120) return false;
  for (let i = 2; i < 66; i++) {
    const c = a.charCodeAt(i);
    if (c > 127 || LOWER_HEX[c] === 0) return false;
  }
  return true;
}
export function normalizeAddress(a: string): string {
  // Already canonical (every id on the execution path): itself.
  if (isCanonicalAddress(a)) return a;
  const h = a.toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]{1,64}$/.test(h))
    throw new DevnetError("INVALID_PARAMS", `address ${a}: must be hex of at most 32 bytes`);
  return `0x${h.padStart(64, "0")}`;
}
/** Sui's `to_hex_literal`: leading zeros stripped (`0x2`). */
export function shortAddress(a: string): string {
  const h = a.toLowerCase().replace(/^0x/, "").replace(/^0+/, "");
  return `0x${h === "" ? "0" : h}`;
}

/** Rewrites the all-zero address identifier (the unpublished package's own address) to `packageId`. */
export function relocateModule(bytes: Uint8Array, packageId: string): Uint8Array {
  const raw = deserializeModule(bytes);
  const zero = "0".repeat(64);
  const target = normalizeAddress(packageId).slice(2);
  raw.address_identifiers = raw.address_identifiers.map((a) => (a.replace(/^0x/, "") === zero ? target : a));
  return serializeModule(raw);
}

export function loadModule(bytes: Uint8Array): LoadedModule {
  const m = deserializeModule(bytes);
  const ident = (i: number): string => m.identifiers[i] ?? "";
  const addr = (i: number): string => shortAddress(m.address_identifiers[i] ?? "0");
  const self = m.module_handles[m.self_module_handle_idx];
  if (!self) throw new DevnetError("BYTECODE", "module has no self handle");
  const tok = (t: Token): NormalizedType => {
    if (typeof t === "string") return t as NormalizedType;
    if ("Vector" in t) return { Vector: tok(t.Vector) };
    if ("Reference" in t) return { Reference: tok(t.Reference) };
    if ("MutableReference" in t) return { MutableReference: tok(t.MutableReference) };
    if ("TypeParameter" in t) return { TypeParameter: t.TypeParameter };
    const [idx, args] = "Datatype" in t ? [t.Datatype, []] : t.DatatypeInstantiation;
    const h = m.datatype_handles[idx];
    const mh = h ? m.module_handles[h.module] : undefined;
    if (!h || !mh) throw new DevnetError("BYTECODE", `bad datatype handle ${idx}`);
    return {
      Struct: { address: addr(mh.address), module: ident(mh.name), name: ident(h.name), typeArguments: args.map(tok) },
    };
  };
  const structs: Record<string, NormalizedStruct> = {};
  for (const sd of m.struct_defs) {
    const h = m.datatype_handles[sd.struct_handle];
    if (!h) continue;
    structs[ident(h.name)] = {
      abilities: { abilities: abilitiesFromMask(h.abilities) },
      typeParameters: h.type_parameters.map((p) => ({
        constraints: { abilities: abilitiesFromMask(p.constraints) },
        isPhantom: p.is_phantom,
      })),
      fields: (sd.field_information.Declared ?? []).map((f) => ({ name: ident(f.name), type: tok(f.signature) })),
    };
  }
  const errors: CleverAbortSite[] = [];
  m.function_defs.forEach((fd, index) => {
    const code = fd.code?.code ?? [];
    const fname = ident(m.function_handles[fd.function]?.name ?? -1);
    for (let i = 0; i + 1 < code.length; i++) {
      const ins = code[i] as { LdU64?: bigint | number | string } | string;
      if (typeof ins !== "object" || ins.LdU64 === undefined || code[i + 1] !== "Abort") continue;
      const c = BigInt(ins.LdU64);
      if (c >> 63n !== 1n) continue;
      const top = Number(c >> 48n);
      const name = constantString(m.constant_pool[Number((c >> 16n) & 0xffffn)]?.data);
      if (!name) continue;
      const value = m.constant_pool[Number(c & 0xffffn)];
      const message = isBytesType(value?.type_) ? constantString(value?.data) : undefined;
      errors.push({
        name,
        code: c,
        ...((top & 0x4000) !== 0 ? { errorCode: top & 0xff } : {}),
        ...(message !== undefined ? { message } : {}),
        line: Number((c >> 32n) & 0xffffn),
        function: fname,
        functionIndex: index,
      });
    }
  });
  const functions = new Map<string, NormalizedFunction & { index: number }>();
  const exposed: Record<string, NormalizedFunction> = {};
  m.function_defs.forEach((fd, index) => {
    const h = m.function_handles[fd.function];
    if (!h) return;
    const f: NormalizedFunction = {
      visibility: fd.visibility,
      isEntry: fd.is_entry,
      typeParameters: h.type_parameters.map((mask) => ({ abilities: abilitiesFromMask(mask) })),
      parameters: (m.signatures[h.parameters] ?? []).map(tok),
      return: (m.signatures[h.return_] ?? []).map(tok),
    };
    functions.set(ident(h.name), { ...f, index });
    if (fd.is_entry || fd.visibility !== "Private") exposed[ident(h.name)] = f;
  });
  const sortObj = <T>(o: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, o[k] as T]),
    );
  return {
    normalized: {
      fileFormatVersion: m.version,
      address: addr(self.address),
      name: ident(self.name),
      friends: m.friend_decls.map((f) => ({ address: addr(f.address), name: ident(f.name) })),
      structs: sortObj(structs),
      enums: {},
      exposedFunctions: sortObj(exposed),
    },
    functions,
    errors,
    bytes,
    raw: m,
  };
}

// ---------- types ----------

/** A parsed Move type. Addresses are long (0x + 64 hex). */
export type MoveType =
  | { kind: "prim"; name: "bool" | "u8" | "u16" | "u32" | "u64" | "u128" | "u256" | "address" | "signer" }
  | { kind: "vector"; of: MoveType }
  | { kind: "struct"; address: string; module: string; name: string; args: MoveType[] };

const PRIMS: Record<string, MoveType> = Object.fromEntries(
  ["bool", "u8", "u16", "u32", "u64", "u128", "u256", "address", "signer"].map((n) => [
    n,
    { kind: "prim", name: n } as MoveType,
  ]),
);

/** Parses `0x2::coin::Coin<0x2::sui::SUI>`, `vector<u8>`, `u64` … */
export function parseType(s: string): MoveType {
  let i = 0;
  const src = s.replace(/\s+/g, "");
  const parse = (): MoveType => {
    const m = /^[A-Za-z0-9_]+(::[A-Za-z0-9_]+::[A-Za-z0-9_]+)?/.exec(src.slice(i));
    if (!m) throw new DevnetError("INVALID_PARAMS", `type ${s}: cannot parse at offset ${i}`);
    i += m[0].length;
    let args: MoveType[] = [];
    if (src[i] === "<") {
      i++;
      args.push(parse());
      while (src[i] === ",") {
        i++;
        args.push(parse());
      }
      if (src[i] !== ">") throw new DevnetError("INVALID_PARAMS", `type ${s}: expected '>' at offset ${i}`);
      i++;
    } else args = [];
    if (!m[1]) {
      if (m[0] === "vector") {
        if (args.length !== 1 || !args[0])
          throw new DevnetError("INVALID_PARAMS", `type ${s}: vector needs one argument`);
        return { kind: "vector", of: args[0] };
      }
      const p = PRIMS[m[0]];
      if (!p) throw new DevnetError("INVALID_PARAMS", `type ${s}: unknown type ${m[0]}`);
      return p;
    }
    const [a, mod, name] = m[0].split("::") as [string, string, string];
    return { kind: "struct", address: normalizeAddress(a), module: mod, name, args };
  };
  const t = parse();
  if (i !== src.length) throw new DevnetError("INVALID_PARAMS", `type ${s}: trailing characters`);
  return t;
}

const FRAMEWORK = new Set([normalizeAddress("0x1"), normalizeAddress("0x2"), normalizeAddress("0x3")]);
/** Sui's display form: framework addresses short (`0x2`), package addresses long. */
/** Type texts by type object, short and long form (type objects are never changed once built). */
const shortText = new WeakMap<MoveType, string>();
const longText = new WeakMap<MoveType, string>();
export function typeToString(t: MoveType, long = false): string {
  if (t.kind === "prim") return t.name;
  const memo = long ? longText : shortText;
  let text = memo.get(t);
  if (text !== undefined) return text;
  if (t.kind === "vector") text = `vector<${typeToString(t.of, long)}>`;
  else {
    const a = !long && FRAMEWORK.has(t.address) ? shortAddress(t.address) : t.address;
    const args = t.args.length ? `<${t.args.map((x) => typeToString(x, long)).join(", ")}>` : "";
    text = `${a}::${t.module}::${t.name}${args}`;
  }
  memo.set(t, text);
  return text;
}
export function canonicalType(s: string): string {
  return typeToString(parseType(s));
}

/** Normalized (bytecode) type with type parameters substituted → MoveType. References are stripped. */
export function fromNormalized(t: NormalizedType, typeArgs: MoveType[]): MoveType {
  if (typeof t === "string") {
    const p = PRIMS[t.toLowerCase()];
    if (!p) throw new DevnetError("BYTECODE", `unknown primitive ${t}`);
    return p;
  }
  if ("Vector" in t) return { kind: "vector", of: fromNormalized(t.Vector, typeArgs) };
  if ("Reference" in t) return fromNormalized(t.Reference, typeArgs);
  if ("MutableReference" in t) return fromNormalized(t.MutableReference, typeArgs);
  if ("TypeParameter" in t) {
    const a = typeArgs[t.TypeParameter];
    if (!a) throw new DevnetError("BYTECODE", `type parameter ${t.TypeParameter} not supplied`);
    return a;
  }
  return {
    kind: "struct",
    address: normalizeAddress(t.Struct.address),
    module: t.Struct.module,
    name: t.Struct.name,
    args: t.Struct.typeArguments.map((x) => fromNormalized(x, typeArgs)),
  };
}

const normalizedShort = new Map<string, string>();
export function isStruct(t: MoveType, addr: string, module: string, name: string): boolean {
  if (t.kind !== "struct" || t.name !== name || t.module !== module) return false;
  let a = normalizedShort.get(addr);
  if (a === undefined) {
    a = normalizeAddress(addr);
    if (normalizedShort.size < 1024) normalizedShort.set(addr, a);
  }
  return t.address === a;
}

// ---------- framework structs the devnet knows without bytecode ----------

const P = (name: NormalizedType): NormalizedType => name;
const S = (address: string, module: string, name: string, typeArguments: NormalizedType[] = []): NormalizedType => ({
  Struct: { address, module, name, typeArguments },
});
function fw(abilities: Ability[], fields: [string, NormalizedType][], tparams = 0, phantom = true): NormalizedStruct {
  return {
    abilities: { abilities },
    typeParameters: Array.from({ length: tparams }, () => ({ constraints: { abilities: [] }, isPhantom: phantom })),
    fields: fields.map(([name, type]) => ({ name, type })),
  };
}
/** Layouts of the framework structs used by the devnet and by package bindings. */
export const FRAMEWORK_STRUCTS: Record<string, NormalizedStruct> = {
  "0x1::string::String": fw(["Copy", "Drop", "Store"], [["bytes", { Vector: "U8" }]]),
  "0x1::ascii::String": fw(["Copy", "Drop", "Store"], [["bytes", { Vector: "U8" }]]),
  "0x1::type_name::TypeName": fw(["Copy", "Drop", "Store"], [["name", S("0x1", "ascii", "String")]]),
  "0x2::object::ID": fw(["Copy", "Drop", "Store"], [["bytes", P("Address")]]),
  "0x2::object::UID": fw(["Store"], [["id", S("0x2", "object", "ID")]]),
  "0x2::balance::Balance": fw(["Store"], [["value", "U64"]], 1),
  "0x2::balance::Supply": fw(["Store"], [["value", "U64"]], 1),
  "0x2::coin::Coin": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["balance", S("0x2", "balance", "Balance", [{ TypeParameter: 0 }])],
    ],
    1,
  ),
  "0x2::sui::SUI": fw(["Drop"], [["dummy_field", "Bool"]]),
  "0x2::clock::Clock": fw(
    ["Key"],
    [
      ["id", S("0x2", "object", "UID")],
      ["timestamp_ms", "U64"],
    ],
  ),
  "0x2::random::Random": fw(
    ["Key"],
    [
      ["id", S("0x2", "object", "UID")],
      ["inner", S("0x2", "versioned", "Versioned")],
    ],
  ),
  "0x2::versioned::Versioned": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["version", "U64"],
    ],
  ),
  "0x2::package::UpgradeCap": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["package", S("0x2", "object", "ID")],
      ["version", "U64"],
      ["policy", "U8"],
    ],
  ),
  "0x2::table::Table": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["size", "U64"],
    ],
    2,
  ),
  "0x2::bag::Bag": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["size", "U64"],
    ],
  ),
  "0x2::tx_context::TxContext": fw(["Drop"], []),
  "0x2::vec_map::VecMap": fw(
    ["Copy", "Drop", "Store"],
    [["contents", { Vector: S("0x2", "vec_map", "Entry", [{ TypeParameter: 0 }, { TypeParameter: 1 }]) }]],
    2,
    false,
  ),
  "0x2::vec_map::Entry": fw(
    ["Copy", "Drop", "Store"],
    [
      ["key", { TypeParameter: 0 }],
      ["value", { TypeParameter: 1 }],
    ],
    2,
    false,
  ),
  "0x2::vec_set::VecSet": fw(["Copy", "Drop", "Store"], [["contents", { Vector: { TypeParameter: 0 } }]], 1, false),
  "0x2::object_table::ObjectTable": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["size", "U64"],
    ],
    2,
  ),
  "0x2::object_bag::ObjectBag": fw(
    ["Key", "Store"],
    [
      ["id", S("0x2", "object", "UID")],
      ["size", "U64"],
    ],
  ),
  "0x2::linked_table::LinkedTable": {
    abilities: { abilities: ["Key", "Store"] },
    typeParameters: [
      { constraints: { abilities: ["Copy", "Drop", "Store"] }, isPhantom: false },
      { constraints: { abilities: ["Store"] }, isPhantom: true },
    ],
    fields: [
      { name: "id", type: S("0x2", "object", "UID") },
      { name: "size", type: "U64" },
      { name: "head", type: S("0x1", "option", "Option", [{ TypeParameter: 0 }]) },
      { name: "tail", type: S("0x1", "option", "Option", [{ TypeParameter: 0 }]) },
    ],
  },
  "0x2::table_vec::TableVec": fw(
    ["Store"],
    [["contents", S("0x2", "table", "Table", ["U64", { TypeParameter: 0 }])]],
    1,
  ),
  "0x2::dynamic_field::Field": {
    abilities: { abilities: ["Key"] },
    typeParameters: [
      { constraints: { abilities: ["Copy", "Drop", "Store"] }, isPhantom: false },
      { constraints: { abilities: ["Store"] }, isPhantom: false },
    ],
    fields: [
      { name: "id", type: S("0x2", "object", "UID") },
      { name: "name", type: { TypeParameter: 0 } },
      { name: "value", type: { TypeParameter: 1 } },
    ],
  },
  "0x2::url::Url": fw(["Copy", "Drop", "Store"], [["url", S("0x1", "ascii", "String")]]),
};
export function structKey(t: { address: string; module: string; name: string }): string {
  return `${shortAddress(t.address)}::${t.module}::${t.name}`;
}

/** Resolves a struct's declaration: framework table, else the published module. */
export type StructResolver = (t: Extract<MoveType, { kind: "struct" }>) => NormalizedStruct | undefined;

export function abilitiesOf(t: MoveType, resolve: StructResolver): Set<Ability> {
  if (t.kind === "prim") return new Set(t.name === "signer" ? ["Drop"] : ["Copy", "Drop", "Store"]);
  if (t.kind === "vector") {
    const inner = abilitiesOf(t.of, resolve);
    inner.delete("Key");
    return inner;
  }
  if (isStruct(t, "0x1", "option", "Option")) {
    const inner = t.args[0] ? abilitiesOf(t.args[0], resolve) : new Set<Ability>();
    inner.delete("Key");
    return inner;
  }
  const decl = resolve(t);
  if (!decl) throw new DevnetError("BYTECODE", `unknown struct ${typeToString(t)}`);
  const declared = new Set(decl.abilities.abilities);
  // Abilities of an instantiation: declared ∩ abilities of non-phantom args (key is kept).
  t.args.forEach((a, i) => {
    if (decl.typeParameters[i]?.isPhantom) return;
    const aa = abilitiesOf(a, resolve);
    for (const ab of ["Copy", "Drop", "Store"] as Ability[]) if (!aa.has(ab)) declared.delete(ab);
    if (!aa.has("Store")) declared.delete("Key");
  });
  return declared;
}

// ---------- BCS ----------

/** Values as the runtime holds them: u64/u128/u256 as bigint, addresses and IDs as 0x-hex strings,
 *  UID as `{ id: "0x…" }`, Option as value | null, String as string, vector<u8> as number[]. */
export type MoveValue = unknown;

const bigintOut = <T extends BcsType<string, string | number | bigint>>(t: T) =>
  t.transform({ output: (v: string) => BigInt(v), input: (v: bigint | string | number) => v });

/**
 * `bcs.Address` of @mysten/sui with a fast path for the canonical form the runtime holds
 * (0x + 64 lower-case hex): the same bytes and the same output string, without the library's
 * per-byte regex hex decoding; anything else goes through the library's own checks.
 * (`isCanonicalAddress`, above).
 */
const Address = bcs.bytes(32).transform({
  validate: (val: string | Uint8Array) => {
    if (typeof val === "string" && isCanonicalAddress(val)) return;
    const address = typeof val === "string" ? val : toHex(val);
    if (!address || !isValidSuiAddress(normalizeSuiAddress(address))) throw new Error(`Invalid Sui address ${address}`);
  },
  input: (val: string | Uint8Array): Uint8Array =>
    typeof val !== "string"
      ? val
      : isCanonicalAddress(val)
        ? Buffer.from(val.slice(2), "hex")
        : fromHex(normalizeSuiAddress(val)),
  output: (val: Uint8Array): string => `0x${Buffer.from(val).toString("hex")}`,
});

const schemaCache = new Map<string, BcsType<unknown, unknown>>();
/** Schemas by type object too: the runtime passes the same type objects again and again. */
const schemaByType = new WeakMap<MoveType, BcsType<unknown, unknown>>();
/** A BCS schema for a Move type, generated from struct layouts. */
export function bcsFor(t: MoveType, resolve: StructResolver): BcsType<unknown, unknown> {
  const direct = schemaByType.get(t);
  if (direct) return direct;
  const key = typeToString(t, true);
  let s = schemaCache.get(key);
  if (!s) {
    s = buildSchema(t, resolve);
    schemaCache.set(key, s);
  }
  schemaByType.set(t, s);
  return s;
}
function buildSchema(t: MoveType, resolve: StructResolver): BcsType<unknown, unknown> {
  const anyT = (x: unknown) => x as BcsType<unknown, unknown>;
  if (t.kind === "prim") {
    switch (t.name) {
      case "bool":
        return anyT(bcs.bool());
      case "u8":
        return anyT(bcs.u8());
      case "u16":
        return anyT(bcs.u16());
      case "u32":
        return anyT(bcs.u32());
      case "u64":
        return anyT(bigintOut(bcs.u64()));
      case "u128":
        return anyT(bigintOut(bcs.u128()));
      case "u256":
        return anyT(bigintOut(bcs.u256()));
      case "address":
        return anyT(Address);
      case "signer":
        throw new DevnetError("BYTECODE", "signer has no BCS value");
    }
  }
  if (t.kind === "vector") return anyT(bcs.vector(bcsFor(t.of, resolve)));
  if (isStruct(t, "0x1", "string", "String") || isStruct(t, "0x1", "ascii", "String")) return anyT(bcs.string());
  if (isStruct(t, "0x2", "object", "ID")) return anyT(Address);
  if (isStruct(t, "0x1", "option", "Option")) {
    if (!t.args[0]) throw new DevnetError("BYTECODE", "Option without a type argument");
    return anyT(bcs.option(bcsFor(t.args[0], resolve)));
  }
  const decl = resolve(t);
  if (!decl) throw new DevnetError("BYTECODE", `unknown struct ${typeToString(t)}`);
  const fields: Record<string, BcsType<unknown, unknown>> = {};
  for (const f of decl.fields) fields[f.name] = bcsFor(fromNormalized(f.type, t.args), resolve);
  if (decl.fields.length === 0) fields.dummy_field = anyT(bcs.bool());
  return anyT(bcs.struct(typeToString(t), fields));
}

/** Sui's JSON rendering of a value (`content.fields`, event `parsedJson`): u64+ as strings,
 *  UID as `{id}`, ID as string, Balance as its value string, nested structs as `{type, fields}`. */
export function toSuiJson(t: MoveType, v: MoveValue, resolve: StructResolver): unknown {
  if (t.kind === "prim") return typeof v === "bigint" ? v.toString() : v;
  if (t.kind === "vector") return (v as unknown[]).map((x) => toSuiJson(t.of, x, resolve));
  if (
    isStruct(t, "0x1", "string", "String") ||
    isStruct(t, "0x1", "ascii", "String") ||
    isStruct(t, "0x2", "object", "ID")
  )
    return v;
  if (isStruct(t, "0x1", "option", "Option"))
    return v === null || v === undefined ? null : toSuiJson(t.args[0]!, v, resolve);
  if (isStruct(t, "0x2", "object", "UID")) return { id: (v as { id: string }).id };
  if (isStruct(t, "0x2", "balance", "Balance")) return String((v as { value: bigint }).value);
  const decl = resolve(t);
  if (!decl) return v;
  const out: Record<string, unknown> = {};
  for (const f of decl.fields)
    out[f.name] = toSuiJson(fromNormalized(f.type, t.args), (v as Record<string, unknown>)[f.name], resolve);
  return out;
}
/** The nested-struct form Sui uses inside `content.fields` for struct-typed fields. */
export function toSuiContentFields(t: MoveType, v: MoveValue, resolve: StructResolver): Record<string, unknown> {
  const decl = resolve(t as Extract<MoveType, { kind: "struct" }>);
  const out: Record<string, unknown> = {};
  if (!decl) return out;
  for (const f of decl.fields) {
    const ft = fromNormalized(f.type, t.kind === "struct" ? t.args : []);
    const fv = (v as Record<string, unknown>)[f.name];
    const plain =
      ft.kind !== "struct" ||
      [
        "0x1::string::String",
        "0x1::ascii::String",
        "0x2::object::ID",
        "0x2::object::UID",
        "0x2::balance::Balance",
        "0x1::option::Option",
      ].includes(structKey(ft));
    out[f.name] = plain
      ? toSuiJson(ft, fv, resolve)
      : { type: typeToString(ft), fields: toSuiContentFields(ft, fv, resolve) };
  }
  return out;
}
