/**
 * Deterministic fuel metering, call-depth limit, memory cap, import whitelist and NaN
 * canonicalization for untrusted WASM, with binaryen.js 132.
 *
 * Fuel: an exported mutable i64 global `__fuel`. At function entry, at the top of every loop body
 * and at the start of each if-arm we insert `__fuel -= N; if (__fuel < 0) unreachable`, where N is
 * the static node count of that region (nested loops / arms excluded; they charge themselves).
 * Depth: every defined function `f` becomes a wrapper that increments `__depth`, traps above the
 * limit, calls `f$atoma_inner` (the original body) and decrements again.
 * NaN: binaryen's `denan` pass after metering (every NaN becomes 0; see docs/determinism.md).
 */
import binaryen from "binaryen";
import { ExecutorError } from "./types.js";

export const FUEL_GLOBAL = "__fuel";
export const DEPTH_GLOBAL = "__depth";
const INNER_SUFFIX = "$atoma_inner";

/** WASI preview 1 functions a module may import; everything else is refused at instrumentation. */
export const ALLOWED_WASI_IMPORTS: ReadonlySet<string> = new Set([
  "fd_read",
  "fd_write",
  "fd_close",
  "fd_seek",
  "fd_fdstat_get",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "proc_exit",
  "environ_get",
  "environ_sizes_get",
  "args_get",
  "args_sizes_get",
  "clock_time_get",
  "clock_res_get",
  "random_get",
  "sched_yield",
  "poll_oneoff",
]);

export interface InstrumentOptions {
  /** Maximum linear memory pages (64 KiB each) a module may declare. Default 256 (16 MiB). */
  maxMemoryPages?: number;
  /** Call depth limit. Default 2000. */
  maxCallDepth?: number;
  /** Canonicalize NaNs with binaryen's denan pass. Default true. */
  denan?: boolean;
}

export class WasmRejected extends ExecutorError {
  override name = "WasmRejected";
  constructor(message: string) {
    super("WASM_REJECTED", message);
  }
}

const Id = binaryen;
/** binaryen.js expression setters (present at runtime, missing from index.d.ts). */
const Setters = binaryen as unknown as {
  Loop: { setBody(e: number, body: number): void };
  If: { setIfTrue(e: number, v: number): void; setIfFalse(e: number, v: number): void };
};
/** Expression kinds we know how to walk; anything else (SIMD, atomics, GC, EH, tables, refs) is rejected. */
const KIND_NAMES = new Map<number, string>([
  [Id.BlockId, "block"],
  [Id.IfId, "if"],
  [Id.LoopId, "loop"],
  [Id.BreakId, "br"],
  [Id.SwitchId, "br_table"],
  [Id.CallId, "call"],
  [Id.CallIndirectId, "call_indirect"],
  [Id.LocalGetId, "local.get"],
  [Id.LocalSetId, "local.set"],
  [Id.GlobalGetId, "global.get"],
  [Id.GlobalSetId, "global.set"],
  [Id.LoadId, "load"],
  [Id.StoreId, "store"],
  [Id.ConstId, "const"],
  [Id.UnaryId, "unary"],
  [Id.BinaryId, "binary"],
  [Id.SelectId, "select"],
  [Id.DropId, "drop"],
  [Id.ReturnId, "return"],
  [Id.MemorySizeId, "memory.size"],
  [Id.MemoryGrowId, "memory.grow"],
  [Id.NopId, "nop"],
  [Id.UnreachableId, "unreachable"],
  [Id.MemoryCopyId, "memory.copy"],
  [Id.MemoryFillId, "memory.fill"],
]);
const CHILD_FIELDS = [
  "children",
  "condition",
  "value",
  "ptr",
  "operands",
  "left",
  "right",
  "delta",
  "dest",
  "source",
  "size",
  "ifTrue",
  "ifFalse",
  "body",
] as const;

export interface InstrumentResult {
  bytes: Uint8Array;
  memoryPages: { initial: number; max: number };
}

export function instrumentWasm(input: Uint8Array, opts: InstrumentOptions = {}): InstrumentResult {
  const maxPages = opts.maxMemoryPages ?? 256;
  const maxDepth = opts.maxCallDepth ?? 2000;
  let m: binaryen.Module;
  try {
    m = binaryen.readBinary(input);
  } catch (e) {
    throw new WasmRejected(`module: not a valid WASM binary (${(e as Error).message})`);
  }
  try {
    const F = binaryen.Features;
    // the binary has no feature section: enable the post-MVP features we can meter; the walker rejects the rest
    m.setFeatures(
      m.getFeatures() |
        F.MutableGlobals |
        F.BulkMemory |
        F.BulkMemoryOpt |
        F.SignExt |
        F.NontrappingFPToInt |
        F.Multivalue |
        F.CallIndirectOverlong,
    );
    if (!m.validate()) throw new WasmRejected("module: failed validation");
    // imports
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
      if (f.module !== null && f.module !== "") {
        if (f.module !== "wasi_snapshot_preview1" || !ALLOWED_WASI_IMPORTS.has(f.base ?? ""))
          throw new WasmRejected(
            `import ${f.module}.${f.base}: forbidden host function (only WASI preview 1 is allowed)`,
          );
      }
    }
    for (let i = 0; i < m.getNumGlobals(); i++) {
      const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
      if (g.module) throw new WasmRejected(`import ${g.module}.${g.base}: global imports are not allowed`);
    }
    if (m.getNumTables() > 0) {
      const t = binaryen.getTableInfo(m.getTableByIndex(0));
      if (t.module) throw new WasmRejected(`import ${t.module}.${t.base}: table imports are not allowed`);
    }
    // memory
    if (!m.hasMemory()) throw new WasmRejected("memory: module must define and export `memory`");
    const mem = m.getMemoryInfo();
    if (mem.module) throw new WasmRejected(`memory: imported memory (${mem.module}.${mem.base}) is not allowed`);
    if (mem.shared || mem.is64) throw new WasmRejected("memory: shared or 64-bit memory is not allowed");
    if (mem.max === undefined) throw new WasmRejected("memory: module must declare a maximum memory size");
    if (mem.max > maxPages || mem.initial > maxPages)
      throw new WasmRejected(`memory: declared maximum ${mem.max} pages exceeds the cap of ${maxPages} pages`);
    for (let i = 0; i < m.getNumExports(); i++) {
      const ex = binaryen.getExportInfo(m.getExportByIndex(i));
      if (ex.name === FUEL_GLOBAL || ex.name === DEPTH_GLOBAL)
        throw new WasmRejected(`export ${ex.name}: reserved name`);
    }

    const i64c = (v: bigint): binaryen.ExpressionRef =>
      (m.i64.const as unknown as (v: bigint) => binaryen.ExpressionRef)(v);
    m.addGlobal(FUEL_GLOBAL, binaryen.i64, true, i64c(0n));
    m.addGlobal(DEPTH_GLOBAL, binaryen.i32, true, m.i32.const(0));
    m.addGlobalExport(FUEL_GLOBAL, FUEL_GLOBAL);
    m.addGlobalExport(DEPTH_GLOBAL, DEPTH_GLOBAL);

    const charge = (n: number, body: binaryen.ExpressionRef): binaryen.ExpressionRef =>
      m.block(
        null,
        [
          m.global.set(FUEL_GLOBAL, m.i64.sub(m.global.get(FUEL_GLOBAL, binaryen.i64), i64c(BigInt(n)))),
          m.if(m.i64.lt_s(m.global.get(FUEL_GLOBAL, binaryen.i64), i64c(0n)), m.unreachable()),
          body,
        ],
        binaryen.getExpressionType(body),
      );

    const walk = (e: binaryen.ExpressionRef): number => {
      if (!e) return 0;
      const id = binaryen.getExpressionId(e);
      const kind = KIND_NAMES.get(id);
      if (kind === undefined)
        throw new WasmRejected(`instruction kind #${id}: not supported (SIMD, atomics, GC, EH, reference/table ops)`);
      const info = binaryen.getExpressionInfo(e) as unknown as Record<string, unknown>;
      if (id === Id.LoopId) {
        const body = info.body as number;
        const c = walk(body);
        Setters.Loop.setBody(e, charge(c + 1, body));
        return 1;
      }
      if (id === Id.IfId) {
        const cond = walk(info.condition as number);
        const t = info.ifTrue as number;
        Setters.If.setIfTrue(e, charge(walk(t) + 1, t));
        const f = info.ifFalse as number;
        if (f) Setters.If.setIfFalse(e, charge(walk(f) + 1, f));
        return cond + 1;
      }
      let n = 1;
      if (id === Id.ConstId) return n;
      for (const k of CHILD_FIELDS) {
        const v = info[k];
        if (typeof v === "number") n += walk(v);
        else if (Array.isArray(v)) for (const c of v) if (typeof c === "number") n += walk(c);
      }
      return n;
    };

    // collect defined functions first (we add functions while rewriting)
    const defined: binaryen.FunctionInfo[] = [];
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
      if (!f.module) defined.push(f);
    }
    for (const f of defined) {
      const ref = m.getFunction(f.name);
      const body = f.body;
      const c = walk(body);
      const metered = charge(c + 1, body);
      // depth wrapper
      m.removeFunction(f.name);
      m.addFunction(f.name + INNER_SUFFIX, f.params, f.results, f.vars, metered);
      const params = binaryen.expandType(f.params);
      const args = params.map((t, i) => m.local.get(i, t));
      const inc = m.global.set(DEPTH_GLOBAL, m.i32.add(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(1)));
      const check = m.if(m.i32.gt_s(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(maxDepth)), m.unreachable());
      const dec = m.global.set(DEPTH_GLOBAL, m.i32.sub(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(1)));
      const call = m.call(f.name + INNER_SUFFIX, args, f.results);
      let wrapper: binaryen.ExpressionRef;
      if (f.results === binaryen.none) {
        wrapper = m.block(null, [inc, check, call, dec], binaryen.none);
      } else {
        const tmp = params.length;
        wrapper = m.block(null, [inc, check, m.local.set(tmp, call), dec, m.local.get(tmp, f.results)], f.results);
      }
      void ref;
      m.addFunction(f.name, f.params, f.results, f.results === binaryen.none ? [] : [f.results], wrapper);
    }
    if (opts.denan ?? true) m.runPasses(["denan"]);
    if (!m.validate()) throw new WasmRejected("module: instrumented module failed validation (unsupported construct)");
    return { bytes: m.emitBinary(), memoryPages: { initial: mem.initial, max: mem.max } };
  } finally {
    m.dispose();
  }
}
