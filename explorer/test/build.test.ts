/** The bundle build: atomic output with its input hash, browser-only imports, a small first page. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildExplorer, builtHash, bundleInputs, sourceHash } from "../build.js";

const dir = mkdtempSync(path.join(tmpdir(), "atoma-explorer-build-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("explorer build", () => {
  it("hashes every input the bundle depends on, SDK sources included", () => {
    const inputs = bundleInputs();
    expect(inputs).toContain(path.join("explorer", "src", "main.ts"));
    expect(inputs).toContain(path.join("sdk", "src", "attestation", "tdx.ts"));
    expect(inputs).toContain("pnpm-lock.yaml");
    expect(sourceHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceHash()).toBe(sourceHash());
  });

  it("builds into place with its input hash, no Node built-in imports, and the SDK only in the lazy chunk", async () => {
    const out = path.join(dir, "dist");
    await buildExplorer({ outDir: out });
    expect(builtHash(out)).toBe(sourceHash());
    expect(readdirSync(dir)).toEqual(["dist"]); // no temporary or old folders left behind
    const html = readFileSync(path.join(out, "index.html"), "utf8");
    expect(html).toContain("<title>Atoma explorer</title>");
    const assets = readdirSync(path.join(out, "assets"));
    const js = assets.filter((f) => f.endsWith(".js"));
    for (const f of js) {
      const code = readFileSync(path.join(out, "assets", f), "utf8");
      expect(code, f).not.toMatch(/\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/);
    }
    const entry = html.match(/src="\.\/assets\/(index-[^"]+\.js)"/)?.[1];
    expect(entry).toBeDefined();
    const size = (f: string) => statSync(path.join(out, "assets", f)).size;
    const verify = js.find((f) => f.startsWith("verify-"));
    expect(verify, "the verification code is its own lazily loaded chunk").toBeDefined();
    // A message of the SDK's TDX verifier marks where the verifier code landed.
    expect(readFileSync(path.join(out, "assets", verify!), "utf8")).toContain("PCK chain PEM block");
    expect(readFileSync(path.join(out, "assets", entry!), "utf8")).not.toContain("PCK chain PEM block");
    console.log(
      `explorer bundle: entry ${size(entry!)} B, verify chunk ${size(verify!)} B, total JS ${js.reduce((a, f) => a + size(f), 0)} B`,
    );
    expect(size(entry!)).toBeLessThan(size(verify!) / 4);
  }, 120_000);

  it("two concurrent builds of the same inputs leave one complete bundle and nothing else", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "atoma-explorer-race-"));
    try {
      const out = path.join(base, "dist");
      await Promise.all([buildExplorer({ outDir: out }), buildExplorer({ outDir: out })]);
      expect(readdirSync(base)).toEqual(["dist"]);
      expect(builtHash(out)).toBe(sourceHash());
      expect(readdirSync(path.join(out, "assets")).some((f) => f.startsWith("index-"))).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});
