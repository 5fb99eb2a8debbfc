/**
 * Over gRPC, `AtomaClient.listEvents` and the lanes' executions send read masks without the
 * events' JSON (src/client/grpc-masks.ts), and their results are the core path's for the same
 * transaction and the same event page, but for each event's `json` (null). Against the devnet.
 */
import type { ClientWithCoreApi, SuiClientTypes } from "@mysten/sui/client";
import { isSuiGrpcClient, type SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProbeDevnet, startProbeDevnet } from "../../../devnet/test/probe.js";
import {
  AtomaClient,
  EXECUTE_INCLUDE,
  EXECUTE_READ_MASK,
  LIST_EVENTS_READ_MASK,
  listEventsMasked,
  suiClientFor,
} from "../../src/client/index.js";

describe("gRPC read masks without events' JSON (devnet)", () => {
  let net: ProbeDevnet<ClientWithCoreApi>;
  let grpc: SuiGrpcClient;
  let atoma: AtomaClient;
  const alice = Ed25519Keypair.generate();
  const sent = { execute: [] as string[][], listEvents: [] as string[][] };

  const bump = (by: number) => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${net.pkg}::counter::bump`,
      arguments: [tx.object(net.counterId), tx.pure.u64(by), tx.object.clock()],
    });
    return tx;
  };
  const noJson = <T extends { json: unknown }>(events: readonly T[]) => events.map((e) => ({ ...e, json: null }));

  beforeAll(async () => {
    net = await startProbeDevnet<ClientWithCoreApi>({
      seed: "sdk-masks",
      options: { checkpointIntervalMs: 0 },
      client: (url) => suiClientFor(url, "grpc"),
      funded: [alice],
    });
    if (!isSuiGrpcClient(net.client)) throw new Error("suiClientFor(url, 'grpc') is not a SuiGrpcClient");
    grpc = net.client;
    // Record the read masks the two services are sent.
    const exec = grpc.transactionExecutionService;
    const execute = exec.executeTransaction.bind(exec);
    exec.executeTransaction = (input, options) => {
      sent.execute.push([...(input.readMask?.paths ?? [])]);
      return execute(input, options);
    };
    const ledger = grpc.ledgerService;
    const list = ledger.listEvents.bind(ledger);
    ledger.listEvents = (input, options) => {
      sent.listEvents.push([...(input.readMask?.paths ?? [])]);
      return list(input, options);
    };
    atoma = new AtomaClient(grpc, { packageId: net.pkg, registryId: net.counterId });
  }, 300_000);

  afterAll(async () => {
    await net?.close();
  });

  it("executes without the events' JSON; the result is the core's for the same transaction", async () => {
    sent.execute.length = 0;
    const results = [];
    for (const by of [3, 4]) results.push(await atoma.lanes.execute(bump(by), alice)); // cold, then warm lane
    expect(sent.execute).toEqual([[...EXECUTE_READ_MASK], [...EXECUTE_READ_MASK]]);
    expect(sent.execute.flat().some((p) => p.split(".").includes("json"))).toBe(false);
    for (const res of results) {
      expect(res.$kind).toBe("Transaction");
      const t = res.Transaction as SuiClientTypes.Transaction<typeof EXECUTE_INCLUDE>;
      expect(t.events).toHaveLength(1);
      expect(t.events[0]?.json).toBeNull();
      expect(t.events[0]?.bcs.length).toBeGreaterThan(0);
      const core = await grpc.core.getTransaction({ digest: t.digest, include: EXECUTE_INCLUDE });
      const c = core.Transaction as SuiClientTypes.Transaction<typeof EXECUTE_INCLUDE>;
      expect(c.events[0]?.json).not.toBeNull(); // the core path asks for (and gets) the JSON
      expect(t.digest).toBe(c.digest);
      expect(t.status).toEqual(c.status);
      expect(t.effects).toEqual(c.effects);
      expect(t.objectTypes).toEqual(c.objectTypes);
      expect(t.events).toEqual(noJson(c.events));
    }
    // The second send went on the lane's cached refs: the gas coin of the first effects.
    const [first, second] = results.map((r) => r.Transaction?.effects.gasObject);
    expect(second?.inputVersion).toBe(first?.outputVersion);
  });

  it("lists events without their JSON; each page is the core's (same cursors, same hasNextPage)", async () => {
    for (const by of [1, 2]) await atoma.lanes.execute(bump(by), alice);
    const eventType = `${net.pkg}::counter`;
    sent.listEvents.length = 0;
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const masked = await listEventsMasked(grpc, { eventType, after, limit: 1 });
      const core = await grpc.core.listEvents({ filter: { eventType }, after, limit: 1 });
      expect(core.events.every((e) => e.json !== null)).toBe(true);
      expect(masked).toEqual({ ...core, events: noJson(core.events) });
      pages++;
      if (!masked.hasNextPage) break;
      after = masked.endCursor;
    }
    expect(pages).toBeGreaterThanOrEqual(4); // four bumps, one event a page (the last may be empty)
    const whole = await listEventsMasked(grpc, { eventType, after: null, limit: 50 });
    const core = await grpc.core.listEvents({ filter: { eventType }, after: null, limit: 50 });
    expect(whole).toEqual({ ...core, events: noJson(core.events) });
    expect(whole.hasNextPage).toBe(false);
    // AtomaClient.listEvents goes the same way (the probe has no `events` module: nothing decodes).
    expect((await atoma.listEvents()).events).toEqual([]);
    // Sent: the masked calls (one a page, the whole list, AtomaClient's) with no JSON, the core's with it.
    const withJson = sent.listEvents.filter((p) => p.includes("json"));
    const without = sent.listEvents.filter((p) => !p.includes("json"));
    expect(withJson).toHaveLength(pages + 1);
    expect(without).toEqual(Array.from({ length: pages + 2 }, () => [...LIST_EVENTS_READ_MASK]));
  });
});
