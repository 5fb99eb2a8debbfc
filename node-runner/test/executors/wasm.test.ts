import { describe, expect, it } from "vitest";
import { assembleApp } from "../../apps/wat.js";
import { instrumentWasm, WasmRejected } from "../../src/executors/instrument.js";
import { WasmExecutor, wasmDigest } from "../../src/executors/wasm.js";
import { PINNED_FUEL } from "./pinned-fuel.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("wasm executor", () => {
  it("echo-upper: output on stdout, same bytes and fuel twice", async () => {
    const ex = new WasmExecutor();
    const cap = await ex.addModule(await assembleApp("echo-upper"));
    expect(cap).toMatch(/^wasm:[0-9a-f]{64}$/);
    const task = { capability: cap, input: enc("hello, World!"), params: { fuel: 1_000_000n } };
    const a = await ex.execute(task);
    const b = await ex.execute(task);
    expect(a.status).toBe("ok");
    expect(dec(a.output)).toBe("HELLO, WORLD!");
    expect(a.fuelUsed).toBeGreaterThan(0n);
    expect(b.fuelUsed).toBe(a.fuelUsed);
  });

  it("fuel used is pinned: the figures of atoma-meter-2 (depth moved from a wrapper into the body, same counts)", async () => {
    const ex = new WasmExecutor({ maxCallDepth: 500, poolSize: 1 });
    try {
      const run = async (app: Parameters<typeof assembleApp>[0], input: string) =>
        ex.execute({
          capability: await ex.addModule(await assembleApp(app)),
          input: enc(input),
          params: { fuel: 10_000_000n },
        });
      const got = await Promise.all(PINNED_FUEL.map((p) => run(p.app, p.input)));
      expect(got.map((r) => [r.status, r.fuelUsed])).toEqual(PINNED_FUEL.map((p) => [p.status, p.fuel]));
      expect(PINNED_FUEL.map((p) => p.fuel)).toEqual([2647n, 6926n, 67497n, 285n]);
    } finally {
      await ex.close();
    }
  });

  it("word-count counts words", async () => {
    const ex = new WasmExecutor();
    const cap = await ex.addModule(await assembleApp("word-count"));
    const r = await ex.execute({
      capability: cap,
      input: enc("the quick  brown\nfox "),
      params: { fuel: 10_000_000n },
    });
    expect(r.status).toBe("ok");
    expect(dec(r.output)).toBe("4\n");
  });

  it("infinite loop: out_of_fuel deterministically, same in a fresh executor; fuel scales", async () => {
    const bytes = await assembleApp("infinite-loop");
    const ex1 = new WasmExecutor();
    const cap = await ex1.addModule(bytes);
    const r1 = await ex1.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000n } });
    const ex2 = new WasmExecutor();
    await ex2.addModule(bytes);
    const r2 = await ex2.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000n } });
    expect(r1.status).toBe("out_of_fuel");
    expect(r2.status).toBe("out_of_fuel");
    expect(r1.fuelUsed).toBe(1_000_000n);
    expect(r2.fuelUsed).toBe(r1.fuelUsed);
    const small = await ex1.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 10n } });
    expect(small.status).toBe("out_of_fuel");
    expect(small.fuelUsed).toBe(10n);
  });

  it("instrumentation is deterministic (same bytes twice)", async () => {
    const bytes = await assembleApp("word-count");
    expect(hex(instrumentWasm(bytes).bytes)).toBe(hex(instrumentWasm(bytes).bytes));
  });

  it("rejects forbidden imports and modules without a memory maximum, and caps memory", async () => {
    const ex = new WasmExecutor({ maxMemoryPages: 8 });
    await expect(ex.addModule(await assembleApp("forbidden-import"))).rejects.toThrow(
      /env\.now: forbidden host function/,
    );
    await expect(ex.addModule(await assembleApp("no-max-memory"))).rejects.toThrow(/declare a maximum/);
    await expect(ex.addModule(await assembleApp("echo-upper"))).rejects.toThrow(WasmRejected);
    await expect(ex.addModule(await assembleApp("echo-upper"))).rejects.toThrow(/16 pages exceeds the cap of 8/);
  });

  it("oversized output is an error, recursion stops at the depth limit", async () => {
    const ex = new WasmExecutor({ maxOutputBytes: 100_000, maxCallDepth: 500 });
    const big = await ex.addModule(await assembleApp("big-output"));
    const r = await ex.execute({ capability: big, input: new Uint8Array(), params: { fuel: 10_000_000n } });
    expect(r.status).toBe("error");
    expect(r.message).toMatch(/output exceeds 100000 bytes/);
    const rec = await ex.addModule(await assembleApp("recurse"));
    const a = await ex.execute({ capability: rec, input: new Uint8Array(), params: { fuel: 10_000_000n } });
    const b = await ex.execute({ capability: rec, input: new Uint8Array(), params: { fuel: 10_000_000n } });
    expect(a.status).toBe("trap");
    expect(a.message).toMatch(/call depth limit 500/);
    expect(b.fuelUsed).toBe(a.fuelUsed);
  });

  it("NaN canonicalized: 0/0 bits are 0 after denan; sqrt(2) exact", async () => {
    const ex = new WasmExecutor();
    const cap = await ex.addModule(await assembleApp("float-nan"));
    const r = await ex.execute({ capability: cap, input: new Uint8Array(), params: { fuel: 1_000_000n } });
    expect(r.status).toBe("ok");
    expect(hex(r.output.subarray(0, 8))).toBe("0000000000000000");
    expect(new DataView(r.output.buffer, r.output.byteOffset).getFloat64(8, true)).toBe(Math.SQRT2);
    const raw = new WasmExecutor({ denan: false });
    const cap2 = await raw.addModule(await assembleApp("float-nan"));
    const r2 = await raw.execute({ capability: cap2, input: new Uint8Array(), params: { fuel: 1_000_000n } });
    expect(Number.isNaN(new DataView(r2.output.buffer, r2.output.byteOffset).getFloat64(0, true))).toBe(true);
  });

  it("unknown module and bad capability are refused", async () => {
    const ex = new WasmExecutor();
    expect(ex.canServe("builtin:x").ok).toBe(false);
    expect(ex.canServe(`wasm:${wasmDigest(enc("x"))}`).ok).toBe(false);
  });
});
