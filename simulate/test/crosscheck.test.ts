/**
 * The fast model against the contract: requests through a devnet (JSON-RPC + SDK), compared
 * request by request (escrow, draws' eligibility, slashes, payouts, settle/fail/dispute events,
 * final stakes, statuses and treasury). The full 10 000-request set is
 * `pnpm simulate crosscheck --requests 10000`.
 */
import { describe, expect, it } from "vitest";
import { crosscheck } from "../src/crosscheck.js";
import { DriftError } from "../src/errors.js";

describe("cross-check: fast model vs the atoma package on a devnet", () => {
  it("300 random requests: identical outcomes, payouts and slashes", { timeout: 600_000 }, async () => {
    const r = await crosscheck({ requests: 300, seed: "crosscheck-test", failFast: false });
    expect(r.mismatches).toEqual([]);
    expect(r.requests).toBe(300);
    // the set exercises every path: unanimity, disputes, escalations, failures, slashes, payouts
    expect(r.settled).toBeGreaterThan(100);
    expect(r.failed).toBeGreaterThan(5);
    expect(r.disputes).toBeGreaterThan(30);
    expect(r.escalations).toBeGreaterThan(25);
    // A5: some escalations find fewer than min_escalation fresh nodes and fail (full refund)
    expect(r.escalationsTooSmall).toBeGreaterThan(0);
    expect(r.slashesCompared).toBeGreaterThan(50);
    expect(r.paymentsCompared).toBeGreaterThan(300);
  });

  it("a model that drifts from the contract (margin 4.99 % instead of 5 %) is caught", {
    timeout: 300_000,
  }, async () => {
    await expect(
      crosscheck({ requests: 32, seed: "crosscheck-drift", modelParams: { marginBps: 499 } }),
    ).rejects.toThrow(DriftError);
    const r = await crosscheck({
      requests: 32,
      seed: "crosscheck-drift",
      failFast: false,
      modelParams: { slashDissentBps: 999 },
    });
    expect(r.mismatches.some((m) => /slash/.test(m))).toBe(true);
  });
});
