/**
 * The lanes' copy of a transaction (`transactionCopy`, from the one snapshot `execute` takes) builds
 * to the bytes `Transaction.from(tx)` (the path before) builds, for the transactions the daemons
 * and requesters send: a commit batch, a reveal batch, a reveal + settle, a create-and-sample.
 */
import { Transaction } from "@mysten/sui/transactions";
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { describe, expect, it } from "vitest";
import { transactionCopy } from "../../src/client/index.js";
import * as B from "../../src/tx/builders.js";

const PKG = normalizeSuiAddress("0xa70a");
const SENDER = normalizeSuiAddress("0xcafe");
const id = (n: number) => normalizeSuiAddress(`0x${n.toString(16)}`);
const DIGEST = "11111111111111111111111111111111";
const registry = { objectId: id(0x5e9), initialSharedVersion: "3" };
const request = (n: number) => ({ objectId: id(0x7e90 + n), initialSharedVersion: String(10 + n) });
const nodeCap = { objectId: id(0xca9), version: "77", digest: DIGEST };
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

/** `tx` as a lane sends it: sender, price, budget and gas coin set. */
function sendable(build: (tx: Transaction) => void): Transaction {
  const tx = new Transaction();
  tx.setSender(SENDER);
  build(tx);
  tx.setGasPrice(1000);
  tx.setGasBudget(12_345_678);
  tx.setGasPayment([{ objectId: id(0x6a5), version: "42", digest: DIGEST }]);
  return tx;
}

const cases: [string, Transaction][] = [
  [
    "commit batch",
    sendable((tx) => {
      for (let i = 0; i < 3; i++)
        B.buildCommit(tx, { packageId: PKG, request: request(i), nodeCap, commitment: bytes(32, i + 1) });
    }),
  ],
  [
    "reveal batch",
    sendable((tx) => {
      for (let i = 0; i < 3; i++)
        B.buildReveal(tx, {
          packageId: PKG,
          request: request(i),
          nodeCap,
          outputHash: bytes(32, i),
          salt: bytes(32, 9),
        });
    }),
  ],
  [
    "reveal and settle",
    sendable((tx) => {
      B.buildReveal(tx, { packageId: PKG, request: request(0), nodeCap, outputHash: bytes(32, 4), salt: bytes(32, 5) });
      B.buildSettle(tx, {
        packageId: PKG,
        registry,
        request: request(0),
        nodes: [1, 2, 3].map((n) => ({ objectId: id(0x40d0 + n), initialSharedVersion: String(20 + n) })),
      });
    }),
  ],
  [
    "create and sample",
    sendable((tx) => {
      B.buildCreateAndSample(tx, {
        packageId: PKG,
        registry,
        randomInitialSharedVersion: 1,
        payment: { fromGas: 158n },
        kind: 1,
        capability: new TextEncoder().encode("wasm"),
        inputHash: bytes(32, 7),
        input: bytes(300, 3),
        maxPrice: 50n,
        sampleSize: 3,
        confidential: false,
      });
    }),
  ],
];

describe("transactionCopy", () => {
  it.each(cases)("builds a %s to the bytes Transaction.from(tx) builds", async (_name, tx) => {
    const before = await Transaction.from(tx).build();
    const copy = await transactionCopy(tx.getData()).build();
    expect(before.length).toBeGreaterThan(100);
    expect(Buffer.from(copy).toString("hex")).toBe(Buffer.from(before).toString("hex"));
    // A copy is a copy: changing it leaves the next copy from the same snapshot alone.
    const data = tx.getData();
    const changed = transactionCopy(data);
    changed.setGasBudget(1);
    expect(Buffer.from(await transactionCopy(data).build()).toString("hex")).toBe(Buffer.from(before).toString("hex"));
    expect(Buffer.from(await changed.build()).toString("hex")).not.toBe(Buffer.from(before).toString("hex"));
  });
});

describe("a transaction handed over to the lane", () => {
  it.each(cases)(
    "builds a %s to the bytes its copy builds (sender, price and budget set on it)",
    async (_name, sent) => {
      const lane = (tx: Transaction) => {
        tx.setSenderIfNotSet(SENDER);
        tx.setGasPrice(1000);
        tx.setGasBudget(12_345_678);
        // The executor's own copy of what it is given.
        return Transaction.from(tx).build();
      };
      // The lane sets sender, price and budget on its copy, or on the handed-over transaction itself.
      const handed = Transaction.from(sent);
      const copied = await lane(transactionCopy(handed.getData()));
      expect(Buffer.from(await lane(handed)).toString("hex")).toBe(Buffer.from(copied).toString("hex"));
      expect(Buffer.from(copied).toString("hex")).toBe(Buffer.from(await sent.build()).toString("hex"));
    },
  );
});
