/**
 * A small part of the Sui framework (0x2) callable from PTBs: the coin, balance-free and
 * transfer functions SDK code commonly uses. Signatures are hand-written in normalized form
 * (the devnet has no framework bytecode); implementations use the same `CallContext` as packages.
 */
import type { Ability, LoadedModule, NormalizedFunction, NormalizedType } from "./bytecode.js";
import type { CoinValue, MoveFunctionImpl, PackageBinding } from "./types.js";

const T0: NormalizedType = { TypeParameter: 0 };
const coinT: NormalizedType = { Struct: { address: "0x2", module: "coin", name: "Coin", typeArguments: [T0] } };
const balanceT: NormalizedType = {
  Struct: { address: "0x2", module: "balance", name: "Balance", typeArguments: [T0] },
};
const ctxMut: NormalizedType = {
  MutableReference: { Struct: { address: "0x2", module: "tx_context", name: "TxContext", typeArguments: [] } },
};
const keyStore: { abilities: Ability[] }[] = [{ abilities: ["Store", "Key"] }];
const anyT: { abilities: Ability[] }[] = [{ abilities: [] }];

function fn(
  parameters: NormalizedType[],
  ret: NormalizedType[],
  typeParameters = anyT,
): Omit<NormalizedFunction, "visibility" | "isEntry"> {
  return { typeParameters, parameters, return: ret };
}

const SIGS: Record<string, Record<string, Omit<NormalizedFunction, "visibility" | "isEntry">>> = {
  coin: {
    value: fn([{ Reference: coinT }], ["U64"]),
    split: fn([{ MutableReference: coinT }, "U64", ctxMut], [coinT]),
    join: fn([{ MutableReference: coinT }, coinT], []),
    zero: fn([ctxMut], [coinT]),
    destroy_zero: fn([coinT], []),
    into_balance: fn([coinT], [balanceT]),
    from_balance: fn([balanceT, ctxMut], [coinT]),
  },
  transfer: {
    public_transfer: fn([T0, "Address"], [], keyStore),
    public_share_object: fn([T0], [], keyStore),
    public_freeze_object: fn([T0], [], keyStore),
  },
};

/** Synthetic modules of 0x2 (normalized signatures only). */
export function frameworkModules(): Map<string, LoadedModule> {
  const out = new Map<string, LoadedModule>();
  for (const [module, fns] of Object.entries(SIGS)) {
    const functions = new Map<string, NormalizedFunction & { index: number }>();
    const exposed: Record<string, NormalizedFunction> = {};
    Object.entries(fns).forEach(([name, f], index) => {
      const full: NormalizedFunction = { visibility: "Public", isEntry: false, ...f };
      functions.set(name, { ...full, index });
      exposed[name] = full;
    });
    out.set(module, {
      normalized: {
        fileFormatVersion: 6,
        address: "0x2",
        name: module,
        friends: [],
        structs: {},
        enums: {},
        exposedFunctions: Object.fromEntries(Object.entries(exposed).sort(([a], [b]) => (a < b ? -1 : 1))),
      },
      functions,
      errors: [],
      bytes: new TextEncoder().encode(`synthetic 0x2::${module}`),
    });
  }
  return out;
}

const impl: Record<string, MoveFunctionImpl> = {
  "coin::value": (ctx, [c]) => [ctx.coin.value(c as CoinValue)],
  "coin::split": (ctx, [c, amount], [t]) => [ctx.coin.split(c as CoinValue, amount as bigint, t)],
  "coin::join": (ctx, [dst, src]) => {
    ctx.coin.join(dst as CoinValue, src as CoinValue);
    return [];
  },
  "coin::zero": (ctx, _args, [t]) => [ctx.coin.fromBalance(ctx.coin.zero(), t)],
  "coin::destroy_zero": (ctx, [c]) => {
    if ((c as CoinValue).balance.value !== 0n) ctx.abort(0, "balance");
    ctx.deleteObject(c as CoinValue);
    return [];
  },
  "coin::into_balance": (ctx, [c]) => [ctx.coin.intoBalance(c as CoinValue)],
  "coin::from_balance": (ctx, [b], [t]) => [ctx.coin.fromBalance(b as { value: bigint }, t)],
  "transfer::public_transfer": (ctx, [obj, to]) => {
    ctx.transfer(obj as { id: { id: string } }, to as string);
    return [];
  },
  "transfer::public_share_object": (ctx, [obj]) => {
    ctx.share(obj as { id: { id: string } });
    return [];
  },
  "transfer::public_freeze_object": (ctx, [obj]) => {
    ctx.freeze(obj as { id: { id: string } });
    return [];
  },
};

/** The binding of the synthetic 0x2 modules. */
export const frameworkBinding: PackageBinding = {
  name: "sui-framework (subset)",
  modules: Object.keys(SIGS),
  functions: impl,
};
