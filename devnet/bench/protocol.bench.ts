/**
 * Sampling cost against the size M of one capability's eligible set, on the devnet executing
 * the real `atoma` bytecode: M = 100, 1_000, 10_000 nodes (more with an argument) registered on
 * one capability in batched PTBs, then per M the Move instructions the devnet interprets and
 * the computation gas (devnet meter) of `create_request` with sampling (3 nodes) and of
 * `sample_nodes` (3 nodes). Then the dispute path on that request (issue 13 B: `escalate` reads
 * the Registry only): nobody commits, `settle` opens the dispute, `escalate` samples 6 fresh
 * nodes, nobody commits again, `settle` fails the request and slashes all 9 absentees (the
 * largest settle of a 3-node request), then `sweep_fees` moves the slashes to the treasury.
 * Each settle is the three-call PTB (issue 13 B stage 2: `settle_begin`, `settle_node` per
 * assigned NodeAccount, `settle_end`); per transaction the shared objects it wrote are printed
 * too (from the effects), and whether the Registry is among them (it must not be for settle).
 * Peer: the same figure at M = 100 in the same run; the sum tree should grow with log M (one
 * tree level per 16× M), so the ratio per 10× M stays near 1, and settle should not grow at all.
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
const STEPS = ["settle_open", "escalate", "settle_fail_9_slashes", "sweep_fees"] as const;
type Step = (typeof STEPS)[number];

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

/** Computation gas and the shared objects the transaction wrote (from its effects). */
async function effectsOf(env: Env, digest: string): Promise<{ gas: number; sharedWritten: string[] }> {
  const t = await env.sui.getTransactionBlock({ digest, options: { showEffects: true } });
  const sharedWritten = (t.effects?.mutated ?? [])
    .filter((o) => typeof o.owner === "object" && o.owner !== null && "Shared" in o.owner)
    .map((o) => o.reference.objectId);
  return { gas: Number(t.effects?.gasUsed.computationCost ?? 0), sharedWritten };
}

async function gasOf(env: Env, digest: string): Promise<number> {
  return (await effectsOf(env, digest)).gas;
}

async function main() {
  const env = await startAtomaDevnet("bench-protocol", { faucetAmount: 10n ** 17n });
  const requester = await funded(env.d.url, "bench-requester");
  const sampler = await funded(env.d.url, "bench-sampler");
  const rows: {
    m: number;
    createInstr: number;
    createGas: number;
    sampleInstr: number;
    sampleGas: number;
    dispute: Record<Step, { instr: number; gas: number; shared: number; registryWritten: boolean }>;
  }[] = [];
  /** One transaction's interpreted instructions and computation gas. */
  const measure = async (run: () => Promise<{ digest: string }>) => {
    const before = env.d.runtime.vmStats.instructions;
    const r = await run();
    const instr = env.d.runtime.vmStats.instructions - before;
    const { gas, sharedWritten } = await effectsOf(env, r.digest);
    const registryWritten = sharedWritten.includes(env.deployed.registryId);
    return { instr, gas, shared: sharedWritten.length, registryWritten };
  };
  // past the commit and reveal windows (defaults 300 s + 120 s)
  const pastReveal = () => env.d.clock.advance(420_001);
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
      const id = unsampled.requestId;
      pastReveal();
      const open = await measure(() => env.atoma.settle(sampler, id));
      const escalate = await measure(() => env.atoma.escalate(sampler, id));
      if ((await env.atoma.getRequest(id)).assignments.length !== 9) throw new Error(`M=${m}: escalation sampled < 6`);
      pastReveal();
      const fail = await measure(() => env.atoma.settle(sampler, id));
      const sweep = await measure(() => env.atoma.sweepFees(sampler, [id]));
      const dispute = { settle_open: open, escalate, settle_fail_9_slashes: fail, sweep_fees: sweep };
      rows.push({ m, createInstr, createGas, sampleInstr, sampleGas, dispute });
      console.log(
        `M=${m}: registered in ${regS.toFixed(1)} s; create_request+sample ${createInstr} instructions, ${createGas} MIST computation; sample_nodes ${sampleInstr} instructions, ${sampleGas} MIST; ${Object.entries(
          dispute,
        )
          .map(
            ([k, v]) =>
              `${k} ${v.instr} instructions, ${v.gas} MIST, ${v.shared} shared objects written${v.registryWritten ? " (Registry among them)" : ""}`,
          )
          .join("; ")}`,
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
  /** One JSON line: growth per 10× M of a figure, against the same figure at the smallest M. */
  const growth = (name: string, at: (r: (typeof rows)[number]) => number, target: number) => {
    const perDecade = decades > 0 ? (at(last) / at(base)) ** (1 / decades) : 1;
    console.log(
      JSON.stringify({
        bench: "protocol",
        figure: `${name} instructions growth per 10x M (M=${base.m}..${last.m})`,
        value: Number(perDecade.toFixed(3)),
        unit: "ratio",
        peer: `${name} instructions at M=${base.m}`,
        peerValue: at(base),
        ratio: Number((at(last) / at(base)).toFixed(3)),
        target,
        met: perDecade <= target,
      }),
    );
  };
  for (const k of STEPS) console.log(`${k}: ${rows.map((r) => `M=${r.m} ${r.dispute[k].instr}`).join(", ")}`);
  // No global shared object on the request path (issue 13 B stage 2): the settle that slashes 9
  // nodes writes the Request and the 9 NodeAccounts, never the Registry; peer: sweep_fees, the
  // one call that is meant to write the Registry (off the request path).
  const registryWrites = rows.filter(
    (r) => r.dispute.settle_fail_9_slashes.registryWritten || r.dispute.settle_open.registryWritten,
  ).length;
  console.log(
    JSON.stringify({
      bench: "protocol",
      figure: `settle transactions that wrote the Registry (M=${base.m}..${last.m}, ${rows.length * 2} settles)`,
      value: registryWrites,
      unit: "transactions",
      peer: "sweep_fees transactions that wrote the Registry",
      peerValue: rows.filter((r) => r.dispute.sweep_fees.registryWritten).length,
      ratio: rows.length > 0 ? registryWrites / rows.length : 0,
      target: 0,
      met: registryWrites === 0,
    }),
  );
  // escalate samples like sample_nodes (log M); settle and sweep touch no tree: flat (1.05 leaves
  // room for the interpreter's noise).
  growth("escalate", (r) => r.dispute.escalate.instr, 1.5);
  growth("settle (fail, 9 slashes)", (r) => r.dispute.settle_fail_9_slashes.instr, 1.05);
  // Target: logarithmic growth, i.e. well under the ×10 per decade of a linear sampler; 1.5 leaves
  // room for one extra tree level per 16× M and the per-draw constant.
  growth("sample_nodes", (r) => r.sampleInstr, 1.5);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
