/**
 * Conformance: every scenario of devnet/src/protocol/scenarios.ts, run through the SDK against a
 * devnet with the atoma binding, must reach the outcomes the scenario declares by hand (the same
 * data the generated Move tests in move/packages/atoma/tests/conformance_tests.move assert): the oracle. It is
 * also compared step by step with the reference run of the TypeScript state machine (event names
 * and every numeric or boolean event field, aborts); that comparison is a cross-check of two
 * engines, not the oracle, and goes when the reference runner does.
 */
import { describe, expect, it } from "vitest";
import { keyCommitmentOf, runScenario } from "../../src/protocol/runner.js";
import { expectedBond, expectedReputation, SCENARIOS, START_MS } from "../../src/protocol/scenarios.js";
import { startAtomaDevnet } from "../atoma/harness.js";
import { runOnDevnet } from "./sdk-runner.js";

/** Scenarios whose outcome is decided by the randomness among non-interchangeable nodes. */
const RANDOMNESS_DECIDES = new Set(["weighted_sampling"]);

const hex = (b: ArrayLike<number>) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const isBytes = (v: unknown): v is ArrayLike<number> =>
  v instanceof Uint8Array || (Array.isArray(v) && v.every((x) => typeof x === "number"));
/** Comparable form: numbers as strings, byte vectors (and vectors of them) as hex. */
const norm = (v: unknown): unknown => {
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (isBytes(v)) return hex(v);
  if (Array.isArray(v) && v.every(isBytes)) return v.map((x) => hex(x as ArrayLike<number>));
  return v;
};
/** Event fields that do not depend on object ids or addresses (which differ on the devnet). */
const ID_DEPENDENT = new Set(["ResultCommitted.commitment"]);
const scalars = (name: string, fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(fields)
      .filter(
        ([k, v]) =>
          !ID_DEPENDENT.has(`${name}.${k}`) &&
          (typeof v === "bigint" ||
            typeof v === "number" ||
            typeof v === "boolean" ||
            v instanceof Uint8Array ||
            (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Uint8Array))),
      )
      .map(([k, v]) => [k, norm(v)]),
  );

describe("conformance scenarios through the SDK on the devnet", () => {
  it("covers every scenario", () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(18);
  });
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const ref = runScenario(s);
      const env = await startAtomaDevnet(`conformance-${s.name}`, {
        clockMs: START_MS,
        faucetAmount: 100_000n * 10n ** 9n,
      });
      try {
        const run = await runOnDevnet(env, s, ref);
        // Interchangeable nodes always re-label; unequal stakes may make the chain pick others.
        if (!RANDOMNESS_DECIDES.has(s.name)) expect(run.relabelFailed).toBe(false);
        // Step by step against the reference run.
        expect(run.steps.map((r) => r.step)).toEqual(ref.trace.map((t) => t.step));
        for (const [k, r] of run.steps.entries()) {
          const t = ref.trace[k]!;
          expect(
            r.events.map((e) => e.name),
            `${s.name} step ${k} (${r.step.do}) events`,
          ).toEqual(t.events.map((e) => e.name));
          if (RANDOMNESS_DECIDES.has(s.name)) continue;
          const want = t.events.map((e) => JSON.stringify(scalars(e.name, e.fields)));
          const got = r.events.map((e, j) => {
            const ref = t.events[j]!;
            return JSON.stringify(
              Object.fromEntries(Object.keys(scalars(ref.name, ref.fields)).map((f) => [f, norm(e.data[f])])),
            );
          });
          // Sampled in another order: the same events, possibly permuted within the step.
          if (run.orderDiffers) expect(got.sort(), `${s.name} step ${k} (${r.step.do})`).toEqual(want.sort());
          else expect(got, `${s.name} step ${k} (${r.step.do})`).toEqual(want);
        }
        if (s.abort) {
          expect(run.abort?.module).toBe(s.abort.module);
          expect(run.abort?.constantName).toBe(s.abort.error);
          return;
        }
        expect(run.abort).toBeUndefined();
        const x = s.expect!;
        expect(run.steps.flatMap((r) => r.events.map((e) => e.name))).toEqual(x.events);
        const registry = await env.atoma.getRegistry();
        expect(BigInt(registry.treasury.value)).toBe(x.treasury);
        if (x.requestStatus !== undefined) {
          const req = await env.atoma.getRequest(run.requestId!);
          expect(Number(req.status)).toBe(x.requestStatus);
        }
        if (x.refund !== undefined) expect(run.refund).toBe(x.refund);
        for (const [i, want] of Object.entries(x.nodes)) {
          const n = await env.atoma.getNode(run.nodes[Number(i)]!.nodeId);
          expect({ status: Number(n.status), paid: BigInt(n.earned), slashed: BigInt(n.slashed) }, `node ${i}`).toEqual(
            {
              status: want.status,
              paid: want.paid,
              slashed: want.slashed,
            },
          );
          expect(
            { stake: BigInt(n.stake.value), unbonding: BigInt(n.unbonding.value), reputation: BigInt(n.reputation) },
            `node ${i} bond and reputation`,
          ).toEqual({ ...expectedBond(s, Number(i)), reputation: expectedReputation(s, Number(i)) });
        }
        if (x.sampled) {
          const req = await env.atoma.getRequest(run.requestId!);
          const rounds = [0, 1]
            .map((round) => req.assignments.filter((a) => Number(a.round) === round).map((a) => a.node_id))
            .filter((r) => r.length > 0);
          expect(rounds.map((r) => r.length)).toEqual(x.sampled.map((r) => r.length));
          const labels = rounds.map((r) => r.map((id) => run.nodes.findIndex((n) => n.nodeId === id)));
          // Escalation samples nodes outside round 0.
          if (RANDOMNESS_DECIDES.has(s.name)) expect(new Set(rounds.flat()).size).toBe(rounds.flat().length);
          else if (run.orderDiffers)
            expect(labels.map((r) => [...r].sort())).toEqual(x.sampled.map((r) => [...r].sort()));
          else expect(labels).toEqual(x.sampled);
        }
        if (x.cluster) {
          const c = await env.atoma.getCluster(run.clusterId!);
          expect({ epoch: BigInt(c.epoch), pending: c.pending !== null && c.pending !== undefined }).toEqual({
            epoch: x.cluster.epoch,
            pending: x.cluster.pending,
          });
          if (x.cluster.key) expect(Uint8Array.from(c.commitment)).toEqual(keyCommitmentOf(x.cluster.key));
        }
      } finally {
        await env.d.close();
      }
    });
  }
});
