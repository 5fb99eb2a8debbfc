/**
 * Runs a MoveCall (or a module initializer) through the Move interpreter against one
 * transaction's working set: objects, dynamic fields (child objects), transfers, events and
 * TxContext, with Sui's per-transaction limits. Values cross between the object store and the
 * interpreter as BCS, so both sides share one encoding.
 */
import { fromBase58 } from "@mysten/bcs";
import { isStruct, type MoveType, type StructResolver, typeToString } from "./bytecode.js";
import { ExecutionFailure, MoveAbortError } from "./errors.js";
import { decodeBcs, encodeBcs, rememberBcs } from "./runtime/encoded.js";
import { storeValueOf } from "./runtime/store-value.js";
import type { Owner } from "./types.js";
import {
  copyValue,
  GAS_SCHEDULE,
  type GasMeter,
  Interpreter,
  LIMITS,
  type NativeFunction,
  objectIdOf,
  Ref,
  toBcs,
  type Value,
  VmAbort,
  VmFailure,
  type VmHost,
  type VmLoader,
  valueDepth,
  fromBcs as vmFromBcs,
} from "./vm/index.js";

/** The parts of a transaction session the interpreter works on (implemented by runtime/session.ts). */
interface WorkingObject {
  id: string;
  orig?: { owner: Owner };
  type: MoveType;
  value: unknown;
  owner: Owner;
  state: "store" | "inflight" | "transferred" | "shared" | "frozen" | "deleted" | "wrapped";
  mutated: boolean;
  readOnly?: boolean;
}
export interface SessionState {
  readonly sender: string;
  readonly digest: string;
  readonly timestamp: bigint;
  readonly epoch: bigint;
  readonly price: bigint;
  readonly referenceGasPrice: bigint;
  readonly budget: bigint;
  readonly working: Map<string, WorkingObject>;
  readonly resolve: StructResolver;
  readonly loader: VmLoader;
  /** The native functions of this network. */
  readonly natives: ReadonlyMap<string, NativeFunction>;
  /** The Random object's inner Versioned UID (its RandomInner is synthesized per transaction). */
  readonly randomInnerId: string;
  randomBeacon(): Uint8Array;
  freshId(): string;
  idsCreated(): bigint;
  created(id: string, type: MoveType, value: unknown): WorkingObject;
  /** Loads a stored object into the working set (read-only until written). */
  loadStored(id: string): WorkingObject | undefined;
  emit(type: MoveType, value: unknown, module: string, packageId: string): void;
  eventCount(): number;
  /** Gas units the interpreter may still use in this transaction. */
  gas: GasMeter;
  objectLoads: number;
}

export interface CallArg {
  kind: "val" | "ref" | "mut";
  type: MoveType;
  /** The value in the store's representation. */
  value: unknown;
  /** &mut: receives the value after the call. */
  writeBack?: (v: unknown) => void;
  /** The value's BCS when the caller has it (a pure argument's own bytes, checked canonical). */
  bytes?: Uint8Array;
}

interface Child {
  type: MoveType;
  holder: Value[];
  w?: WorkingObject;
  dirty: boolean;
}

const U64: MoveType = { kind: "prim", name: "u64" };

/** Bytes as a vector<u8> value (a plain loop: Array.from goes through the iterator, an object per byte). */
function bytesValue(b: Uint8Array): number[] {
  const out = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i]!;
  return out;
}

/** Interpreter values decoded from BCS bytes, by the bytes array (never mutated: callers get copies). */
const decodedVm = new WeakMap<Uint8Array, { type: string; value: Value }>();

/** The transaction digest's bytes, decoded once per transaction rather than once per MoveCall (never mutated). */
let lastDigest: { text: string; bytes: Uint8Array } | undefined;
function txHashOf(digest: string): Uint8Array {
  if (lastDigest?.text !== digest) lastDigest = { text: digest, bytes: fromBase58(digest) };
  return lastDigest.bytes;
}

/** Host side of one MoveCall: the session's objects as the natives see them. */
class CallHost implements VmHost {
  readonly sender: string;
  readonly txHash: Uint8Array;
  readonly epoch: bigint;
  readonly epochTimestampMs: bigint;
  readonly gasPrice: bigint;
  readonly referenceGasPrice: bigint;
  readonly gasBudget: bigint;
  private readonly children = new Map<string, Child>();
  constructor(
    private readonly s: SessionState,
    private readonly module: string,
    private readonly packageId: string,
  ) {
    this.sender = s.sender;
    this.txHash = txHashOf(s.digest);
    this.epoch = s.epoch;
    this.epochTimestampMs = s.timestamp;
    this.gasPrice = s.price;
    this.referenceGasPrice = s.referenceGasPrice;
    this.gasBudget = s.budget;
  }
  toVm(t: MoveType, v: unknown, known?: Uint8Array): Value {
    const bytes = known ?? encodeBcs(t, v, this.s.resolve);
    // A stored object's bytes are the same array from call to call: decode them once, hand out copies.
    const key = typeToString(t, true);
    const hit = decodedVm.get(bytes);
    if (hit !== undefined && hit.type === key) return copyValue(hit.value);
    const value = vmFromBcs(t, bytes, (st) => this.s.loader.layout(st));
    decodedVm.set(bytes, { type: key, value: copyValue(value) });
    return value;
  }
  /**
   * A value leaving the interpreter once the call is over (no copy is kept: the interpreter's
   * values are dropped with it), in the store's representation.
   */
  fromVm(t: MoveType, v: Value): unknown {
    return this.storeValue(t, v, this.encoded(t, v, false));
  }
  /** The store's form of `v`, remembering `bytes` as its encoding (so the effects do not encode it again). */
  private storeValue(t: MoveType, v: Value, bytes: Uint8Array): unknown {
    const value = storeValueOf(t, v, this.s.resolve);
    if (value === undefined) return decodeBcs(t, bytes, this.s.resolve);
    rememberBcs(t, value, bytes, this.s.resolve);
    return value;
  }
  /**
   * BCS of a value leaving the interpreter; the bytes remember it (a copy of it while the
   * interpreter still runs and may change it) for the next `toVm`.
   */
  private encoded(t: MoveType, v: Value, live: boolean): Uint8Array {
    const bytes = this.bytes(t, v);
    decodedVm.set(bytes, { type: typeToString(t, true), value: live ? copyValue(v) : v });
    return bytes;
  }
  bytes(t: MoveType, v: Value): Uint8Array {
    return toBcs(t, v, (st) => this.s.loader.layout(st));
  }
  /** An object leaving the interpreter (`live`: while it still runs), checked against the object limits. */
  private objectValue(t: MoveType, v: Value, live: boolean): unknown {
    checkDepth(v);
    const b = this.encoded(t, v, live);
    if (b.length > LIMITS.maxObjectSize)
      throw new ExecutionFailure(
        { MoveObjectTooBig: { objectSize: String(b.length), maxObjectSize: String(LIMITS.maxObjectSize) } },
        `MoveObjectTooBig { object_size: ${b.length}, max_object_size: ${LIMITS.maxObjectSize} }`,
      );
    return this.storeValue(t, v, b);
  }
  freshId(): string {
    return this.s.freshId();
  }
  idsCreated(): bigint {
    return this.s.idsCreated();
  }
  recordNewUid(): void {}
  deleteUid(id: string): void {
    const w = this.s.working.get(id);
    if (w) {
      w.state = "deleted";
      w.mutated = true;
    }
    this.children.delete(id);
  }
  transfer(
    ty: MoveType,
    obj: Value,
    to: { kind: "address"; address: string } | { kind: "share" } | { kind: "freeze" },
  ): void {
    const id = objectIdOf(obj);
    const value = this.objectValue(ty, obj, true);
    let w = this.s.working.get(id);
    if (!w) w = this.s.created(id, ty, value);
    const wasShared = !!w.orig && w.orig.owner !== "Immutable" && "Shared" in w.orig.owner;
    if (to.kind === "share" && w.orig && !wasShared)
      throw new ExecutionFailure({ SharedObjectOperationNotAllowed: true }, "SharedObjectOperationNotAllowed");
    if (wasShared && to.kind !== "share")
      throw new ExecutionFailure({ SharedObjectOperationNotAllowed: true }, "SharedObjectOperationNotAllowed");
    w.type = ty;
    w.value = value;
    w.mutated = true;
    w.readOnly = false;
    if (to.kind === "address") {
      w.state = "transferred";
      w.owner = { AddressOwner: to.address };
    } else if (to.kind === "freeze") {
      w.state = "frozen";
      w.owner = "Immutable";
    } else {
      w.state = "shared";
      w.owner = w.orig ? w.orig.owner : { Shared: { initial_shared_version: "__LAMPORT__" } };
    }
  }
  emit(ty: MoveType, v: Value): void {
    if (this.s.eventCount() >= LIMITS.maxEvents)
      throw new VmFailure("TooManyEvents", `MEMORY_LIMIT_EXCEEDED: more than ${LIMITS.maxEvents} events`);
    checkDepth(v);
    const b = this.bytes(ty, v);
    if (b.length > LIMITS.maxEventSize)
      throw new VmFailure(
        "MoveEventTooBig",
        `MEMORY_LIMIT_EXCEEDED: event of ${b.length} bytes over ${LIMITS.maxEventSize}`,
      );
    this.s.gas.charge(GAS_SCHEDULE.nativeCall + b.length * GAS_SCHEDULE.nativeByte);
    this.s.emit(ty, this.storeValue(ty, v, b), this.module, this.packageId);
  }

  private countLoad(): void {
    if (++this.s.objectLoads > LIMITS.maxObjectLoads)
      throw new VmFailure(
        "TooManyObjectLoads",
        `MEMORY_LIMIT_EXCEEDED: OBJECT_RUNTIME_CACHE_LIMIT_EXCEEDED, more than ${LIMITS.maxObjectLoads} objects loaded`,
      );
  }
  /** The working object of a live child of `parent`, loading it from the store. */
  private stored(parent: string, id: string): WorkingObject | undefined {
    let w = this.s.working.get(id);
    if (!w) {
      w = this.s.loadStored(id);
      if (w) this.countLoad();
    }
    if (!w || w.state === "deleted" || w.state === "wrapped") return undefined;
    if (w.owner === "Immutable" || !("ObjectOwner" in w.owner) || w.owner.ObjectOwner !== parent) return undefined;
    return w;
  }
  private child(parent: string, id: string): Child | undefined {
    const c = this.children.get(id);
    if (c) return c;
    if (parent === this.s.randomInnerId) return this.randomInner(id);
    const w = this.stored(parent, id);
    if (!w) return undefined;
    const entry: Child = { type: w.type, holder: [this.toVm(w.type, w.value)], w, dirty: false };
    this.children.set(id, entry);
    return entry;
  }
  /** `Field<u64, RandomInner>` under the Random object: this transaction's randomness. */
  private randomInner(id: string): Child {
    const type: MoveType = {
      kind: "struct",
      address: `0x${"0".repeat(63)}2`,
      module: "dynamic_field",
      name: "Field",
      args: [U64, { kind: "struct", address: `0x${"0".repeat(63)}2`, module: "random", name: "RandomInner", args: [] }],
    };
    const value: Value = [[[id]], 1n, [1n, this.epoch, 0n, bytesValue(this.s.randomBeacon())]];
    const entry: Child = { type, holder: [value], dirty: false };
    this.children.set(id, entry);
    return entry;
  }
  hasChild(parent: string, id: string, ty?: MoveType): boolean {
    const c = this.child(parent, id);
    if (!c) return false;
    return ty === undefined || typeToString(ty, true) === typeToString(c.type, true);
  }
  addChild(parent: string, ty: MoveType, value: Value): void {
    const id = objectIdOf(value);
    const runtime = this.objectValue(ty, value, true);
    let w = this.s.working.get(id);
    if (w) {
      w.type = ty;
      w.value = runtime;
    } else {
      w = this.s.created(id, ty, runtime);
    }
    w.state = "transferred";
    w.owner = { ObjectOwner: parent };
    w.readOnly = false;
    w.mutated = true;
    this.children.set(id, { type: ty, holder: [value], w, dirty: true });
  }
  borrowChild(parent: string, id: string, ty: MoveType, mutable: boolean): Ref {
    const c = this.child(parent, id);
    if (!c) throw new VmAbort(1n, dfLocation(mutable ? "borrow_child_object_mut" : "borrow_child_object"));
    if (typeToString(ty, true) !== typeToString(c.type, true))
      throw new VmAbort(2n, dfLocation(mutable ? "borrow_child_object_mut" : "borrow_child_object"));
    if (mutable && c.w) {
      c.dirty = true;
      c.w.readOnly = false;
      c.w.mutated = true;
    }
    return new Ref(c.holder, 0);
  }
  removeChild(parent: string, id: string, ty: MoveType): Value {
    const c = this.child(parent, id);
    if (!c) throw new VmAbort(1n, dfLocation("remove_child_object"));
    if (typeToString(ty, true) !== typeToString(c.type, true)) throw new VmAbort(2n, dfLocation("remove_child_object"));
    this.children.delete(id);
    if (c.w) {
      c.w.state = "wrapped";
      c.w.readOnly = false;
      c.w.mutated = true;
    }
    return c.holder[0] as Value;
  }
  /** Writes mutated children back to the working set. */
  flush(): void {
    for (const c of this.children.values()) {
      if (!c.dirty || !c.w) continue;
      if (c.w.state === "deleted" || c.w.state === "wrapped") continue;
      c.w.value = this.objectValue(c.type, c.holder[0] as Value, false);
    }
    this.children.clear();
  }
}

function checkDepth(v: Value): void {
  const d = valueDepth(v);
  if (d > LIMITS.maxValueDepth)
    throw new VmFailure("ValueTooDeep", `VM_MAX_VALUE_DEPTH_REACHED: value depth ${d} over ${LIMITS.maxValueDepth}`);
}

function dfLocation(fn: string) {
  return { address: `0x${"0".repeat(63)}2`, module: "dynamic_field", functionIndex: 0, functionName: fn, pc: 0 };
}

/** Maps an interpreter error to the transaction failure Sui reports. */
function vmErrorToFailure(e: unknown): unknown {
  if (e instanceof VmAbort) {
    const l = e.location;
    return new MoveAbortError(l.address, l.module, l.functionName, l.functionIndex, e.code);
  }
  if (!(e instanceof VmFailure)) return e;
  if (e.kind === "InsufficientGas") return new ExecutionFailure({ InsufficientGas: true }, "InsufficientGas");
  if (e.kind === "FunctionNotFound")
    return new ExecutionFailure({ FunctionNotFound: true }, `FunctionNotFound: ${e.message}`);
  if (e.kind === "VMInvariantViolation")
    return new ExecutionFailure({ VMInvariantViolation: true }, `VMInvariantViolation: ${e.message}`);
  const l = e.location;
  const loc = l
    ? {
        module: { address: l.address, name: l.module },
        function: l.functionIndex,
        instruction: l.pc,
        functionName: l.functionName,
      }
    : null;
  const text = l
    ? `MovePrimitiveRuntimeError(MoveLocationOpt(Some(MoveLocation { module: ModuleId { address: ${l.address.slice(2)}, name: Identifier("${l.module}") }, function: ${l.functionIndex}, instruction: ${l.pc}, function_name: Some("${l.functionName}") }))) (${e.message})`
    : `MovePrimitiveRuntimeError(MoveLocationOpt(None)) (${e.message})`;
  return new ExecutionFailure({ MovePrimitiveRuntimeError: loc }, text);
}

const isTxContext = (t: MoveType): boolean => isStruct(t, "0x2", "tx_context", "TxContext");

export interface VmCallResult {
  returns: { type: MoveType; value: unknown }[];
  instructions: number;
}

/**
 * Calls `module::fn` of package `packageId` with `args` (TxContext appended when the function
 * takes one). Throws MoveAbortError / ExecutionFailure as the transaction's failure.
 */
export function callMoveFunction(
  s: SessionState,
  packageId: string,
  module: string,
  fn: string,
  typeArgs: MoveType[],
  args: CallArg[],
  eventModule = module,
): VmCallResult {
  const host = new CallHost(s, eventModule, packageId);
  const vm = new Interpreter(s.loader, s.natives, host, s.gas);
  try {
    const f = vm.resolve(packageId, module, fn);
    const vmArgs: Value[] = [];
    const holders: { holder: Value[]; arg: CallArg }[] = [];
    for (const a of args) {
      const v = host.toVm(a.type, a.value, a.bytes);
      if (a.kind === "val") vmArgs.push(v);
      else {
        const holder = [v];
        vmArgs.push(new Ref(holder, 0));
        if (a.kind === "mut") holders.push({ holder, arg: a });
      }
    }
    const last = f.params[f.params.length - 1];
    if (last !== undefined && args.length === f.params.length - 1) {
      const t = f.module.toType(last, typeArgs);
      if (isTxContext(t)) vmArgs.push(new Ref([[s.sender, bytesValue(host.txHash), s.epoch, s.timestamp, 0n]], 0));
    }
    const before = vm.stats.instructions;
    const out = vm.call(f, typeArgs, vmArgs);
    host.flush();
    for (const { holder, arg } of holders) arg.writeBack?.(host.fromVm(arg.type, holder[0] as Value));
    const returns = f.returns.map((rt, i) => {
      const t = f.module.toType(rt, typeArgs);
      return { type: t, value: host.fromVm(t, out[i] as Value) };
    });
    return { returns, instructions: vm.stats.instructions - before };
  } catch (e) {
    throw vmErrorToFailure(e);
  }
}
