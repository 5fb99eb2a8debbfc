/**
 * Differential fuzzing of atoma operation sequences (./sequences.ts): 200 seeded random
 * sequences run through the SDK on a devnet executing the published bytecode; what the devnet
 * did becomes one Move test module that the real Move VM (WASM test runner) must pass. More:
 * `pnpm fuzz:devnet --target atoma --count N --seed S`.
 */
import { describe, expect, it } from "vitest";
import { requireFramework } from "../../../test/setup/prerequisites.js";
import { fuzzSequences } from "./run.js";

const source = await requireFramework("the atoma sequence fuzz runs its Move tests in the real Move VM");
const SEED = "atoma-sequences";

describe("atoma operation sequences: devnet vs the real Move VM (differential)", () => {
  it.skipIf(!source)("a seed reproduces the same sequences", { timeout: 300_000 }, async () => {
    const [a, b] = [await fuzzSequences(`${SEED}-repro`, 3), await fuzzSequences(`${SEED}-repro`, 3)];
    expect(a.text).toBe(b.text);
    expect(a.tests.map((t) => t.ops.length).reduce((x, y) => x + y, 0)).toBeGreaterThan(6);
  });

  it.skipIf(!source)(
    `200 sequences: the real VM passes every event, abort and final state the devnet produced${source ? "" : " (SKIPPED: framework sources unavailable)"}`,
    { timeout: 900_000 },
    async () => {
      const r = await fuzzSequences(SEED, 200);
      expect(r.ran).toBe(200);
      // The mix reaches settlement, disputes and aborts.
      const ops = r.tests.flatMap((t) => t.ops.map((o) => o.split(" ")[0]));
      for (const op of ["register", "create", "sample", "commit", "reveal", "settle", "escalate", "post"])
        expect(ops, op).toContain(op);
      // Key rotation: clusters, rotations started, acked by members and completed.
      for (const op of ["cluster", "rotate", "ack", "complete"]) expect(ops, op).toContain(op);
      expect(r.tests.filter((t) => t.move.includes("cluster::ack_rotation")).length).toBeGreaterThan(1);
      expect(r.tests.some((t) => t.abort)).toBe(true);
      expect(r.tests.some((t) => !t.abort)).toBe(true);
      expect(r.failed, `seed ${SEED}: ${r.output.slice(-4000)}`).toEqual([]);
    },
  );
});
