/**
 * gRPC answers encoded once and shared (grpc/encoded.ts): two subscribers and a GetCheckpoint
 * with the same read mask get the same bytes — those of converting the whole checkpoint and
 * masking it — and a different mask gets its own; transactions converted from the values
 * execution kept (`TxRecord.kept`) encode byte for byte as when read back from their BCS.
 */
import { LIST_EVENTS_READ_MASK } from "@atoma/sdk";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { GrpcTypes, SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointToProto, eventToProto, executedToProto } from "../src/grpc/convert.js";
import { encodeOpenEvent, listEventsResponse } from "../src/grpc/direct.js";
import { EncodedCache, subscribeCheckpointsResponse, wrapMessage } from "../src/grpc/encoded.js";
import { maskedTransaction } from "../src/grpc/ledger.js";
import { applyMask, FieldMaskTree } from "../src/grpc/mask.js";
import { type RunningDevnet, startDevnet, type TxRecord } from "../src/index.js";
import { frame, rawCall } from "./grpc-web-call.js";
import { publishProbe } from "./probe.js";

/** Posts one gRPC-web request and returns the first message frame of the answer (then hangs up). */
async function firstMessage(url: string, pathName: string, message: Uint8Array): Promise<Uint8Array> {
  const ac = new AbortController();
  const r = await fetch(`${url}${pathName}`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: frame(message),
    signal: ac.signal,
  });
  const reader = r.body!.getReader();
  let buf = Buffer.alloc(0);
  try {
    for (;;) {
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        if (buf[0]! & 0x80) throw new Error(`${pathName}: trailers before a message: ${buf.subarray(5).toString()}`);
        return new Uint8Array(buf.subarray(5, 5 + buf.readUInt32BE(1)));
      }
      const { value, done } = await reader.read();
      if (done)
        throw new Error(`${pathName}: the answer ended before a message (grpc-status ${r.headers.get("grpc-status")})`);
      buf = Buffer.concat([buf, value]);
    }
  } finally {
    reader.cancel().catch(() => {});
    ac.abort();
  }
}

describe("gRPC answers encoded once per read mask", () => {
  let d: RunningDevnet;
  let grpc: SuiGrpcClient;
  const alice = Ed25519Keypair.generate();
  let pkg = "";
  let counterId = "";

  const exec = async (tx: Transaction) => {
    const r = await grpc.core.signAndExecuteTransaction({ transaction: tx, signer: alice, include: { effects: true } });
    return r.$kind === "Transaction" ? r.Transaction : r.FailedTransaction;
  };

  beforeAll(async () => {
    d = await startDevnet({ seed: "grpc-shared", clockMs: 1_700_000_000_000n, checkpointIntervalMs: 0 });
    grpc = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
    await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    ({ pkg, counterId } = await publishProbe(grpc, alice));
    d.cutCheckpoint();
  }, 300_000);

  afterAll(async () => {
    await d?.close();
  });

  /** `counter::bump(by)` as fully resolved bytes (gas payment, price and budget set: nothing for a resolver to do). */
  const resolvedBump = async (by: number): Promise<Uint8Array> => {
    const tx = new Transaction();
    const { object: counter } = await grpc.core.getObject({ objectId: counterId });
    const { objects: coins } = await grpc.core.listCoins({ owner: alice.toSuiAddress() });
    const gas = coins[0]!;
    tx.setSender(alice.toSuiAddress());
    tx.setGasPrice(1000);
    tx.setGasBudget(50_000_000);
    tx.setGasPayment([{ objectId: gas.objectId, version: gas.version, digest: gas.digest }]);
    const shared = counter.owner.$kind === "Shared" ? counter.owner.Shared.initialSharedVersion : "";
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [
        tx.sharedObjectRef({ objectId: counterId, initialSharedVersion: shared, mutable: true }),
        tx.pure.u64(by),
        tx.sharedObjectRef({ objectId: "0x6", initialSharedVersion: 1, mutable: false }),
      ],
    });
    return tx.build();
  };

  /** Runs the mix every conversion path sees: success with events, a created and a deleted object, a dynamic field, an abort. */
  const runMix = async (): Promise<string[]> => {
    const digests: string[] = [];
    let tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(5), tx.object.clock()],
    });
    tx.moveCall({
      target: `${pkg}::counter::tag`,
      arguments: [tx.object(counterId), tx.pure.u64(7), tx.pure.vector("u8", [1, 2, 3])],
    });
    digests.push((await exec(tx)).digest);
    tx = new Transaction();
    const [coin] = tx.splitCoins(tx.gas, [1000]);
    tx.moveCall({ target: `${pkg}::counter::deposit`, arguments: [tx.object(counterId), coin!] });
    tx.moveCall({ target: `${pkg}::counter::untag`, arguments: [tx.object(counterId), tx.pure.u64(7)] });
    digests.push((await exec(tx)).digest);
    // An abort: built fully resolved (the SDK's resolver would simulate it and refuse).
    const bytes = await resolvedBump(1000);
    const { signature } = await alice.signTransaction(bytes);
    const failed = await grpc.core.executeTransaction({
      transaction: bytes,
      signatures: [signature],
      include: { effects: true },
    });
    expect(failed.$kind).toBe("FailedTransaction");
    digests.push(failed.FailedTransaction!.digest);
    return digests;
  };

  it("two subscribers and a GetCheckpoint get identical bytes for one checkpoint and mask; another mask its own", async () => {
    const paths = ["sequence_number", "transactions.events", "transactions.digest"];
    const reordered = ["transactions.digest", "sequence_number", "transactions.events"];
    const other = ["sequence_number", "transactions.digest", "transactions.effects.status"];
    const subscribe = (p: string[]) =>
      firstMessage(
        d.url,
        "/sui.rpc.v2.SubscriptionService/SubscribeCheckpoints",
        GrpcTypes.SubscribeCheckpointsRequest.toBinary({ readMask: { paths: p } }),
      );
    const subs = [subscribe(paths), subscribe(reordered), subscribe(other)];
    // The subscriptions are open once the server has answered their headers; give them a moment.
    await new Promise((r) => setTimeout(r, 300));
    const digests = await runMix();
    const cp = d.devnet.cutCheckpoint(true)!;
    const [a, b, c] = await Promise.all(subs);
    const seq = BigInt(cp.sequenceNumber);

    // Expected: the whole checkpoint converted, then masked (as before the cache), encoded by protobuf-ts.
    const whole = checkpointToProto(d.runtime, cp);
    expect(whole.transactions.map((t) => t.digest)).toEqual(digests);
    const expected = (p: string[]) =>
      GrpcTypes.SubscribeCheckpointsResponse.toBinary({
        cursor: seq,
        checkpoint: applyMask(GrpcTypes.Checkpoint, whole, FieldMaskTree.of(p)),
      });
    expect(Buffer.from(a!).equals(Buffer.from(expected(paths)))).toBe(true);
    expect(Buffer.from(b!).equals(Buffer.from(a!))).toBe(true);
    expect(Buffer.from(c!).equals(Buffer.from(expected(other)))).toBe(true);
    expect(Buffer.from(c!).equals(Buffer.from(a!))).toBe(false);

    const first = GrpcTypes.SubscribeCheckpointsResponse.fromBinary(a!).checkpoint!;
    expect(first.transactions.map((t) => t.events?.events.length ?? 0)).toEqual([1, 0, 0]);
    expect(first.transactions.every((t) => t.effects === undefined)).toBe(true);
    const third = GrpcTypes.SubscribeCheckpointsResponse.fromBinary(c!).checkpoint!;
    expect(third.transactions.map((t) => t.effects?.status?.success)).toEqual([true, true, false]);
    expect(third.transactions.every((t) => t.events === undefined)).toBe(true);

    // GetCheckpoint under the same mask: the same checkpoint bytes in its own wrapper.
    const got = await firstMessage(
      d.url,
      "/sui.rpc.v2.LedgerService/GetCheckpoint",
      GrpcTypes.GetCheckpointRequest.toBinary({
        checkpointId: { oneofKind: "sequenceNumber", sequenceNumber: seq },
        readMask: { paths },
      }),
    );
    expect(Buffer.from(got).equals(Buffer.from(GrpcTypes.GetCheckpointResponse.toBinary({ checkpoint: first })))).toBe(
      true,
    );
    // Converted twice (two masks), served four times.
    const cache = d.devnet.grpc!.answers.checkpoints;
    expect(cache.misses).toBe(2);
    expect(cache.hits).toBe(2);
  });

  it("GetTransaction and ExecuteTransaction: encoded once per mask, the bytes of the whole transaction masked", async () => {
    const digests = await runMix();
    d.cutCheckpoint();
    const masks = [
      ["digest", "transaction.digest", "signatures", "effects.status", "timestamp", "checkpoint"],
      ["digest", "transaction.sender", "transaction.kind", "effects", "events", "balance_changes"],
      ["*"],
      ["effects.bcs", "effects.changed_objects.object_type", "effects.changed_objects.object_id"],
    ];
    for (const digest of digests)
      for (const paths of masks) {
        const tx = d.runtime.txs.get(digest)!;
        const whole = applyMask(GrpcTypes.ExecutedTransaction, executedToProto(tx), FieldMaskTree.of(paths));
        const req = GrpcTypes.GetTransactionRequest.toBinary({ digest, readMask: { paths } });
        const one = await firstMessage(d.url, "/sui.rpc.v2.LedgerService/GetTransaction", req);
        const two = await firstMessage(d.url, "/sui.rpc.v2.LedgerService/GetTransaction", req);
        const want = GrpcTypes.GetTransactionResponse.toBinary({ transaction: whole });
        expect(Buffer.from(one).equals(Buffer.from(want)), `${digest} ${paths}`).toBe(true);
        expect(Buffer.from(two).equals(Buffer.from(want))).toBe(true);
      }
  });

  it("a transaction converted from the values execution kept encodes as when read back from its BCS", async () => {
    await runMix();
    d.cutCheckpoint();
    // Dry runs too (a success and an abort): their records keep the effects as well.
    const dryRuns = [
      d.runtime.dryRun(Buffer.from(await resolvedBump(2)).toString("base64")).record,
      d.runtime.dryRun(Buffer.from(await resolvedBump(1000)).toString("base64")).record,
    ];
    expect(dryRuns.map((r) => (r.effects.status as { status: string }).status)).toEqual(["success", "failure"]);
    const records = [...d.runtime.txs.values(), ...dryRuns];
    const kept = records.filter((t) => t.kept);
    expect(kept.length).toBeGreaterThanOrEqual(10);
    expect(kept.some((t) => t.effects.status && (t.effects.status as { status: string }).status === "failure")).toBe(
      true,
    );
    for (const tx of records) {
      // An own-properties copy has no kept values (not enumerable): every part is read from the BCS.
      const readBack: TxRecord = { ...tx };
      expect(readBack.kept).toBeUndefined();
      for (const paths of [["*"], ["digest", "transaction.digest", "signatures", "effects.status"]]) {
        const mask = FieldMaskTree.of(paths);
        const a = GrpcTypes.ExecutedTransaction.toBinary(maskedTransaction(tx, mask));
        const b = GrpcTypes.ExecutedTransaction.toBinary(
          applyMask(GrpcTypes.ExecutedTransaction, executedToProto(readBack), mask),
        );
        expect(Buffer.from(a).equals(Buffer.from(b)), `${tx.digest} ${paths}`).toBe(true);
      }
    }
  });

  it("SimulateTransaction of resolved bytes answers as the rebuilt transaction would (the SDK's budget estimate)", async () => {
    const bytes = await resolvedBump(3);
    const sim = async (paths: string[], doGasSelection = false) =>
      (
        await grpc.transactionExecutionService.simulateTransaction({
          transaction: { bcs: { value: bytes } },
          readMask: { paths },
          doGasSelection,
          checks: GrpcTypes.SimulateTransactionRequest_TransactionChecks.ENABLED,
        })
      ).response;
    const all = await sim(["*"]);
    const t = all.transaction!;
    expect(t.effects?.status?.success).toBe(true);
    expect(t.transaction?.bcs?.value).toEqual(bytes);
    // The transaction data decoded as the SDK's converter gives it (no digest: simulations have none).
    expect(t.transaction?.sender).toBe(alice.toSuiAddress());
    expect(t.transaction?.gasPayment?.budget).toBe(50_000_000n);
    expect(t.transaction?.kind?.data.oneofKind).toBe("programmableTransaction");
    expect(t.transaction?.digest).toBeUndefined();
    expect(t.events?.events.map((e) => e.eventType?.split("::").slice(1))).toEqual([["counter", "Bumped"]]);
    // The SDK's budget-estimate mask: the same effects, and of the transaction an empty message.
    const budget = await sim([
      "transaction.digest",
      "transaction.transaction.digest",
      "transaction.signatures",
      "transaction.effects.status",
      "transaction.timestamp",
      "transaction.checkpoint",
      "transaction.effects",
    ]);
    expect(budget.transaction?.effects).toEqual(t.effects);
    expect(budget.transaction?.transaction).toEqual({});
    expect(budget.transaction?.events).toBeUndefined();
    // Nothing changed on chain (a simulation), and with gas selection the answer is the same effects' status.
    expect((await sim(["transaction.effects.status"], true)).transaction?.effects?.status?.success).toBe(true);
    const bad = await grpc.transactionExecutionService
      .simulateTransaction({ transaction: { bcs: { value: bytes.subarray(0, 20) } }, readMask: { paths: ["*"] } })
      .then(
        () => "answered",
        (e: Error) => e.message,
      );
    expect(decodeURIComponent(bad)).toMatch(/transaction\.bcs: not BCS TransactionData/);
  });

  it("ListEvents: each page byte for byte the events converted whole and masked, in cursor order, shared between readers", async () => {
    await runMix();
    d.cutCheckpoint();
    await runMix(); // events of a transaction not yet in a checkpoint too
    const all = d.runtime.events;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const cursor = (i: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(i));
      return b;
    };
    // The mask @mysten/sui's core listEvents sends: @atoma/sdk's plus the events' JSON.
    const paths = [...LIST_EVENTS_READ_MASK, "json"];
    const bumped = `${pkg}::counter::Bumped`;
    // The page as the handler computed it before sharing: every match, ordered, then the first `limit`.
    const expected = (o: {
      after?: number;
      before?: number;
      limit: number;
      desc?: boolean;
      type?: string;
      p: string[];
    }) => {
      let idx = all
        .map((_, i) => i)
        .filter((i) => (o.after === undefined || i > o.after) && (o.before === undefined || i < o.before));
      if (o.type) idx = idx.filter((i) => all[i]!.type === o.type);
      if (o.desc) idx.reverse();
      const sent = idx.slice(0, o.limit);
      const msgs = sent.map((i) => {
        const e = all[i]!;
        const cp = d.runtime.txs.get(e.id.txDigest)!.checkpoint;
        return GrpcTypes.ListEventsResponse.toBinary({
          event: applyMask(GrpcTypes.Event, eventToProto(e, cp), FieldMaskTree.of(o.p)),
          watermark: { cursor: cursor(i), ...(cp !== null ? { checkpoint: BigInt(cp) } : {}) },
        });
      });
      if (idx.length > sent.length)
        msgs.push(GrpcTypes.ListEventsResponse.toBinary({ end: { reason: GrpcTypes.QueryEndReason.ITEM_LIMIT } }));
      return msgs.map((m) => Buffer.from(m).toString("hex"));
    };
    const cases = [
      { limit: 1000, p: paths },
      { limit: 2, p: paths },
      { limit: 2, after: 0, p: paths },
      { limit: 2, desc: true, p: paths },
      { limit: 1, before: all.length - 1, desc: true, p: ["event_type"] },
      { limit: 1000, after: all.length + 5, p: paths },
      { limit: 1, type: bumped, p: paths },
      { limit: 1000, type: bumped, desc: true, p: ["json", "checkpoint"] },
    ];
    const read = async (o: (typeof cases)[number]) => {
      const req = GrpcTypes.ListEventsRequest.toBinary({
        readMask: { paths: o.p },
        ...(o.type
          ? {
              filter: {
                terms: [
                  {
                    literals: [
                      { negated: false, predicate: { oneofKind: "eventType", eventType: { eventType: o.type } } },
                    ],
                  },
                ],
              },
            }
          : {}),
        options: {
          limit: o.limit,
          ...(o.after !== undefined ? { after: cursor(o.after) } : {}),
          ...(o.before !== undefined ? { before: cursor(o.before) } : {}),
          ordering: o.desc ? GrpcTypes.Ordering.DESCENDING : GrpcTypes.Ordering.ASCENDING,
        },
      });
      for (let reader = 0; reader < 2; reader++) {
        const got = await rawCall(d.url, "/sui.rpc.v2.LedgerService/ListEvents", req);
        expect(got.status).toBe("0");
        expect(
          got.messages.map((m) => Buffer.from(m).toString("hex")),
          JSON.stringify(o),
        ).toEqual(expected(o));
      }
    };
    // The last events are in no checkpoint yet; once cut, the same events carry it.
    expect(d.runtime.txs.get(all[all.length - 1]!.id.txDigest)!.checkpoint).toBeNull();
    await read(cases[0]!);
    d.cutCheckpoint();
    for (const o of cases) await read(o);
    expect(d.devnet.grpc!.answers.events.hits).toBeGreaterThan(0);
  });

  it("SuiGrpcClient's resolution (SimulateTransaction of a kind): the budget the JSON-RPC client estimates; an abort reported as before", async () => {
    const json = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    const bump = (by: number) => {
      const tx = new Transaction();
      tx.setSender(alice.toSuiAddress());
      tx.moveCall({
        target: `${pkg}::counter::bump`,
        arguments: [tx.object(counterId), tx.pure.u64(by), tx.object.clock()],
      });
      return tx;
    };
    const viaGrpc = Transaction.from(await bump(4).build({ client: grpc })).getData();
    const viaJson = Transaction.from(await bump(4).build({ client: json })).getData();
    expect(BigInt(viaGrpc.gasData.budget!)).toBeGreaterThan(0n);
    expect(viaGrpc.gasData).toEqual(viaJson.gasData);
    await expect(bump(1000).build({ client: grpc })).rejects.toThrow(
      /Transaction resolution failed: MoveAbort in 1st command, abort code: 7/,
    );
  });

  it("the response wrappers are protobuf-ts's own encoding; the cache is bounded", () => {
    const inner = GrpcTypes.Checkpoint.toBinary({ sequenceNumber: 7n, digest: "x", transactions: [] });
    const cp = GrpcTypes.Checkpoint.fromBinary(inner);
    for (const cursor of [0n, 1n, 300n, 2n ** 63n])
      expect(subscribeCheckpointsResponse(cursor, inner).bytes).toEqual(
        GrpcTypes.SubscribeCheckpointsResponse.toBinary({ cursor, checkpoint: cp }),
      );
    expect(wrapMessage(1, inner).bytes).toEqual(GrpcTypes.GetCheckpointResponse.toBinary({ checkpoint: cp }));
    const ev: GrpcTypes.Event = { eventType: "0x2::x::Y", transactionDigest: "D", eventIndex: 3 };
    const open = encodeOpenEvent(ev);
    const cursor = new Uint8Array([0, 0, 0, 0, 0, 0, 1, 2]);
    for (const checkpoint of [undefined, 0n, 12n, 300n])
      for (const inEvent of [false, true])
        expect(listEventsResponse(open, inEvent ? checkpoint : undefined, cursor, checkpoint)).toEqual(
          GrpcTypes.ListEventsResponse.toBinary({
            event: { ...ev, ...(inEvent && checkpoint !== undefined ? { checkpoint } : {}) },
            watermark: { cursor, ...(checkpoint !== undefined ? { checkpoint } : {}) },
          }),
        );
    const cache = new EncodedCache(2);
    let made = 0;
    const make = () => new Uint8Array([++made]);
    cache.get("a", make);
    cache.get("b", make);
    cache.get("a", make); // a is now the most recent
    cache.get("c", make); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get("a", make)).toEqual(new Uint8Array([1]));
    expect(cache.get("b", make)).toEqual(new Uint8Array([4]));
    expect([cache.hits, cache.misses]).toEqual([2, 4]);
    expect(() => new EncodedCache(0)).toThrow(/capacity must be a positive integer, got 0/);
  });
});
