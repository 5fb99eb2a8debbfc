/**
 * The devnet's sui.rpc.v2 (gRPC-web) endpoint through the official SuiGrpcClient: the same
 * answers as JSON-RPC on one chain, checkpoint subscription, the gRPC statuses for bad input,
 * and a resumable checkpoint stream across a server restart (no gap, no duplicate).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fromBase64 } from "@mysten/bcs";
import { bcs } from "@mysten/sui/bcs";
import type { ClientWithCoreApi } from "@mysten/sui/client";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { GrpcTypes, RpcError, SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import type { IMessageType } from "@protobuf-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointStream } from "../../sdk/src/client/checkpoints.js";
import { type RunningDevnet, startDevnet } from "../src/index.js";
import { rawCall } from "./grpc-web-call.js";
import { publishProbe } from "./probe.js";

describe("devnet over gRPC vs JSON-RPC (one chain)", () => {
  let d: RunningDevnet;
  let grpc: SuiGrpcClient;
  let json: SuiJsonRpcClient;
  const alice = Ed25519Keypair.generate();
  let pkg = "";
  let counterId = "";
  let bumpDigest = "";

  const exec = async (client: ClientWithCoreApi, tx: Transaction) => {
    const r = await client.core.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      include: { effects: true, events: true, objectTypes: true },
    });
    if (r.$kind !== "Transaction") throw new Error(`failed: ${JSON.stringify(r.FailedTransaction.status)}`);
    return r.Transaction;
  };

  beforeAll(async () => {
    d = await startDevnet({
      seed: "grpc",
      clockMs: 1_700_000_000_000n,
      checkpointIntervalMs: 0,
    });
    grpc = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
    json = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    // Publish, create and bump through gRPC (the path current Sui nodes serve).
    ({ pkg, counterId } = await publishProbe(grpc, alice));
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(5), tx.object.clock()],
    });
    tx.moveCall({
      target: `${pkg}::counter::tag`,
      arguments: [tx.object(counterId), tx.pure.u64(7), tx.pure.vector("u8", [1, 2, 3])],
    });
    bumpDigest = (await exec(grpc, tx)).digest;
    d.cutCheckpoint();
  }, 300_000);

  afterAll(async () => {
    await d?.close();
  });

  it("reads the same objects, owned objects, coins and balances", async () => {
    const inc = { content: true, previousTransaction: true, objectBcs: true } as const;
    const [g, j] = await Promise.all([
      grpc.core.getObjects({ objectIds: [counterId, pkg], include: inc }),
      json.core.getObjects({ objectIds: [counterId, pkg], include: inc }),
    ]);
    const strip = (o: (typeof g.objects)[number]) =>
      o instanceof Error
        ? o
        : {
            ...o,
            objectBcs: o.objectBcs ? [...o.objectBcs] : undefined,
            content: o.content ? [...o.content] : undefined,
            json: undefined,
            display: undefined,
          };
    expect(strip(g.objects[0]!)).toEqual(strip(j.objects[0]!));
    const gObj = g.objects[0] as Exclude<(typeof g.objects)[number], Error>;
    expect(bcs.u64().parse(gObj.content!.slice(32, 40))).toBe("5"); // value after bump(5)
    expect((g.objects[1] as { objectId: string }).objectId).toBe(pkg);

    const ids = async (c: ClientWithCoreApi) =>
      (await c.core.listOwnedObjects({ owner: alice.toSuiAddress() })).objects
        .map((o) => `${o.objectId}@${o.version}:${o.type}`)
        .sort();
    expect(await ids(grpc)).toEqual(await ids(json));
    const [gb, jb] = await Promise.all([
      grpc.core.getBalance({ owner: alice.toSuiAddress() }),
      json.core.getBalance({ owner: alice.toSuiAddress() }),
    ]);
    expect(gb.balance.balance).toBe(jb.balance.balance);
    expect(BigInt(gb.balance.balance)).toBeGreaterThan(0n);
    const coins = async (c: ClientWithCoreApi) =>
      (await c.core.listCoins({ owner: alice.toSuiAddress() })).objects.map((o) => [o.objectId, o.balance]);
    expect(await coins(grpc)).toEqual(await coins(json));
  });

  it("lists the same dynamic fields", async () => {
    const [g, j] = await Promise.all([
      grpc.core.listDynamicFields({ parentId: counterId }),
      json.core.listDynamicFields({ parentId: counterId }),
    ]);
    expect(g.dynamicFields).toHaveLength(1);
    const norm = (f: (typeof g.dynamicFields)[number]) => ({
      fieldId: f.fieldId,
      nameType: f.name.type,
      nameBcs: [...f.name.bcs],
      valueType: f.valueType,
    });
    expect(g.dynamicFields.map(norm)).toEqual(j.dynamicFields.map(norm));
    expect(bcs.u64().parse(g.dynamicFields[0]!.name.bcs)).toBe("7");
  });

  it("returns the same transaction: status, effects, events, object types", async () => {
    const inc = { effects: true, events: true, objectTypes: true, balanceChanges: true } as const;
    const [g, j] = await Promise.all([
      grpc.core.getTransaction({ digest: bumpDigest, include: inc }),
      json.core.getTransaction({ digest: bumpDigest, include: inc }),
    ]);
    const gt = g.Transaction!;
    const jt = j.Transaction!;
    expect(gt.status).toEqual(jt.status);
    expect(gt.effects!.changedObjects).toEqual(jt.effects!.changedObjects);
    expect(gt.effects!.gasUsed).toEqual(jt.effects!.gasUsed);
    expect(gt.objectTypes).toEqual(jt.objectTypes);
    expect(gt.checkpoint).toBe(jt.checkpoint);
    expect(gt.events!.map((e) => [e.eventType, [...e.bcs]])).toEqual(jt.events!.map((e) => [e.eventType, [...e.bcs]]));
    expect(gt.events![0]!.eventType).toBe(`${pkg}::counter::Bumped`);
    expect(gt.balanceChanges).toEqual(jt.balanceChanges);
  });

  it("simulates with the same command results and lists the same events", async () => {
    const sim = async (c: ClientWithCoreApi) => {
      const tx = new Transaction();
      tx.setSender(alice.toSuiAddress());
      tx.moveCall({ target: `${pkg}::counter::value`, arguments: [tx.object(counterId)] });
      const r = await c.core.simulateTransaction({ transaction: tx, include: { commandResults: true, effects: true } });
      return r.commandResults!.map((x) => x.returnValues.map((v) => [...(v.bcs ?? [])]));
    };
    const g = await sim(grpc);
    expect(g).toEqual(await sim(json));
    expect(bcs.u64().parse(Uint8Array.from(g[0]![0]!))).toBe("5");

    const ev = async (c: ClientWithCoreApi) =>
      (await c.core.listEvents({ filter: { eventType: `${pkg}::counter::Bumped` } })).events.map((e) => ({
        type: e.eventType,
        bcs: [...e.bcs],
        tx: e.transactionDigest,
        sender: e.sender,
      }));
    const ge = await ev(grpc);
    expect(ge).toHaveLength(1);
    expect(ge).toEqual(await ev(json));
    const fn = async (c: ClientWithCoreApi) =>
      c.core.getMoveFunction({ packageId: pkg, moduleName: "counter", name: "bump" });
    const [gf, jf] = await Promise.all([fn(grpc), fn(json)]);
    expect(gf.function.parameters).toEqual(jf.function.parameters);
    expect(gf.function.visibility).toBe("public");
  });

  it("applies read masks: a raw call gets only the masked fields, nested paths and * included", async () => {
    const call = async <I extends object, O extends object>(
      method: string,
      I: IMessageType<I>,
      O: IMessageType<O>,
      req: I,
    ): Promise<O[]> => {
      const r = await rawCall(d.url, `/sui.rpc.v2.${method}`, I.toBinary(req));
      expect([r.status, r.message]).toEqual(["0", ""]);
      return r.messages.map((m) => O.fromBinary(m));
    };
    const [obj] = await call("LedgerService/GetObject", GrpcTypes.GetObjectRequest, GrpcTypes.GetObjectResponse, {
      objectId: counterId,
      readMask: { paths: ["object_id", "owner"] },
    });
    expect(fieldsOf(GrpcTypes.Object, obj!.object!)).toEqual(["object_id", "owner"]);
    expect(obj!.object!.objectId).toBe(counterId);
    expect(obj!.object!.owner!.kind).toBe(GrpcTypes.Owner_OwnerKind.SHARED);

    // Nested paths: only effects.status and each event's type; repeated messages element by element.
    const [tx] = await call(
      "LedgerService/GetTransaction",
      GrpcTypes.GetTransactionRequest,
      GrpcTypes.GetTransactionResponse,
      { digest: bumpDigest, readMask: { paths: ["effects.status", "events.events.event_type", "checkpoint"] } },
    );
    const t = tx!.transaction!;
    expect(fieldsOf(GrpcTypes.ExecutedTransaction, t)).toEqual(["checkpoint", "effects", "events"]);
    expect(fieldsOf(GrpcTypes.TransactionEffects, t.effects!)).toEqual(["status"]);
    expect(t.effects!.status!.success).toBe(true);
    expect(t.events!.events.map((e) => fieldsOf(GrpcTypes.Event, e))).toEqual([["event_type"]]);
    expect(t.events!.events[0]!.eventType).toBe(`${pkg}::counter::Bumped`);

    // `*`: every field.
    const [all] = await call("LedgerService/GetObject", GrpcTypes.GetObjectRequest, GrpcTypes.GetObjectResponse, {
      objectId: counterId,
      readMask: { paths: ["*"] },
    });
    expect(fieldsOf(GrpcTypes.Object, all!.object!)).toEqual(
      expect.arrayContaining(["bcs", "contents", "digest", "json", "object_type", "owner", "previous_transaction"]),
    );
    // An empty mask selects nothing.
    const [none] = await call("LedgerService/GetObject", GrpcTypes.GetObjectRequest, GrpcTypes.GetObjectResponse, {
      objectId: counterId,
      readMask: { paths: [] },
    });
    expect(fieldsOf(GrpcTypes.Object, none!.object!)).toEqual([]);
  });

  it("without a read mask each method answers with Sui's default fields", async () => {
    const c = grpc;
    const obj = (await c.ledgerService.getObject({ objectId: counterId })).response.object!;
    expect(fieldsOf(GrpcTypes.Object, obj)).toEqual(["digest", "object_id", "version"]);
    const batch = (await c.ledgerService.batchGetObjects({ requests: [{ objectId: counterId }] })).response;
    const r0 = batch.objects[0]!.result;
    expect(r0.oneofKind === "object" && fieldsOf(GrpcTypes.Object, r0.object)).toEqual([
      "digest",
      "object_id",
      "version",
    ]);
    const tx = (await c.ledgerService.getTransaction({ digest: bumpDigest })).response.transaction!;
    expect(fieldsOf(GrpcTypes.ExecutedTransaction, tx)).toEqual(["digest"]);
    const cp = (await c.ledgerService.getCheckpoint({ checkpointId: { oneofKind: undefined } })).response.checkpoint!;
    expect(fieldsOf(GrpcTypes.Checkpoint, cp)).toEqual(["digest", "sequence_number"]);
    const epoch = (await c.ledgerService.getEpoch({})).response.epoch!;
    expect(fieldsOf(GrpcTypes.Epoch, epoch)).toEqual([
      "epoch",
      "first_checkpoint",
      "protocol_config",
      "reference_gas_price",
      "start",
    ]);
    expect(fieldsOf(GrpcTypes.ProtocolConfig, epoch.protocolConfig!)).toEqual(["protocol_version"]);
    const owned = (await c.stateService.listOwnedObjects({ owner: alice.toSuiAddress() })).response.objects;
    expect(owned.length).toBeGreaterThan(0);
    for (const o of owned) expect(fieldsOf(GrpcTypes.Object, o)).toEqual(["object_id", "object_type", "version"]);
    const dfs = (await c.stateService.listDynamicFields({ parent: counterId })).response.dynamicFields;
    expect(dfs.map((f) => fieldsOf(GrpcTypes.DynamicField, f))).toEqual([["field_id", "parent"]]);
    const events: GrpcTypes.Event[] = [];
    for await (const m of c.ledgerService.listEvents({}).responses) if (m.event) events.push(m.event);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(fieldsOf(GrpcTypes.Event, e)).toEqual(["event_type"]);

    // ExecuteTransaction: `effects`; SubscribeCheckpoints: the cursor and an empty checkpoint.
    const ac = new AbortController();
    const sub = c.subscriptionService.subscribeCheckpoints({}, { abort: ac.signal });
    await sub.headers;
    const bump = new Transaction();
    bump.setSender(alice.toSuiAddress());
    bump.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [bump.object(counterId), bump.pure.u64(2), bump.object.clock()],
    });
    const bytes = await bump.build({ client: grpc });
    const { signature } = await alice.signTransaction(bytes);
    const done = (
      await c.transactionExecutionService.executeTransaction({
        transaction: { bcs: { value: bytes } },
        signatures: [{ bcs: { value: fromBase64(signature) }, signature: { oneofKind: undefined } }],
      })
    ).response.transaction!;
    expect(fieldsOf(GrpcTypes.ExecutedTransaction, done)).toEqual(["effects"]);
    expect(done.effects!.status!.success).toBe(true);
    const cut = d.devnet.cutCheckpoint()!;
    let first: GrpcTypes.SubscribeCheckpointsResponse | undefined;
    for await (const m of sub.responses) {
      first = m;
      break;
    }
    ac.abort();
    expect(first!.cursor).toBe(BigInt(cut.sequenceNumber));
    expect(fieldsOf(GrpcTypes.Checkpoint, first!.checkpoint!)).toEqual([]);
  });

  it("ExecuteTransaction under the full read mask answers as GetTransaction (nothing selected is left unconverted)", async () => {
    const bump = new Transaction();
    bump.setSender(alice.toSuiAddress());
    bump.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [bump.object(counterId), bump.pure.u64(3), bump.object.clock()],
    });
    const bytes = await bump.build({ client: grpc });
    const { signature } = await alice.signTransaction(bytes);
    const readMask = { paths: ["*"] };
    const done = (
      await grpc.transactionExecutionService.executeTransaction({
        transaction: { bcs: { value: bytes } },
        signatures: [{ bcs: { value: fromBase64(signature) }, signature: { oneofKind: undefined } }],
        readMask,
      })
    ).response.transaction!;
    expect(done.effects?.status?.success).toBe(true);
    expect(done.transaction?.bcs?.value).toEqual(bytes);
    expect(done.signatures).toHaveLength(1);
    expect(done.events?.events.map((e) => e.eventType?.split("::").slice(1))).toEqual([["counter", "Bumped"]]);
    expect(done.balanceChanges).toHaveLength(1);
    const got = (await grpc.ledgerService.getTransaction({ digest: done.digest!, readMask })).response.transaction!;
    expect(done).toEqual(got);
    d.devnet.cutCheckpoint(); // the next test expects only its own transaction in the checkpoint it cuts
  });

  it("streams each new checkpoint with its transactions and events", async () => {
    const ac = new AbortController();
    const call = grpc.subscriptionService.subscribeCheckpoints(
      {
        readMask: {
          paths: ["sequence_number", "transactions.digest", "transactions.events", "transactions.checkpoint"],
        },
      },
      { abort: ac.signal },
    );
    await call.headers;
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(1), tx.object.clock()],
    });
    const t = await exec(grpc, tx);
    const cut = d.devnet.cutCheckpoint()!;
    let got: GrpcTypes.SubscribeCheckpointsResponse | undefined;
    for await (const m of call.responses) {
      got = m;
      break;
    }
    ac.abort();
    expect(got!.cursor).toBe(BigInt(cut.sequenceNumber));
    const txs = got!.checkpoint!.transactions;
    expect(txs.map((x) => x.digest)).toEqual([t.digest]);
    expect(txs[0]!.events!.events[0]!.eventType).toBe(`${pkg}::counter::Bumped`);
    expect(txs[0]!.checkpoint).toBe(BigInt(cut.sequenceNumber));
  });

  it("a long-lived stream keeps one abort listener: no MaxListenersExceededWarning after many waits", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const ac = new AbortController();
    const call = grpc.subscriptionService.subscribeCheckpoints(
      { readMask: { paths: ["sequence_number"] } },
      { abort: ac.signal },
    );
    await call.headers;
    const it = call.responses[Symbol.asyncIterator]();
    const seen: bigint[] = [];
    for (let i = 0; i < 15; i++) {
      // one checkpoint at a time: the server waits for the next one between each
      const cut = d.devnet.cutCheckpoint(true)!;
      const m = await it.next();
      seen.push((m.value as GrpcTypes.SubscribeCheckpointsResponse).cursor!);
      expect(seen.at(-1)).toBe(BigInt(cut.sequenceNumber));
    }
    ac.abort();
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(seen).toHaveLength(15);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});

/** The fields a message carries, by proto name (absent and empty repeated fields left out). */
function fieldsOf<T extends object>(type: IMessageType<T>, m: T): string[] {
  const json = type.toJson(m, { useProtoFieldName: true }) as Record<string, unknown>;
  return Object.keys(json).sort();
}

describe("devnet gRPC: bad input gets a gRPC status, never a crash", () => {
  let d: RunningDevnet;
  let grpc: SuiGrpcClient;
  beforeAll(async () => {
    d = await startDevnet({ seed: "grpc-bad", checkpointIntervalMs: 0, grpc: { maxMessageBytes: 4096 } });
    grpc = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
  });
  afterAll(async () => {
    await d?.close();
  });

  const code = async (p: PromiseLike<unknown>): Promise<[string, string]> => {
    const e = await Promise.resolve(p).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(RpcError);
    return [(e as RpcError).code, (e as RpcError).message];
  };

  it("unknown service or method: UNIMPLEMENTED", async () => {
    expect(await rawCall(d.url, "/sui.rpc.v2.NoSuchService/Get", new Uint8Array())).toEqual({
      status: "12",
      message: "unknown service sui.rpc.v2.NoSuchService",
      messages: [],
    });
    const m = await rawCall(d.url, "/sui.rpc.v2.LedgerService/NoSuchMethod", new Uint8Array());
    expect(m.status).toBe("12");
    expect(m.message).toContain("NoSuchMethod");
    const n = await rawCall(d.url, "/sui.rpc.v2.LedgerService/ListCheckpoints", new Uint8Array());
    expect(n).toEqual({
      status: "12",
      message: "sui.rpc.v2.LedgerService/ListCheckpoints is not implemented by the devnet",
      messages: [],
    });
  });

  it("malformed protobuf and wrong field types: INVALID_ARGUMENT naming the field", async () => {
    const garbage = await rawCall(d.url, "/sui.rpc.v2.LedgerService/GetObject", Uint8Array.from([0x0a, 0xff, 0x01]));
    expect(garbage.status).toBe("3");
    expect(garbage.message).toMatch(/^object_id: malformed protobuf/);
    // GetObjectRequest.object_id (#1, string) sent as a varint.
    const wrong = await rawCall(d.url, "/sui.rpc.v2.LedgerService/GetObject", Uint8Array.from([0x08, 0x05]));
    expect(wrong).toEqual({
      status: "3",
      message:
        "object_id: wrong wire type for field of sui.rpc.v2.GetObjectRequest: expected length-delimited, got varint",
      messages: [],
    });
    // Nested: BatchGetObjectsRequest.requests[].version (#2, uint64) sent as a string.
    const nested = await rawCall(
      d.url,
      "/sui.rpc.v2.LedgerService/BatchGetObjects",
      Uint8Array.from([0x0a, 0x03, 0x12, 0x01, 0x41]),
    );
    expect(nested.status).toBe("3");
    expect(nested.message).toMatch(/^requests\.version: wrong wire type/);
    // The read mask's own field: GetObjectRequest.read_mask (#3).paths (#1, string) sent as a varint.
    const maskPaths = await rawCall(
      d.url,
      "/sui.rpc.v2.LedgerService/GetObject",
      Uint8Array.from([0x1a, 0x02, 0x08, 0x01]),
    );
    expect([maskPaths.status, maskPaths.message]).toEqual([
      "3",
      "read_mask.paths: wrong wire type for field of google.protobuf.FieldMask: expected length-delimited, got varint",
    ]);
    expect(await code(grpc.ledgerService.getObject({ objectId: "not-an-id" }))).toEqual([
      "INVALID_ARGUMENT",
      'object_id: "not-an-id" is not a 0x-hex Sui address',
    ]);
  });

  it("unknown read-mask path: INVALID_ARGUMENT naming the path", async () => {
    expect(
      await code(grpc.ledgerService.getObject({ objectId: "0x6", readMask: { paths: ["owner", "colour"] } })),
    ).toEqual(["INVALID_ARGUMENT", 'read_mask: unknown path "colour" for sui.rpc.v2.Object']);
    expect(
      await code(grpc.ledgerService.getTransaction({ digest: "x", readMask: { paths: ["effects.nope"] } })),
    ).toEqual(["INVALID_ARGUMENT", 'read_mask: unknown path "effects.nope" for sui.rpc.v2.ExecutedTransaction']);
    // `*` stands alone; well-known types (Timestamp) are leaves, as in Sui's field tables.
    expect(await code(grpc.ledgerService.getTransaction({ digest: "x", readMask: { paths: ["effects.*"] } }))).toEqual([
      "INVALID_ARGUMENT",
      'read_mask: unknown path "effects.*" for sui.rpc.v2.ExecutedTransaction',
    ]);
    expect(
      await code(grpc.ledgerService.getTransaction({ digest: "x", readMask: { paths: ["timestamp.seconds"] } })),
    ).toEqual(["INVALID_ARGUMENT", 'read_mask: unknown path "timestamp.seconds" for sui.rpc.v2.ExecutedTransaction']);
    // Server streams check the mask before the stream opens.
    const events = grpc.ledgerService.listEvents({ readMask: { paths: ["event_type", "colour"] } });
    expect(await code(events.status)).toEqual([
      "INVALID_ARGUMENT",
      'read_mask: unknown path "colour" for sui.rpc.v2.Event',
    ]);
    const sub = grpc.subscriptionService.subscribeCheckpoints({ readMask: { paths: ["transactions.nope"] } });
    expect(await code(sub.status)).toEqual([
      "INVALID_ARGUMENT",
      'read_mask: unknown path "transactions.nope" for sui.rpc.v2.Checkpoint',
    ]);
  });

  it("malformed gRPC-web frames and methods: INVALID_ARGUMENT / UNIMPLEMENTED, and the server still answers", async () => {
    const post = (body: Uint8Array, method = "POST") =>
      fetch(`${d.url}/sui.rpc.v2.LedgerService/GetServiceInfo`, {
        method,
        headers: { "content-type": "application/grpc-web+proto" },
        ...(method === "POST" ? { body: Buffer.from(body) } : {}),
      }).then((r) => [r.headers.get("grpc-status"), decodeURIComponent(r.headers.get("grpc-message") ?? "")]);
    expect(await post(Uint8Array.from([0, 0]))).toEqual(["3", "malformed gRPC-web frame: body shorter than 5 bytes"]);
    expect(await post(Uint8Array.from([0, 0, 0, 0, 9, 1]))).toEqual([
      "3",
      "malformed gRPC-web frame: declared length 9, got 1 bytes (one message per unary/server-streaming call)",
    ]);
    expect(await post(Uint8Array.from([1, 0, 0, 0, 0]))).toEqual([
      "12",
      "gRPC-web frame flag 1: compressed messages are not supported",
    ]);
    expect(await post(new Uint8Array(), "GET")).toEqual(["12", "gRPC-web calls are POST, got GET"]);
    expect((await grpc.ledgerService.getServiceInfo({})).response.chainId).toBe(d.devnet.chainIdentifier);
  });

  it("oversized message: RESOURCE_EXHAUSTED; missing object: NOT_FOUND; the server still answers", async () => {
    const big = await code(
      grpc.ledgerService.getObject({ objectId: `0x${"a".repeat(64)}`, readMask: { paths: Array(1000).fill("owner") } }),
    );
    expect(big[0]).toBe("RESOURCE_EXHAUSTED");
    expect(big[1]).toMatch(/exceeds the limit of 4096 bytes|larger than the limit of 4096 bytes/);
    expect(await code(grpc.ledgerService.getObject({ objectId: "0x1234" }))).toEqual([
      "NOT_FOUND",
      `object 0x${"0".repeat(60)}1234 not found`,
    ]);
    expect(await code(grpc.ledgerService.getTransaction({ digest: "nope" }))).toEqual([
      "NOT_FOUND",
      "transaction nope not found",
    ]);
    const info = await grpc.ledgerService.getServiceInfo({});
    expect(info.response.chainId).toBe(d.devnet.chainIdentifier);
  });

  it("with --no-jsonrpc, JSON-RPC is refused and gRPC still serves", async () => {
    const only = await startDevnet({ seed: "grpc-only", checkpointIntervalMs: 0, jsonRpc: false });
    try {
      const r = await fetch(only.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sui_getChainIdentifier", params: [] }),
      });
      expect(r.status).toBe(404);
      const c = new SuiGrpcClient({ baseUrl: only.url, network: "localnet" });
      expect((await c.core.getChainIdentifier()).chainIdentifier).toBe(only.devnet.chainIdentifier);
    } finally {
      await only.close();
    }
  });
});

describe("checkpoint stream resumes across a server restart", () => {
  it("yields every checkpoint exactly once, in order (2 000 checkpoints, restart mid-stream)", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "devnet-grpc-resume-"));
    const TOTAL = 2000;
    const RESTART_AT = 900;
    const who = Ed25519Keypair.generate().toSuiAddress();
    let d = await startDevnet({ seed: "resume", stateDir, checkpointIntervalMs: 0 });
    const port = Number(new URL(d.url).port);
    const produce = (n: number): void => {
      for (let i = 0; i < n; i++) {
        d.runtime.faucet(who, 1n);
        d.devnet.cutCheckpoint();
      }
    };
    const client = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
    const ac = new AbortController();
    const seen: bigint[] = [];
    let reconnects = 0;
    const consumer = (async () => {
      for await (const cp of checkpointStream(client, {
        after: 0n,
        signal: ac.signal,
        retryMs: 50,
        onReconnect: () => reconnects++,
      })) {
        seen.push(cp.sequenceNumber!);
        expect(cp.transactions.length).toBe(1);
        if (cp.sequenceNumber === BigInt(TOTAL)) break;
      }
    })();
    try {
      // Produce in slices so part is streamed live and part is caught up.
      for (let made = 0; made < RESTART_AT; made += 100) {
        produce(100);
        await new Promise((r) => setTimeout(r, 5));
      }
      await d.close(); // the stream drops mid-way
      d = await startDevnet({ seed: "resume", stateDir, checkpointIntervalMs: 0, port });
      for (let made = RESTART_AT; made < TOTAL; made += 100) {
        produce(100);
        await new Promise((r) => setTimeout(r, 5));
      }
      await consumer;
    } finally {
      ac.abort();
      await d.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
    expect(reconnects).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBe(TOTAL);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => BigInt(i + 1)));
  }, 180_000);
});
