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
 * Depth: every defined function adds its frame weight (1 per FRAME_LOCALS_PER_DEPTH locals, at
 * least 1) to `__depth` at entry (before its fuel charge), traps above the limit, and subtracts
 * it again on every way out (the end of its body and each `return`, after the returned value is
 * computed): big frames reach the limit sooner, so the deterministic trap always comes before
 * V8's stack limit. (Until atoma-meter-2 this was a wrapper function around each body: the same
 * counts and fuel, one extra call per call.)
 * NaN: binaryen's `denan` pass after metering (every NaN becomes 0; see docs/determinism.md).
 * Then binaryen's `inlining` pass (small functions into their callers; behaviour and fuel unchanged).
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
  If: {
    setIfTrue(e: number, v: number): void;
    setIfFalse(e: number, v: number): void;
    setCondition(e: number, v: number): void;
  };
  Return: { setValue(e: number, v: number): void };
  Const: { setValueI32(e: number, v: number): void };
} & Record<string, Record<string, (e: number, a: number, b?: number) => void>>;
/** binaryen.js function editing (present at runtime, missing from index.d.ts). */
const FunctionApi = binaryen as unknown as {
  _BinaryenFunctionAddVar(f: binaryen.FunctionRef, t: binaryen.Type): number;
  Function: { setBody(f: binaryen.FunctionRef, body: binaryen.ExpressionRef): void };
};
/** binaryen.js class of each expression kind with child fields (for replacing a child in place). */
const CLASS_NAMES = new Map<number, string>([
  [Id.BlockId, "Block"],
  [Id.IfId, "If"],
  [Id.LoopId, "Loop"],
  [Id.BreakId, "Break"],
  [Id.SwitchId, "Switch"],
  [Id.CallId, "Call"],
  [Id.CallIndirectId, "CallIndirect"],
  [Id.LocalSetId, "LocalSet"],
  [Id.GlobalSetId, "GlobalSet"],
  [Id.LoadId, "Load"],
  [Id.StoreId, "Store"],
  [Id.UnaryId, "Unary"],
  [Id.BinaryId, "Binary"],
  [Id.SelectId, "Select"],
  [Id.DropId, "Drop"],
  [Id.ReturnId, "Return"],
  [Id.MemoryGrowId, "MemoryGrow"],
  [Id.MemoryCopyId, "MemoryCopy"],
  [Id.MemoryFillId, "MemoryFill"],
]);
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
  "target",
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

    // The fuel left after a charge is kept in a scratch i64 local (`local.tee`) and tested there:
    // one global load and one store per charge instead of two loads (same value, same trap point).
    let fuelLocal = -1;
    const fuelTmp = (): number => {
      if (fuelLocal < 0) {
        fuelLocal = scratchBase + scratch.length;
        scratch.push(binaryen.i64);
      }
      return fuelLocal;
    };
    /** `__fuel -= amount; if (__fuel < 0) unreachable`, reading the global once. */
    const debit = (amount: binaryen.ExpressionRef): binaryen.ExpressionRef[] => {
      const t = fuelTmp();
      return [
        m.global.set(
          FUEL_GLOBAL,
          m.local.tee(t, m.i64.sub(m.global.get(FUEL_GLOBAL, binaryen.i64), amount), binaryen.i64),
        ),
        m.if(m.i64.lt_s(m.local.get(t, binaryen.i64), i64c(0n)), m.unreachable()),
      ];
    };
    const charge = (n: number, body: binaryen.ExpressionRef): binaryen.ExpressionRef =>
      m.block(null, [...debit(i64c(BigInt(n))), body], binaryen.getExpressionType(body));

    /** Charges `base + perUnit × local[t]` (t an i32 local) and traps when fuel runs out. */
    const chargeDynamic = (t: number, perUnit: bigint, base: bigint): binaryen.ExpressionRef =>
      m.block(
        null,
        debit(m.i64.add(i64c(base), m.i64.mul(m.i64.extend_u(m.local.get(t, binaryen.i32)), i64c(perUnit)))),
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

    // Depth bookkeeping of the function being rewritten: its weight constants (set once its
    // locals are counted) and a local holding a returned value while the weight is subtracted.
    let weightConsts: binaryen.ExpressionRef[] = [];
    let results: binaryen.Type = binaryen.none;
    let resultLocal = -1;
    let sawCall = false;
    const depthAdd = (op: "add" | "sub"): binaryen.ExpressionRef => {
      const w = m.i32.const(0);
      weightConsts.push(w);
      return m.global.set(DEPTH_GLOBAL, m.i32[op](m.global.get(DEPTH_GLOBAL, binaryen.i32), w));
    };
    const holdResult = (): number => {
      if (resultLocal < 0) {
        resultLocal = scratchBase + scratch.length;
        scratch.push(results);
      }
      return resultLocal;
    };
    /** A `return` without a value becomes `{ depth -= w; return }` (a valued one is handled in place). */
    const exit = (e: binaryen.ExpressionRef): binaryen.ExpressionRef =>
      e && binaryen.getExpressionId(e) === Id.ReturnId && !(binaryen.getExpressionInfo(e) as binaryen.ReturnInfo).value
        ? m.block(null, [depthAdd("sub"), e], binaryen.unreachable)
        : e;

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
        Setters.Loop.setBody(e, charge(c + 1 + LOOP_FUEL, exit(body)));
        return 1;
      }
      if (id === Id.IfId) {
        const condition = info.condition as number;
        const cond = walk(condition);
        const x = exit(condition);
        if (x !== condition) Setters.If.setCondition(e, x);
        const t = info.ifTrue as number;
        Setters.If.setIfTrue(e, charge(walk(t) + 1, exit(t)));
        const f = info.ifFalse as number;
        if (f) Setters.If.setIfFalse(e, charge(walk(f) + 1, exit(f)));
        return cond + 1;
      }
      let n = 1;
      if (id === Id.ConstId) return n;
      if (id === Id.CallId || id === Id.CallIndirectId) sawCall = true;
      const cls = Setters[CLASS_NAMES.get(id) ?? ""];
      for (const k of CHILD_FIELDS) {
        const v = info[k];
        if (typeof v === "number") {
          n += walk(v);
          const x = exit(v);
          if (x !== v) cls?.[`set${k[0]?.toUpperCase()}${k.slice(1)}`]?.(e, x);
        } else if (Array.isArray(v))
          v.forEach((c, i) => {
            if (typeof c !== "number") return;
            n += walk(c);
            const x = exit(c);
            if (x !== c) cls?.[k === "children" ? "setChildAt" : "setOperandAt"]?.(e, i, x);
          });
      }
      // After the children were walked (their own charges are inside them).
      const perByte = BigInt(MEMORY_FUEL_PER_BYTE);
      if (id === Id.MemoryFillId) DynSetters.MemoryFill.setSize(e, meterOperand(info.size as number, perByte, 0n));
      else if (id === Id.MemoryCopyId) DynSetters.MemoryCopy.setSize(e, meterOperand(info.size as number, perByte, 0n));
      else if (id === Id.MemoryGrowId)
        DynSetters.MemoryGrow.setDelta(e, meterOperand(info.delta as number, perByte * 65_536n, BigInt(GROW_FUEL)));
      else if (id === Id.ReturnId && info.value) {
        // return v  →  return { r = v; depth -= w; r }
        const r = holdResult();
        Setters.Return.setValue(
          e,
          m.block(null, [m.local.set(r, info.value as number), depthAdd("sub"), m.local.get(r, results)], results),
        );
      }
      return n;
    };

    for (let i = 0; i < m.getNumFunctions(); i++) {
      const ref = m.getFunctionByIndex(i);
      const f = binaryen.getFunctionInfo(ref);
      if (f.module) continue;
      const params = binaryen.expandType(f.params);
      scratchBase = params.length + f.vars.length;
      scratch = [];
      weightConsts = [];
      results = f.results;
      resultLocal = -1;
      fuelLocal = -1;
      sawCall = false;
      const c = walk(f.body);
      const metered = charge(c + 1 + CALL_FUEL, exit(f.body));
      // Frame weight: V8 keeps every local of a frame on the stack (the metering scratch locals
      // counted, the returned-value holder not: the weights of atoma-meter-2, whose wrapper held it).
      // (nor the fuel scratch local, added after atoma-meter-2: the weights, hence the depth traps
      // and the fuel figures, stay those of atoma-meter-2)
      const own = scratch.length - (resultLocal >= 0 ? 1 : 0) - (fuelLocal >= 0 ? 1 : 0);
      const weight = 1 + Math.floor((params.length + f.vars.length + own) / FRAME_LOCALS_PER_DEPTH);
      // A small leaf (no calls, weight 1) adds one small frame on top of a depth that is already
      // checked: it is not counted, which saves three global updates and a branch per call.
      const counted = sawCall || weight > 1;
      let body = metered;
      if (counted) {
        const inc = depthAdd("add");
        const check = m.if(
          m.i32.gt_s(m.global.get(DEPTH_GLOBAL, binaryen.i32), m.i32.const(maxDepth)),
          m.unreachable(),
        );
        if (f.results === binaryen.none) body = m.block(null, [inc, check, metered, depthAdd("sub")], binaryen.none);
        else {
          const r = holdResult();
          body = m.block(
            null,
            [inc, check, m.local.set(r, metered), depthAdd("sub"), m.local.get(r, f.results)],
            f.results,
          );
        }
      }
      for (const w of weightConsts) Setters.Const.setValueI32(w, counted ? weight : 0);
      for (const t of scratch) FunctionApi._BinaryenFunctionAddVar(ref, t);
      FunctionApi.Function.setBody(ref, body);
    }
    if (opts.denan ?? true) m.runPasses(["denan"]);
    // V8 (Node 20) does not inline WASM calls: binaryen inlines small functions here, after metering,
    // so every fuel charge and check, depth update and trap stays, in the same order (the fuel used
    // is unchanged); only the call overhead goes. (`inlining-optimizing` is 30× slower to run.)
    m.runPasses(["inlining"]);
    if (!m.validate()) throw new WasmRejected("module: instrumented module failed validation (unsupported construct)");
    return { bytes: m.emitBinary(), memoryPages: { initial: mem.initial, max: mem.max } };
  } finally {
    m.dispose();
  }
}
