import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { APPS_DIR, AppBuildError, assembleAppFile, assembleWat, listWatApps, readCommittedApp } from "../apps/build.js";
import { APP_NAMES, assembleApp } from "../apps/wat.js";
import { WasmExecutor, wasmDigest } from "../src/executors/wasm.js";

const apps = listWatApps();

describe("committed app binaries (node-runner/apps/*.wasm)", () => {
  it("covers every sample app", () => {
    expect(apps.length).toBeGreaterThanOrEqual(APP_NAMES.length);
    for (const n of APP_NAMES) expect(apps).toContain(n);
  });

  it.each(apps)("%s.wasm equals a fresh assembly of %s.wat (run apps/build.ts on drift)", async (name) => {
    const committed = readCommittedApp(name);
    const fresh = await assembleAppFile(name);
    expect(committed.length).toBeGreaterThan(8);
    expect(Buffer.from(committed).toString("hex")).toBe(Buffer.from(fresh).toString("hex"));
    // the same bytes the executor tests assemble through apps/wat.ts
    if ((APP_NAMES as readonly string[]).includes(name)) {
      const viaWatTs = await assembleApp(name as (typeof APP_NAMES)[number]);
      expect(wasmDigest(viaWatTs)).toBe(wasmDigest(committed));
    }
  });

  it.each(apps)("%s: assembly and wasmDigest are stable", async (name) => {
    const a = await assembleAppFile(name);
    const b = await assembleAppFile(name);
    const d = wasmDigest(readCommittedApp(name));
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(wasmDigest(a)).toBe(d);
    expect(wasmDigest(b)).toBe(d);
    expect(wasmDigest(new Uint8Array(readFileSync(path.join(APPS_DIR, `${name}.wasm`))))).toBe(d);
  });

  it("a changed .wat no longer matches the committed binary", async () => {
    const src = readFileSync(path.join(APPS_DIR, "word-count.wat"), "utf8").replace(
      "(i32.const 60000)",
      "(i32.const 60001)",
    );
    expect(src).toContain("60001");
    const changed = await assembleWat("word-count.wat", src);
    expect(wasmDigest(changed)).not.toBe(wasmDigest(readCommittedApp("word-count")));
  });

  it("rejects malformed WAT with the file name", async () => {
    await expect(assembleWat("bad.wat", "(module (func (i32.add)))")).rejects.toThrow(AppBuildError);
    await expect(assembleWat("bad.wat", "(module (func")).rejects.toThrow(/bad\.wat/);
  });

  it("committed word-count.wasm runs in the executor", async () => {
    const ex = new WasmExecutor();
    const cap = await ex.addModule(readCommittedApp("word-count"));
    expect(cap).toBe(`wasm:${wasmDigest(readCommittedApp("word-count"))}`);
    const r = await ex.execute({ capability: cap, input: new TextEncoder().encode("a bb  ccc\nd"), params: {} });
    expect(r.status).toBe("ok");
    expect(new TextDecoder().decode(r.output)).toBe("4\n");
  });
});
