/**
 * The direct decoder of common `TransactionData` (`runtime/tx-decode.ts`) against @mysten/sui's
 * schema: the same object, key order and `$kind`s included, for every shape it takes; `undefined`
 * for every shape it leaves to the schema; and on thousands of mutated byte strings, never an
 * answer the schema would not give (a refused or different transaction).
 */
import { randomBytes } from "node:crypto";
import { buildCommit, buildReveal, buildSettle } from "@atoma/sdk";
import { toBase58 } from "@mysten/bcs";
import { bcs } from "@mysten/sui/bcs";
import { Transaction } from "@mysten/sui/transactions";
import { describe, expect, it } from "vitest";
import { decodeTx } from "../src/index.js";
import { decodeCommonTransactionData } from "../src/runtime/tx-decode.js";

const id = () => `0x${randomBytes(32).toString("hex")}`;
const ref = (version: number) => ({ objectId: id(), version: String(version), digest: toBase58(randomBytes(32)) });
const sender = id();

async function bytesOf(build: (tx: Transaction) => void, expiration?: { Epoch: number }): Promise<Uint8Array> {
  const tx = new Transaction();
  tx.setSender(sender);
  tx.setGasPrice(1000);
  tx.setGasBudget(123_456_789);
  tx.setGasPayment([ref(7), ref(9)]);
  if (expiration) tx.setExpiration(expiration);
  build(tx);
  return tx.build();
}

const full = (b: Uint8Array) => bcs.TransactionData.parse(b).V1;
const packageId = id();
const shared = () => ({ objectId: id(), initialSharedVersion: "42" });

const common: Record<string, (tx: Transaction) => void> = {
  commit: (tx) => void buildCommit(tx, { packageId, request: shared(), nodeCap: ref(3), commitment: randomBytes(32) }),
  reveal: (tx) =>
    void buildReveal(tx, {
      packageId,
      request: shared(),
      nodeCap: ref(3),
      outputHash: randomBytes(32),
      salt: randomBytes(32),
    }),
  settle: (tx) =>
    void buildSettle(tx, { packageId, request: shared(), registry: shared(), nodes: [shared(), shared(), shared()] }),
  "coins and vectors": (tx) => {
    const [a, b] = tx.splitCoins(tx.gas, [1n, 2n]);
    tx.mergeCoins(a!, [b!, tx.objectRef(ref(5))]);
    const v = tx.makeMoveVec({ elements: [tx.objectRef(ref(6)), tx.objectRef(ref(8))] });
    tx.moveCall({
      target: `${packageId}::m::f`,
      arguments: [v, tx.sharedObjectRef({ ...shared(), mutable: false }), tx.pure.string("é ü"), a!],
    });
    tx.transferObjects([a!], tx.pure.address(id()));
  },
  "an empty transaction": () => {},
};
const other: Record<string, [(tx: Transaction) => void, { Epoch: number }?]> = {
  "a call with type arguments": [
    (tx) => void tx.moveCall({ target: `${packageId}::m::g`, typeArguments: ["0x2::sui::SUI"], arguments: [] }),
  ],
  "a typed MakeMoveVec": [(tx) => void tx.makeMoveVec({ type: "u64", elements: [tx.pure.u64(1)] })],
  "a publish": [(tx) => void tx.publish({ modules: [[1, 2, 3]], dependencies: ["0x1", "0x2"] })],
  "a Receiving input": [
    (tx) =>
      void tx.moveCall({
        target: `${packageId}::m::h`,
        arguments: [tx.receivingRef(ref(4))],
      }),
  ],
  "an epoch expiration": [(tx) => void tx.moveCall({ target: `${packageId}::m::f`, arguments: [] }), { Epoch: 5 }],
};

describe("common TransactionData decoded directly", () => {
  it.each(Object.keys(common))("%s: the schema's object, key order and $kind included", async (name) => {
    const b = await bytesOf(common[name]!);
    const fast = decodeCommonTransactionData(b);
    expect(fast).toBeDefined();
    expect(JSON.stringify(fast)).toBe(JSON.stringify(full(b)));
    expect(fast).toStrictEqual(full(b));
    expect(decodeTx(b)).toStrictEqual(full(b));
  });

  it.each(Object.keys(other))("%s: left to the schema (decodeTx still decodes it)", async (name) => {
    const [build, exp] = other[name]!;
    const b = await bytesOf(build, exp);
    expect(decodeCommonTransactionData(b)).toBeUndefined();
    expect(decodeTx(b)).toStrictEqual(full(b));
  });

  it("trailing bytes, a non-canonical length and a bool that is not 0/1 are left to the schema", async () => {
    const b = await bytesOf(common.settle!);
    expect(decodeCommonTransactionData(new Uint8Array([...b, 0]))).toBeUndefined();
    // Inputs vector length 3 written as ULEB [0x83, 0x00] (non-canonical): the schema refuses it.
    const nonCanonical = new Uint8Array([b[0]!, b[1]!, b[2]! | 0x80, 0, ...b.subarray(3)]);
    expect(decodeCommonTransactionData(nonCanonical)).toBeUndefined();
    expect(() => full(nonCanonical)).toThrow(/non-canonical/);
    const call = await bytesOf(
      (tx) =>
        void tx.moveCall({
          target: `${packageId}::m::f`,
          arguments: [tx.sharedObjectRef({ ...shared(), mutable: true })],
        }),
    );
    // The shared input's `mutable` is the byte before the commands' vector: 2 is no bool.
    const pos = 2 + 1 + 1 + 1 + 32 + 8;
    expect(call[pos]).toBe(1);
    const bad = call.slice();
    bad[pos] = 2;
    expect(decodeCommonTransactionData(bad)).toBeUndefined();
  });

  it("never answers differently from the schema on mutated bytes", async () => {
    const seeds = await Promise.all(Object.values(common).map((b) => bytesOf(b)));
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const base = seeds[i % seeds.length]!;
      const m = base.slice();
      const kind = i % 3;
      let b: Uint8Array = m;
      if (kind === 0) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
      if (kind === 1) b = m.subarray(0, Math.floor(Math.random() * m.length));
      if (kind === 2) m[Math.floor(Math.random() * Math.min(m.length, 8))] = Math.floor(Math.random() * 4);
      const fast = decodeCommonTransactionData(b);
      let schema: unknown;
      try {
        schema = full(b);
      } catch {
        schema = undefined;
      }
      if (fast === undefined) continue;
      expect(schema, `mutation ${i} decoded but the schema refuses it`).toBeDefined();
      expect(JSON.stringify(fast)).toBe(JSON.stringify(schema));
      if (schema) decoded++;
      else refused++;
    }
    expect(decoded).toBeGreaterThan(1000);
    expect(refused).toBe(0);
  });
});
