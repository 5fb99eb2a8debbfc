import type { ClientWithCoreApi } from "@mysten/sui/client";
import { requestSuiFromFaucetV2 } from "@mysten/sui/faucet";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { randomBytes } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningDevnet } from "../../../devnet/src/index.js";
import { type ProbeDevnet, startProbeDevnet } from "../../../devnet/test/probe.js";
import { testClient, testDevnetOptions, testTransport } from "../../../test/setup/transport.js";
import {
  AtomaClient,
  GasMeasurements,
  OutOfGasError,
  PreparedEd25519Keypair,
  pureBytes,
  transactionShape,
} from "../../src/client/index.js";

describe("AtomaClient transaction lanes (devnet)", () => {
  let net: ProbeDevnet<ClientWithCoreApi>;
  let d: RunningDevnet;
  let client: ClientWithCoreApi;
  let pkg = "";
  let counterId = "";
  const alice = Ed25519Keypair.generate();

  const bump = () => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::bump`,
      arguments: [tx.object(counterId), tx.pure.u64(1), tx.object.clock()],
    });
    return tx;
  };
  const tag = (key: number, noteBytes: number) => {
    const tx = new Transaction();
    tx.moveCall({
      target: `${pkg}::counter::tag`,
      arguments: [tx.object(counterId), tx.pure.u64(key), tx.pure.vector("u8", new Uint8Array(noteBytes).fill(7))],
    });
    return tx;
  };
  const client_ = (o: ConstructorParameters<typeof AtomaClient>[2] = {}) =>
    new AtomaClient(client, { packageId: pkg, registryId: counterId }, o);

  beforeAll(async () => {
    net = await startProbeDevnet({
      seed: "sdk-lanes",
      options: { checkpointIntervalMs: 0, ...testDevnetOptions() },
      client: (url) => testClient(url),
      funded: [alice],
    });
    ({ d, client, pkg, counterId } = net);
  }, 300_000);

  afterAll(async () => {
    await net?.close();
  });

  it("sends a warm lane's transactions with no read: no dry run, coin listing, object or gas price read", async () => {
    const atoma = client_();
    await atoma.execute(bump(), alice); // cold: resolves refs, dry-runs the budget once
    expect(atoma.lanes.counts).toMatchObject({ budgeted: 0, dryRuns: 1 });
    const calls: string[] = [];
    const core = client.core as unknown as Record<string, (...a: unknown[]) => unknown>;
    const watched = [
      "simulateTransaction",
      "listCoins",
      "getBalance",
      "getObjects",
      "getObject",
      "getCurrentSystemState",
      "getReferenceGasPrice",
      "getMoveFunction",
      "waitForTransaction",
    ];
    const spies = watched.map((m) => {
      const original = core[m]?.bind(client.core);
      return vi.spyOn(core, m).mockImplementation((...a: unknown[]) => {
        calls.push(m);
        return original?.(...a);
      });
    });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await atoma.execute(bump(), alice);
        expect(r.effects.status.success).toBe(true);
      }
    } finally {
      for (const s of spies) s.mockRestore();
    }
    // JSON-RPC keeps its wait for indexing (one read per transaction); gRPC reads nothing.
    expect(calls).toEqual(
      testTransport() === "grpc" ? [] : ["waitForTransaction", "waitForTransaction", "waitForTransaction"],
    );
    expect(atoma.lanes.counts).toMatchObject({ sent: 4, budgeted: 3, dryRuns: 1, gasPriceReads: 1, staleRetries: 0 });
  }, 116_000);

  it("a measured budget that falls short is dry-run and sent again once (the write is not lost)", async () => {
    const atoma = client_();
    // [untag k, tag k note] plus an unused pure input of `pad` bytes: the same shape and the same
    // input size whatever the split, and a longer note needs more storage.
    const retag = (noteBytes: number, pad: number) => {
      const tx = new Transaction();
      tx.pure.vector("u8", new Uint8Array(pad));
      tx.moveCall({ target: `${pkg}::counter::untag`, arguments: [tx.object(counterId), tx.pure.u64(5)] });
      tx.moveCall({
        target: `${pkg}::counter::tag`,
        arguments: [tx.object(counterId), tx.pure.u64(5), tx.pure.vector("u8", new Uint8Array(noteBytes).fill(9))],
      });
      return tx;
    };
    await atoma.execute(tag(5, 8), alice);
    await atoma.execute(retag(8, 15_992), alice); // measures the shape with an 8-byte note
    expect(transactionShape(retag(16_000, 0))).toBe(transactionShape(retag(8, 15_992)));
    expect(pureBytes(retag(16_000, 0))).toBe(pureBytes(retag(8, 15_992)));
    const r = await atoma.execute(retag(16_000, 0), alice); // 16 KB more storage: the measured budget runs out
    expect(r.effects.status.success).toBe(true);
    expect(atoma.lanes.counts).toMatchObject({ outOfGasRetries: 1, dryRuns: 3 }); // tag, retag, the retry
    // The retry's budget is now the measure: the next one goes through at once.
    await atoma.execute(retag(16_000, 0), alice);
    expect(atoma.lanes.counts).toMatchObject({ outOfGasRetries: 1, dryRuns: 3 });
  }, 120_000);

  it("a transaction with larger pure inputs than any measured for its shape is dry-run first, not sent short", async () => {
    const atoma = client_();
    await atoma.execute(tag(8, 8), alice);
    const r = await atoma.execute(tag(9, 16_000), alice);
    expect(r.effects.status.success).toBe(true);
    expect(atoma.lanes.counts).toMatchObject({ outOfGasRetries: 0, dryRuns: 2, budgeted: 0 });
    await atoma.execute(tag(10, 12_000), alice); // within the measured size: no dry run
    expect(atoma.lanes.counts).toMatchObject({ outOfGasRetries: 0, dryRuns: 2, budgeted: 1 });
  }, 120_000);

  it("a fixed budget too small for the transaction fails loudly with OutOfGasError", async () => {
    const atoma = client_({ gasBudget: 2_000_000n });
    const err = await atoma.execute(tag(3, 16_000), alice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfGasError);
    expect((err as OutOfGasError).budget).toBe(2_000_000n);
    expect((err as OutOfGasError).message).toMatch(/ran out of gas \(budget 2000000 MIST\)/);
    expect(atoma.lanes.counts.outOfGasRetries).toBe(0);
  }, 116_000);

  it("keeps a budget the caller set on the transaction (too small: OutOfGasError, no resend)", async () => {
    const atoma = client_();
    await atoma.execute(tag(6, 8), alice); // measured: would be enough for an 8-byte note
    const tx = tag(7, 16_000);
    tx.setGasBudget(2_000_000);
    const err = await atoma.execute(tx, alice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfGasError);
    expect((err as OutOfGasError).budget).toBe(2_000_000n);
    expect(atoma.lanes.counts.outOfGasRetries).toBe(0);
  }, 120_000);

  it("a gas coin moved by another client with the same key is resolved again once", async () => {
    const a = client_();
    const b = client_();
    await a.execute(bump(), alice);
    await b.execute(bump(), alice); // moves alice's gas coin past a's cached version
    const r = await a.execute(bump(), alice);
    expect(r.effects.status.success).toBe(true);
    expect(a.lanes.counts.staleRetries).toBe(1);
  }, 116_000);

  it("lanes sharing GasMeasurements dry-run a shape once for all of them (another client and signer: a PreparedEd25519Keypair)", async () => {
    const shared = new GasMeasurements();
    const a = client_({ measurements: shared });
    const b = client_({ measurements: shared });
    const alone = client_();
    const bob = PreparedEd25519Keypair.fromSeed(randomBytes(32));
    await requestSuiFromFaucetV2({ host: d.url, recipient: bob.toSuiAddress() });
    await a.execute(bump(), alice);
    expect(a.lanes.counts).toMatchObject({ dryRuns: 1, budgeted: 0 });
    // b sends the shape a measured with no dry run, signed by the prepared key (the chain checks it)
    const r = await b.execute(bump(), bob);
    expect(r.effects.status.success).toBe(true);
    expect(b.lanes.counts).toMatchObject({ sent: 1, dryRuns: 0, budgeted: 1 });
    // a client with its own measurements learns the shape again
    await alone.execute(bump(), bob);
    expect(alone.lanes.counts).toMatchObject({ dryRuns: 1, budgeted: 0 });
  }, 120_000);

  it("refuses a non-positive fixed budget and a margin under 1", () => {
    expect(() => client_({ gasBudget: 0n })).toThrow(/gasBudget must be positive/);
    expect(() => client_({ margin: 0.5 })).toThrow(/margin must be at least 1/);
  });
});
