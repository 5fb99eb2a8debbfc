/**
 * Simulator throughput and scaling. Figures, each against a peer measured in the same run:
 *  1. requests/s with the Fenwick sampler vs the contract's linear walk (sampling::draw), 10 000
 *     nodes in one eligible set, N = 3;
 *  2. seconds for 10 000 nodes × 1 000 000 requests (20 capabilities of 500 nodes, within the
 *     contract's max_eligible_per_capability), target < 60 s; peer: the linear walk on the same
 *     scenario, projected from 100 000 requests;
 *  3. scaling: requests/s at 1 000 / 10 000 / 100 000 nodes and 100 000 / 1 000 000 requests.
 *
 *   pnpm bench simulate          (tsx simulate/bench/simulate.bench.ts [scale=1])
 */
import { resolveScenario } from "../src/scenario.js";
import { simulate } from "../src/simulator.js";

const scale = Number(process.argv[2] ?? 1);
const R = (n: number) => Math.max(1_000, Math.round(n * scale));

function rate(o: Record<string, unknown>): { rps: number; seconds: number; requests: number } {
  const s = resolveScenario({ name: "bench", strategy: "collude-smart", f: 0.2, sampleSize: 3, ...o }, "bench");
  const r = simulate(s);
  return { rps: r.counters.requests / r.seconds, seconds: r.seconds, requests: r.counters.requests };
}

function line(
  figure: string,
  value: number,
  unit: string,
  peer: string,
  peerValue: number,
  target: number | null,
  met: boolean | null,
) {
  const round = (v: number) => Number(v.toPrecision(4));
  console.log(
    JSON.stringify({
      bench: "simulate",
      figure,
      value: round(value),
      unit,
      peer,
      peerValue: round(peerValue),
      ratio: round(value / peerValue),
      target,
      met,
    }),
  );
}

// warm up the JIT
rate({ nodes: 1_000, requests: 20_000 });

// 1. sampler vs the contract's walk, one eligible set of 10 000 nodes
const fen = rate({ nodes: 10_000, capabilities: 1, requests: R(200_000) });
const lin = rate({ nodes: 10_000, capabilities: 1, requests: R(10_000), sampler: "linear" });
console.log(
  `10 000 nodes, 1 capability: fenwick ${Math.round(fen.rps)} requests/s, linear walk ${Math.round(lin.rps)} requests/s`,
);
line(
  "requests/s, 10k nodes in one eligible set, N=3",
  fen.rps,
  "requests/s",
  "linear-walk sampler (sampling::draw), same scenario",
  lin.rps,
  null,
  null,
);

// 2. the target: 10k nodes × 1M requests in under 60 s
const big = rate({ nodes: 10_000, capabilities: 20, requests: R(1_000_000) });
const bigLin = rate({ nodes: 10_000, capabilities: 20, requests: R(100_000), sampler: "linear" });
const projected = big.requests / bigLin.rps;
console.log(
  `10 000 nodes × ${big.requests} requests: ${big.seconds.toFixed(1)} s (${Math.round(big.rps)} requests/s); linear walk ${Math.round(bigLin.rps)} requests/s`,
);
line(
  `seconds for 10k nodes × ${big.requests} requests (20 capabilities of 500)`,
  big.seconds,
  "s",
  "linear-walk sampler, same scenario (projected from 100k requests)",
  projected,
  60,
  big.seconds < 60 * Math.max(1, scale),
);

// 3. scaling with nodes (one eligible set) and with requests
const rows: [string, number, number][] = [];
for (const nodes of [1_000, 10_000, 100_000]) {
  const x = rate({ nodes, capabilities: 1, requests: R(100_000) });
  rows.push([`${nodes} nodes × ${x.requests} requests`, x.rps, x.seconds]);
}
const small = rate({ nodes: 10_000, capabilities: 1, requests: R(100_000) });
const large = rate({ nodes: 10_000, capabilities: 1, requests: R(1_000_000) });
rows.push([`10000 nodes × ${small.requests} requests`, small.rps, small.seconds]);
rows.push([`10000 nodes × ${large.requests} requests`, large.rps, large.seconds]);
for (const [label, rps, secs] of rows)
  console.log(`${label.padEnd(36)} ${String(Math.round(rps)).padStart(8)} requests/s  ${secs.toFixed(2)} s`);
const at1k = rows[0]?.[1] ?? 1;
const at100k = rows[2]?.[1] ?? 1;
line(
  "requests/s at 100k nodes (one eligible set)",
  at100k,
  "requests/s",
  "the same at 1k nodes (O(log M) sampling; the rest is cache misses)",
  at1k,
  null,
  null,
);
line(
  `requests/s at 10k nodes × ${large.requests} requests`,
  large.rps,
  "requests/s",
  `the same at ${small.requests} requests (linear in requests: flat)`,
  small.rps,
  null,
  null,
);
