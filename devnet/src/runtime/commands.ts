/**
 * The PTB's commands: the loop over them with its end-of-transaction checks (unused values
 * without `drop`, SUI conservation), and SplitCoins, MergeCoins, TransferObjects and MakeMoveVec.
 * MoveCall and Publish are in move-call.ts.
 */
import {
  abilitiesOf,
  fromNormalized,
  isStruct,
  type MoveType,
  type NormalizedStruct,
  normalizeAddress,
  parseType,
  typeToString,
} from "../bytecode.js";
import { ExecutionFailure, MoveAbortError } from "../errors.js";
import type { CoinValue } from "../types.js";
import { changedInPlace } from "./encoded.js";
import { meterFor } from "./gas.js";
import { moveCall, publish } from "./move-call.js";
import { ZERO_ADDR } from "./primitives.js";
import type { Session } from "./session.js";
import type { CmdOutcome, CommandT, Slot } from "./types.js";

/** Runs the commands in order; the first failure stops the transaction. Then the end-of-transaction checks. */
export function executeAll(ses: Session, commands: CommandT[]): CmdOutcome {
  const results: CmdOutcome["results"] = [];
  ses.commandCount = commands.length;
  ses.gas = meterFor(ses.budget, ses.price, commands.length);
  for (const [i, c] of commands.entries()) {
    try {
      const out = command(ses, c);
      ses.results.push(out);
      // Return values are answered by dev-inspect and dry runs only: an executed transaction's are never read.
      if (ses.mode !== "execute")
        results.push({
          returnValues: out.map((s) => [Array.from(ses.slotBytes(s)), typeToString(s.type, true)]),
          mutableReferenceOutputs: [],
        });
    } catch (e) {
      return { failure: failureOf(e, i), results };
    }
  }
  const failure = unusedValueWithoutDrop(ses) ?? suiNotConserved(ses);
  return failure ? { failure, results } : { results };
}

/** A result left in a slot whose type has no `drop`. */
function unusedValueWithoutDrop(ses: Session): CmdOutcome["failure"] {
  for (const [ri, slots] of ses.results.entries()) {
    for (const [si, s] of slots.entries()) {
      if (s.moved) continue;
      if (!abilitiesOf(s.type, ses.rt.resolve).has("Drop"))
        return {
          status: { UnusedValueWithoutDrop: { resultIdx: ri, secondaryIdx: si } },
          text: `UnusedValueWithoutDrop { result_idx: ${ri}, secondary_idx: ${si} }`,
          command: -1,
        };
    }
  }
  return undefined;
}

/** SUI conservation: package implementations may only move value (split/join), never mint or burn. */
function suiNotConserved(ses: Session): CmdOutcome["failure"] {
  const sin = suiHeld(ses, "in");
  const sout = suiHeld(ses, "out");
  if (sin === sout) return undefined;
  return {
    status: { VMInvariantViolation: true },
    text: `VMInvariantViolation: SUI not conserved by the package implementation (inputs hold ${sin}, outputs ${sout})`,
    command: -1,
  };
}

/** Total SUI (Balance<SUI> anywhere inside) of the loaded inputs ("in") or of the objects written back ("out"). */
function suiHeld(ses: Session, side: "in" | "out"): bigint {
  let total = 0n;
  for (const w of ses.working.values()) {
    if (side === "in") {
      if (w.id === ZERO_ADDR && !w.orig) total += ses.gasTotal;
      else if (w.orig?.type && !w.readOnly) total += suiInObject(w.orig.type, w.orig.value, ses.rt.resolve);
    } else if (w.state !== "deleted" && w.state !== "wrapped" && (!w.orig || !w.readOnly)) {
      if (w.state === "inflight" && w.orig === undefined) continue;
      total += suiInObject(w.type, w.value, ses.rt.resolve);
    }
  }
  return total;
}

/** The execution status of a command that threw. */
function failureOf(e: unknown, command: number): NonNullable<CmdOutcome["failure"]> {
  if (e instanceof MoveAbortError) {
    const text = `MoveAbort(MoveLocation { module: ModuleId { address: ${e.packageId.slice(2)}, name: Identifier("${e.module}") }, function: ${e.functionIndex}, instruction: 0, function_name: Some("${e.functionName}") }, ${e.abortCode}) in command ${command}`;
    return {
      status: {
        MoveAbort: [
          {
            module: { address: e.packageId, name: e.module },
            function: e.functionIndex,
            instruction: 0,
            functionName: e.functionName,
          },
          e.abortCode.toString(),
        ],
      },
      text,
      abort: e,
      command,
    };
  }
  if (e instanceof ExecutionFailure) return { status: e.status, text: `${e.text} in command ${command}`, command };
  const msg = e instanceof Error ? e.message : String(e);
  return {
    status: { VMInvariantViolation: true },
    text: `VMInvariantViolation: ${msg} in command ${command}`,
    command,
  };
}

function command(ses: Session, c: CommandT): Slot[] {
  if (c.MoveCall) return moveCall(ses, c.MoveCall);
  if (c.SplitCoins) return splitCoins(ses, c.SplitCoins);
  if (c.MergeCoins) return mergeCoins(ses, c.MergeCoins);
  if (c.TransferObjects) return transferObjects(ses, c.TransferObjects);
  if (c.Publish) return publish(ses, c.Publish);
  if (c.MakeMoveVec) return makeMoveVec(ses, c.MakeMoveVec);
  throw new ExecutionFailure(
    { FeatureNotYetSupported: true },
    `FeatureNotYetSupported: ${Object.keys(c)[0]} is not supported by the devnet`,
  );
}

function splitCoins(ses: Session, split: NonNullable<CommandT["SplitCoins"]>): Slot[] {
  const coin = ses.slot(split.coin, 0);
  if (!coin.objectId || coin.type.kind !== "struct" || !isStruct(coin.type, "0x2", "coin", "Coin"))
    throw ses.argError(0, "TypeMismatch", "SplitCoins needs a Coin");
  if (coin.input && !coin.mutableInput) throw ses.argError(0, "InvalidObjectByMutRef");
  const cv = coin.value as CoinValue;
  return split.amounts.map((a, i) => {
    const amt = ses.pureAs(ses.slot(a, i + 1), { kind: "prim", name: "u64" }, i + 1) as bigint;
    if (cv.balance.value < amt)
      throw new ExecutionFailure({ InsufficientCoinBalance: true }, "InsufficientCoinBalance");
    cv.balance.value -= amt;
    ses.touch(coin.objectId!);
    const id = ses.freshId();
    const value = { id: { id }, balance: { value: amt } };
    ses.created(id, coin.type, value);
    return { type: coin.type, value, objectId: id };
  });
}

function mergeCoins(ses: Session, merge: NonNullable<CommandT["MergeCoins"]>): Slot[] {
  const dst = ses.slot(merge.destination, 0);
  if (!dst.objectId || !isStruct(dst.type, "0x2", "coin", "Coin"))
    throw ses.argError(0, "TypeMismatch", "MergeCoins needs a Coin");
  if (dst.input && !dst.mutableInput) throw ses.argError(0, "InvalidObjectByMutRef");
  for (const [i, a] of merge.sources.entries()) {
    const s = ses.slot(a, i + 1);
    if (s === ses.gasSlot) throw ses.argError(i + 1, "InvalidGasCoinUsage");
    if (typeToString(s.type) !== typeToString(dst.type)) throw ses.argError(i + 1, "TypeMismatch");
    if (s.objectId === dst.objectId) throw ses.argError(i + 1, "InvalidValueUsage");
    const w = ses.takeObject(s, i + 1);
    (dst.value as CoinValue).balance.value += (w.value as CoinValue).balance.value;
    w.state = "deleted";
  }
  ses.touch(dst.objectId);
  return [];
}

function transferObjects(ses: Session, transfer: NonNullable<CommandT["TransferObjects"]>): Slot[] {
  const n = transfer.objects.length;
  const recipient = normalizeAddress(
    ses.pureAs(ses.slot(transfer.address, n), { kind: "prim", name: "address" }, n) as string,
  );
  for (const [i, a] of transfer.objects.entries()) {
    const s = ses.slot(a, i);
    if (!s.objectId) throw ses.argError(i, "TypeMismatch", "TransferObjects needs objects");
    const ab = abilitiesOf(s.type, ses.rt.resolve);
    if (!ab.has("Key") || !ab.has("Store"))
      throw new ExecutionFailure({ InvalidTransferObject: true }, "InvalidTransferObject");
    const w = s === ses.gasSlot ? ses.working.get(s.objectId)! : ses.takeObject(s, i);
    w.state = "transferred";
    w.owner = { AddressOwner: recipient };
    w.mutated = true;
  }
  return [];
}

function makeMoveVec(ses: Session, mv: NonNullable<CommandT["MakeMoveVec"]>): Slot[] {
  const els = mv.elements.map((a, i) => ({ s: ses.slot(a, i), i }));
  const t = mv.type ? parseType(mv.type) : els[0]?.s.type;
  if (!t || (!mv.type && els[0]?.s.pure)) throw ses.argError(0, "TypeMismatch", "MakeMoveVec needs a type");
  const values = els.map(({ s, i }) => {
    if (s.objectId) {
      const w = ses.takeObject(s, i);
      w.state = "wrapped";
      return w.value;
    }
    const v = ses.pureAs(s, t, i);
    s.moved = !abilitiesOf(t, ses.rt.resolve).has("Copy");
    return v;
  });
  return [{ type: { kind: "vector", of: t }, value: values }];
}

type Resolve = (t: Extract<MoveType, { kind: "struct" }>) => NormalizedStruct | undefined;
/**
 * How to find the SUI inside a value of one type, worked out once per type: "none" (it cannot
 * hold a Balance<SUI>: Move types are not recursive), "balance", "option" / "vector" of a type
 * that can, or the struct fields that can. Undefined while a struct is not resolvable (a package
 * being published): then nothing is cached and the value is walked field by field.
 */
type SuiPath =
  | { kind: "none" }
  | { kind: "balance" }
  | { kind: "each"; of: MoveType }
  | { kind: "option"; of: MoveType }
  | { kind: "fields"; fields: { name: string; type: MoveType }[] };
const NONE: SuiPath = { kind: "none" };
const suiPaths = new Map<string, SuiPath>();
const suiPathByType = new WeakMap<MoveType, SuiPath>();
function suiPath(t: MoveType, resolve: Resolve): SuiPath | undefined {
  if (t.kind === "prim") return NONE;
  const direct = suiPathByType.get(t);
  if (direct) return direct;
  const key = typeToString(t, true);
  let p = suiPaths.get(key);
  if (!p) {
    p = buildSuiPath(t, resolve);
    if (!p) return undefined;
    suiPaths.set(key, p);
  }
  suiPathByType.set(t, p);
  return p;
}
function buildSuiPath(t: MoveType, resolve: Resolve): SuiPath | undefined {
  const holds = (x: MoveType): boolean | undefined => {
    const p = suiPath(x, resolve);
    return p === undefined ? undefined : p.kind !== "none";
  };
  if (t.kind === "prim") return NONE;
  if (t.kind === "vector") {
    const h = holds(t.of);
    return h === undefined ? undefined : h ? { kind: "each", of: t.of } : NONE;
  }
  if (isStruct(t, "0x2", "balance", "Balance"))
    return isStruct(t.args[0]!, "0x2", "sui", "SUI") ? { kind: "balance" } : NONE;
  if (isStruct(t, "0x1", "option", "Option")) {
    const h = holds(t.args[0]!);
    return h === undefined ? undefined : h ? { kind: "option", of: t.args[0]! } : NONE;
  }
  if (
    isStruct(t, "0x1", "string", "String") ||
    isStruct(t, "0x2", "object", "ID") ||
    isStruct(t, "0x2", "object", "UID")
  )
    return NONE;
  const decl = resolve(t);
  if (!decl) return undefined;
  const fields: { name: string; type: MoveType }[] = [];
  for (const f of decl.fields) {
    const type = fromNormalized(f.type, t.args);
    const h = holds(type);
    if (h === undefined) return undefined;
    if (h) fields.push({ name: f.name, type });
  }
  return fields.length ? { kind: "fields", fields } : NONE;
}
/**
 * SUI held in an object's value, remembered per value: values are replaced as a whole when they
 * change, except coins (see encoded.ts), which are counted every time.
 */
const suiByValue = new WeakMap<object, bigint>();
function suiInObject(t: MoveType, v: unknown, resolve: Resolve): bigint {
  if (typeof v !== "object" || v === null || changedInPlace(t)) return suiIn(t, v, resolve);
  let s = suiByValue.get(v);
  if (s === undefined) {
    s = suiIn(t, v, resolve);
    suiByValue.set(v, s);
  }
  return s;
}
/** SUI held in a value: the sum of every Balance<SUI> inside it. */
function suiIn(t: MoveType, v: unknown, resolve: Resolve): bigint {
  if (v === null || v === undefined) return 0n;
  const p = suiPath(t, resolve);
  if (p === undefined) {
    // A struct not resolvable (yet): walk what is, field by field.
    if (t.kind === "vector") {
      let s = 0n;
      for (const x of v as unknown[]) s += suiIn(t.of, x, resolve);
      return s;
    }
    if (t.kind !== "struct") return 0n;
    const decl = resolve(t);
    if (!decl) return 0n;
    let s = 0n;
    for (const f of decl.fields)
      s += suiIn(fromNormalized(f.type, t.args), (v as Record<string, unknown>)[f.name], resolve);
    return s;
  }
  switch (p.kind) {
    case "none":
      return 0n;
    case "balance":
      return (v as { value: bigint }).value;
    case "option":
      return suiIn(p.of, v, resolve);
    case "each": {
      let s = 0n;
      for (const x of v as unknown[]) s += suiIn(p.of, x, resolve);
      return s;
    }
    case "fields": {
      let s = 0n;
      for (const f of p.fields) s += suiIn(f.type, (v as Record<string, unknown>)[f.name], resolve);
      return s;
    }
  }
}
