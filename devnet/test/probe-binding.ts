/** The TypeScript implementation of the test package `devnet_probe` (fixtures/devnet_probe). */
import type { BalanceValue, CoinValue, PackageBinding } from "../src/index.js";

interface Counter {
  id: { id: string };
  value: bigint;
  owner: string;
  last_ms: bigint;
  pot: BalanceValue;
}

export const probeBinding: PackageBinding = {
  name: "devnet_probe",
  modules: ["counter"],
  functions: {
    "counter::create": (ctx) => {
      const c = ctx.newObject("counter::Counter", { value: 0n, owner: ctx.sender, last_ms: 0n, pot: ctx.coin.zero() });
      ctx.share(c);
      return [c.id.id];
    },
    "counter::bump": (ctx, args) => {
      const c = args[0] as Counter;
      const by = args[1] as bigint;
      if (by > 100n) ctx.abort(7);
      c.value += by;
      c.last_ms = ctx.timestampMs();
      ctx.emit("counter::Bumped", { counter_id: c.id.id, value: c.value, at_ms: c.last_ms, by: ctx.sender });
      return [];
    },
    "counter::roll": (ctx, args) => {
      const c = args[0] as Counter;
      const v = ctx.randomU64InRange(1n, 6n);
      c.value += v;
      ctx.emit("counter::Rolled", { counter_id: c.id.id, roll: v });
      return [];
    },
    "counter::deposit": (ctx, args) => {
      const c = args[0] as Counter;
      ctx.coin.joinBalance(c.pot, ctx.coin.intoBalance(args[1] as CoinValue));
      return [];
    },
    "counter::withdraw": (ctx, args) => {
      const c = args[0] as Counter;
      const amount = args[1] as bigint;
      if (c.pot.value < amount) ctx.abort(8);
      return [ctx.coin.fromBalance(ctx.coin.splitBalance(c.pot, amount))];
    },
    "counter::ticket": (ctx, args) => {
      const c = args[0] as Counter;
      return [ctx.newObject("counter::Ticket", { counter_id: c.id.id, number: c.value })];
    },
    "counter::value": (_ctx, args) => [(args[0] as Counter).value],
    "counter::reset": (ctx, args) => {
      const c = args[0] as Counter;
      if (c.owner !== ctx.sender) ctx.abort("ENotOwner");
      c.value = 0n;
      return [];
    },
    "counter::tag": (ctx, args) => {
      ctx.dynamicField.add(args[0] as Counter, "u64", args[1], "vector<u8>", args[2]);
      return [];
    },
    "counter::untag": (ctx, args) => [ctx.dynamicField.remove(args[0] as Counter, "u64", args[1])],
    // counter::unbound deliberately has no implementation.
  },
};
