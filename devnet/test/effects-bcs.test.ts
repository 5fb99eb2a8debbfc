/**
 * `effectsBcs` (src/runtime/effects-bcs.ts) writes the effects' BCS directly: its bytes must be
 * `bcs.TransactionEffects.serialize`'s for every transaction of a run (publish, faucet, node
 * registration, a request created, committed, revealed and settled, an aborted call), and what
 * it does not write itself (failures, other owners, odd values) must come out of the schema, bytes
 * or error alike.
 */
import { bcs as suiBcs } from "@mysten/sui/bcs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { effectsBcs, effectsBcsBySchema } from "../src/runtime/effects-bcs.js";
import type { EffectsV2Value } from "../src/runtime/types.js";
import { type Env, settledRun } from "./atoma/harness.js";

const D1 = "11111111111111111111111111111111"; // 32 zero bytes
const D2 = "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi"; // 32 bytes
const A = `0x${"ab".repeat(32)}`;
const B = `0x${"01".repeat(32)}`;

function base(over: Partial<EffectsV2Value> = {}): { V2: EffectsV2Value } {
  return {
    V2: {
      status: { Success: true },
      executedEpoch: "3",
      gasUsed: { computationCost: "1000", storageCost: "2000", storageRebate: "300", nonRefundableStorageFee: "4" },
      transactionDigest: D2,
      gasObjectIndex: 0,
      eventsDigest: D1,
      dependencies: [D1, D2],
      lamportVersion: "18446744073709551615",
      changedObjects: [
        [
          A,
          {
            inputState: { Exist: [["7", D1], { AddressOwner: B }] },
            outputState: { ObjectWrite: [D2, { AddressOwner: B }] },
            idOperation: { None: true },
          },
        ],
        [
          B,
          {
            inputState: { NotExist: true },
            outputState: { ObjectWrite: [D1, { Shared: { initialSharedVersion: "9" } }] },
            idOperation: { Created: true },
          },
        ],
        [
          `0x${"02".repeat(32)}`,
          { inputState: { NotExist: true }, outputState: { PackageWrite: ["1", D2] }, idOperation: { Created: true } },
        ],
        [
          `0x${"03".repeat(32)}`,
          {
            inputState: { Exist: [["2", D2], { ObjectOwner: A }] },
            outputState: { NotExist: true },
            idOperation: { Deleted: true },
          },
        ],
        [
          `0x${"04".repeat(32)}`,
          {
            inputState: { Exist: [["2", D2], { Immutable: true }] },
            outputState: { ObjectWrite: [D2, { Immutable: true }] },
            idOperation: { None: true },
          },
        ],
      ],
      unchangedConsensusObjects: [
        [A, { ReadOnlyRoot: ["5", D1] }],
        [B, { MutateConsensusStreamEnded: "6" }],
        [A, { ReadConsensusStreamEnded: "7" }],
        [B, { Cancelled: "8" }],
        [A, { PerEpochConfig: true }],
      ],
      auxDataDigest: null,
      ...over,
    },
  };
}

const schema = (e: { V2: EffectsV2Value }) => suiBcs.TransactionEffects.serialize(e as never).toBytes();

describe("effectsBcs, values", () => {
  it("writes every shape the devnet makes as the schema does", () => {
    const e = base();
    expect(effectsBcs(e)).toEqual(schema(e));
    for (const over of [
      { gasObjectIndex: null, eventsDigest: null, dependencies: [], changedObjects: [], unchangedConsensusObjects: [] },
      { gasObjectIndex: 300, lamportVersion: "0" },
      { dependencies: Array.from({ length: 200 }, () => D2) },
    ] as Partial<EffectsV2Value>[]) {
      const v = base(over);
      expect(effectsBcs(v)).toEqual(schema(v));
    }
  });

  it("leaves the rest to the schema: a failure, another owner, a short address", () => {
    const failure = base({ status: { Failure: { error: { InsufficientGas: true }, command: null } } });
    expect(effectsBcs(failure)).toEqual(schema(failure));
    const consensus = base();
    consensus.V2.changedObjects[0]![1].outputState = {
      ObjectWrite: [D2, { ConsensusAddressOwner: { startVersion: "3", owner: A } } as never],
    };
    expect(effectsBcs(consensus)).toEqual(schema(consensus));
    const short = base();
    short.V2.changedObjects[0]![0] = "0x2";
    expect(effectsBcs(short)).toEqual(schema(short));
  });

  it("refuses what the schema refuses, with its error", () => {
    const bad = base({ transactionDigest: "abc" });
    expect(() => schema(bad)).toThrow(/ObjectDigest must be 32 bytes/);
    expect(() => effectsBcs(bad)).toThrow(/ObjectDigest must be 32 bytes/);
    const big = base({ executedEpoch: "18446744073709551616" });
    expect(() => schema(big)).toThrow();
    expect(() => effectsBcs(big)).toThrow();
  });

  it("differs where the effects differ", () => {
    expect(effectsBcs(base({ executedEpoch: "4" }))).not.toEqual(effectsBcs(base()));
  });
});

describe("effectsBcs, every transaction of a run", () => {
  let env: Env;

  beforeAll(async () => {
    env = await settledRun("effects-bcs");
  }, 180_000);
  afterAll(async () => {
    await env?.d.close();
  });

  it("gives the schema's bytes for each", () => {
    const kept = [...env.d.runtime.txs.values()].flatMap((t) => (t.kept ? [t.kept.effects] : []));
    expect(kept.length).toBeGreaterThanOrEqual(12);
    const statuses = new Set(kept.map((e) => Object.keys(e.V2.status)[0]));
    expect(statuses).toEqual(new Set(["Success", "Failure"]));
    expect(kept.some((e) => e.V2.changedObjects.some(([, c]) => "PackageWrite" in c.outputState))).toBe(true);
    for (const e of kept) expect(effectsBcs(e)).toEqual(effectsBcsBySchema(e));
  });
});
