/**
 * Differential fuzzing of the interpreter against the real Move VM: random calls into the
 * `vm_ops` fixture package (devnet/test/fixtures/vm_ops: arithmetic at every width, shifts,
 * casts, comparisons, vectors, enums, aborts) are run through this interpreter, and the outcome
 * of each (values, or the arithmetic/vector/abort failure) is written as a Move unit test that
 * the real Move VM (the WASM test runner of @zktx.io/sui-move-builder) must pass. A seed
 * reproduces the same cases.
 */
import { blake2b } from "@noble/hashes/blake2.js";
import { type MoveType, parseType } from "../../src/bytecode.js";
import {
  GasMeter,
  Interpreter,
  NATIVES,
  type Value,
  VmAbort,
  VmFailure,
  type VmHost,
  type VmLoader,
} from "../../src/vm/index.js";

export interface DiffCase {
  index: number;
  fn: string;
  args: Value[];
  /** Move source of the arguments. */
  argSrc: string[];
  outcome:
    | { kind: "values"; values: Value[] }
    | { kind: "arithmetic"; module: string }
    | { kind: "vector"; module: string; minor: number }
    | { kind: "abort"; code: bigint; module: string; constant?: string };
}

const WIDTHS: Record<string, number> = { u8: 8, u16: 16, u32: 32, u64: 64, u128: 128, u256: 256 };

/** A deterministic byte stream from the seed. */
class Rng {
  private buf = new Uint8Array(0);
  private pos = 0;
  private counter = 0;
  constructor(private readonly seed: string) {}
  byte(): number {
    if (this.pos >= this.buf.length) {
      this.buf = blake2b(new TextEncoder().encode(`${this.seed}:${this.counter++}`), { dkLen: 64 });
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }
  int(n: number): number {
    return (this.byte() * 256 + this.byte()) % n;
  }
  bits(w: number): bigint {
    let v = 0n;
    for (let i = 0; i < w / 8; i++) v = (v << 8n) | BigInt(this.byte());
    return v;
  }
  /** Edge-biased unsigned value of `w` bits. */
  value(w: number): bigint {
    const max = (1n << BigInt(w)) - 1n;
    return this.raw(w, max) & max;
  }
  private raw(w: number, max: bigint): bigint {
    switch (this.int(8)) {
      case 0:
        return 0n;
      case 1:
        return 1n;
      case 2:
        return max;
      case 3:
        return max - BigInt(this.int(3));
      case 4:
        return 1n << BigInt(this.int(w));
      case 5:
        return BigInt(this.int(1000));
      case 6:
        return this.bits(w) >> BigInt(this.int(w));
      default:
        return this.bits(w);
    }
  }
}

const lit = (t: string, v: bigint) => `${v}${t}`;
const js = (t: string, v: bigint): Value => (WIDTHS[t]! <= 32 ? Number(v) : v);

type Gen = (r: Rng) => { args: Value[]; src: string[] };
const bin =
  (t: string, shift = false): Gen =>
  (r) => {
    const a = r.value(WIDTHS[t]!);
    const b = shift ? BigInt(r.int(WIDTHS[t]! + 3)) : r.value(WIDTHS[t]!);
    const bt = shift ? "u8" : t;
    return { args: [js(t, a), js(bt, b)], src: [lit(t, a), lit(bt, b)] };
  };
const un =
  (t: string): Gen =>
  (r) => {
    const a = r.value(WIDTHS[t]!);
    return { args: [js(t, a)], src: [lit(t, a)] };
  };

/** Functions of `vm_ops::ops` with argument generators and their result types. */
const OPS: [string, Gen, string[]][] = [
  ["add8", bin("u8"), ["u8"]],
  ["add16", bin("u16"), ["u16"]],
  ["add32", bin("u32"), ["u32"]],
  ["add64", bin("u64"), ["u64"]],
  ["add128", bin("u128"), ["u128"]],
  ["add256", bin("u256"), ["u256"]],
  ["sub8", bin("u8"), ["u8"]],
  ["sub64", bin("u64"), ["u64"]],
  ["mul16", bin("u16"), ["u16"]],
  ["mul32", bin("u32"), ["u32"]],
  ["mul64", bin("u64"), ["u64"]],
  ["mul256", bin("u256"), ["u256"]],
  ["div32", bin("u32"), ["u32"]],
  ["div64", bin("u64"), ["u64"]],
  ["mod8", bin("u8"), ["u8"]],
  ["mod128", bin("u128"), ["u128"]],
  ["shl8", bin("u8", true), ["u8"]],
  ["shl32", bin("u32", true), ["u32"]],
  ["shl256", bin("u256", true), ["u256"]],
  ["shr16", bin("u16", true), ["u16"]],
  ["shr64", bin("u64", true), ["u64"]],
  ["bits32", bin("u32"), ["u32", "u32", "u32"]],
  ["bits128", bin("u128"), ["u128", "u128", "u128"]],
  ["cast_u8", un("u64"), ["u8"]],
  ["cast_u16", un("u256"), ["u16"]],
  ["cast_u32", un("u128"), ["u32"]],
  ["cast_u64", un("u128"), ["u64"]],
  ["cast_u128", un("u256"), ["u128"]],
  ["cast_u256", un("u8"), ["u256"]],
  ["cmp", bin("u64"), ["bool", "bool", "bool", "bool", "bool", "bool"]],
  [
    "vec_oob",
    (r) => {
      const i = BigInt(r.int(4));
      return { args: [i], src: [lit("u64", i)] };
    },
    ["u64"],
  ],
  [
    "area_of",
    (r) => {
      const k = BigInt(r.int(3));
      const x = r.int(4) === 0 ? r.value(64) : BigInt(r.int(100000));
      return { args: [Number(k), x], src: [lit("u8", k), lit("u64", x)] };
    },
    ["u64"],
  ],
  [
    "plain",
    (r) => {
      const x = BigInt(r.int(20));
      return { args: [x], src: [lit("u64", x)] };
    },
    ["u64"],
  ],
  ["clever", () => ({ args: [], src: [] }), ["u64"]],
  [
    "loop_sum",
    (r) => {
      const x = BigInt(r.int(200));
      return { args: [x], src: [lit("u64", x)] };
    },
    ["u64"],
  ],
];

const noHost = {} as VmHost;

/** Generates `count` cases from `seed` and runs them through the interpreter. */
export function generateCases(loader: VmLoader, pkg: string, seed: string, count: number): DiffCase[] {
  const r = new Rng(seed);
  const out: DiffCase[] = [];
  for (let index = 0; index < count; index++) {
    const [fn, gen] = OPS[r.int(OPS.length)]!;
    const { args, src } = gen(r);
    const vm = new Interpreter(loader, NATIVES, noHost, new GasMeter(1e8));
    let outcome: DiffCase["outcome"];
    try {
      outcome = { kind: "values", values: vm.call(vm.resolve(pkg, "ops", fn), [], args) };
    } catch (e) {
      if (e instanceof VmAbort) {
        // A clever error (bit 63): the Move test names its constant.
        const constant =
          e.code >> 63n === 1n
            ? Buffer.from(
                loader.module(pkg, e.location.module)!.constant(Number((e.code >> 16n) & 0xffffn)) as number[],
              ).toString("utf8")
            : undefined;
        outcome = { kind: "abort", code: e.code, module: e.location.module, ...(constant ? { constant } : {}) };
      } else if (e instanceof VmFailure && e.kind === "MovePrimitiveRuntimeError") {
        const module = e.location?.module ?? "vector";
        outcome = e.message.startsWith("VECTOR_OPERATION_ERROR")
          ? { kind: "vector", module, minor: /index/.test(e.message) ? 1 : /empty/.test(e.message) ? 2 : 3 }
          : { kind: "arithmetic", module };
      } else throw e;
    }
    out.push({ index, fn, args, argSrc: src, outcome });
  }
  return out;
}

function moveLiteral(t: MoveType, v: Value): string {
  if (t.kind === "prim") return t.name === "bool" ? String(v) : `${v}${t.name}`;
  throw new Error(`no literal for ${JSON.stringify(t)}`);
}

/** The Move unit-test module asserting each case's interpreter outcome. */
export function casesToMove(cases: DiffCase[], seed: string): string {
  const lines = [
    `// Generated by devnet/test/vm/cases.ts (seed ${JSON.stringify(seed)}): the devnet interpreter's outcomes.`,
    "#[test_only]",
    "module vm_ops::diff_tests;",
    "",
    "use vm_ops::ops;",
    "",
  ];
  for (const c of cases) {
    const call = `ops::${c.fn}(${c.argSrc.join(", ")})`;
    const name = `case_${c.index}_${c.fn}`;
    if (c.outcome.kind === "values") {
      const types = OPS.find(([n]) => n === c.fn)![2].map((t) => parseType(t));
      const vals = c.outcome.values;
      lines.push("#[test]", `fun ${name}() {`);
      if (vals.length === 1) lines.push(`    assert!(${call} == ${moveLiteral(types[0]!, vals[0]!)}, 0);`);
      else {
        const names = vals.map((_, i) => `r${i}`);
        lines.push(`    let (${names.join(", ")}) = ${call};`);
        vals.forEach((v, i) => {
          lines.push(`    assert!(r${i} == ${moveLiteral(types[i]!, v)}, ${i});`);
        });
      }
      lines.push("}", "");
      continue;
    }
    const location = c.outcome.module === "ops" ? "vm_ops::ops" : `std::${c.outcome.module}`;
    const o = c.outcome;
    const attr =
      o.kind === "abort"
        ? o.constant
          ? `abort_code = ${location}::${o.constant}`
          : `abort_code = ${o.code}, location = ${location}`
        : o.kind === "vector"
          ? `vector_error, minor_status = ${o.minor}, location = ${location}`
          : `arithmetic_error, location = ${location}`;
    lines.push("#[test]", `#[expected_failure(${attr})]`, `fun ${name}() {`, `    ${call};`, "}", "");
  }
  return `${lines.join("\n")}`;
}
