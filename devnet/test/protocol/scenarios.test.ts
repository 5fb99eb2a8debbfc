import { describe, expect, it } from "vitest";
import { keyCommitmentOf, runScenario } from "../../src/protocol/runner.js";
import { expectedBond, expectedReputation, SCENARIOS } from "../../src/protocol/scenarios.js";

describe("conformance scenarios against the TypeScript state machine", () => {
  it("covers the lifecycle scenarios of the issue", () => {
    const names = SCENARIOS.map((s) => s.name);
    for (const n of [
      "unanimous",
      "one_dissenter",
      "one_absentee",
      "dispute_resolved",
      "dispute_failed",
      "confidential_sampling",
      "unbonding",
      "jailing",
      "key_rotation_complete",
      "key_rotation_abort",
    ]) {
      expect(names).toContain(n);
    }
  });

  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.summary}`, () => {
      const run = runScenario(s); // throws ConservationError when money is not conserved
      if (s.abort) {
        expect(run.abort).toBeDefined();
        expect({ module: run.abort!.module, error: run.abort!.errorName }).toEqual(s.abort);
        expect(run.trace.at(-1)?.abort).toBe(run.abort);
        expect(run.trace.slice(0, -1).every((t) => t.abort === undefined)).toBe(true);
        return;
      }
      expect(run.abort).toBeUndefined();
      const e = s.expect!;
      const o = run.outcome;
      if (e.requestStatus !== undefined) expect(o.requestStatus).toBe(e.requestStatus);
      for (const [i, want] of Object.entries(e.nodes)) {
        const n = o.nodes[Number(i)]!;
        expect({
          node: Number(i),
          status: n.status,
          paid: n.paid,
          slashed: n.slashed,
          stake: n.stake,
          unbonding: n.unbonding,
          reputation: n.reputation,
        }).toEqual({
          node: Number(i),
          status: want.status,
          paid: want.paid,
          slashed: want.slashed,
          ...expectedBond(s, Number(i)),
          reputation: expectedReputation(s, Number(i)),
        });
      }
      if (e.refund !== undefined) expect(o.refund).toBe(e.refund);
      expect(o.treasury).toBe(e.treasury);
      expect(o.events).toEqual(e.events);
      if (e.sampled) expect(o.sampled).toEqual(e.sampled);
      if (e.cluster) {
        expect({ epoch: o.cluster?.epoch, pending: o.cluster?.pending }).toEqual({
          epoch: e.cluster.epoch,
          pending: e.cluster.pending,
        });
        if (e.cluster.key) expect(o.cluster?.commitment).toEqual(keyCommitmentOf(e.cluster.key));
      }
    });
  }

  it("is deterministic: two runs give identical traces", () => {
    const a = runScenario(SCENARIOS[1]!);
    const b = runScenario(SCENARIOS[1]!);
    expect(b.trace.map((t) => t.events)).toEqual(a.trace.map((t) => t.events));
    expect(b.outcome.nodes.map((n) => n.id)).toEqual(a.outcome.nodes.map((n) => n.id));
  });
});
