/** `atoma-node model-capability` as a child process: capability + manifest, exit codes 0 / 1 / 2. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTinyModel, type LlamaManifest } from "../../src/executors/llama/index.js";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const cli = path.join(root, "node-runner/src/cli.ts");
const dir = mkdtempSync(path.join(tmpdir(), "atoma-cli-llama-"));
let model = "";
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  model = (await ensureTinyModel({ cacheDir: dir })).path;
});

function run(...args: string[]) {
  const r = spawnSync(tsx, [cli, ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("atoma-node model-capability", () => {
  it("prints the capability and manifest; a differing manifest is refused with exit 1", () => {
    const ok = run("--json", "model-capability", "--model", model, "--llama-context", "256");
    expect(ok.code, ok.err).toBe(0);
    const body = JSON.parse(ok.out) as { capability: string; manifest: LlamaManifest; refusal: null };
    expect(body.capability).toMatch(/^llm:[0-9a-f]{60}$/);
    expect(body.manifest).toMatchObject({ contextSize: 256, threads: 1, batchSize: 8, backend: "cpu" });
    expect(body.refusal).toBeNull();
    const file = path.join(dir, "manifest.json");
    writeFileSync(file, JSON.stringify(body.manifest));
    const refused = run("model-capability", "--model", model, "--llama-manifest", file);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/refused: .*contextSize: manifest wants 256, this node has 1024/);
  }, 240_000);

  it("usage errors exit 2 and name the flag; a bad model file exits 1 and names the file", () => {
    const bad = run("model-capability", "--model", model, "--llama-threads", "two");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--llama-threads must be a whole number ≥ 1, got "two"/);
    expect(run("model-capability").code).toBe(2);
    const digest = run("model-capability", "--model", model, "--model-digest", "xyz");
    expect(digest.code).toBe(2);
    expect(digest.err).toMatch(/--model-digest must be 64 hex/);
    const file = path.join(dir, "m.json");
    writeFileSync(file, JSON.stringify({ kind: "llama.cpp" }));
    const man = run("model-capability", "--model", model, "--llama-manifest", file);
    expect(man.code).toBe(2);
    expect(man.err).toMatch(/--llama-manifest .*m\.json: llama manifest: modelDigest must be a non-empty string/);
    const notGguf = path.join(dir, "x.gguf");
    writeFileSync(notGguf, "hello");
    const nf = run("model-capability", "--model", notGguf);
    expect(nf.code).toBe(1);
    expect(nf.err).toMatch(/x\.gguf: not a GGUF file/);
  }, 240_000);
});
