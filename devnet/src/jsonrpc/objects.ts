/** JSON-RPC: objects (by id, past versions, owned by an address, dynamic fields) and the object view. */
import { toBase64 } from "@mysten/bcs";
import { bcsFor, normalizeAddress, parseType, toSuiContentFields, toSuiJson, typeToString } from "../bytecode.js";
import { RpcError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import type { StoredObject } from "../types.js";
import { type JsonRpcNode, type Methods, page, type ViewOptions } from "./params.js";

/** An object as `sui_getObject` shows it, with the fields `opts` asks for. */
function objectView(rt: Runtime, o: StoredObject, opts: ViewOptions): Record<string, unknown> {
  const data: Record<string, unknown> = { objectId: o.id, version: o.version.toString(), digest: o.digest };
  const typeStr = o.type ? typeToString(o.type) : "package";
  if (opts?.showType) data.type = typeStr;
  if (opts?.showOwner) data.owner = o.owner;
  if (opts?.showPreviousTransaction) data.previousTransaction = o.previousTransaction;
  if (opts?.showStorageRebate) data.storageRebate = o.storageRebate.toString();
  if (opts?.showContent) {
    data.content = o.type
      ? {
          dataType: "moveObject",
          type: typeStr,
          hasPublicTransfer: o.hasPublicTransfer,
          fields: toSuiContentFields(o.type, o.value, rt.resolve),
        }
      : {
          dataType: "package",
          disassembled: Object.fromEntries([...(o.modules?.keys() ?? [])].map((k) => [k, ""])),
        };
  }
  if (opts?.showBcs) {
    data.bcs = o.type
      ? {
          dataType: "moveObject",
          type: typeStr,
          hasPublicTransfer: o.hasPublicTransfer,
          version: o.version.toString(),
          bcsBytes: toBase64(o.bcs!),
        }
      : {
          dataType: "package",
          id: o.id,
          version: o.version.toString(),
          moduleMap: Object.fromEntries([...(o.modules?.entries() ?? [])].map(([k, m]) => [k, toBase64(m.bytes)])),
          typeOriginTable: [],
          linkageTable: {},
        };
  }
  if (opts?.showDisplay) data.display = { data: null, error: null };
  return data;
}

function getObjectResp(rt: Runtime, id: unknown, opts: ViewOptions): unknown {
  if (typeof id !== "string") throw new RpcError(-32602, "Invalid params: object id must be a string");
  const nid = normalizeAddress(id);
  const o = rt.getObject(nid);
  if (!o) return { error: { code: "notExists", object_id: nid } };
  return { data: objectView(rt, o, opts) };
}

/** sui_getObject, sui_multiGetObjects, sui_tryGetPastObject, suix_getOwnedObjects, suix_getDynamicFields. */
export function objectMethods(node: JsonRpcNode): Methods {
  const rt = node.runtime;
  return {
    sui_getObject: ([id, opts]) => getObjectResp(rt, id, opts as Record<string, unknown>),
    sui_multiGetObjects: ([ids, opts]) => {
      if (!Array.isArray(ids)) throw new RpcError(-32602, "Invalid params: object ids must be an array");
      return ids.map((id) => getObjectResp(rt, id, opts as Record<string, unknown>));
    },
    sui_tryGetPastObject: ([id, version, opts]) => {
      const nid = normalizeAddress(String(id));
      const o = rt.getObject(nid);
      if (!o) return { status: "ObjectNotExists", details: nid };
      if (o.version.toString() === String(version))
        return { status: "VersionFound", details: objectView(rt, o, opts as Record<string, unknown>) };
      return { status: "VersionNotFound", details: [nid, String(version)] };
    },
    suix_getOwnedObjects: ([owner, query, cursor, limit]) => {
      const o = normalizeAddress(String(owner));
      const q = (query ?? {}) as { filter?: Record<string, unknown> | null; options?: Record<string, unknown> };
      const f = q.filter ?? null;
      const all = rt
        .ownedBy(o)
        .filter((x) => x.owner !== "Immutable" && "AddressOwner" in x.owner && x.owner.AddressOwner === o && x.type)
        .filter((x) => {
          if (!f) return true;
          if (typeof f.StructType === "string") {
            const want = parseType(f.StructType);
            const t = x.type!;
            if (want.kind !== "struct" || t.kind !== "struct") return false;
            if (want.args.length === 0)
              return t.address === want.address && t.module === want.module && t.name === want.name;
            return typeToString(t) === typeToString(want);
          }
          if (typeof f.Package === "string")
            return x.type!.kind === "struct" && x.type!.address === normalizeAddress(f.Package);
          if (f.MoveModule) {
            const m = f.MoveModule as { package: string; module: string };
            return (
              x.type!.kind === "struct" &&
              x.type!.address === normalizeAddress(m.package) &&
              x.type!.module === m.module
            );
          }
          if (typeof f.ObjectId === "string") return x.id === normalizeAddress(f.ObjectId);
          throw new RpcError(-32602, `Invalid params: unsupported owned-object filter ${Object.keys(f).join(",")}`);
        })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const p = page(all, (x) => x.id, cursor, limit);
      return {
        data: p.data.map((x) => ({ data: objectView(rt, x, q.options ?? { showType: true }) })),
        nextCursor: p.nextCursor,
        hasNextPage: p.hasNextPage,
      };
    },
    suix_getDynamicFields: ([parent, cursor, limit]) => {
      const pid = normalizeAddress(String(parent));
      const all = rt
        .ownedBy(pid)
        .filter((o) => o.owner !== "Immutable" && "ObjectOwner" in o.owner && o.owner.ObjectOwner === pid && o.type)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const p = page(all, (o) => o.id, cursor, limit);
      return {
        data: p.data.map((o) => {
          const t = o.type as Extract<ReturnType<typeof parseType>, { kind: "struct" }>;
          const [kt, vt] = [t.args[0]!, t.args[1]!];
          const name = (o.value as { name: unknown }).name;
          return {
            name: { type: typeToString(kt), value: toSuiJson(kt, name, rt.resolve) },
            bcsEncoding: "base64",
            bcsName: toBase64(bcsFor(kt, rt.resolve).serialize(name).toBytes()),
            type: "DynamicField",
            objectType: typeToString(vt),
            objectId: o.id,
            version: Number(o.version),
            digest: o.digest,
          };
        }),
        nextCursor: p.nextCursor,
        hasNextPage: p.hasNextPage,
      };
    },
  };
}
