/**
 * Conformance: every scenario of devnet/test/protocol/scenarios.ts, run through the SDK against a
 * devnet executing the published atoma bytecode, must reach the outcomes the scenario declares by
 * hand (the same data the generated Move tests in move/packages/atoma/tests/conformance_tests.move
 * assert on the real package): the oracle. Every step must run, and a scenario that expects an
 * abort must raise it at its last step.
 */
import { describe, expect, it } from "vitest";
import { startAtomaDevnet } from "../atoma/harness.js";
import { keyCommitmentOf } from "../protocol/calls.js";
import { expectedBond, expectedReputation, SCENARIOS, START_MS } from "../protocol/scenarios.js";
import { runOnDevnet } from "./sdk-runner.js";

/** Scenarios whose outcome is decided by the randomness among non-interchangeable nodes. */
const RANDOMNESS_DECIDES = new Set(["weighted_sampling"]);

describe("conformance scenarios through the SDK on the devnet", () => {
  it("covers every scenario", () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(18);
  });
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const env = await startAtomaDevnet(`conformance-${s.name}`, {
        clockMs: START_MS,
        faucetAmount: 100_000n * 10n ** 9n,
      });
      try {
        const run = await runOnDevnet(env, s);
        // Interchangeable nodes always re-label; unequal stakes may make the chain pick others.
        if (!RANDOMNESS_DECIDES.has(s.name)) expect(run.relabelFailed).toBe(false);
        // Every step ran (an expected abort is raised by the last one).
        expect(run.steps.map((r) => r.step)).toEqual(s.steps.filter((st) => st.do !== "advance"));
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
        // What each node was paid: its NodePaid events (no `earned` on chain since issue 13 B stage 2).
        const paidTo = (nodeId: string) =>
          run.steps
            .flatMap((r) => r.events)
            .reduce(
              (sum, e) =>
                e.name === "NodePaid" && e.data.node_id === nodeId ? sum + BigInt(String(e.data.amount)) : sum,
              0n,
            );
        for (const [i, want] of Object.entries(x.nodes)) {
          const nodeId = run.nodes[Number(i)]!.nodeId;
          const n = await env.atoma.getNode(nodeId);
          expect({ status: Number(n.status), paid: paidTo(nodeId), slashed: BigInt(n.slashed) }, `node ${i}`).toEqual({
            status: want.status,
            paid: want.paid,
            slashed: want.slashed,
          });
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
