/**
 * One transaction's session: its working set of objects (loaded inputs, created objects), the
 * PTB's argument slots and results, and the state the Move interpreter works on
 * (`SessionState`). Commands (commands.ts, move-call.ts), gas (gas.ts) and effects (effects.ts)
 * are functions of a session.
 */
import { bcsFor, type LoadedModule, type MoveType, normalizeAddress, typeToString } from "../bytecode.js";
import { ExecutionFailure, RpcError } from "../errors.js";
import type { SessionState } from "../execute.js";
import type { Runtime } from "../runtime.js";
import type { StoredObject } from "../types.js";
import { GasMeter, LIMITS } from "../vm/index.js";
import { changedInPlace, encodeBcs, rememberBcs } from "./encoded.js";
import { base64Bytes, CLOCK_ID, deepClone, fromBase58Digest, hashBytes, toHex, u64le } from "./primitives.js";
import type { ArgT, CallArgT, ExecMode, ParsedTx, Slot, Working } from "./types.js";

export class Session implements SessionState {
  readonly working = new Map<string, Working>();
  readonly inputs: Slot[] = [];
  readonly results: Slot[][] = [];
  readonly events: { type: MoveType; value: unknown; module: string; packageId: string }[] = [];
  writtenObjects: StoredObject[] = [];
  deletedIds: string[] = [];
  gasId?: string;
  gasSlot?: Slot;
  idCounter = 0n;
  budget = 0n;
  price = 0n;
  smashed: StoredObject[] = [];
  gasTotal = 0n;
  readonly sender: string;
  readonly timestamp: bigint;
  readonly lamportInputs: bigint[] = [];
  published: { id: string; modules: Map<string, LoadedModule> }[] = [];
  commandCount = 0;
  gas = new GasMeter(0);
  objectLoads = 0;

  constructor(
    readonly rt: Runtime,
    readonly tx: ParsedTx,
    readonly digest: string,
    readonly mode: ExecMode,
  ) {
    this.sender = normalizeAddress(tx.sender);
    this.timestamp = rt.now();
  }

  get epoch(): bigint {
    return this.rt.epoch;
  }
  get referenceGasPrice(): bigint {
    return this.rt.gas.referenceGasPrice;
  }
  get resolve() {
    return this.rt.resolve;
  }
  get loader() {
    return this.rt.vmLoader;
  }
  get natives() {
    return this.rt.natives;
  }
  get randomInnerId(): string {
    return this.rt.randomInnerId;
  }
  randomBeacon(): Uint8Array {
    return hashBytes("random-beacon:", this.rt.seed, this.digest);
  }
  idsCreated(): bigint {
    return this.idCounter;
  }
  loadStored(id: string): Working | undefined {
    return this.rt.objects.has(id) ? this.load(id, true) : undefined;
  }
  eventCount(): number {
    return this.events.length;
  }

  fail(text: string): never {
    throw new RpcError(
      -32002,
      `Transaction validator signing failed due to issues with transaction inputs, please review the errors and try again:\n- ${text}`,
    );
  }

  load(id: string, readOnly: boolean): Working {
    const got = this.working.get(id);
    if (got) return got;
    const o = this.rt.getObject(id)!;
    this.lamportInputs.push(o.version);
    // Only the values the runtime changes in place (coins) are copied; any other value is
    // replaced as a whole when the transaction changes it (see encoded.ts), so the working set
    // shares it with the store, and with it the bytes remembered for it.
    const value = changedInPlace(o.type!) ? deepClone(o.value) : o.value;
    if (o.bcs) rememberBcs(o.type!, value, o.bcs, this.rt.resolve);
    const w: Working = {
      id,
      orig: o,
      type: o.type!,
      value,
      owner: o.owner,
      state: "store",
      mutated: false,
      readOnly,
    };
    this.working.set(id, w);
    return w;
  }

  /** Loads a dynamic-field child object (read-only until borrowed mutably). */
  loadChild(id: string): Working {
    return this.load(id, true);
  }

  loadInputs(inputs: CallArgT[]): void {
    for (const [i, inp] of inputs.entries()) {
      if (inp.Pure) {
        const pure = base64Bytes(inp.Pure.bytes);
        const size = pure.length;
        if (size > LIMITS.maxPureArgumentSize)
          this.fail(
            `Size limit exceeded: maximum pure argument size is ${LIMITS.maxPureArgumentSize}, input ${i} has ${size} bytes`,
          );
        this.inputs.push({ type: { kind: "prim", name: "u8" }, value: undefined, pure });
        continue;
      }
      const obj = inp.Object;
      if (!obj) this.fail(`input ${i}: unsupported CallArg ${Object.keys(inp).join(",")}`);
      const r = obj.ImmOrOwnedObject ?? obj.Receiving;
      if (r) {
        const id = normalizeAddress(r.objectId);
        const o = this.rt.getObject(id);
        if (!o) this.fail(`Could not find the referenced object ${id} at version ${r.version}`);
        if (o.version.toString() !== r.version)
          this.fail(
            `Object ID ${id} Version ${r.version} Digest ${r.digest} is not available for consumption, current version: ${o.version}`,
          );
        if (o.digest !== r.digest) this.fail(`Object ${id} digest mismatch: given ${r.digest}, current ${o.digest}`);
        if (o.owner !== "Immutable") {
          if (!("AddressOwner" in o.owner))
            this.fail(`Object ${id} is not owned by an address (owner ${JSON.stringify(o.owner)})`);
          if (o.owner.AddressOwner !== this.sender)
            this.fail(
              `Transaction was not signed by the correct sender: Object ${id} is owned by account address ${o.owner.AddressOwner}, but given owner/signer address is ${this.sender}`,
            );
        }
        if (!o.type) {
          this.inputs.push({ type: { kind: "prim", name: "address" }, value: undefined, objectId: id, input: true });
          continue;
        }
        const w = this.load(id, o.owner === "Immutable");
        this.inputs.push({
          type: w.type,
          value: w.value,
          objectId: id,
          input: true,
          mutableInput: o.owner !== "Immutable",
        });
        continue;
      }
      const s = obj.SharedObject!;
      const id = normalizeAddress(s.objectId);
      const o = this.rt.getObject(id);
      if (!o) this.fail(`Could not find the referenced object ${id}`);
      if (o.owner === "Immutable" || !("Shared" in o.owner)) this.fail(`Object ${id} is not shared`);
      if (o.owner.Shared.initial_shared_version !== s.initialSharedVersion)
        this.fail(
          `Object ${id}: initial shared version ${s.initialSharedVersion} does not match ${o.owner.Shared.initial_shared_version}`,
        );
      if (s.mutable && id === CLOCK_ID) this.fail("Clock (0x6) can only be passed by immutable reference");
      const w = this.load(id, !s.mutable);
      if (s.mutable) w.readOnly = false;
      this.inputs.push({ type: w.type, value: w.value, objectId: id, input: true, mutableInput: s.mutable });
    }
  }

  argError(argIdx: number, kind: string, detail = ""): ExecutionFailure {
    return new ExecutionFailure(
      { CommandArgumentError: { argIdx, kind: { [kind]: true } } },
      `CommandArgumentError { arg_idx: ${argIdx}, kind: ${kind} }${detail ? ` (${detail})` : ""}`,
    );
  }

  slot(a: ArgT, argIdx: number): Slot {
    if (a.GasCoin) return this.gasSlot!;
    if (a.Input !== undefined) {
      const s = this.inputs[a.Input];
      if (!s) throw this.argError(argIdx, "IndexOutOfBounds", `input ${a.Input}`);
      return s;
    }
    if (a.Result !== undefined) {
      const r = this.results[a.Result];
      if (r?.length !== 1) throw this.argError(argIdx, "InvalidResultArity", `result ${a.Result}`);
      return r[0]!;
    }
    const [ri, si] = a.NestedResult!;
    const s = this.results[ri]?.[si];
    if (!s) throw this.argError(argIdx, "SecondaryIndexOutOfBounds", `result ${ri}.${si}`);
    return s;
  }

  slotBytes(s: Slot): Uint8Array {
    if (s.pure) return s.pure;
    return encodeBcs(s.type, s.value, this.rt.resolve);
  }

  /** Decodes a pure input as `t` (all bytes must be consumed). */
  pureAs(s: Slot, t: MoveType, argIdx: number): unknown {
    if (!s.pure) {
      if (typeToString(s.type) !== typeToString(t))
        throw this.argError(argIdx, "TypeMismatch", `expected ${typeToString(t)}, got ${typeToString(s.type)}`);
      if (s.moved) throw this.argError(argIdx, "ArgumentWithoutValue");
      return s.value;
    }
    const schema = bcsFor(t, this.rt.resolve);
    let v: unknown;
    try {
      v = schema.parse(s.pure);
      // All bytes consumed, canonically: the value's encoding is as long as the input. Primitives
      // have a fixed size, known without encoding the value again.
      const size = (t.kind === "prim" && schema.serializedSize(v)) || schema.serialize(v).toBytes().length;
      if (size !== s.pure.length) throw new Error("trailing bytes");
    } catch (e) {
      throw this.argError(argIdx, "InvalidBCSBytes", `as ${typeToString(t)}: ${(e as Error).message}`);
    }
    return v;
  }

  takeObject(s: Slot, argIdx: number): Working {
    if (s.moved) throw this.argError(argIdx, "ArgumentWithoutValue");
    if (!s.objectId) throw this.argError(argIdx, "TypeMismatch", "expected an object");
    const w = this.working.get(s.objectId)!;
    if (s.input && !s.mutableInput) throw this.argError(argIdx, "InvalidObjectByValue");
    // A shared object taken by value is allowed (Sui allows it only to delete it).
    s.moved = true;
    w.state = "inflight";
    return w;
  }

  touch(id: string): void {
    const w = this.working.get(id);
    if (w) w.mutated = true;
  }

  freshId(): string {
    const id = toHex(hashBytes(fromBase58Digest(this.digest), u64le(this.idCounter)));
    this.idCounter++;
    return id;
  }

  created(id: string, type: MoveType, value: unknown): Working {
    const w: Working = { id, type, value, owner: { AddressOwner: this.sender }, state: "inflight", mutated: true };
    this.working.set(id, w);
    return w;
  }

  moduleOf(pkg: string, module: string): LoadedModule | undefined {
    const pub = this.published.find((p) => p.id === pkg);
    if (pub) return pub.modules.get(module);
    return this.rt.objects.get(pkg)?.modules?.get(module);
  }

  isHeldInSlot(id: string): boolean {
    for (const r of this.results) for (const s of r) if (s.objectId === id && !s.moved) return true;
    return false;
  }

  emit(type: MoveType, value: unknown, module: string, packageId: string): void {
    // Validate the value encodes as the declared layout now, so errors point at the emit. The
    // value is the event's own (the interpreter's host converts a fresh one per event).
    encodeBcs(type, value, this.rt.resolve);
    this.events.push({ type, value, module, packageId });
  }
}
