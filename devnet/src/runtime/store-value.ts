/**
 * Interpreter values (vm/values.ts: structs as field arrays) converted straight into the object
 * store's representation — the JS values the @mysten/bcs schemas of `bcsFor` parse (structs as
 * objects by field name, u64+ as bigint, addresses and IDs as 0x + 64 lower-case hex, `String` as
 * a JS string, `Option` as the value or null) — without encoding them to BCS and parsing the
 * bytes again. One converter per type, built once from the struct declarations as `bcsFor` builds
 * its schemas. Types those schemas do not describe (enums, a struct without fields) have no
 * converter: the caller parses the BCS bytes instead, so errors stay those of the schemas.
 */
import { fromNormalized, isStruct, type MoveType, type StructResolver, typeToString } from "../bytecode.js";
import { Ref, type Value } from "../vm/index.js";

type Convert = (v: Value) => unknown;

/** Thrown by a converter for a value its schema would not parse (an Option holding two values). */
class NotConvertible extends Error {}

const byKey = new Map<string, Convert | null>();
const byType = new WeakMap<MoveType, Convert | null>();
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const address = (v: Value): string => (v as string).toLowerCase();
const same = (v: Value): unknown => v;
const big = (v: Value): unknown => (typeof v === "bigint" ? v : BigInt(v as number));
const bytesOf = (v: Value): number[] => (v as number[]).slice();

function build(t: MoveType, resolve: StructResolver): Convert | null {
  if (t.kind === "prim") {
    switch (t.name) {
      case "bool":
      case "u8":
      case "u16":
      case "u32":
        return same;
      case "u64":
      case "u128":
      case "u256":
        return big;
      case "address":
        return address;
      default:
        return null;
    }
  }
  if (t.kind === "vector") {
    if (t.of.kind === "prim" && t.of.name === "u8") return bytesOf;
    const el = converterFor(t.of, resolve);
    if (!el) return null;
    return (v) => {
      const arr = v as Value[];
      const out = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) out[i] = el(arr[i] as Value);
      return out;
    };
  }
  if (isStruct(t, "0x1", "string", "String") || isStruct(t, "0x1", "ascii", "String"))
    return (v) => utf8.decode(Uint8Array.from((v as Value[])[0] as number[]));
  if (isStruct(t, "0x2", "object", "ID")) return (v) => address((v as Value[])[0] as Value);
  if (isStruct(t, "0x1", "option", "Option")) {
    const inner = t.args[0] && converterFor(t.args[0], resolve);
    if (!inner) return null;
    return (v) => {
      const vec = (v as Value[])[0] as Value[];
      if (vec.length > 1) throw new NotConvertible();
      return vec.length === 0 ? null : inner(vec[0] as Value);
    };
  }
  const decl = resolve(t);
  if (!decl || decl.fields.length === 0) return null;
  const names: string[] = [];
  const convs: Convert[] = [];
  for (const f of decl.fields) {
    const c = converterFor(fromNormalized(f.type, t.args), resolve);
    if (!c) return null;
    names.push(f.name);
    convs.push(c);
  }
  return structConverter(names, convs);
}

/**
 * A struct's converter: an object literal with the struct's field names, made once per struct
 * type (every object it gives has the same keys in the same order, so the same shape: ~10× faster
 * than adding the keys one by one on a 17-field struct). Field names are Move identifiers, quoted
 * with JSON.stringify; `__proto__` (a legal identifier) is left to the key-by-key loop.
 */
function structConverter(names: string[], convs: Convert[]): Convert {
  if (names.includes("__proto__")) {
    const n = names.length;
    return (v) => {
      const fields = v as Value[];
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[names[i]!] = convs[i]!(fields[i] as Value);
      return out;
    };
  }
  const body = names.map((name, i) => `${JSON.stringify(name)}: c[${i}](f[${i}])`).join(", ");
  return new Function("c", `return function (f) { return { ${body} }; };`)(convs) as Convert;
}

function converterFor(t: MoveType, resolve: StructResolver): Convert | null {
  const direct = byType.get(t);
  if (direct !== undefined) return direct;
  const key = typeToString(t, true);
  let c = byKey.get(key);
  if (c === undefined) {
    c = build(t, resolve);
    byKey.set(key, c);
  }
  byType.set(t, c);
  return c;
}

/**
 * The store's form of interpreter value `v` of type `t` (what parsing its BCS with `bcsFor(t)`
 * gives), or undefined where only parsing the bytes gives it (see the module comment).
 */
export function storeValueOf(t: MoveType, v: Value, resolve: StructResolver): unknown {
  const c = converterFor(t, resolve);
  if (!c) return undefined;
  try {
    return c(v instanceof Ref ? v.get() : v);
  } catch (e) {
    if (e instanceof NotConvertible || e instanceof TypeError) return undefined;
    throw e;
  }
}
