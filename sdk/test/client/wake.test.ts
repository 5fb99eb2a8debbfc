import { SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProbeDevnet, startProbeDevnet } from "../../../devnet/test/probe.js";
import { AtomaClient, wakeOnCheckpoints } from "../../src/client/index.js";

describe("wakeOnCheckpoints (devnet, gRPC)", () => {
  let net: ProbeDevnet<SuiGrpcClient>;
  let client: SuiGrpcClient;
  let atoma: AtomaClient;
  let pkg = "";
  let counterId = "";
  const alice = Ed25519Keypair.generate();

  beforeAll(async () => {
    net = await startProbeDevnet({
      seed: "sdk-wake",
      options: { checkpointIntervalMs: 50 },
      client: (url) => new SuiGrpcClient({ baseUrl: url, network: "localnet" }),
      funded: [alice],
    });
    ({ client, pkg, counterId } = net);
    atoma = new AtomaClient(client, { packageId: "0x2", registryId: "0x5" });
  }, 300_000);

  afterAll(async () => {
    await net?.close();
  });

  it("wakes on a checkpoint with events, not on one without; passes each checkpoint's time", async () => {
    const ac = new AbortController();
    let wakes = 0;
    const seen: { seq: bigint; ms: bigint | null }[] = [];
    const loop = wakeOnCheckpoints(
      client,
      { wake: () => wakes++ },
      {
        signal: ac.signal,
        onCheckpoint: (seq, ms) => seen.push({ seq, ms }),
      },
    );
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(pred()).toBe(true);
    };
    try {
      // A transfer emits no event: its checkpoint comes (the stream starts at the tip, so send
      // them until one arrives) and wakes nothing.
      const before = Date.now();
      for (let i = 0; i < 20 && seen.length === 0; i++) {
        const tx = new Transaction();
        tx.transferObjects([tx.splitCoins(tx.gas, [1])], alice.toSuiAddress());
        await atoma.execute(tx, alice);
        for (let j = 0; j < 20 && seen.length === 0; j++) await new Promise((r) => setTimeout(r, 25));
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(wakes).toBe(0);
      // bump emits Bumped: its checkpoint wakes the follower.
      const tx = new Transaction();
      tx.moveCall({
        target: `${pkg}::counter::bump`,
        arguments: [tx.object(counterId), tx.pure.u64(1), tx.object.clock()],
      });
      await atoma.execute(tx, alice);
      await until(() => wakes === 1);
      const last = seen.at(-1) as { seq: bigint; ms: bigint | null };
      expect(typeof last.ms).toBe("bigint");
      // The devnet's chain time is wall time: the checkpoint closed after this test's transactions started.
      expect(Number(last.ms)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Number(last.ms)).toBeLessThanOrEqual(Date.now() + 1_000);
      for (let i = 1; i < seen.length; i++)
        expect((seen[i] as { seq: bigint }).seq).toBe((seen[i - 1] as { seq: bigint }).seq + 1n);
    } finally {
      ac.abort();
      await loop;
    }
  }, 120_000);
});
