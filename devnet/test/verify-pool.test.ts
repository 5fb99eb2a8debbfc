/**
 * Signature verification off the request thread (`runtime/verify-pool.ts`): the pool answers each
 * check of a batch in order, and a devnet verifying in workers gives the same answers as one
 * verifying on the request thread — a forged signature (right signer, valid form, wrong bytes)
 * is refused with the same error over JSON-RPC and gRPC and executes nothing; a good one gives
 * the same effects byte for byte.
 */
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { fromBase64 } from "@mysten/bcs";
import { RpcError as GrpcRpcError, SuiGrpcClient } from "@mysten/sui/grpc";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { describe, expect, it } from "vitest";
import { startDevnet } from "../src/index.js";
import type { Ed25519Check } from "../src/runtime/transaction.js";
import { VerifyPool } from "../src/runtime/verify-pool.js";

const FORGED = "Invalid user signature: Ed25519 signature verification failed";

function keyPair(seed: number) {
  const priv = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.alloc(32, seed)]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
  return { priv, pk: new Uint8Array(spki.subarray(spki.length - 32)) };
}

describe("VerifyPool", () => {
  it("answers each check of a batch in order: good, forged message, forged signature, other key", async () => {
    const pool = new VerifyPool(2);
    try {
      const a = keyPair(1);
      const b = keyPair(2);
      const checks: Ed25519Check[] = [];
      const expected: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const message = new Uint8Array(32).fill(i);
        const signature = new Uint8Array(sign(null, message, a.priv));
        const kind = i % 4;
        if (kind === 0) checks.push({ message, publicKey: a.pk, signature });
        if (kind === 1) checks.push({ message: new Uint8Array(32).fill(i + 1), publicKey: a.pk, signature });
        if (kind === 2) {
          signature[7]! ^= 1;
          checks.push({ message, publicKey: a.pk, signature });
        }
        if (kind === 3) checks.push({ message, publicKey: b.pk, signature });
        expected.push(kind === 0);
      }
      expect(await Promise.all(checks.map((c) => pool.verify(c)))).toEqual(expected);
      // Queued in one turn of the event loop: one message per worker, not one per check.
      expect(pool.stats).toEqual({ checks: 40, batches: 2 });
    } finally {
      await pool.close();
    }
    // Closed: still answers, on this thread.
    const k = keyPair(3);
    const message = new Uint8Array(32).fill(9);
    const signature = new Uint8Array(sign(null, message, k.priv));
    expect(await pool.verify({ message, publicKey: k.pk, signature })).toBe(true);
    expect(await pool.verify({ message, publicKey: keyPair(4).pk, signature })).toBe(false);
  });

  it("refuses a thread count that is not a positive integer", () => {
    expect(() => new VerifyPool(0)).toThrow(/threads must be a positive integer, got 0/);
  });
});

describe("devnet: signatures verified in workers answer as on the request thread", () => {
  const alice = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(7));
  const bob = Ed25519Keypair.fromSecretKey(new Uint8Array(32).fill(8));

  async function run(verifyThreads: number) {
    const d = await startDevnet({
      seed: "verify-pool",
      clockMs: 1_700_000_000_000n,
      checkpointIntervalMs: 0,
      verifyThreads,
    });
    try {
      expect(d.devnet.verifyPool?.threads ?? 0).toBe(verifyThreads);
      const client = new SuiJsonRpcClient({ url: d.url, network: "localnet" });
      const grpc = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
      d.runtime.faucet(alice.toSuiAddress(), 1_000_000_000_000n);
      const coin = (await client.getCoins({ owner: alice.toSuiAddress() })).data[0]!;
      const build = (budget: number) => {
        const tx = new Transaction();
        tx.setSender(alice.toSuiAddress());
        tx.setGasBudget(budget);
        tx.setGasPrice(1000);
        tx.setGasPayment([{ objectId: coin.coinObjectId, version: coin.version, digest: coin.digest }]);
        tx.transferObjects([tx.splitCoins(tx.gas, [5n])], bob.toSuiAddress());
        return tx.build();
      };
      const bytes = await build(5_000_000);
      // The attack: alice's own signature, right form and signer, over other bytes.
      const forged = (await alice.signTransaction(await build(5_000_001))).signature;
      const rpcError = await client
        .executeTransactionBlock({ transactionBlock: bytes, signature: forged })
        .catch((e: unknown) => e);
      expect(String(rpcError)).toContain(FORGED);
      const grpcError = await grpc.transactionExecutionService
        .executeTransaction({
          transaction: { bcs: { value: bytes } },
          signatures: [{ bcs: { value: fromBase64(forged) }, signature: { oneofKind: undefined } }],
        })
        .response.catch((e: unknown) => e);
      expect(grpcError).toBeInstanceOf(GrpcRpcError);
      expect((grpcError as GrpcRpcError).code).toBe("INVALID_ARGUMENT");
      expect((grpcError as GrpcRpcError).message).toContain(FORGED);
      // Nothing executed: the coin is where it was.
      const after = (await client.getCoins({ owner: alice.toSuiAddress() })).data[0]!;
      expect([after.coinObjectId, after.version, after.digest]).toEqual([coin.coinObjectId, coin.version, coin.digest]);
      expect(d.runtime.txOrder).toHaveLength(1); // the faucet's

      const good = (await alice.signTransaction(bytes)).signature;
      const r = await client.executeTransactionBlock({
        transactionBlock: bytes,
        signature: good,
        options: { showRawEffects: true, showEffects: true },
      });
      expect(r.effects?.status.status).toBe("success");
      // Sent again (and over gRPC): the executed transaction's record, not a second execution.
      const again = await grpc.transactionExecutionService.executeTransaction({
        transaction: { bcs: { value: bytes } },
        signatures: [{ bcs: { value: fromBase64(good) }, signature: { oneofKind: undefined } }],
        readMask: { paths: ["digest"] },
      });
      expect(again.response.transaction?.digest).toBe(r.digest);
      expect(d.runtime.txOrder).toHaveLength(2);
      return { digest: r.digest, rawEffects: r.rawEffects };
    } finally {
      await d.close();
    }
  }

  it("forged signatures are refused with the same error, good ones give the same effects", async () => {
    const inThread = await run(0);
    const inWorker = await run(1);
    expect(inWorker).toEqual(inThread);
    expect(inThread.rawEffects?.length).toBeGreaterThan(0);
  });
});
