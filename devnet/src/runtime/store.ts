/**
 * The object store: objects by id (with an owner index), committed transactions and events, struct
 * resolution over published packages, and object digests. Execution writes it only through
 * `apply` (a write set), which journal replay uses too.
 */
import { toBase58 } from "@mysten/bcs";
import {
  FRAMEWORK_STRUCTS,
  type LoadedModule,
  type MoveType,
  type NormalizedStruct,
  normalizeAddress,
  structKey,
} from "../bytecode.js";
import { RpcError } from "../errors.js";
import type { StoredObject } from "../types.js";
import { encodeBcs } from "./encoded.js";
import { CLOCK_ID, hashBytes, hexToBytes, u64le } from "./primitives.js";
import type { EventRecord, TxRecord, WriteSet } from "./types.js";

/** An object id's bytes for hashing (a Buffer view, no copy; ids here are 0x-prefixed hex). */
function idBytes(id: string): Uint8Array {
  return id.startsWith("0x") ? Buffer.from(id.slice(2), "hex") : hexToBytes(id);
}

export class ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly txs = new Map<string, TxRecord>();
  readonly txOrder: string[] = [];
  readonly events: EventRecord[] = [];

  constructor(
    /** Clock source (the clock object's timestamp and transaction timestamps). */
    public now: () => bigint,
  ) {}

  /** Object ids by owning address (AddressOwner) or parent (ObjectOwner). */
  readonly byOwner = new Map<string, Set<string>>();
  private ownerKey(o: StoredObject): string | undefined {
    if (o.owner === "Immutable") return undefined;
    if ("AddressOwner" in o.owner) return o.owner.AddressOwner;
    if ("ObjectOwner" in o.owner) return o.owner.ObjectOwner;
    return undefined;
  }
  private index(o: StoredObject): void {
    const k = this.ownerKey(o);
    if (!k) return;
    let set = this.byOwner.get(k);
    if (!set) {
      set = new Set();
      this.byOwner.set(k, set);
    }
    set.add(o.id);
  }
  private unindex(o: StoredObject | undefined): void {
    const k = o && this.ownerKey(o);
    if (k) this.byOwner.get(k)?.delete(o.id);
  }
  /** Objects owned by an address (or children of an object id). */
  ownedBy(owner: string): StoredObject[] {
    const ids = this.byOwner.get(normalizeAddress(owner));
    if (!ids) return [];
    const out: StoredObject[] = [];
    for (const id of ids) {
      const o = this.objects.get(id);
      if (o) out.push(o);
    }
    return out;
  }

  // ---------- struct resolution ----------

  readonly resolve = (t: Extract<MoveType, { kind: "struct" }>): NormalizedStruct | undefined => {
    const key = structKey(t);
    const fw = FRAMEWORK_STRUCTS[key];
    if (fw) return fw;
    const mods = this.objects.get(t.address)?.modules ?? this.pendingModules.get(t.address);
    return mods?.get(t.module)?.normalized.structs[t.name];
  };
  /** Modules of packages being published (their `init` creates objects of their own types). */
  readonly pendingModules = new Map<string, Map<string, LoadedModule>>();

  /**
   * BCS bytes and digest of an object from its value (`digest` false: the bytes only, for an
   * object that is finished again before anyone reads it, as the gas coin once charged).
   */
  finishObject(o: StoredObject, digest = true): StoredObject {
    if (o.type) {
      o.bcs = encodeBcs(o.type, o.value, this.resolve);
      if (digest)
        o.digest = toBase58(hashBytes("Object::", idBytes(o.id), u64le(o.version), o.bcs, JSON.stringify(o.owner)));
    } else if (o.modules) {
      const parts: Uint8Array[] = [];
      for (const m of o.modules.values()) parts.push(m.bytes);
      o.digest = toBase58(hashBytes("Package::", hexToBytes(o.id), u64le(o.version), ...parts));
    }
    return o;
  }

  /** Reads an object; the clock's timestamp is live. */
  getObject(id: string): StoredObject | undefined {
    // Ids on the execution path are already canonical: look them up as given first.
    const o = this.objects.get(id) ?? this.objects.get(normalizeAddress(id));
    if (o && o.id === CLOCK_ID) {
      const clock = o.value as { id: { id: string }; timestamp_ms: bigint };
      const now = this.now();
      // BCS and digest follow the live timestamp; recomputed only when it moved (a new value:
      // values are never changed in place once encoded, see encoded.ts).
      if (clock.timestamp_ms !== now || o.bcs === undefined) {
        o.value = { id: clock.id, timestamp_ms: now };
        this.finishObject(o);
      }
    }
    return o;
  }

  getNormalizedModule(pkg: string, module: string): LoadedModule {
    const p = this.objects.get(normalizeAddress(pkg));
    if (!p?.modules) throw new RpcError(-32602, `Package object does not exist with ID ${normalizeAddress(pkg)}`);
    const m = p.modules.get(module);
    if (!m) throw new RpcError(-32602, `No module found with module name ${module}`);
    return m;
  }

  /** Applies a write set to the store (used by execution and by journal replay). */
  apply(ws: WriteSet): void {
    for (const o of ws.written) {
      this.unindex(this.objects.get(o.id));
      this.objects.set(o.id, o);
      this.index(o);
    }
    for (const id of ws.deleted) {
      this.unindex(this.objects.get(id));
      this.objects.delete(id);
    }
    if (!this.txs.has(ws.tx.digest)) {
      this.txs.set(ws.tx.digest, ws.tx);
      this.txOrder.push(ws.tx.digest);
      for (const e of ws.tx.events) this.events.push(e);
    }
  }
}
