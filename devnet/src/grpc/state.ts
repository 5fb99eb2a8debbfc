/** sui.rpc.v2.StateService: owned objects, balances, coin info, dynamic fields. */
import { TypeTagSerializer } from "@mysten/sui/bcs";
import { GrpcTypes } from "@mysten/sui/grpc";
import { normalizeStructTag } from "@mysten/sui/utils";
import { bcsFor, type MoveType, typeToString } from "../bytecode.js";
import { inOwnerIndexOrder, isCoin } from "../owner-index.js";
import type { StoredObject } from "../types.js";
import { objectToProto } from "./convert.js";
import { applyMask, READ_MASKS } from "./mask.js";
import { addressField, type GrpcNode, pageOf, type ServiceImpl, unary } from "./service.js";
import { invalid, notFound } from "./status.js";

const { DynamicField_DynamicFieldKind } = GrpcTypes;
const SUI = normalizeStructTag("0x2::sui::SUI");

type Struct = Extract<MoveType, { kind: "struct" }>;
/** Any Move type in Sui's canonical form (full-length addresses). */
const typeStr = (t: MoveType): string =>
  TypeTagSerializer.tagToString(TypeTagSerializer.parseFromStr(typeToString(t, true), true));

function coinTypeField(field: string, v: string | undefined): string {
  if (!v) throw invalid(field, "required");
  try {
    return normalizeStructTag(v);
  } catch {
    throw invalid(field, `"${v}" is not a Move type`);
  }
}

export function stateService(node: GrpcNode): ServiceImpl {
  const rt = node.runtime;
  const addressOwned = (owner: string): StoredObject[] =>
    rt
      .ownedBy(owner)
      .filter((o) => o.type && o.owner !== "Immutable" && "AddressOwner" in o.owner && o.owner.AddressOwner === owner);
  const balances = (owner: string): Map<string, bigint> => {
    const by = new Map<string, bigint>();
    for (const o of addressOwned(owner)) {
      if (!isCoin(o)) continue;
      const t = typeStr((o.type as Struct).args[0]!);
      by.set(t, (by.get(t) ?? 0n) + (o.value as { balance: { value: bigint } }).balance.value);
    }
    return by;
  };
  return {
    ListOwnedObjects: unary((req: GrpcTypes.ListOwnedObjectsRequest, mask): GrpcTypes.ListOwnedObjectsResponse => {
      const owner = addressField("owner", req.owner);
      let all = addressOwned(owner);
      if (req.objectType) {
        let want: string;
        try {
          want = normalizeStructTag(req.objectType);
        } catch {
          throw invalid("object_type", `"${req.objectType}" is not a Move struct type`);
        }
        const generic = want.includes("<");
        all = all.filter((o) => {
          const t = typeStr(o.type!);
          return generic ? t === want : t === want || t.startsWith(`${want}<`);
        });
      }
      // Sui's owner-index order (../owner-index.ts): a coin type's greatest coins first.
      const p = pageOf(inOwnerIndexOrder(all), (e) => e.key, req.pageSize, req.pageToken);
      return {
        objects: p.page.map(({ object: o }) => applyMask(GrpcTypes.Object, objectToProto(rt, o, mask), mask)),
        ...(p.next ? { nextPageToken: p.next } : {}),
      };
    }, READ_MASKS.ownedObject),
    GetBalance: unary((req: GrpcTypes.GetBalanceRequest): GrpcTypes.GetBalanceResponse => {
      const owner = addressField("owner", req.owner);
      const coinType = coinTypeField("coin_type", req.coinType);
      const total = balances(owner).get(coinType) ?? 0n;
      return { balance: { coinType, balance: total, coinBalance: total, addressBalance: 0n } };
    }),
    ListBalances: unary((req: GrpcTypes.ListBalancesRequest): GrpcTypes.ListBalancesResponse => {
      const owner = addressField("owner", req.owner);
      const all = [...balances(owner).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      const p = pageOf(all, ([t]) => t, req.pageSize, req.pageToken);
      return {
        balances: p.page.map(([coinType, total]) => ({
          coinType,
          balance: total,
          coinBalance: total,
          addressBalance: 0n,
        })),
        ...(p.next ? { nextPageToken: p.next } : {}),
      };
    }),
    GetCoinInfo: unary((req: GrpcTypes.GetCoinInfoRequest): GrpcTypes.GetCoinInfoResponse => {
      const coinType = coinTypeField("coin_type", req.coinType);
      if (coinType !== SUI) throw notFound(`coin info for ${coinType} not found`);
      return {
        coinType,
        metadata: { decimals: 9, name: "Sui", symbol: "SUI", description: "", iconUrl: "" },
      };
    }),
    ListDynamicFields: unary((req: GrpcTypes.ListDynamicFieldsRequest, mask): GrpcTypes.ListDynamicFieldsResponse => {
      const parent = addressField("parent", req.parent);
      const all = rt
        .ownedBy(parent)
        .filter((o) => o.type && o.owner !== "Immutable" && "ObjectOwner" in o.owner && o.owner.ObjectOwner === parent)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const p = pageOf(all, (o) => o.id, req.pageSize, req.pageToken);
      return {
        dynamicFields: p.page.map((o) => {
          const t = o.type as Struct;
          let [kt, vt] = [t.args[0]!, t.args[1]!];
          const v = o.value as { name: unknown; value: unknown };
          const isObject = kt.kind === "struct" && kt.module === "dynamic_object_field" && kt.name === "Wrapper";
          const nameBytes = bcsFor(kt, rt.resolve).serialize(v.name).toBytes();
          const valueBytes = bcsFor(vt, rt.resolve).serialize(v.value).toBytes();
          if (isObject) kt = (kt as Struct).args[0]!;
          const out: GrpcTypes.DynamicField = {
            kind: isObject ? DynamicField_DynamicFieldKind.OBJECT : DynamicField_DynamicFieldKind.FIELD,
            parent,
            fieldId: o.id,
            name: { name: typeStr(kt), value: isObject ? nameBytes : nameBytes },
            value: { name: typeStr(vt), value: valueBytes },
            valueType: typeStr(vt),
            ...(isObject ? { childId: v.value as string } : {}),
          };
          return applyMask(GrpcTypes.DynamicField, out, mask);
        }),
        ...(p.next ? { nextPageToken: p.next } : {}),
      };
    }, READ_MASKS.dynamicField),
  };
}
