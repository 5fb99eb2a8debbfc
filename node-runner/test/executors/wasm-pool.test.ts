/**
 * The warm worker pool of the WASM executor: workers are reused, every task still gets a fresh
 * instance (no global or memory survives a task), a runaway task's worker is terminated and
 * replaced (the pool heals), and compiled modules are cached in a bounded LRU.
 */
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { assembleApp } from "../../apps/wat.js";
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

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);
const none = new Uint8Array();

// Prints "<global $g><mem[100]>" as digits, then bumps both: a reused instance would print "11".
const STATEFUL = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "_start")
    (i32.store8 (i32.const 200) (i32.add (i32.const 48) (global.get $g)))
    (i32.store8 (i32.const 201) (i32.add (i32.const 48) (i32.load8_u (i32.const 100))))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1)))
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
const INFINITE = `(module (memory (export "memory") 1 1)
  (func (export "_start") (loop $l (br $l))))`;

describe("WASM worker pool", () => {
  it("reuses one warm worker, with a fresh instance (globals, memory) per task", async () => {
    const ex = new WasmExecutor({ poolSize: 1 });
    try {
      const cap = await ex.addModule(await wat(STATEFUL));
      const outs: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await ex.execute({ capability: cap, input: none, params: { fuel: 1_000_000n } });
        expect(r.status).toBe("ok");
        outs.push(dec(r.output));
      }
      expect(outs).toEqual(["00", "00", "00", "00", "00"]);
      expect(ex.stats()).toMatchObject({ size: 1, workers: 1, spawned: 1, killed: 0, died: 0 });
    } finally {
      await ex.close();
    }
  });

  it("queues tasks beyond the pool size and answers each with its own output", async () => {
    const ex = new WasmExecutor({ poolSize: 2 });
    try {
      const cap = await ex.addModule(await assembleApp("echo-upper"));
      const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
      const rs = await Promise.all(
        words.map((w) => ex.execute({ capability: cap, input: enc(w), params: { fuel: 1_000_000n } })),
      );
      expect(rs.map((r) => dec(r.output))).toEqual(words.map((w) => w.toUpperCase()));
      expect(new Set(rs.map((r) => r.fuelUsed)).size).toBeGreaterThan(1); // fuel follows the input length
      expect(ex.stats()).toMatchObject({ workers: 2, spawned: 2, queued: 0 });
    } finally {
      await ex.close();
    }
  });

  it("a runaway task hits the wall-clock guard: its worker is terminated and replaced, the next task runs", async () => {
    const ex = new WasmExecutor({ poolSize: 1, timeoutMs: 500, maxFuel: 100_000_000_000n });
    try {
      const loop = await ex.addModule(await wat(INFINITE));
      const echo = await ex.addModule(await assembleApp("echo-upper"));
      const r = await ex.execute({ capability: loop, input: none, params: { fuel: 100_000_000_000n } });
      expect(r.status).toBe("timeout");
      expect(r.message).toBe("wall-clock guard 500 ms");
      expect(ex.stats()).toMatchObject({ workers: 1, spawned: 2, killed: 1 });
      const ok = await ex.execute({ capability: echo, input: enc("healed"), params: { fuel: 1_000_000n } });
      expect(ok.status).toBe("ok");
      expect(dec(ok.output)).toBe("HEALED");
      expect(ex.stats()).toMatchObject({ workers: 1, spawned: 2, killed: 1, died: 0 });
    } finally {
      await ex.close();
    }
  }, 30_000);

  it("an abort ends a running task and a queued one; the pool heals", async () => {
    const ex = new WasmExecutor({ poolSize: 1, maxFuel: 100_000_000_000n });
    try {
      const loop = await ex.addModule(await wat(INFINITE));
      const ac = new AbortController();
      const running = ex.execute({ capability: loop, input: none, params: { fuel: 100_000_000_000n } }, ac.signal);
      const queued = ex.execute({ capability: loop, input: none, params: { fuel: 100_000_000_000n } }, ac.signal);
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      const [a, b] = await Promise.all([running, queued]);
      expect([a.status, a.message, b.status, b.message]).toEqual(["timeout", "aborted", "timeout", "aborted"]);
      const r = await ex.execute({ capability: loop, input: none, params: { fuel: 1000n } });
      expect(r.status).toBe("out_of_fuel");
      expect(ex.stats()).toMatchObject({ workers: 1, killed: 1 });
    } finally {
      await ex.close();
    }
  }, 30_000);

  it("caches compiled modules in a bounded LRU: an evicted module is prepared again and runs the same", async () => {
    const ex = new WasmExecutor({ poolSize: 1, moduleCacheSize: 1 });
    try {
      const echo = await ex.addModule(await assembleApp("echo-upper"));
      const wc = await ex.addModule(await assembleApp("word-count"));
      expect(ex.stats().cachedModules).toBe(1);
      const first = await ex.execute({ capability: echo, input: enc("a b c"), params: { fuel: 1_000_000n } });
      const words = await ex.execute({ capability: wc, input: enc("a b c"), params: { fuel: 1_000_000n } });
      const again = await ex.execute({ capability: echo, input: enc("a b c"), params: { fuel: 1_000_000n } });
      expect([dec(first.output), dec(words.output), dec(again.output)]).toEqual(["A B C", "3\n", "A B C"]);
      expect(again.fuelUsed).toBe(first.fuelUsed);
      expect(ex.stats().cachedModules).toBe(1);
    } finally {
      await ex.close();
    }
  });

  it("refuses bad pool options naming them, and a closed executor's tasks end with an error", async () => {
    expect(() => new WasmExecutor({ poolSize: 0 })).toThrow(/poolSize: must be a positive integer, got 0/);
    expect(() => new WasmExecutor({ moduleCacheSize: 1.5 })).toThrow(/moduleCacheSize: must be a positive integer/);
    const ex = new WasmExecutor({ poolSize: 1, maxFuel: 100_000_000_000n });
    const loop = await ex.addModule(await wat(INFINITE));
    const running = ex.execute({ capability: loop, input: none, params: { fuel: 100_000_000_000n } });
    await new Promise((r) => setTimeout(r, 50));
    await ex.close();
    const r = await running;
    expect([r.status, r.message]).toEqual(["error", "WASM executor closed"]);
  });
});
