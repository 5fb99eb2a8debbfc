/**
 * The Move bytecode interpreter: one shared operand stack, a frame stack with a depth limit,
 * pre-decoded function bodies, natives in TypeScript. Deterministic: no clocks, no randomness,
 * no iteration over unordered collections.
 */
import { type MoveType, shortAddress } from "../bytecode.js";
import type { Token } from "../move-binary.js";
import { VmAbort, VmFailure, type VmLocation } from "./errors.js";
import type { GasMeter } from "./gas.js";
import { LIMITS } from "./gas.js";
import type { CallSite, Decoded, VmFunction, VmLoader, VmModule } from "./loader.js";
import { OP } from "./opcodes.js";
import { copyValue, equals, Ref, type Value, Variant } from "./values.js";

/** What natives see of the transaction and the object store (implemented by the devnet session). */
export interface VmHost {
  readonly sender: string;
  /** The transaction digest bytes (TxContext.tx_hash). */
  readonly txHash: Uint8Array;
  readonly epoch: bigint;
  readonly epochTimestampMs: bigint;
  readonly gasPrice: bigint;
  readonly referenceGasPrice: bigint;
  readonly gasBudget: bigint;
  freshId(): string;
  idsCreated(): bigint;
  /** A new UID was created (object::new). */
  recordNewUid(id: string): void;
  /** object::delete. */
  deleteUid(id: string): void;
  transfer(
    ty: MoveType,
    obj: Value,
    to: { kind: "address"; address: string } | { kind: "share" } | { kind: "freeze" },
  ): void;
  emit(ty: MoveType, value: Value): void;
  hasChild(parent: string, id: string, ty?: MoveType): boolean;
  addChild(parent: string, ty: MoveType, value: Value): void;
  /** A reference to a child object's value (aborts with code 1 when missing, 2 on type mismatch). */
  borrowChild(parent: string, id: string, ty: MoveType, mutable: boolean): Ref;
  removeChild(parent: string, id: string, ty: MoveType): Value;
}

export interface NativeContext {
  readonly vm: Interpreter;
  readonly host: VmHost;
  readonly loader: VmLoader;
  readonly gas: GasMeter;
  /** Aborts at the native's location (as Sui's natives do). */
  abort(code: bigint): never;
}
export type NativeFunction = (ctx: NativeContext, tyArgs: MoveType[], args: Value[]) => Value[];

interface Frame {
  fn: VmFunction;
  module: VmModule;
  code: Decoded;
  pc: number;
  locals: Value[];
  tyArgs: MoveType[];
}

const NO_TYPES: MoveType[] = [];

/** The type arguments of a generic call, in the caller's module and instantiation. */
function instantiate(tokens: readonly Token[], module: VmModule, tyArgs: MoveType[]): MoveType[] {
  const out = new Array<MoveType>(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = module.toType(tokens[i]!, tyArgs);
  return out;
}
const MAX_U8 = 0xff;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;
const MAX_U64 = (1n << 64n) - 1n;
const MAX_U128 = (1n << 128n) - 1n;
const MAX_U256 = (1n << 256n) - 1n;
const MAX_BY_WIDTH: Record<number, number | bigint> = {
  8: MAX_U8,
  16: MAX_U16,
  32: MAX_U32,
  64: MAX_U64,
  128: MAX_U128,
  256: MAX_U256,
};
const MASK_BY_WIDTH: Record<number, bigint> = {
  8: 0xffn,
  16: 0xffffn,
  32: 0xffffffffn,
  64: MAX_U64,
  128: MAX_U128,
  256: MAX_U256,
};

/** Shift amounts as BigInt (a shift's count is a u8), made once. */
const SHIFT: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/** Per-run counters (the benchmark and the gas schedule read them). */
export interface VmStats {
  instructions: number;
  calls: number;
  nativeCalls: number;
}

/** `NativeContext.abort`, shared by every context (`this` is the context). */
function nativeAbort(this: { loc: VmLocation }, code: bigint): never {
  throw new VmAbort(code, { ...this.loc });
}

export class Interpreter {
  readonly stats: VmStats = { instructions: 0, calls: 0, nativeCalls: 0 };
  constructor(
    readonly loader: VmLoader,
    readonly natives: ReadonlyMap<string, NativeFunction>,
    readonly host: VmHost,
    readonly gas: GasMeter,
  ) {}

  /** Resolves a function or fails naming it. */
  resolve(address: string, module: string, name: string): VmFunction {
    const f = this.loader.function(address, module, name);
    if (!f)
      throw new VmFailure(
        "FunctionNotFound",
        `${shortAddress(address)}::${module}::${name} is not available in the devnet`,
      );
    return f;
  }

  /** Calls `fn` with `args` (references as Ref) and returns its results. */
  call(fn: VmFunction, tyArgs: MoveType[], args: Value[]): Value[] {
    if (fn.isNative) return this.callNative(fn, tyArgs, args, undefined);
    const stack: Value[] = [];
    const frames: Frame[] = [];
    let frame = this.frame(fn, tyArgs, args);
    let { ops, args: A, widths: W } = frame.code;
    let locals = frame.locals;
    let pc = 0;
    const gas = this.gas;
    const stats = this.stats;
    // The gas left and the instruction count live in locals while bytecode runs; they are written
    // back before a native runs (natives charge gas themselves) and when the loop is left, by a
    // return or a throw (`synced`: false while a native runs, whose own gas.left then stands).
    let left = gas.left;
    let count = stats.instructions;
    let synced = true;
    try {
      for (;;) {
        const op = ops[pc]!;
        count++;
        if (--left < 0) gas.outOfGas();
        switch (op) {
          case OP.Pop:
            stack.pop();
            pc++;
            break;
          case OP.Ret: {
            const prev = frames.pop();
            if (!prev) return stack;
            frame = prev;
            ({ ops, args: A, widths: W } = frame.code);
            locals = frame.locals;
            pc = frame.pc + 1;
            break;
          }
          case OP.BrTrue:
            pc = stack.pop() ? (A[pc] as number) : pc + 1;
            break;
          case OP.BrFalse:
            pc = stack.pop() ? pc + 1 : (A[pc] as number);
            break;
          case OP.Branch:
            pc = A[pc] as number;
            break;
          case OP.LdU8:
          case OP.LdU16:
          case OP.LdU32:
          case OP.LdU64:
          case OP.LdU128:
          case OP.LdU256:
            stack.push(A[pc] as number | bigint);
            pc++;
            break;
          case OP.LdConst: {
            const c = A[pc] as Value;
            stack.push(typeof c === "object" ? copyValue(c) : c);
            pc++;
            break;
          }
          case OP.LdTrue:
            stack.push(true);
            pc++;
            break;
          case OP.LdFalse:
            stack.push(false);
            pc++;
            break;
          case OP.CopyLoc: {
            const v = locals[A[pc] as number] as Value;
            stack.push(typeof v === "object" && !(v instanceof Ref) ? copyValue(v) : v);
            pc++;
            break;
          }
          case OP.MoveLoc: {
            const i = A[pc] as number;
            stack.push(locals[i] as Value);
            locals[i] = undefined as unknown as Value;
            pc++;
            break;
          }
          case OP.StLoc:
            locals[A[pc] as number] = stack.pop() as Value;
            pc++;
            break;
          case OP.Call:
          case OP.CallGeneric: {
            const site = A[pc] as CallSite;
            const target = site.target ?? this.link(site);
            let targs: MoveType[] = NO_TYPES;
            if (site.tyTokens) {
              // Instantiations inside non-generic functions never change: resolve them once; in
              // generic ones, remember the last caller instantiation (the same array, frame to frame).
              if (frame.tyArgs.length === 0) targs = site.tyArgs ??= instantiate(site.tyTokens, frame.module, NO_TYPES);
              else if (site.lastCallerTyArgs === frame.tyArgs) targs = site.lastTyArgs!;
              else {
                targs = instantiate(site.tyTokens, frame.module, frame.tyArgs);
                site.lastCallerTyArgs = frame.tyArgs;
                site.lastTyArgs = targs;
              }
            }
            const n = target.params.length;
            const callArgs = n === 0 ? [] : stack.splice(stack.length - n, n);
            if (target.isNative) {
              frame.pc = pc;
              gas.left = left;
              stats.instructions = count;
              synced = false;
              const out = this.callNative(target, targs, callArgs, frame);
              synced = true;
              left = gas.left;
              count = stats.instructions;
              for (const v of out) stack.push(v);
              pc++;
              break;
            }
            stats.calls++;
            if (frames.length + 1 >= LIMITS.maxCallDepth) {
              frame.pc = pc;
              throw new VmFailure(
                "MovePrimitiveRuntimeError",
                `CALL_STACK_OVERFLOW: call depth over ${LIMITS.maxCallDepth}`,
                this.location(frame),
              );
            }
            frame.pc = pc;
            frames.push(frame);
            frame = this.frame(target, targs, callArgs, true);
            ({ ops, args: A, widths: W } = frame.code);
            locals = frame.locals;
            pc = 0;
            break;
          }
          case OP.Pack:
          case OP.PackGeneric:
          case OP.VecPack: {
            const n = A[pc] as number;
            const fields = n === 0 ? [] : stack.splice(stack.length - n, n);
            if (op === OP.VecPack && n > LIMITS.maxVectorLength)
              this.fail(frame, pc, "VECTOR_OPERATION_ERROR: vector too long");
            stack.push(fields);
            pc++;
            break;
          }
          case OP.Unpack:
          case OP.UnpackGeneric: {
            const s = stack.pop() as Value[];
            for (let i = 0; i < s.length; i++) stack.push(s[i] as Value);
            pc++;
            break;
          }
          case OP.ReadRef: {
            const v = (stack.pop() as Ref).get();
            stack.push(typeof v === "object" ? copyValue(v) : v);
            pc++;
            break;
          }
          case OP.WriteRef: {
            const r = stack.pop() as Ref;
            r.set(stack.pop() as Value);
            pc++;
            break;
          }
          case OP.FreezeRef:
          case OP.Nop:
            pc++;
            break;
          case OP.MutBorrowLoc:
          case OP.ImmBorrowLoc:
            stack.push(new Ref(locals, A[pc] as number));
            pc++;
            break;
          case OP.MutBorrowField:
          case OP.MutBorrowFieldGeneric:
          case OP.ImmBorrowField:
          case OP.ImmBorrowFieldGeneric: {
            const r = stack.pop() as Ref;
            stack.push(new Ref(r.get() as Value[], A[pc] as number));
            pc++;
            break;
          }
          case OP.Add: {
            const b = stack.pop() as number;
            const a = stack.pop() as number;
            const r = a + b;
            if (r > (MAX_BY_WIDTH[W[pc]!] as number)) this.fail(frame, pc, "ARITHMETIC_ERROR: addition overflow");
            stack.push(r);
            pc++;
            break;
          }
          case OP.Sub: {
            const b = stack.pop() as number;
            const a = stack.pop() as number;
            if (b > a) this.fail(frame, pc, "ARITHMETIC_ERROR: subtraction underflow");
            stack.push(a - b);
            pc++;
            break;
          }
          case OP.Mul: {
            const b = stack.pop() as number;
            const a = stack.pop() as number;
            const r = a * b;
            if (r > (MAX_BY_WIDTH[W[pc]!] as number)) this.fail(frame, pc, "ARITHMETIC_ERROR: multiplication overflow");
            stack.push(r);
            pc++;
            break;
          }
          case OP.Div: {
            const b = stack.pop() as number | bigint;
            const a = stack.pop() as number | bigint;
            if (typeof b === "bigint") {
              if (b === 0n) this.fail(frame, pc, "ARITHMETIC_ERROR: division by zero");
              stack.push((a as bigint) / b);
            } else {
              if (b === 0) this.fail(frame, pc, "ARITHMETIC_ERROR: division by zero");
              stack.push(Math.floor((a as number) / b));
            }
            pc++;
            break;
          }
          case OP.Mod: {
            const b = stack.pop() as number | bigint;
            const a = stack.pop() as number | bigint;
            if (b === 0n || b === 0) this.fail(frame, pc, "ARITHMETIC_ERROR: modulo by zero");
            stack.push(((a as number) % (b as number)) as number);
            pc++;
            break;
          }
          case OP.BitOr:
          case OP.BitAnd:
          case OP.Xor: {
            const b = stack.pop() as number | bigint;
            const a = stack.pop() as number | bigint;
            let r: number | bigint;
            if (typeof a === "bigint")
              r = op === OP.BitOr ? a | (b as bigint) : op === OP.BitAnd ? a & (b as bigint) : a ^ (b as bigint);
            else
              r =
                (op === OP.BitOr ? a | (b as number) : op === OP.BitAnd ? a & (b as number) : a ^ (b as number)) >>> 0;
            stack.push(r);
            pc++;
            break;
          }
          case OP.Shl:
          case OP.Shr: {
            const n = stack.pop() as number;
            const a = stack.pop() as number | bigint;
            const w = W[pc]!;
            if (n >= w) this.fail(frame, pc, `ARITHMETIC_ERROR: shift by ${n} bits of a u${w}`);
            if (typeof a === "bigint")
              stack.push(op === OP.Shl ? (a << SHIFT[n]!) & MASK_BY_WIDTH[w]! : a >> SHIFT[n]!);
            // u8/u16/u32 (n < w ≤ 32): int32 shifts keep the low 32 bits, the mask the low w.
            else
              stack.push(
                op === OP.Shl ? (w === 32 ? (a << n) >>> 0 : (a << n) & (w === 16 ? MAX_U16 : MAX_U8)) : a >>> n,
              );
            pc++;
            break;
          }
          case OP.Or: {
            const b = stack.pop();
            const a = stack.pop();
            stack.push((a as boolean) || (b as boolean));
            pc++;
            break;
          }
          case OP.And: {
            const b = stack.pop();
            const a = stack.pop();
            stack.push((a as boolean) && (b as boolean));
            pc++;
            break;
          }
          case OP.Not:
            stack.push(!stack.pop());
            pc++;
            break;
          case OP.Eq:
          case OP.Neq: {
            const b = stack.pop() as Value;
            const a = stack.pop() as Value;
            const e = typeof a !== "object" ? a === b : equals(a, b);
            stack.push(op === OP.Eq ? e : !e);
            pc++;
            break;
          }
          case OP.Lt: {
            const b = stack.pop() as number;
            stack.push((stack.pop() as number) < b);
            pc++;
            break;
          }
          case OP.Gt: {
            const b = stack.pop() as number;
            stack.push((stack.pop() as number) > b);
            pc++;
            break;
          }
          case OP.Le: {
            const b = stack.pop() as number;
            stack.push((stack.pop() as number) <= b);
            pc++;
            break;
          }
          case OP.Ge: {
            const b = stack.pop() as number;
            stack.push((stack.pop() as number) >= b);
            pc++;
            break;
          }
          case OP.CastU8:
          case OP.CastU16:
          case OP.CastU32: {
            const v = stack.pop() as number | bigint;
            const max = op === OP.CastU8 ? MAX_U8 : op === OP.CastU16 ? MAX_U16 : MAX_U32;
            if (v > max) this.fail(frame, pc, "ARITHMETIC_ERROR: cast overflow");
            stack.push(Number(v));
            pc++;
            break;
          }
          case OP.CastU64:
          case OP.CastU128:
          case OP.CastU256: {
            const v = stack.pop() as number | bigint;
            const max = op === OP.CastU64 ? MAX_U64 : op === OP.CastU128 ? MAX_U128 : MAX_U256;
            if (v > max) this.fail(frame, pc, "ARITHMETIC_ERROR: cast overflow");
            stack.push(BigInt(v));
            pc++;
            break;
          }
          case OP.Abort: {
            const code = stack.pop() as bigint;
            frame.pc = pc;
            throw new VmAbort(code, this.location(frame));
          }
          case OP.VecLen:
            stack.push(BigInt(((stack.pop() as Ref).get() as Value[]).length));
            pc++;
            break;
          case OP.VecImmBorrow:
          case OP.VecMutBorrow: {
            const i = stack.pop() as bigint;
            const v = (stack.pop() as Ref).get() as Value[];
            // The index as a number (no BigInt of the length per access): past 2^53 it rounds, still ≥ any length.
            const k = Number(i);
            if (k >= v.length)
              this.fail(frame, pc, `VECTOR_OPERATION_ERROR: index ${i} out of bounds (length ${v.length})`);
            stack.push(new Ref(v, k));
            pc++;
            break;
          }
          case OP.VecPushBack: {
            const x = stack.pop() as Value;
            const v = (stack.pop() as Ref).get() as Value[];
            if (v.length >= LIMITS.maxVectorLength) this.fail(frame, pc, "VECTOR_OPERATION_ERROR: vector too long");
            v.push(x);
            pc++;
            break;
          }
          case OP.VecPopBack: {
            const v = (stack.pop() as Ref).get() as Value[];
            if (v.length === 0) this.fail(frame, pc, "VECTOR_OPERATION_ERROR: pop from an empty vector");
            stack.push(v.pop() as Value);
            pc++;
            break;
          }
          case OP.VecUnpack: {
            const n = A[pc] as number;
            const v = stack.pop() as Value[];
            if (v.length !== n)
              this.fail(frame, pc, `VECTOR_OPERATION_ERROR: unpack of ${v.length} elements, expected ${n}`);
            for (const x of v) stack.push(x);
            pc++;
            break;
          }
          case OP.VecSwap: {
            const j = stack.pop() as bigint;
            const i = stack.pop() as bigint;
            const v = (stack.pop() as Ref).get() as Value[];
            const a = Number(i);
            const b = Number(j);
            if (a >= v.length || b >= v.length)
              this.fail(frame, pc, `VECTOR_OPERATION_ERROR: swap ${i}, ${j} out of bounds (length ${v.length})`);
            const t = v[a] as Value;
            v[a] = v[b] as Value;
            v[b] = t;
            pc++;
            break;
          }
          case OP.PackVariant:
          case OP.PackVariantGeneric: {
            const { tag, count } = A[pc] as { tag: number; count: number };
            stack.push(new Variant(tag, count === 0 ? [] : stack.splice(stack.length - count, count)));
            pc++;
            break;
          }
          case OP.UnpackVariant:
          case OP.UnpackVariantGeneric: {
            const { tag } = A[pc] as { tag: number };
            const v = stack.pop() as Variant;
            if (v.tag !== tag) this.fail(frame, pc, `VARIANT_TAG_MISMATCH: variant ${v.tag}, expected ${tag}`);
            for (const x of v.f) stack.push(x);
            pc++;
            break;
          }
          case OP.UnpackVariantImmRef:
          case OP.UnpackVariantMutRef:
          case OP.UnpackVariantGenericImmRef:
          case OP.UnpackVariantGenericMutRef: {
            const { tag } = A[pc] as { tag: number };
            const v = (stack.pop() as Ref).get() as Variant;
            if (v.tag !== tag) this.fail(frame, pc, `VARIANT_TAG_MISMATCH: variant ${v.tag}, expected ${tag}`);
            for (let i = 0; i < v.f.length; i++) stack.push(new Ref(v.f, i));
            pc++;
            break;
          }
          case OP.VariantSwitch: {
            const v = (stack.pop() as Ref).get() as Variant;
            const to = (A[pc] as number[])[v.tag];
            if (to === undefined) this.fail(frame, pc, `VARIANT_TAG_MISMATCH: no jump for variant ${v.tag}`);
            pc = to as number;
            break;
          }
          default:
            frame.pc = pc;
            throw new VmFailure(
              "VMInvariantViolation",
              `instruction ${String(A[pc] ?? op)} (global storage) is not part of Sui Move`,
              this.location(frame),
            );
        }
      }
    } finally {
      if (synced) {
        gas.left = left;
        stats.instructions = count;
      }
    }
  }

  /** A new frame; `ownArgs`: the arguments array is the callee's own (spliced off the stack) and becomes its locals. */
  private frame(fn: VmFunction, tyArgs: MoveType[], args: Value[], ownArgs = false): Frame {
    const code = fn.module.decode(fn);
    let locals: Value[];
    if (ownArgs) {
      locals = args;
      if (locals.length < code.localCount) locals.length = code.localCount;
    } else {
      locals = new Array<Value>(code.localCount);
      for (let i = 0; i < args.length; i++) locals[i] = args[i] as Value;
    }
    return { fn, module: fn.module, code, pc: 0, locals, tyArgs };
  }

  private link(site: CallSite): VmFunction {
    site.target = this.resolve(site.address, site.module, site.name);
    return site.target;
  }

  private callNative(fn: VmFunction, tyArgs: MoveType[], args: Value[], caller: Frame | undefined): Value[] {
    // The native and its abort location, looked up once per function and native table.
    let bound = fn.native;
    if (bound === undefined || bound.table !== this.natives) {
      const key = `${shortAddress(fn.module.address)}::${fn.module.name}::${fn.name}`;
      const native = this.natives.get(key);
      if (!native)
        throw new VmFailure(
          "FunctionNotFound",
          `${key} is not available in the devnet (native function not implemented)`,
          caller ? this.location(caller) : undefined,
        );
      const loc: VmLocation = {
        address: fn.module.address,
        module: fn.module.name,
        functionIndex: fn.index,
        functionName: fn.name,
        pc: 0,
      };
      bound = { table: this.natives, native, loc };
      fn.native = bound;
    }
    this.stats.nativeCalls++;
    if (this.nativeContext === undefined) this.nativeContext = this.makeNativeContext();
    const ctx = this.nativeContext;
    const outer = ctx.loc;
    ctx.loc = bound.loc;
    try {
      return bound.native(ctx, tyArgs, args);
    } finally {
      ctx.loc = outer;
    }
  }

  /** What natives see: one per interpreter, `loc` set to the native running (its abort location). */
  private nativeContext?: NativeContext & { loc: VmLocation };
  private makeNativeContext(): NativeContext & { loc: VmLocation } {
    const ctx = {
      vm: this,
      host: this.host,
      loader: this.loader,
      gas: this.gas,
      loc: { address: "", module: "", functionIndex: 0, functionName: "", pc: 0 } as VmLocation,
      abort: nativeAbort,
    };
    return ctx;
  }

  /** A runtime error of the instruction at `pc` of `frame` (a method: no closure per call). */
  private fail(frame: Frame, pc: number, msg: string): never {
    frame.pc = pc;
    throw new VmFailure("MovePrimitiveRuntimeError", msg, this.location(frame));
  }

  location(f: Frame): VmLocation {
    return {
      address: f.module.address,
      module: f.module.name,
      functionIndex: f.fn.index,
      functionName: f.fn.name,
      pc: f.pc,
    };
  }
}
