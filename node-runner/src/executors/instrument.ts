/**
 * Deterministic fuel metering, call-depth limit, memory cap, import whitelist and NaN
 * canonicalization for untrusted WASM, with binaryen.js 132.
 *
 * Fuel: an exported mutable i64 global `__fuel`. At function entry, at the top of every loop body
 * and at the start of each if-arm we insert `__fuel -= N; if (__fuel < 0) unreachable`, where N is
 * the static node count of that region (nested loops / arms excluded; they charge themselves),
 * plus CALL_FUEL at function entry and LOOP_FUEL per loop iteration (the metering and back-edge
 * overhead: a tight loop must not run faster than its fuel says). Work whose time depends on an
 * operand is charged from that operand just before the operation: memory.fill / memory.copy
 * MEMORY_FUEL_PER_BYTE per byte, memory.grow GROW_FUEL plus the bytes of the requested pages.
 * Together these keep every allowed fuel (up to the executor's maxFuel) far inside its
 * wall-clock guard, so a run ends by fuel, deterministically.
 * Depth: every defined function `f` becomes a wrapper that adds its frame weight (1 per
 * FRAME_LOCALS_PER_DEPTH locals, at least 1) to `__depth`, traps above the limit, calls
 * `f$atoma_inner` (the original body) and subtracts again: big frames reach the limit sooner, so
 * the deterministic trap always comes before V8's stack limit.
 * NaN: binaryen's `denan` pass after metering (every NaN becomes 0; see docs/determinism.md).
 */
import binaryen from "binaryen";
import { ExecutorError } from "./types.js";

export const FUEL_GLOBAL = "__fuel";
/** Per loop iteration, on top of the body's node count. */
export const LOOP_FUEL = 128;
/** Per call, on top of the body's node count. */
export const CALL_FUEL = 128;
/** memory.fill / memory.copy, per byte. */
export const MEMORY_FUEL_PER_BYTE = 4;
/** memory.grow, per call (plus MEMORY_FUEL_PER_BYTE per byte of the requested pages). */
export const GROW_FUEL = 10_000;
/** One unit of call depth per this many locals (params + locals) of a frame. */
export const FRAME_LOCALS_PER_DEPTH = 16;
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
        if (f.module !== "wasi_snapshot_preview1")
          throw new WasmRejected(
            `import ${f.module}.${f.base}: forbidden host function (only wasi_snapshot_preview1 imports are allowed)`,
          );
        if (!ALLOWED_WASI_IMPORTS.has(f.base ?? ""))
          throw new WasmRejected(
            `import wasi_snapshot_preview1.${f.base}: refused: apps have no filesystem, sockets or processes ` +
              `(input is stdin, output stdout; results must not depend on the host). Allowed: ${[...ALLOWED_WASI_IMPORTS].join(", ")}`,
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

    /** Charges `base + perUnit × local[t]` (t an i32 local) and traps when fuel runs out. */
    const chargeDynamic = (t: number, perUnit: bigint, base: bigint): binaryen.ExpressionRef =>
      m.block(
        null,
        [
          m.global.set(
            FUEL_GLOBAL,
            m.i64.sub(
              m.global.get(FUEL_GLOBAL, binaryen.i64),
              m.i64.add(i64c(base), m.i64.mul(m.i64.extend_u(m.local.get(t, binaryen.i32)), i64c(perUnit))),
            ),
          ),
          m.if(m.i64.lt_s(m.global.get(FUEL_GLOBAL, binaryen.i64), i64c(0n)), m.unreachable()),
        ],
        binaryen.none,
      );
    // Scratch i32 locals of the function being rewritten (appended after its own locals).
    let scratchBase = 0;
    let scratch: binaryen.Type[] = [];
    /** `operand` → `{ t = operand; charge(t); t }`: charged when the operand is known, order kept. */
    const meterOperand = (operand: binaryen.ExpressionRef, perUnit: bigint, base: bigint): binaryen.ExpressionRef => {
      const t = scratchBase + scratch.length;
      scratch.push(binaryen.i32);
      return m.block(
        null,
        [m.local.set(t, operand), chargeDynamic(t, perUnit, base), m.local.get(t, binaryen.i32)],
        binaryen.i32,
      );
    };
    const DynSetters = binaryen as unknown as {
      MemoryFill: { setSize(e: number, v: number): void };
      MemoryCopy: { setSize(e: number, v: number): void };
      MemoryGrow: { setDelta(e: number, v: number): void };
    };

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
        Setters.Loop.setBody(e, charge(c + 1 + LOOP_FUEL, body));
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
      // After the children were walked (their own charges are inside them).
      const perByte = BigInt(MEMORY_FUEL_PER_BYTE);
      if (id === Id.MemoryFillId) DynSetters.MemoryFill.setSize(e, meterOperand(info.size as number, perByte, 0n));
      else if (id === Id.MemoryCopyId) DynSetters.MemoryCopy.setSize(e, meterOperand(info.size as number, perByte, 0n));
      else if (id === Id.MemoryGrowId)
        DynSetters.MemoryGrow.setDelta(e, meterOperand(info.delta as number, perByte * 65_536n, BigInt(GROW_FUEL)));
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
      const params = binaryen.expandType(f.params);
      scratchBase = params.length + f.vars.length;
      scratch = [];
      const c = walk(body);
      const metered = charge(c + 1 + CALL_FUEL, body);
      // depth wrapper
      m.removeFunction(f.name);
      m.addFunction(f.name + INNER_SUFFIX, f.params, f.results, [...f.vars, ...scratch], metered);
      const args = params.map((t, i) => m.local.get(i, t));
      // Frame weight: V8 keeps every local of a frame on the stack.
      const weight = 1 + Math.floor((params.length + f.vars.length + scratch.length) / FRAME_LOCALS_PER_DEPTH);
      const inc = m.global.set(DEPTH_GLOBAL, m.i32.add(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(weight)));
      const check = m.if(m.i32.gt_s(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(maxDepth)), m.unreachable());
      const dec = m.global.set(DEPTH_GLOBAL, m.i32.sub(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(weight)));
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
