/**
 * Offline PTB of `request::create_and_sample` (create + sample in one transaction), checked by
 * parsing the built bytes with `bcs.TransactionKind.parse`: target, argument order and values,
 * object mutability (Registry `&mut`, Random `&` at 0x8, Clock `&` at 0x6), the call last.
 */
import { bcs } from "@mysten/sui/bcs";
import { Transaction } from "@mysten/sui/transactions";
import { fromBase64, normalizeSuiAddress } from "@mysten/sui/utils";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors.js";
import * as B from "../../src/tx/index.js";

const PKG = normalizeSuiAddress("0xa7");
const REG = { objectId: normalizeSuiAddress("0x1001"), initialSharedVersion: 7 };
const COIN = {
  objectId: normalizeSuiAddress("0x2003"),
  version: 3,
  digest: "11111111111111111111111111111111",
};
const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);

const ARGS: B.CreateRequestArgs & B.WithRandom = {
  packageId: PKG,
  registry: REG,
  payment: { fromGas: 3_150_000_000n },
  kind: 1,
  capability: new TextEncoder().encode("llama-3.1-8b"),
  inputHash: bytes(32, 0xab),
  input: bytes(10, 0x07),
  maxTokens: 256,
  fuel: 9,
  sampleSize: 3,
  quorumBps: 7_000,
  maxPrice: 1_000_000_000n,
  confidential: true,
  randomInitialSharedVersion: 42,
};

type Parsed = ReturnType<typeof bcs.TransactionKind.parse>;

async function build(f: (tx: Transaction) => void): Promise<NonNullable<Parsed["ProgrammableTransaction"]>> {
  const tx = new Transaction();
  f(tx);
  const k = bcs.TransactionKind.parse(await tx.build({ onlyTransactionKind: true }));
  if (!k.ProgrammableTransaction) throw new Error("not a PTB");
  return k.ProgrammableTransaction;
}

describe("buildCreateAndSample (offline)", () => {
  it("is one MoveCall after the payment split, last in the PTB, with every argument in Move order", async () => {
    const p = await build((tx) => B.buildCreateAndSample(tx, ARGS));
    expect(p.commands.map((c) => c.$kind)).toEqual(["SplitCoins", "MoveCall"]);
    const split = p.commands[0]!.SplitCoins!;
    expect(split.coin.$kind).toBe("GasCoin");
    const call = p.commands.at(-1)!.MoveCall!;
    expect([call.package, call.module, call.function]).toEqual([PKG, "request", "create_and_sample"]);
    expect(call.typeArguments).toEqual([]);
    expect(call.arguments).toHaveLength(14);

    const input = (i: number) => {
      const a = call.arguments[i]!;
      if (a.Input === undefined || a.Input === null) throw new Error(`arg ${i} is not an input`);
      return p.inputs[a.Input]!;
    };
    const pure = (i: number) => fromBase64(input(i).Pure?.bytes ?? "");
    expect(input(0).Object?.SharedObject).toEqual({
      objectId: REG.objectId,
      initialSharedVersion: "7",
      mutable: false,
    });
    // The payment is the SplitCoins result, amount = the escrow.
    expect(call.arguments[1]).toEqual({ $kind: "NestedResult", NestedResult: [0, 0] });
    const amount = split.amounts[0]!;
    expect(bcs.u64().parse(fromBase64(p.inputs[amount.Input!]!.Pure!.bytes))).toBe("3150000000");
    expect(bcs.u8().parse(pure(2))).toBe(1);
    expect(new TextDecoder().decode(Uint8Array.from(bcs.vector(bcs.u8()).parse(pure(3))))).toBe("llama-3.1-8b");
    expect(bcs.vector(bcs.u8()).parse(pure(4))).toEqual(Array(32).fill(0xab));
    expect(bcs.vector(bcs.u8()).parse(pure(5))).toEqual(Array(10).fill(0x07));
    expect([6, 7, 8, 9, 10].map((i) => bcs.u64().parse(pure(i)))).toEqual(["256", "9", "3", "7000", "1000000000"]);
    expect(bcs.bool().parse(pure(11))).toBe(true);
    // Random: the immutable shared 0x8; Clock: the immutable shared 0x6.
    expect(input(12).Object?.SharedObject).toEqual({
      objectId: normalizeSuiAddress("0x8"),
      initialSharedVersion: "42",
      mutable: false,
    });
    expect(input(13).Object?.SharedObject).toEqual({
      objectId: normalizeSuiAddress("0x6"),
      initialSharedVersion: "1",
      mutable: false,
    });
  });

  it("shares its first 12 arguments with create_request (same encoding)", async () => {
    const { randomInitialSharedVersion: _, ...createArgs } = { ...ARGS, payment: COIN };
    const one = await build((tx) => B.buildCreateAndSample(tx, { ...createArgs, randomInitialSharedVersion: 42 }));
    const two = await build((tx) => B.buildCreateRequest(tx, createArgs));
    const a = one.commands[0]!.MoveCall!;
    const c = two.commands[0]!.MoveCall!;
    expect(c.function).toBe("create_request");
    expect(a.arguments.slice(0, 12)).toEqual(c.arguments.slice(0, 12));
    expect(one.inputs.slice(0, 12)).toEqual(two.inputs.slice(0, 12));
    expect(one.inputs[1]?.Object?.ImmOrOwnedObject?.objectId).toBe(COIN.objectId);
  });

  it("with defaults: sample size, quorum, tokens and fuel 0, not confidential", async () => {
    const p = await build((tx) =>
      B.buildCreateAndSample(tx, {
        packageId: PKG,
        registry: REG,
        payment: COIN,
        kind: 0,
        capability: bytes(1),
        inputHash: bytes(32),
        input: new Uint8Array(),
        maxPrice: 1,
        randomInitialSharedVersion: 42,
      }),
    );
    expect(p.commands.map((c) => c.$kind)).toEqual(["MoveCall"]);
    const call = p.commands[0]!.MoveCall!;
    const pure = (i: number) => fromBase64(p.inputs[call.arguments[i]!.Input!]!.Pure!.bytes);
    expect([6, 7, 8, 9].map((i) => bcs.u64().parse(pure(i)))).toEqual(["0", "0", "0", "0"]);
    expect(bcs.bool().parse(pure(11))).toBe(false);
  });

  it("online: Random resolved by the client when no initial shared version is given", () => {
    const tx = new Transaction();
    const { randomInitialSharedVersion: _, ...online } = ARGS;
    B.buildCreateAndSample(tx, { ...online, registry: REG.objectId });
    const inputs = tx.getData().inputs;
    expect(inputs[0]?.$kind).toBe("UnresolvedObject");
    expect(inputs.some((i) => i.UnresolvedObject?.objectId === normalizeSuiAddress("0x8"))).toBe(true);
  });

  it("rejects bad input naming the field", () => {
    const tx = new Transaction();
    expect(() => B.buildCreateAndSample(tx, { ...ARGS, inputHash: bytes(31) })).toThrow(/inputHash: must be 32 bytes/);
    expect(() => B.buildCreateAndSample(tx, { ...ARGS, kind: 256 })).toThrow(InvalidInputError);
    expect(() => B.buildCreateAndSample(tx, { ...ARGS, maxPrice: -1 })).toThrow(/maxPrice/);
    expect(() => B.buildCreateAndSample(tx, { ...ARGS, packageId: "nope" })).toThrow(/packageId/);
    expect(() => B.buildCreateAndSample(tx, { ...ARGS, confidential: "yes" as unknown as boolean })).toThrow(
      /confidential: must be a boolean/,
    );
  });
});
