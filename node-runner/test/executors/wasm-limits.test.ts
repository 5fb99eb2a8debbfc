/**
 * Fuel prices what takes time, so any allowed fuel ends by fuel well inside the wall-clock
 * guard: bulk memory by bytes, memory.grow by pages, loop iterations and calls by their
 * overhead. Depth is bounded by frame size too, so deep recursion with big frames traps at the
 * deterministic limit, not V8's stack limit. A refused WASI import says what and why.
 */
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { WasmExecutor } from "../../src/executors/wasm.js";

async function wat(src: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("t.wat", src, { bulk_memory: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

const FILL_LOOP = `(module (memory (export "memory") 256 256)
  (func (export "_start") (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (br $l))))`;
const GROW_LOOP = `(module (memory (export "memory") 1 256)
  (func (export "_start") (loop $l (drop (memory.grow (i32.const 1))) (br $l))))`;
const INFINITE = `(module (memory (export "memory") 1 1) (global $c (mut i64) (i64.const 0))
  (func (export "_start") (loop $l (global.set $c (i64.add (global.get $c) (i64.const 1))) (br $l))))`;
const BIG_FRAMES = `(module (memory (export "memory") 1 1)
  (func $r (param i32) (result i32) (local ${"i64 ".repeat(400)})
    (local.set 1 (i64.extend_i32_u (local.get 0)))
    (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.wrap_i64 (local.get 1))))
  (func (export "_start") (drop (call $r (i32.const 0)))))`;
const PATH_OPEN = `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1 1) (func (export "_start")))`;

// The loop sits in call_indirect's target operand: the walker once skipped that operand, so the
// loop ran unmetered until the wall-clock guard (a non-deterministic timeout, the guard's cost).
const LOOP_IN_CALL_TARGET = `(module (type $t (func)) (memory (export "memory") 1 1)
  (table 1 funcref) (elem (i32.const 0) $nop) (func $nop)
  (func (export "_start") (call_indirect (type $t) (loop $l (result i32) (br $l)))))`;

const MAX_FUEL = 100_000_000_000n; // the executor's default maximum

describe("WASM limits", () => {
  it("the maximum fuel ends by fuel, not the wall-clock guard, for bulk fills, grow loops and plain loops", async () => {
    const ex = new WasmExecutor();
    for (const [name, src] of [
      ["16 MiB fill per iteration", FILL_LOOP],
      ["memory.grow loop", GROW_LOOP],
      ["infinite loop", INFINITE],
    ] as const) {
      const cap = await ex.addModule(await wat(src));
      const r = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: MAX_FUEL } });
      // Ended by fuel (deterministic), not by the 30 s wall-clock guard ("timeout").
      expect(r.status, `${name}: ${r.message ?? ""}`).toBe("out_of_fuel");
      expect(r.fuelUsed).toBe(MAX_FUEL);
    }
  }, 120_000);

  it("bulk memory costs fuel by bytes, deterministically", async () => {
    const ex = new WasmExecutor();
    const mk = (n: number) =>
      wat(`(module (memory (export "memory") 4 4)
        (func (export "_start") (memory.fill (i32.const 0) (i32.const 1) (i32.const ${n}))))`);
    const small = await ex.execute({
      capability: await ex.addModule(await mk(16)),
      input: new Uint8Array(),
      params: {},
    });
    const big = await ex.execute({
      capability: await ex.addModule(await mk(65536)),
      input: new Uint8Array(),
      params: {},
    });
    expect(small.status).toBe("ok");
    expect(big.status).toBe("ok");
    expect((big.fuelUsed ?? 0n) - (small.fuelUsed ?? 0n)).toBe(4n * (65536n - 16n));
  });

  it("recursion with 400 locals per frame traps at the deterministic depth limit", async () => {
    const ex = new WasmExecutor();
    const cap = await ex.addModule(await wat(BIG_FRAMES));
    const a = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000_000n } });
    const b = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000_000n } });
    expect(a.status).toBe("trap");
    expect(a.message).toMatch(/call depth limit 2000 exceeded/);
    expect(b.fuelUsed).toBe(a.fuelUsed);
  });

  it("a loop hidden in call_indirect's target operand is metered: out of fuel, not the wall-clock guard", async () => {
    const ex = new WasmExecutor({ poolSize: 1, timeoutMs: 5_000 });
    try {
      const cap = await ex.addModule(await wat(LOOP_IN_CALL_TARGET));
      const a = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000n } });
      const b = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000n } });
      expect([a.status, a.message, a.fuelUsed]).toEqual(["out_of_fuel", undefined, 1_000_000n]);
      expect([b.status, b.fuelUsed]).toEqual(["out_of_fuel", 1_000_000n]);
    } finally {
      await ex.close();
    }
  }, 30_000);

  it("path_open is refused naming the function and the reason", async () => {
    const ex = new WasmExecutor();
    await expect(ex.addModule(await wat(PATH_OPEN))).rejects.toThrow(
      /wasi_snapshot_preview1\.path_open: refused: apps have no filesystem/,
    );
  });
});
