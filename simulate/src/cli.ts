#!/usr/bin/env node
/**
 * atoma-simulate (`pnpm simulate`): the sampling-consensus security simulator.
 *
 *   pnpm simulate                                   default scenario set → report folder (printed)
 *   pnpm simulate --nodes 10000 --requests 1000000 --f 0.2 --sample-size 3 --strategy collude-smart --json
 *   pnpm simulate --config scenarios.json --json    each scenario of the file
 *   pnpm simulate crosscheck --requests 10000       fast model vs the contract through a devnet
 *
 * Exit codes: 0 ok, 1 runtime failure (or a cross-check mismatch), 2 usage error.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { loadConfig } from "./config.js";
import { crosscheck } from "./crosscheck.js";
import { ConfigError } from "./errors.js";
import { SUI } from "./params.js";
import { progressBar } from "./progress.js";
import { runSuite, writeReport } from "./report.js";
import {
  DEFAULT_SCENARIO,
  resolveScenario,
  type Scenario,
  STAKE_DISTS,
  STRATEGIES,
  STRATEGY_HELP,
} from "./scenario.js";
import { run, type Summary } from "./summary.js";

const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

/** Scenario flags (kebab-case) → Scenario fields. */
const SCENARIO_FLAGS: [flag: string, field: keyof Scenario, help: string, parse?: (v: string) => unknown][] = [
  ["--nodes <n>", "nodes", "nodes in the network", num("--nodes")],
  ["--requests <n>", "requests", "requests to simulate", num("--requests")],
  ["--f <share>", "f", "adversary share of the capped stake (0..0.99)", num("--f")],
  ["--sample-size <n>", "sampleSize", "N, nodes sampled per request", num("--sample-size")],
  ["--quorum-bps <bps>", "quorumBps", "quorum in basis points (5001..10000)", num("--quorum-bps")],
  ["--strategy <name>", "strategy", `adversary strategy: ${STRATEGIES.join(", ")}`],
  ["--stake-dist <name>", "stakeDist", `stake distribution: ${STAKE_DISTS.join(", ")}`],
  ["--capabilities <n>", "capabilities", "capabilities (node i serves i mod n)", num("--capabilities")],
  ["--honest-crash <p>", "honestCrash", "honest crash probability per seat", num("--honest-crash")],
  ["--honest-timeout <p>", "honestTimeout", "honest timeout probability per seat", num("--honest-timeout")],
  [
    "--honest-nondet <p>",
    "honestNondet",
    "honest nondeterministic-output probability per seat",
    num("--honest-nondet"),
  ],
  ["--churn <p>", "churn", "churn event probability per request", num("--churn")],
  ["--tilt <t>", "tilt", "importance sampling: adversary weight × t (1 = plain Monte Carlo)", num("--tilt")],
  ["--sampler <name>", "sampler", "fenwick (O(log M) per draw) or linear (the contract's O(M) walk)"],
  ["--steer-attempts <n>", "steerAttempts", "gas-steering attempts (requester, steer)", num("--steer-attempts")],
];

function scenarioOverrides(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [, field] of SCENARIO_FLAGS) if (o[field] !== undefined) out[field] = o[field];
  if (o.wrongValue !== undefined) out.wrongValue = Math.round((o.wrongValue as number) * SUI);
  if (o.seed !== undefined) out.seed = o.seed;
  return out;
}

function line(s: Summary): string {
  const ci = "normal" in s.pWrongCI ? s.pWrongCI.normal : s.pWrongCI.clopperPearson;
  return [
    `${s.inputs.name}: strategy=${s.inputs.strategy} f=${s.fRealized.toFixed(4)} N=${s.inputs.sampleSize} nodes=${s.nodesRealized} requests=${s.requests}`,
    `  P(wrong settles) = ${s.pWrong.toExponential(3)} [${ci.lo.toExponential(2)}, ${ci.hi.toExponential(2)}] (${s.estimator}); closed form ${s.pClosedForm === null ? "n/a" : `${s.pClosedForm.toExponential(3)} (${s.closedFormMethod})`}`,
    `  escalation rate ${s.escalationRate.toFixed(4)}, failed ${s.failed}, honest slashed ${s.honestSlashed} (in time while the correct output won: ${s.honestInTimeSlashedCorrectWon})`,
    `  adversary profit ${s.adversaryProfitPerRequest.toFixed(6)} SUI/request, requester cost ${s.costVsOneNode.toFixed(2)}× one node, settle p50 ${(s.settleMs.p50 / 1000).toFixed(1)} s p99 ${(s.settleMs.p99 / 1000).toFixed(1)} s`,
    `  ${s.seconds.toFixed(2)} s, ${Math.round(s.requestsPerSecond)} requests/s`,
  ].join("\n");
}

function fail(e: unknown): never {
  if (e instanceof ConfigError || e instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
}

const program = new Command()
  .name("atoma-simulate")
  .description(
    "Sampling-consensus security simulator: the contract's sampling and settlement rules on a fast model.\n" +
      "Without scenario flags: runs the default scenario set and writes report.md, report.json and SVG plots.\n\n" +
      `Strategies:\n${STRATEGIES.map((s) => `  ${s.padEnd(14)} ${STRATEGY_HELP[s]}`).join("\n")}`,
  )
  .option("--seed <seed>", "seed (same seed, same results)")
  .option("--config <file>", "scenario file: { base?: {...}, scenarios: [{...}] }")
  .option("--out <dir>", "report folder (default .atoma/simulate/<time>)")
  .option("--wrong-value <sui>", "external value per wrong output to the adversary (SUI)", num("--wrong-value"))
  .option("--quick", "default set with fewer requests (a smoke run)")
  .option("--json", "end with one JSON line")
  // `crosscheck --requests N`: options after a subcommand belong to it.
  .enablePositionalOptions()
  .exitOverride();
for (const [flag, , help, parse] of SCENARIO_FLAGS) {
  const opt = new Option(flag, help);
  if (parse) opt.argParser(parse as (v: string) => number);
  program.addOption(opt);
}

program.action(() => {
  const o = program.opts<Record<string, unknown>>();
  try {
    const over = scenarioOverrides(o);
    const single = SCENARIO_FLAGS.some(([, f]) => o[f] !== undefined);
    const cfg = o.config ? loadConfig(o.config as string, resolveScenario(over, "flags")) : null;
    if (cfg?.scenarios.length) {
      for (const s of cfg.scenarios) {
        const sum = run(s, progressBar(s.name));
        process.stdout.write(`${line(sum)}\n`);
        if (o.json) process.stdout.write(`${JSON.stringify(sum)}\n`);
      }
      return;
    }
    if (single) {
      const s = resolveScenario({ name: "cli", ...over }, "flags", cfg?.base ?? DEFAULT_SCENARIO);
      const sum = run(s, progressBar(s.name));
      process.stdout.write(`${line(sum)}\n`);
      if (o.json) process.stdout.write(`${JSON.stringify(sum)}\n`);
      return;
    }
    const base = resolveScenario(over, "flags", cfg?.base ?? DEFAULT_SCENARIO);
    const dir =
      (o.out as string | undefined) ?? path.join(".atoma", "simulate", new Date().toISOString().replace(/[:.]/g, "-"));
    if (existsSync(dir)) throw new ConfigError("--out", `${path.resolve(dir)} exists; name a new folder`);
    const quick = o.quick === true;
    const bar = process.stderr.isTTY ? progressBar("scenarios") : undefined;
    const r = runSuite({
      base,
      validationRequests: quick ? 2_000 : 40_000,
      strategyRequests: quick ? 500 : 5_000,
      costRequests: quick ? 200 : 2_000,
      onScenario: (_label, i, total) => bar?.(i + 1, total),
    });
    const command = `pnpm simulate${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
    const folder = writeReport(dir, r, command, base.quorumBps);
    process.stdout.write(`report: ${folder}\n`);
    const inCI = r.validation.filter((s) => s.withinCI).length;
    process.stdout.write(
      `${r.validation.length} validation points (${inCI} within their 95 % CI of the closed form), ${r.strategies.length} strategy runs, ${r.cost.length} cost runs in ${r.seconds.toFixed(1)} s\n`,
    );
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({
          report: folder,
          seconds: r.seconds,
          validation: r.validation.map((s) => ({
            f: s.inputs.f,
            sampleSize: s.inputs.sampleSize,
            estimator: s.estimator,
            pWrong: s.pWrong,
            pClosedForm: s.pClosedForm,
            withinCI: s.withinCI,
          })),
        })}\n`,
      );
  } catch (e) {
    fail(e);
  }
});

program
  .command("crosscheck")
  .description("run requests through a devnet (JSON-RPC + SDK) and the fast model; compare request by request")
  .option("--requests <n>", "requests", num("--requests"), 10_000)
  .option("--nodes <n>", "nodes registered", num("--nodes"), 10)
  .option("--batch <n>", "requests in flight per batch", num("--batch"), 16)
  .option("--seed <seed>", "seed", "atoma")
  .option("--json", "end with one JSON line")
  .action(async (c: { requests: number; nodes: number; batch: number; seed: string; json?: boolean }) => {
    try {
      if (!Number.isInteger(c.requests) || c.requests < 1)
        throw new ConfigError("--requests", "must be a positive integer");
      if (!Number.isInteger(c.nodes) || c.nodes < 4 || c.nodes > 900)
        throw new ConfigError("--nodes", "must be 4..900");
      if (!Number.isInteger(c.batch) || c.batch < 1 || c.batch > 64) throw new ConfigError("--batch", "must be 1..64");
      const r = await crosscheck({
        requests: c.requests,
        nodes: c.nodes,
        batch: c.batch,
        seed: c.seed,
        failFast: false,
        progress: progressBar("crosscheck"),
      });
      process.stdout.write(
        `crosscheck: ${r.requests} requests (${r.settled} settled, ${r.failed} failed, ${r.disputes} disputes, ${r.escalations} escalations (${r.escalationsTooSmall} below min_escalation), ${r.notEnoughNodes} ENotEnoughNodes), ` +
          `${r.slashesCompared} slashes and ${r.paymentsCompared} payments compared, ${r.mismatches.length} mismatches, ${r.transactions} transactions in ${r.seconds.toFixed(1)} s (${r.requestsPerSecond.toFixed(1)} requests/s)\n`,
      );
      for (const m of r.mismatches.slice(0, 20)) process.stdout.write(`  mismatch: ${m}\n`);
      if (c.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(r.mismatches.length ? 1 : 0);
    } catch (e) {
      fail(e);
    }
  });

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  fail(e);
}
