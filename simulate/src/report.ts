/**
 * The default scenario set and the report: P(wrong) against the closed form at
 * f ∈ {0.1, 0.2, 0.33, 0.5} × N ∈ {3, 5, 10} (importance sampling where the event is rarer
 * than the run can see), profit per strategy against f, the requester's cost against the
 * security level; written as report.md, report.json and three SVG plots into one folder.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closedForm } from "./closed-form.js";
import { ConfigError } from "./errors.js";
import { resolveScenario, type Scenario, STRATEGIES } from "./scenario.js";
import type { Progress } from "./simulator.js";
import { run, type Summary } from "./summary.js";
import { plot } from "./svg.js";

export const VALIDATION_F = [0.1, 0.2, 0.33, 0.5];
export const VALIDATION_N = [3, 5, 10];
export const PROFIT_F = [0.1, 0.2, 0.33, 0.5];

export interface SuiteOptions {
  base: Scenario;
  /** Requests per validation point, per strategy point, per cost point. */
  validationRequests: number;
  strategyRequests: number;
  costRequests: number;
  onScenario?: (label: string, i: number, total: number) => void;
  progress?: Progress;
}

export interface SuiteResult {
  validation: Summary[];
  strategies: Summary[];
  cost: Summary[];
  seconds: number;
}

/** Tilt that moves the adversary's sampled share from f to about 0.6. */
export function tiltFor(f: number): number {
  return f >= 0.6 ? 1 : (0.6 * (1 - f)) / (0.4 * f);
}

export function runSuite(o: SuiteOptions): SuiteResult {
  const t0 = performance.now();
  const plan: { label: string; kind: "validation" | "strategies" | "cost"; s: Scenario }[] = [];
  const b = o.base;
  for (const n of VALIDATION_N) {
    for (const f of VALIDATION_F) {
      const s0 = resolveScenario(
        {
          name: `validate-f${f}-n${n}`,
          f,
          sampleSize: n,
          strategy: "collude-smart",
          stakeDist: "uniform",
          requests: o.validationRequests,
          churn: 0,
        },
        "suite",
        b,
      );
      // Rare events: importance sampling when the run would expect fewer than 30 wrong outputs.
      const cf = closedForm({ strategy: "collude-smart", sampleSize: n, quorumBps: s0.quorumBps, f });
      const tilt = cf && cf.p * o.validationRequests < 30 ? tiltFor(f) : 1;
      plan.push({ label: s0.name, kind: "validation", s: { ...s0, tilt } });
    }
  }
  for (const st of STRATEGIES) {
    for (const f of PROFIT_F) {
      plan.push({
        label: `strategy-${st}-f${f}`,
        kind: "strategies",
        s: resolveScenario(
          {
            name: `strategy-${st}-f${f}`,
            strategy: st,
            f,
            requests: o.strategyRequests,
            honestCrash: b.honestCrash || 0.002,
            honestNondet: b.honestNondet || 0.002,
          },
          "suite",
          b,
        ),
      });
    }
  }
  for (let n = 1; n <= 20; n++) {
    plan.push({
      label: `cost-n${n}`,
      kind: "cost",
      s: resolveScenario(
        { name: `cost-n${n}`, sampleSize: n, strategy: "collude-smart", f: 0.2, requests: o.costRequests },
        "suite",
        b,
      ),
    });
  }
  const out: SuiteResult = { validation: [], strategies: [], cost: [], seconds: 0 };
  plan.forEach((p, i) => {
    o.onScenario?.(p.label, i, plan.length);
    out[p.kind].push(run(p.s, o.progress));
  });
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

const sci = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : v === 0 ? "0" : v.toExponential(2);
const fix = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : "—");

function ciOf(s: Summary): [number, number] {
  const c = s.pWrongCI;
  return "normal" in c ? [c.normal.lo, c.normal.hi] : [c.clopperPearson.lo, c.clopperPearson.hi];
}

export function plots(r: SuiteResult, quorumBps: number): Record<string, string> {
  const fGrid: number[] = [];
  for (let f = 0.02; f <= 0.6001; f += 0.02) fGrid.push(Number(f.toFixed(2)));
  const ns = [1, 2, 3, 5, 7, 10, 15, 20];
  const curves = ns.map((n) => ({
    name: `N=${n} closed form`,
    points: fGrid.map(
      (f) => [f, closedForm({ strategy: "collude-smart", sampleSize: n, quorumBps, f })?.p ?? 0] as [number, number],
    ),
  }));
  const sims = VALIDATION_N.map((n) => {
    const pts = r.validation.filter((s) => s.inputs.sampleSize === n);
    return {
      name: `N=${n} simulated (95% CI)`,
      color: ns.indexOf(n),
      points: pts.map((s) => [s.fRealized, s.pWrong] as [number, number]),
      bars: pts.map(ciOf),
      line: false,
    };
  });
  const pWrong = plot({
    title: "P(wrong output settles) vs adversary stake share f (collude-smart)",
    xLabel: "adversary share of capped stake f",
    yLabel: "P(wrong settles)",
    x: "linear",
    y: "log",
    yMin: 1e-30,
    series: [...curves, ...sims],
  });
  const profit = plot({
    title: "Adversary profit per request vs f (SUI, symlog; no external gain)",
    xLabel: "adversary share f",
    yLabel: "profit per request (SUI)",
    x: "linear",
    y: "symlog",
    linthresh: 1e-4,
    series: STRATEGIES.map((st) => {
      const pts = r.strategies.filter((s) => s.inputs.strategy === st);
      return {
        name: st,
        points: pts.map(
          (s) =>
            [s.inputs.f, s.adversaryProfitPerRequest - s.adversaryBreakdownSui.external / s.requests] as [
              number,
              number,
            ],
        ),
      };
    }),
  });
  const costSeries = [0.1, 0.2, 0.33].map((f) => ({
    name: `f=${f}`,
    points: r.cost.map((s) => {
      const p = closedForm({ strategy: "collude-smart", sampleSize: s.inputs.sampleSize, quorumBps, f })?.p ?? 1;
      return [-Math.log10(Math.max(p, 1e-300)), s.costVsOneNode] as [number, number];
    }),
  }));
  const cost = plot({
    title: "Requester cost vs security level (N = 1…20)",
    xLabel: "security: −log10 P(wrong settles), closed form",
    yLabel: "cost per request / cost of one node",
    x: "linear",
    y: "linear",
    series: costSeries,
  });
  return { "p-wrong-vs-f.svg": pWrong, "profit-vs-f.svg": profit, "cost-vs-security.svg": cost };
}

export function markdown(r: SuiteResult, command: string): string {
  const L: string[] = [];
  L.push("# Sampling-consensus security report", "");
  L.push(`Produced by \`${command}\` in ${r.seconds.toFixed(1)} s.`, "");
  L.push("## P(wrong output settles): simulated vs closed form (collude-smart, uniform stakes)", "");
  L.push(
    "Closed form: exact enumeration over the hypergeometric sample compositions with the contract's round-0 and round-1 rules. Estimator: plain Monte Carlo (95 % Clopper–Pearson interval) or importance sampling (adversary weights × tilt, likelihood ratio per draw; 95 % normal interval) where fewer than 30 wrong outputs were expected.",
    "",
  );
  L.push(
    "| f | N | requests | estimator | wrong | P(wrong) | 95 % CI | closed form | f^N term | escalation term | in CI |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const s of r.validation) {
    const [lo, hi] = ciOf(s);
    L.push(
      `| ${fix(s.fRealized, 3)} | ${s.inputs.sampleSize} | ${s.requests} | ${s.estimator}${s.inputs.tilt !== 1 ? ` (tilt ${s.inputs.tilt.toFixed(2)})` : ""} | ${s.wrongSettled} | ${sci(s.pWrong)} | [${sci(lo)}, ${sci(hi)}] | ${sci(s.pClosedForm)} | ${sci(s.closedForm?.pAllSeats)} | ${sci(s.closedForm?.pEscalation)} | ${s.withinCI ? "yes" : "no"} |`,
    );
  }
  L.push("", "## Strategies: profit per request (SUI, without external gain) and effects", "");
  L.push(
    "| strategy | f | P(wrong) | closed form | escalation rate | failed | honest slashed (in-time, correct won) | adversary paid | slashed | compute | gas | profit / request | break-even value per wrong output (SUI) |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const s of r.strategies) {
    const b = s.adversaryBreakdownSui;
    L.push(
      `| ${s.inputs.strategy} | ${s.inputs.f} | ${sci(s.pWrong)} | ${sci(s.pClosedForm)} | ${fix(s.escalationRate)} | ${s.failed} | ${s.honestSlashed} (${s.honestInTimeSlashedCorrectWon}) | ${fix(b.paid, 2)} | ${fix(b.slashed, 2)} | ${fix(b.compute, 2)} | ${fix(b.gas, 2)} | ${fix(s.adversaryProfitPerRequest - b.external / s.requests, 5)} | ${s.breakEvenWrongValue === null ? "—" : fix(s.breakEvenWrongValue, 3)} |`,
    );
  }
  L.push("", "## Requester's cost of security (collude-smart, f = 0.2)", "");
  L.push(
    "| N | cost / request (SUI) | × one node | P(wrong) closed form at f=0.1 | f=0.2 | f=0.33 | mean settle (s) | p99 settle (s) |",
  );
  L.push("|---|---|---|---|---|---|---|---|");
  for (const s of r.cost) {
    const n = s.inputs.sampleSize;
    const cf = (f: number) =>
      sci(closedForm({ strategy: "collude-smart", sampleSize: n, quorumBps: s.inputs.quorumBps, f })?.p);
    L.push(
      `| ${n} | ${fix(s.requesterCostPerRequest, 5)} | ${fix(s.costVsOneNode, 2)} | ${cf(0.1)} | ${cf(0.2)} | ${cf(0.33)} | ${fix(s.settleMs.mean / 1000, 1)} | ${fix(s.settleMs.p99 / 1000, 1)} |`,
    );
  }
  L.push("", "Plots: `p-wrong-vs-f.svg`, `profit-vs-f.svg`, `cost-vs-security.svg`.", "");
  return `${L.join("\n")}\n`;
}

/** Writes the report folder atomically (a temp folder renamed into place). */
export function writeReport(dir: string, r: SuiteResult, command: string, quorumBps: number): string {
  const final = path.resolve(dir);
  if (existsSync(final)) throw new ConfigError("--out", `${final} exists; name a new folder`);
  const tmp = `${final}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, "report.md"), markdown(r, command));
  writeFileSync(path.join(tmp, "report.json"), `${JSON.stringify({ command, ...r }, null, 2)}\n`);
  for (const [name, svg] of Object.entries(plots(r, quorumBps))) writeFileSync(path.join(tmp, name), svg);
  mkdirSync(path.dirname(final), { recursive: true });
  renameSync(tmp, final);
  return final;
}
