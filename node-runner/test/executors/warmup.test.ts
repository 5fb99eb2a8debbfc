/**
 * The instrumenter's warm-up (src/executors/warmup.ts): once per process, it ends, it starts the
 * workers, and a warm binaryen instruments every app to the same bytes and the same fuel as the
 * figures pinned in wasm.test.ts (it only warms V8's code, never changes what is produced).
 */
import { describe, expect, it } from "vitest";
import { assembleApp } from "../../apps/wat.js";
import { instrumentWasm } from "../../src/executors/instrument.js";
import { WARMUP_RUNS, warmInstrumenter } from "../../src/executors/warmup.js";
import { WasmExecutor } from "../../src/executors/wasm.js";
import { PINNED_FUEL } from "./pinned-fuel.js";

const enc = (s: string) => new TextEncoder().encode(s);
const apps = PINNED_FUEL.map((p) => p.app);

describe("instrumenter warm-up", () => {
  it("runs once per process, ends, and changes no instrumented byte nor fuel figure", async () => {
    const bytes = await Promise.all(apps.map((a) => assembleApp(a)));
    // the instrumenter's output before any warm-up of this process
    const cold = bytes.map((b) => Buffer.from(instrumentWasm(b, { maxCallDepth: 500 }).bytes).toString("hex"));
    expect(WARMUP_RUNS).toBeGreaterThan(0);
    const ex = new WasmExecutor({ maxCallDepth: 500, poolSize: 1 });
    try {
      const w = warmInstrumenter();
      expect(warmInstrumenter()).toBe(w); // the same warm-up for every executor of the process
      await ex.warmUp();
      expect(ex.stats().workers).toBe(1);
      const warm = bytes.map((b) => Buffer.from(instrumentWasm(b, { maxCallDepth: 500 }).bytes).toString("hex"));
      expect(warm).toEqual(cold);
      const got = await Promise.all(
        PINNED_FUEL.map(async (p, i) =>
          ex.execute({
            capability: await ex.addModule(bytes[i] as Uint8Array),
            input: enc(p.input),
            params: { fuel: 10_000_000n },
          }),
        ),
      );
      expect(got.map((r) => [r.status, r.fuelUsed])).toEqual(PINNED_FUEL.map((p) => [p.status, p.fuel]));
    } finally {
      await ex.close();
    }
  }, 120_000);
});
