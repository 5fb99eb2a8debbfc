/**
 * AtomaClient against the devnet over both transports — SuiGrpcClient (sui.rpc.v2 over
 * gRPC-web, what current Sui nodes serve) and SuiJsonRpcClient (real HTTP, real signing,
 * real BCS). The devnet binds no `atoma` package yet, so this drives the probe package of
 * devnet's own tests: abort decoding (plain and clever codes, from effects and from the dry
 * run), object BCS reads with type checks, and event listing with a JSON cursor.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../../../devnet/src/index.js";
import { publishProbe } from "../../../devnet/test/probe.js";
import { AtomaClient, MoveAbortError, NotFoundError } from "../../src/client/index.js";
import { DecodeError } from "../../src/errors.js";

describe.each(["grpc", "jsonrpc"] as const)("AtomaClient over %s (devnet)", (transport) => {
  let d: RunningDevnet;
  let stateDir: string;
  let atoma: AtomaClient;
  let pkg = "";
  let counterId = "";
  const alice = Ed25519Keypair.generate();
  const bob = Ed25519Keypair.generate();

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), "sdk-devnet-"));
    d = await startDevnet({
      seed: "sdk",
      stateDir,
      clockMs: 1_700_000_000_000n,
      checkpointIntervalMs: 0,
    });
    const client =
      transport === "grpc"
        ? new SuiGrpcClient({ baseUrl: d.url, network: "localnet" })
        : new SuiJsonRpcClient({ url: d.url, network: "localnet" });
    await requestSuiFromFaucetV2({ host: d.url, recipient: alice.toSuiAddress() });
    await requestSuiFromFaucetV2({ host: d.url, recipient: bob.toSuiAddress() });
    ({ pkg, counterId } = await publishProbe(client, alice));
    atoma = new AtomaClient(client, { packageId: pkg, registryId: counterId });
  }, 300_000);

  afterAll(async () => {
    await d?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
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
