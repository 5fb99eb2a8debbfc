/** The PTB's MoveCall and Publish commands: argument binding, the interpreter call, returned objects. */
import { fromBase64 } from "@mysten/bcs";
import {
  abilitiesOf,
  fromNormalized,
  isStruct,
  type LoadedModule,
  loadModule,
  type MoveType,
  type NormalizedFunction,
  normalizeAddress,
  parseType,
  relocateModule,
  type StructResolver,
  shortAddress,
  typeToString,
} from "../bytecode.js";
import { ExecutionFailure } from "../errors.js";
import { type CallArg, callMoveFunction } from "../execute.js";
import type { Session } from "./session.js";
import type { ArgT, Slot, Working } from "./types.js";

/** Publish: loads and relocates the modules at a fresh id, runs their `init`s, returns the UpgradeCap. */
export function publish(ses: Session, p: { modules: string[]; dependencies: string[] }): Slot[] {
  const id = ses.freshId();
  const modules = new Map<string, LoadedModule>();
  try {
    for (const b64 of p.modules) {
      const lm = loadModule(relocateModule(fromBase64(b64), id));
      modules.set(lm.normalized.name, lm);
    }
  } catch (e) {
    throw new ExecutionFailure(
      { VMVerificationOrDeserializationError: true },
      `VMVerificationOrDeserializationError: ${(e as Error).message}`,
    );
  }
  if (modules.size === 0)
    throw new ExecutionFailure(
      { VMVerificationOrDeserializationError: true },
      "VMVerificationOrDeserializationError: no modules",
    );
  ses.published.push({ id, modules });
  // Module initializers (`fun init(ctx)` / `fun init(otw, ctx)`), as Sui runs them at publish.
  ses.rt.pendingModules.set(id, modules);
  ses.rt.vmPending.set(id, [...modules.values()]);
  for (const [mod, lm] of modules) {
    const init = lm.functions.get("init");
    if (!init) continue;
    const args: CallArg[] = [];
    if (init.parameters.length === 2) {
      const otw = fromNormalized(init.parameters[0]!, []);
      args.push({ kind: "val", type: otw, value: { dummy_field: false } });
    }
    callMoveFunction(ses, id, mod, "init", [], args);
  }
  const capId = ses.freshId();
  const type = parseType("0x2::package::UpgradeCap");
  const value = { id: { id: capId }, package: id, version: 1n, policy: 0 };
  ses.created(capId, type, value);
  return [{ type, value, objectId: capId }];
}

/** MoveCall: resolves the function, binds the arguments from the slots and runs it in the interpreter. */
export function moveCall(
  ses: Session,
  mc: { package: string; module: string; function: string; typeArguments: string[]; arguments: ArgT[] },
): Slot[] {
  const pkg = normalizeAddress(mc.package);
  const mod = ses.moduleOf(pkg, mc.module);
  if (!mod)
    throw new ExecutionFailure(
      { FunctionNotFound: true },
      `FunctionNotFound: module ${shortAddress(pkg)}::${mc.module} does not exist`,
    );
  const fn = mod.functions.get(mc.function);
  if (!fn)
    throw new ExecutionFailure(
      { FunctionNotFound: true },
      `FunctionNotFound: ${shortAddress(pkg)}::${mc.module}::${mc.function}`,
    );
  if (fn.visibility !== "Public" && !fn.isEntry)
    throw new ExecutionFailure(
      { NonEntryFunctionInvoked: true },
      `NonEntryFunctionInvoked: ${mc.module}::${mc.function} is neither public nor entry`,
    );
  if (fn.typeParameters.length !== mc.typeArguments.length)
    throw new ExecutionFailure({ TypeArityMismatch: true }, "TypeArityMismatch");
  const typeArgs = mc.typeArguments.map(typeArgument);
  const sig = signatureOf(fn, mc.typeArguments, typeArgs);
  let params = fn.parameters;
  const last = params[params.length - 1];
  if (isCtx(last)) params = params.slice(0, -1);
  if (params.length !== mc.arguments.length)
    throw new ExecutionFailure(
      { ArityMismatch: true },
      `ArityMismatch: ${mc.module}::${mc.function} takes ${params.length} arguments, got ${mc.arguments.length}`,
    );
  const callArgs: CallArg[] = [];
  const byValue: Working[] = [];
  const mutRefs: Working[] = [];
  for (const [i, p] of params.entries()) {
    const s = ses.slot(mc.arguments[i]!, i);
    const kind =
      typeof p !== "string" && "MutableReference" in p
        ? "mut"
        : typeof p !== "string" && "Reference" in p
          ? "ref"
          : "val";
    const { type: t, isObj } = sig.param(i, p, ses.rt.resolve);
    if (isObj) {
      if (!s.objectId) throw ses.argError(i, "TypeMismatch", `expected object ${typeToString(t)}, got a pure value`);
      if (typeToString(s.type) !== typeToString(t))
        throw ses.argError(i, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
      if (s.moved) throw ses.argError(i, "ArgumentWithoutValue");
      if (kind === "mut") {
        if (s.input && !s.mutableInput) throw ses.argError(i, "InvalidObjectByMutRef");
        if (s === ses.gasSlot) throw ses.argError(i, "InvalidGasCoinUsage");
        const w = ses.working.get(s.objectId)!;
        mutRefs.push(w);
        callArgs.push({
          kind,
          type: t,
          value: s.value,
          writeBack: (v) => {
            w.value = v;
            s.value = v;
          },
        });
      } else if (kind === "ref") {
        callArgs.push({ kind, type: t, value: s.value });
      } else {
        if (s === ses.gasSlot) throw ses.argError(i, "InvalidGasCoinUsage");
        const w = ses.takeObject(s, i);
        byValue.push(w);
        callArgs.push({ kind, type: t, value: w.value });
      }
    } else if (s.pure) {
      if (kind !== "val" && kind !== "ref") throw ses.argError(i, "InvalidUsageOfPureArg");
      if (!isPureType(t))
        throw ses.argError(i, "InvalidUsageOfPureArg", `${typeToString(t)} cannot be a pure argument`);
      const v = ses.pureAs(s, t, i);
      // pureAs accepted the bytes only if they are the value's canonical encoding: the
      // interpreter decodes them as they are (no encoding of the parsed value again).
      callArgs.push({ kind: kind === "ref" ? "ref" : "val", type: t, value: v, bytes: s.pure });
    } else {
      if (typeToString(s.type) !== typeToString(t))
        throw ses.argError(i, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
      if (s.moved) throw ses.argError(i, "ArgumentWithoutValue");
      if (kind === "val" && !sig.param(i, p, ses.rt.resolve).copy()) s.moved = true;
      callArgs.push({
        kind,
        type: t,
        value: s.value,
        ...(kind === "mut"
          ? {
              writeBack: (v: unknown) => {
                s.value = v;
                const w = s.objectId ? ses.working.get(s.objectId) : undefined;
                if (w) w.value = v;
              },
            }
          : {}),
      });
    }
  }
  const t0 = performance.now();
  const cpu0 = ses.rt.vmCpuTiming ? process.cpuUsage() : undefined;
  const res = callMoveFunction(ses, pkg, mc.module, mc.function, typeArgs, callArgs);
  const stats = ses.rt.vmStats;
  if (cpu0) {
    const cpu = process.cpuUsage(cpu0);
    stats.cpuMs += (cpu.user + cpu.system) / 1000;
  }
  stats.moveCalls++;
  stats.instructions += res.instructions;
  stats.ms += performance.now() - t0;
  const out = res.returns.map((r) => r.value);
  if (out.length !== fn.return.length)
    throw new ExecutionFailure(
      { VMInvariantViolation: true },
      `VMInvariantViolation: ${mc.module}::${mc.function} implementation returned ${out.length} values, the bytecode declares ${fn.return.length}`,
    );
  for (const w of mutRefs) w.mutated = true;
  const returned: Slot[] = fn.return.map((rt, i) => {
    const { type: t, isObj } = sig.ret(i, rt, ses.rt.resolve);
    const v = out[i];
    const idv = (v as { id?: { id?: string } } | null)?.id?.id;
    if (isObj && typeof idv === "string") {
      const w = ses.working.get(idv) ?? ses.created(idv, t, v);
      w.state = "inflight";
      w.value = v;
      return { type: t, value: v, objectId: idv };
    }
    return { type: t, value: v };
  });
  // By-value objects neither returned nor placed by the implementation are wrapped (or deleted).
  const returnedIds = new Set(returned.map((s) => s.objectId).filter(Boolean));
  for (const w of byValue) if (w.state === "inflight" && !returnedIds.has(w.id)) w.state = "wrapped";
  for (const w of ses.working.values())
    if (w.state === "inflight" && !w.orig && !returnedIds.has(w.id) && !ses.isHeldInSlot(w.id)) w.state = "wrapped";
  return returned;
}

type NormalizedType = NormalizedFunction["parameters"][number];

/** Whether a parameter is `&TxContext` or `&mut TxContext` (the runtime passes it). */
function isCtx(t: NormalizedType | undefined): boolean {
  if (!t || typeof t === "string") return false;
  const inner = "Reference" in t ? t.Reference : "MutableReference" in t ? t.MutableReference : undefined;
  return (
    !!inner &&
    typeof inner !== "string" &&
    "Struct" in inner &&
    inner.Struct.module === "tx_context" &&
    inner.Struct.name === "TxContext"
  );
}

/** Type arguments by their text: the same few are parsed again and again (a parse error is not kept). */
const parsedTypes = new Map<string, MoveType>();
function typeArgument(text: string): MoveType {
  let t = parsedTypes.get(text);
  if (t === undefined) {
    t = parseType(text);
    if (parsedTypes.size < 4096) parsedTypes.set(text, t);
  }
  return t;
}

/** A parameter's or return value's type in one instantiation, with the abilities the call checks. */
interface TypeInfo {
  type: MoveType;
  /** A `key` struct: an object. */
  isObj: boolean;
  copy(): boolean;
}
class Signature {
  private readonly params: TypeInfo[] = [];
  private readonly rets: TypeInfo[] = [];
  constructor(private readonly typeArgs: MoveType[]) {}
  /** Built on first use, in the order the call uses them, so a failure surfaces where it did. */
  param(i: number, p: NormalizedType, resolve: StructResolver): TypeInfo {
    this.params[i] ??= this.info(p, resolve);
    return this.params[i];
  }
  ret(i: number, r: NormalizedType, resolve: StructResolver): TypeInfo {
    this.rets[i] ??= this.info(r, resolve);
    return this.rets[i];
  }
  private info(n: NormalizedType, resolve: StructResolver): TypeInfo {
    const type = fromNormalized(n, this.typeArgs);
    const isObj = type.kind === "struct" && abilitiesOf(type, resolve).has("Key");
    let copy: boolean | undefined;
    return {
      type,
      isObj,
      copy: () => {
        copy ??= abilitiesOf(type, resolve).has("Copy");
        return copy;
      },
    };
  }
}
/** Signatures by function and type arguments (published modules never change). */
const signatures = new WeakMap<NormalizedFunction, Map<string, Signature>>();
function signatureOf(fn: NormalizedFunction, texts: string[], typeArgs: MoveType[]): Signature {
  let byArgs = signatures.get(fn);
  if (!byArgs) {
    byArgs = new Map();
    signatures.set(fn, byArgs);
  }
  const key = texts.join(",");
  let sig = byArgs.get(key);
  if (!sig) {
    sig = new Signature(typeArgs);
    if (byArgs.size < 256) byArgs.set(key, sig);
  }
  return sig;
}

/** Types a pure argument may have (as Sui allows): primitives, vectors of them, String, ID, Option. */
function isPureType(t: MoveType): boolean {
  if (t.kind === "prim") return t.name !== "signer";
  if (t.kind === "vector") return isPureType(t.of);
  if (isStruct(t, "0x1", "option", "Option")) return !!t.args[0] && isPureType(t.args[0]);
  return (
    isStruct(t, "0x1", "string", "String") ||
    isStruct(t, "0x1", "ascii", "String") ||
    isStruct(t, "0x2", "object", "ID")
  );
}
