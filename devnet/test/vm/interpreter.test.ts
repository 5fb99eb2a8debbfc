/**
 * Interpreter unit tests: every instruction class of the `vm_ops` fixture (compiled by the real
 * Move compiler) with its values and failing cases, run directly through the VM with the real
 * framework bytecode.
 */
import path from "node:path";
import { buildMovePackage } from "@atoma/move";
import { fromBase64 } from "@mysten/bcs";
import { beforeAll, describe, expect, it } from "vitest";
import { normalizeAddress, parseType, relocateModule } from "../../src/bytecode.js";
import {
  frameworkPackages,
  GasMeter,
  Interpreter,
  LIMITS,
  NATIVES,
  Ref,
  type Value,
  Variant,
  VmAbort,
  VmFailure,
  type VmHost,
  VmLoader,
} from "../../src/vm/index.js";

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "fixtures", "vm_ops");
const PKG = normalizeAddress("0xa11ce");

let loader: VmLoader;
beforeAll(async () => {
  const built = await buildMovePackage({ name: "vm_ops", dir: FIXTURE });
  const mods = built.modules.map((m) => relocateModule(fromBase64(m), PKG));
  const fw = frameworkPackages();
  loader = new VmLoader((a) => (a === PKG ? mods : fw.get(a)));
});

const host = { sender: normalizeAddress("0x5e") } as unknown as VmHost;
function vm(gas = 1e9): Interpreter {
  return new Interpreter(loader, NATIVES, host, new GasMeter(gas));
}
function call(fn: string, args: Value[] = [], tyArgs: string[] = [], gas?: number): Value[] {
  const v = vm(gas);
  return v.call(v.resolve(PKG, "ops", fn), tyArgs.map(parseType), args);
}
function failure(fn: () => unknown): VmFailure | VmAbort {
  try {
    fn();
  } catch (e) {
    if (e instanceof VmFailure || e instanceof VmAbort) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}
const arith = (fn: () => unknown) => {
  const e = failure(fn);
  expect(e).toBeInstanceOf(VmFailure);
  expect((e as VmFailure).kind).toBe("MovePrimitiveRuntimeError");
  return e.message;
};

describe("arithmetic per width, with overflow, underflow and division by zero", () => {
  it("adds at every width and aborts one past the maximum", () => {
    expect(call("add8", [200, 55])).toEqual([255]);
    expect(arith(() => call("add8", [200, 56]))).toMatch(/ARITHMETIC_ERROR: addition overflow/);
    expect(call("add16", [65534, 1])).toEqual([65535]);
    arith(() => call("add16", [65535, 1]));
    expect(call("add32", [4294967294, 1])).toEqual([4294967295]);
    arith(() => call("add32", [4294967295, 1]));
    expect(call("add64", [(1n << 64n) - 2n, 1n])).toEqual([(1n << 64n) - 1n]);
    arith(() => call("add64", [(1n << 64n) - 1n, 1n]));
    expect(call("add128", [1n << 127n, (1n << 127n) - 1n])).toEqual([(1n << 128n) - 1n]);
    arith(() => call("add128", [1n << 127n, 1n << 127n]));
    expect(call("add256", [1n << 255n, 5n])).toEqual([(1n << 255n) + 5n]);
    arith(() => call("add256", [1n << 255n, 1n << 255n]));
  });
  it("subtracts, multiplies, divides and takes remainders", () => {
    expect(call("sub64", [10n, 3n])).toEqual([7n]);
    expect(arith(() => call("sub64", [3n, 10n]))).toMatch(/underflow/);
    arith(() => call("sub8", [0, 1]));
    expect(call("mul16", [255, 257])).toEqual([65535]);
    arith(() => call("mul16", [256, 256]));
    expect(call("mul32", [65535, 65537])).toEqual([4294967295]);
    arith(() => call("mul32", [65536, 65536]));
    expect(call("mul64", [4294967296n, 4294967295n])).toEqual([18446744069414584320n]);
    arith(() => call("mul64", [4294967296n, 4294967296n]));
    arith(() => call("mul256", [1n << 128n, 1n << 128n]));
    expect(call("div64", [7n, 2n])).toEqual([3n]);
    expect(arith(() => call("div64", [7n, 0n]))).toMatch(/division by zero/);
    expect(call("div32", [4294967295, 2])).toEqual([2147483647]);
    arith(() => call("div32", [1, 0]));
    expect(call("mod8", [200, 7])).toEqual([4]);
    arith(() => call("mod8", [1, 0]));
    expect(call("mod128", [(1n << 100n) + 3n, 1n << 100n])).toEqual([3n]);
    arith(() => call("mod128", [1n, 0n]));
  });
  it("shifts (bits shifted out are lost; shifting by the width or more aborts)", () => {
    expect(call("shl8", [0b1100_0001, 1])).toEqual([0b1000_0010]);
    arith(() => call("shl8", [1, 8]));
    expect(call("shl32", [0x8000_0001, 1])).toEqual([2]);
    expect(call("shl32", [1, 31])).toEqual([0x8000_0000]);
    arith(() => call("shl32", [1, 32]));
    expect(call("shr64", [1n << 63n, 63])).toEqual([1n]);
    arith(() => call("shr64", [1n, 64]));
    expect(call("shl256", [3n, 255])).toEqual([1n << 255n]);
    expect(call("shr16", [0xffff, 15])).toEqual([1]);
    arith(() => call("shr16", [1, 16]));
  });
  it("bitwise and/or/xor stay unsigned", () => {
    expect(call("bits32", [0xffff_0000, 0x0f0f_0f0f])).toEqual([0x0f0f_0000, 0xffff_0f0f, 0xf0f0_0f0f]);
    expect(call("bits128", [(1n << 127n) | 1n, 3n])).toEqual([1n, (1n << 127n) | 3n, (1n << 127n) | 2n]);
  });
  it("casts with overflow checks at every width", () => {
    expect(call("cast_u8", [255n])).toEqual([255]);
    expect(arith(() => call("cast_u8", [256n]))).toMatch(/cast/);
    expect(call("cast_u16", [65535n])).toEqual([65535]);
    arith(() => call("cast_u16", [65536n]));
    expect(call("cast_u32", [4294967295n])).toEqual([4294967295]);
    arith(() => call("cast_u32", [4294967296n]));
    expect(call("cast_u64", [(1n << 64n) - 1n])).toEqual([(1n << 64n) - 1n]);
    arith(() => call("cast_u64", [1n << 64n]));
    expect(call("cast_u128", [(1n << 128n) - 1n])).toEqual([(1n << 128n) - 1n]);
    arith(() => call("cast_u128", [1n << 128n]));
    expect(call("cast_u256", [7])).toEqual([7n]);
  });
  it("compares, combines booleans and loads constants of every width", () => {
    expect(call("cmp", [1n, 2n])).toEqual([true, false, true, false, false, true]);
    expect(call("cmp", [2n, 2n])).toEqual([false, false, true, true, true, false]);
    expect(call("logic", [true, false])).toEqual([false, true, false]);
    expect(call("constants")).toEqual([65535, 4294967295, 1n << 255n, [104, 101, 121]]);
  });
});

describe("references, copies and equality", () => {
  it("writes through &mut into struct fields and vector elements", () => {
    expect(call("nested")).toEqual([
      [
        [1n, 12n, 3n, 9n],
        [6n, 12n],
      ],
    ]);
    const holder: Value[] = [[5n, 6n]];
    const v = vm();
    v.call(v.resolve(PKG, "ops", "bump_field"), [], [new Ref(holder, 0)]);
    expect(holder[0]).toEqual([6n, 12n]);
    const bag: Value[] = [[[7n], [1n, 2n]]];
    expect(v.call(v.resolve(PKG, "ops", "read_through_refs"), [], [new Ref(bag, 0)])).toEqual([8n]);
  });
  it("copies are deep; equality is structural", () => {
    expect(call("copy_is_deep")).toEqual([
      [1n, 2n, 3n],
      [1n, 2n],
    ]);
    expect(call("eq_structs")).toEqual([true, false]);
    expect(call("vec_of_structs")).toEqual([
      [
        [1, 2],
        [30, 4],
      ],
    ]);
  });
});

describe("vectors", () => {
  it("swap, pop, push and length", () => {
    expect(call("vec_ops")).toEqual([6n, [2n, 1n, 7n]]);
  });
  it("out of bounds and popping an empty vector fail", () => {
    expect(call("vec_oob", [1n])).toEqual([2n]);
    expect(arith(() => call("vec_oob", [2n]))).toMatch(/VECTOR_OPERATION_ERROR/);
    expect(arith(() => call("pop_empty"))).toMatch(/VECTOR_OPERATION_ERROR/);
  });
});

describe("enums (PackVariant, VariantSwitch, UnpackVariant by value and by reference)", () => {
  it("matches and mutates variants", () => {
    expect(call("make", [0, 4n])).toEqual([new Variant(0, [4n])]);
    expect(call("make", [1, 4n])).toEqual([new Variant(1, [4n, 5n])]);
    expect(call("make", [2, 4n])).toEqual([new Variant(2, [])]);
    expect(call("area_of", [0, 2n])).toEqual([27n]);
    expect(call("area_of", [1, 2n])).toEqual([9n]);
    expect(call("area_of", [2, 2n])).toEqual([0n]);
    expect(call("radius", [new Variant(0, [9n])])).toEqual([9n]);
    const e = failure(() => call("radius", [new Variant(2, [])]));
    expect(e).toBeInstanceOf(VmAbort);
    expect((e as VmAbort).code).toBe(42n);
  });
});

describe("generics", () => {
  it("instantiates generic functions and structs", () => {
    expect(call("generic_chain")).toEqual([
      [2, 1],
      [[[121]], [[120]]],
    ]);
    expect(call("swap_pair", [[[1n], [2n]]], ["vector<u64>"])).toEqual([[[2n], [1n]]]);
  });
});

describe("aborts, call depth, gas and missing functions", () => {
  it("aborts with the plain code and its location", () => {
    expect(call("plain", [3n])).toEqual([3n]);
    const e = failure(() => call("plain", [10n])) as VmAbort;
    expect(e).toBeInstanceOf(VmAbort);
    expect(e.code).toBe(42n);
    expect(e.location).toMatchObject({ address: PKG, module: "ops", functionName: "plain" });
  });
  it("aborts with a clever-error code (tag bit, line, constant indices)", () => {
    const e = failure(() => call("clever")) as VmAbort;
    expect(e.code >> 63n).toBe(1n);
    expect(Number((e.code >> 32n) & 0xffffn)).toBeGreaterThan(0);
  });
  it("recursion is limited to the call depth", () => {
    expect(call("depth", [100n])).toEqual([100n]);
    expect(arith(() => call("depth", [BigInt(LIMITS.maxCallDepth) + 5n]))).toMatch(/CALL_STACK_OVERFLOW/);
  });
  it("runs out of gas deterministically", () => {
    expect(call("loop_sum", [10n])).toEqual([45n]);
    const v = vm(5000);
    const e = failure(() => v.call(v.resolve(PKG, "ops", "loop_sum"), [], [100000n]));
    expect((e as VmFailure).kind).toBe("InsufficientGas");
    expect(v.stats.instructions).toBe(5001);
    // The meter is left where the failing instruction took it (the interpreter counts in locals).
    expect(v.gas.left).toBe(-1);
    const ok = vm(5000);
    ok.call(ok.resolve(PKG, "ops", "loop_sum"), [], [10n]);
    expect(ok.gas.used).toBe(ok.stats.instructions);
    expect(ok.stats.instructions).toBeGreaterThan(10);
  });
  it("a function or native the devnet does not provide fails naming it", () => {
    const v = vm();
    const e = failure(() => v.resolve(PKG, "ops", "nope"));
    expect(e.message).toBe(`${"0xa11ce"}::ops::nope is not available in the devnet`);
    const g = v.resolve(normalizeAddress("0x2"), "bls12381", "bls12381_min_pk_verify");
    const n = failure(() => v.call(g, [], [[], [], []]));
    expect(n.message).toMatch(/0x2::bls12381::bls12381_min_pk_verify is not available in the devnet/);
  });
});
