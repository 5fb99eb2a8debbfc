/**
 * Sampling cost against the size M of one capability's eligible set, on the devnet executing
 * the real `atoma` bytecode: M = 100, 1_000, 10_000 nodes (more with an argument) registered on
 * one capability in batched PTBs, then per M the Move instructions the devnet interprets and
 * the computation gas (devnet meter) of `create_request` with sampling (3 nodes) and of
 * `sample_nodes` (3 nodes). Peer: the same figure at M = 100 in the same run; the sum tree
 * should grow with log M (one tree level per 16× M), so the ratio per 10× M stays near 1.
 *
 *   tsx devnet/bench/protocol.bench.ts [maxM=10000]
 */

import { Transaction } from "@mysten/sui/transactions";
import { ed25519 } from "@noble/curves/ed25519.js";
import { type Env, funded, startAtomaDevnet } from "../test/atoma/harness.js";

const MAX_M = Number(process.argv[2] ?? 10_000);
const SIZES = [100, 1_000, 10_000, 100_000].filter((m) => m <= MAX_M);
const SUI = 1_000_000_000n;
const BATCH = 250;
const CAP = "bench-cap";

async function registerBatch(env: Env, from: number, count: number): Promise<void> {
  const kp = await funded(env.d.url);
  const tx = new Transaction();
  const stakes = tx.splitCoins(
    tx.gas,
    Array.from({ length: count }, (_, i) => tx.pure.u64((100n + BigInt((from + i) % 50)) * SUI)),
  );
  for (let i = 0; i < count; i++) {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, from + i);
    const pk = ed25519.getPublicKey(seed);
    const cap = tx.moveCall({
      target: `${env.deployed.packageId}::node::register_node`,
      arguments: [
        tx.object(env.deployed.registryId),
        stakes[i]!,
        tx.pure.vector("u8", pk),
        tx.pure.vector("u8", pk),
        tx.pure.vector("vector<u8>", [Array.from(new TextEncoder().encode(CAP))]),
        tx.pure.u64(SUI),
      ],
    });
    tx.transferObjects([cap], kp.toSuiAddress());
  }
  tx.setGasBudget(50_000_000_000n);
  const r = await env.sui.signAndExecuteTransaction({ transaction: tx, signer: kp, options: { showEffects: true } });
  if (r.effects?.status.status !== "success") throw new Error(`register batch at ${from}: ${r.effects?.status.error}`);
}

async function gasOf(env: Env, digest: string): Promise<number> {
  const t = await env.sui.getTransactionBlock({ digest, options: { showEffects: true } });
  return Number(t.effects?.gasUsed.computationCost ?? 0);
}

async function main() {
  const env = await startAtomaDevnet("bench-protocol", { faucetAmount: 10n ** 17n });
  const requester = await funded(env.d.url, "bench-requester");
  const sampler = await funded(env.d.url, "bench-sampler");
  const rows: { m: number; createInstr: number; createGas: number; sampleInstr: number; sampleGas: number }[] = [];
  let registered = 0;
  try {
    for (const m of SIZES) {
      const t0 = performance.now();
      while (registered < m) {
        const n = Math.min(BATCH, m - registered);
        await registerBatch(env, registered, n);
        registered += n;
      }
      const regS = (performance.now() - t0) / 1000;
      const q = { kind: 0, capability: CAP, sampleSize: 3, maxPrice: SUI } as const;
      let before = env.d.runtime.vmStats.instructions;
      const created = await env.atoma.createRequest(requester, { ...q, input: new TextEncoder().encode(`c${m}`) });
      const createInstr = env.d.runtime.vmStats.instructions - before;
      const createGas = await gasOf(env, created.createDigest);
      const unsampled = await env.atoma.createRequest(requester, {
        ...q,
        input: new TextEncoder().encode(`s${m}`),
        sample: false,
      });
      before = env.d.runtime.vmStats.instructions;
      const sampled = await env.atoma.sampleNodes(sampler, unsampled.requestId);
      const sampleInstr = env.d.runtime.vmStats.instructions - before;
      const sampleGas = await gasOf(env, sampled.digest);
      rows.push({ m, createInstr, createGas, sampleInstr, sampleGas });
      console.log(
        `M=${m}: registered in ${regS.toFixed(1)} s; create_request+sample ${createInstr} instructions, ${createGas} MIST computation; sample_nodes ${sampleInstr} instructions, ${sampleGas} MIST`,
      );
    }
  } finally {
    await env.d.close();
  }
  const base = rows[0];
  if (!base) throw new Error("no sizes measured");
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i]!;
    const prev = rows[i - 1]!;
    console.log(`M ${prev.m} -> ${r.m}: sample_nodes instructions ×${(r.sampleInstr / prev.sampleInstr).toFixed(3)}`);
  }
  const last = rows.at(-1)!;
  const decades = Math.log10(last.m / base.m);
  const perDecade = decades > 0 ? (last.sampleInstr / base.sampleInstr) ** (1 / decades) : 1;
  // Target: logarithmic growth, i.e. well under the ×10 per decade of a linear sampler; 1.5 leaves
  // room for one extra tree level per 16× M and the per-draw constant.
  const target = 1.5;
  console.log(
    JSON.stringify({
      bench: "protocol",
      figure: `sample_nodes instructions growth per 10x M (M=${base.m}..${last.m})`,
      value: Number(perDecade.toFixed(3)),
      unit: "ratio",
      peer: `sample_nodes instructions at M=${base.m}`,
      peerValue: base.sampleInstr,
      ratio: Number((last.sampleInstr / base.sampleInstr).toFixed(3)),
      target,
      met: perDecade <= target,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
