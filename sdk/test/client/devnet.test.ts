import type { ClientWithCoreApi } from "@mysten/sui/client";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProbeDevnet, startProbeDevnet } from "../../../devnet/test/probe.js";
import { AtomaClient, MoveAbortError, NotFoundError } from "../../src/client/index.js";
import { DecodeError } from "../../src/errors.js";

describe.each(["grpc", "jsonrpc"] as const)("AtomaClient over %s (devnet)", (transport) => {
  let net: ProbeDevnet<ClientWithCoreApi>;
  let atoma: AtomaClient;
  let pkg = "";
  let counterId = "";
  const alice = Ed25519Keypair.generate();
  const bob = Ed25519Keypair.generate();

  beforeAll(async () => {
    net = await startProbeDevnet<ClientWithCoreApi>({
      seed: "sdk",
      options: { clockMs: 1_700_000_000_000n, checkpointIntervalMs: 0 },
      client: (url) =>
        transport === "grpc"
          ? new SuiGrpcClient({ baseUrl: url, network: "localnet" })
          : new SuiJsonRpcClient({ url, network: "localnet" }),
      funded: [alice, bob],
    });
    ({ pkg, counterId } = net);
    atoma = new AtomaClient(net.client, { packageId: pkg, registryId: counterId });
  }, 300_000);

  afterAll(async () => {
    await net?.close();
  });

  it("decodes a plain Move abort from failed effects", async () => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(101), tx.object.clock()],
    });
    tx.setGasBudget(50_000_000);
    const err = await atoma.execute(tx, alice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    const a = err as MoveAbortError;
    expect(a.code).toBe("MOVE_ABORT");
    expect(a.module).toBe("counter");
    expect(a.errorCode).toBe(7);
    expect(a.functionName).toBe("bump");
  });

  it("decodes the abort a dry run raises (no gas budget set)", async () => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(500), tx.object.clock()],
    });
    const err = await atoma.execute(tx, alice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    expect((err as MoveAbortError).errorCode).toBe(7);
  });

  it("extracts N from a clever abort code", async () => {
    const tx = new Transaction();
    tx.moveCall({ target: `${pkg}::counter::reset`, arguments: [tx.object(counterId)] });
    tx.setGasBudget(50_000_000);
    const err = await atoma.execute(tx, bob).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveAbortError);
    expect((err as MoveAbortError).errorCode).toBe(9);
    expect(BigInt((err as MoveAbortError).abortCode) >> 63n).toBe(1n);
  });

  it("reads object BCS and checks the type", async () => {
    await expect(atoma.getRegistry()).rejects.toBeInstanceOf(DecodeError); // a Counter is not a Registry
    await expect(atoma.getRequest("0x1234")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists events with a JSON cursor", async () => {
    const page = await atoma.listEvents();
    expect(page.events).toEqual([]); // the probe has no `events` module
    expect(JSON.parse(JSON.stringify(page.cursor))).toEqual(page.cursor);
  });
});
