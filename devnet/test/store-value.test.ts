import { describe, expect, it } from "vitest";
import { bcsFor, type MoveType, parseType } from "../src/bytecode.js";
import { encodeBcs } from "../src/runtime/encoded.js";
import { storeValueOf } from "../src/runtime/store-value.js";
import { Runtime } from "../src/runtime.js";
import { fromBcs, toBcs, type Value } from "../src/vm/index.js";

const rt = new Runtime({ seed: "store-value" });
const layoutOf = (t: Extract<MoveType, { kind: "struct" }>) => rt.vmLoader.layout(t);
const addr = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** The interpreter's value for a store value: what the host's `toVm` makes of its BCS. */
function vmValue(t: MoveType, store: unknown): Value {
  return fromBcs(t, bcsFor(t, rt.resolve).serialize(store).toBytes(), layoutOf);
}
/** What the host gave before: the interpreter's own BCS of the value, parsed by the @mysten/bcs schema. */
function parsed(t: MoveType, v: Value): unknown {
  return bcsFor(t, rt.resolve).parse(toBcs(t, v, layoutOf));
}

const cases: [string, unknown][] = [
  ["bool", true],
  ["u8", 255],
  ["u16", 65535],
  ["u32", 4_000_000_000],
  ["u64", 18_446_744_073_709_551_615n],
  ["u128", 2n ** 127n + 5n],
  ["u256", 2n ** 255n + 7n],
  ["address", addr(0xabcdef)],
  ["vector<u8>", [0, 1, 2, 255]],
  ["vector<u64>", [1n, 2n, 3n]],
  ["vector<vector<u8>>", [[1], [], [2, 3]]],
  ["0x1::string::String", "héllo, wörld"],
  ["0x1::ascii::String", "plain"],
  ["0x2::object::ID", addr(7)],
  ["0x2::object::UID", { id: addr(8) }],
  ["0x1::option::Option<u64>", null],
  ["0x1::option::Option<u64>", 42n],
  ["0x1::option::Option<0x1::string::String>", "some"],
  ["vector<0x1::option::Option<address>>", [null, addr(9)]],
  ["0x2::balance::Balance<0x2::sui::SUI>", { value: 5n }],
  ["0x2::coin::Coin<0x2::sui::SUI>", { id: { id: addr(10) }, balance: { value: 1_000_000_000n } }],
  ["0x2::clock::Clock", { id: { id: addr(6) }, timestamp_ms: 1_700_000_000_000n }],
];

describe("storeValueOf (interpreter value → store value, no BCS round trip)", () => {
  it("gives what parsing the value's BCS with the @mysten/bcs schema gives, key order included", () => {
    for (const [ty, store] of cases) {
      const t = parseType(ty);
      const v = vmValue(t, store);
      const direct = storeValueOf(t, v, rt.resolve);
      const viaBcs = parsed(t, v);
      expect(direct, ty).toEqual(viaBcs);
      expect(direct, ty).toEqual(store);
      expect(
        JSON.stringify(direct, (_, x) => (typeof x === "bigint" ? `${x}n` : x)),
        ty,
      ).toBe(JSON.stringify(viaBcs, (_, x) => (typeof x === "bigint" ? `${x}n` : x)));
    }
  });

  it("does not alias the interpreter's value (byte vectors are copied)", () => {
    const t = parseType("vector<u8>");
    const v = [1, 2, 3];
    const out = storeValueOf(t, v, rt.resolve) as number[];
    v[0] = 9;
    expect(out).toEqual([1, 2, 3]);
  });

  it("lower-cases addresses as the schema's parse does", () => {
    const t = parseType("address");
    expect(storeValueOf(t, `0x${"AB".repeat(32)}`, rt.resolve)).toBe(`0x${"ab".repeat(32)}`);
  });

  it("leaves what the schema would reject to the schema: invalid UTF-8, an Option holding two values", () => {
    const str = parseType("0x1::string::String");
    expect(storeValueOf(str, [[0xff, 0xfe]], rt.resolve)).toBeUndefined();
    expect(() => bcsFor(str, rt.resolve).parse(Uint8Array.of(2, 0xff, 0xfe))).toThrow();
    const opt = parseType("0x1::option::Option<u64>");
    expect(storeValueOf(opt, [[1n, 2n]], rt.resolve)).toBeUndefined();
  });
});

describe("encodeBcs of a Coin (written directly, never remembered)", () => {
  it("equals the schema's encoding, and follows in-place balance changes", () => {
    const t = parseType("0x2::coin::Coin<0x2::sui::SUI>");
    const schema = bcsFor(t, rt.resolve);
    for (const amount of [0n, 1n, 255n, 2n ** 32n + 1n, 18_446_744_073_709_551_615n]) {
      const coin = { id: { id: addr(0xc0ffee) }, balance: { value: amount } };
      expect(encodeBcs(t, coin, rt.resolve)).toEqual(schema.serialize(coin).toBytes());
      coin.balance.value = amount / 2n;
      expect(encodeBcs(t, coin, rt.resolve)).toEqual(schema.serialize(coin).toBytes());
    }
  });

  it("leaves a value it does not recognise to the schema (same bytes or the same error)", () => {
    const t = parseType("0x2::coin::Coin<0x2::sui::SUI>");
    const schema = bcsFor(t, rt.resolve);
    const short = { id: { id: "0x5" }, balance: { value: 3n } };
    expect(encodeBcs(t, short, rt.resolve)).toEqual(schema.serialize(short).toBytes());
    const upper = { id: { id: `0x${"AB".repeat(32)}` }, balance: { value: 3n } };
    expect(encodeBcs(t, upper, rt.resolve)).toEqual(schema.serialize(upper).toBytes());
    const negative = { id: { id: addr(1) }, balance: { value: -1n } };
    expect(() => encodeBcs(t, negative, rt.resolve)).toThrow();
    expect(() => schema.serialize(negative).toBytes()).toThrow();
  });
});

describe("toBcs (the interpreter's BCS writer, one buffer shared by every encoding)", () => {
  it("gives each value its own bytes, equal to the schema's, however large the value before it", () => {
    const big = parseType("vector<vector<u8>>");
    const bigValue = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1000 + i }, (_, j) => (i + j) & 0xff));
    const expected = cases.map(([text, store]) => bcsFor(parseType(text), rt.resolve).serialize(store).toBytes());
    const outs: Uint8Array[] = [];
    for (let round = 0; round < 2; round++) {
      // A large value (past the first buffer size, so it grows), then every case, then the large one again.
      const first = toBcs(big, bigValue, layoutOf);
      expect(first).toEqual(bcsFor(big, rt.resolve).serialize(bigValue).toBytes());
      for (const [text, store] of cases) {
        const t = parseType(text);
        outs.push(toBcs(t, vmValue(t, store), layoutOf));
      }
      expect(toBcs(big, bigValue, layoutOf)).toEqual(first);
    }
    // Earlier results are not overwritten by later encodings (each is a copy out of the buffer).
    expect(outs).toEqual([...expected, ...expected]);
  });

  it("writes addresses of any hex case byte for byte, and names a character that is no hex digit", () => {
    const t = parseType("address");
    const hex = "0123456789abcdefABCDEF0123456789abcdefABCDEF0123456789abcdef0123";
    expect(toBcs(t, `0x${hex}`, layoutOf)).toEqual(Uint8Array.from(Buffer.from(hex, "hex")));
    // 0x130 and 0x161 end in the bytes of "0" and "a": characters past ASCII are refused, not truncated.
    for (const [bad, shown] of [
      ["\u0130", "\u0130"],
      ["\u0161", "\u0161"],
      ["g", "g"],
      ["-", "-"],
    ]) {
      const a = `0x${hex.slice(0, 40)}${bad}${hex.slice(41)}`;
      expect(() => toBcs(t, a, layoutOf)).toThrow(`BCS: not a hex digit: ${shown}`);
    }
  });

  it("recovers after an encoding that throws midway (the next value starts from an empty buffer)", () => {
    const t = parseType("vector<address>");
    expect(() => toBcs(t, [addr(1), "0xzz"], layoutOf)).toThrow(/not a hex digit/);
    expect(toBcs(t, [addr(2)], layoutOf)).toEqual(
      bcsFor(t, rt.resolve)
        .serialize([addr(2)])
        .toBytes(),
    );
  });
});
