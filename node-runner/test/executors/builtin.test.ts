import { blake2b } from "@noble/hashes/blake2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { BuiltinExecutor } from "../../src/executors/builtin.js";
import { canonicalJson, ExecutorRegistry } from "../../src/executors/types.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

describe("builtin models", () => {
  it("textgen: identical bytes across two instances, respects maxTokens", async () => {
    const a = new BuiltinExecutor();
    const b = new BuiltinExecutor();
    const task = { capability: "builtin:textgen-v1", input: enc({ prompt: "hello world" }), params: { maxTokens: 40 } };
    const ra = await a.execute(task);
    const rb = await b.execute(task);
    expect(ra.status).toBe("ok");
    expect(bytesToHex(ra.output)).toBe(bytesToHex(rb.output));
    const out = dec(ra.output);
    expect(out.completion).toHaveLength(40);
    const other = await a.execute({ ...task, input: enc({ prompt: "zebra" }) });
    expect(dec(other.output).completion).not.toBe(out.completion);
    expect(a.capabilities()[0]?.manifest.modelDigest).toBe(b.capabilities()[0]?.manifest.modelDigest);
  });

  it("forecast: exact fixed-point values", async () => {
    const r = await new BuiltinExecutor().execute({
      capability: "builtin:forecast-v1",
      input: enc({ series: [1, 2, 3, 4, 5], horizon: 3 }),
      params: {},
    });
    expect(r.status).toBe("ok");
    // a perfect line stays a perfect line under Holt with exact arithmetic
    expect(dec(r.output).forecast).toEqual(["6.000000", "7.000000", "8.000000"]);
    const bad = await new BuiltinExecutor().execute({
      capability: "builtin:forecast-v1",
      input: enc({ series: [1, "x"] }),
      params: {},
    });
    expect(bad.status).toBe("error");
    expect(bad.message).toMatch(/series\[1\]/);
  });

  it("recommend: top-k deterministic, excludes history, canonical JSON", async () => {
    const ex = new BuiltinExecutor();
    const input = enc({ history: ["a", "b"], candidates: ["a", "c", "d", "e", "f"], k: 3 });
    const r1 = await ex.execute({ capability: "builtin:recommend-v1", input, params: {} });
    const r2 = await new BuiltinExecutor().execute({ capability: "builtin:recommend-v1", input, params: {} });
    expect(bytesToHex(blake2b(r1.output))).toBe(bytesToHex(blake2b(r2.output)));
    const items = dec(r1.output).items as { id: string; score: number }[];
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.id)).not.toContain("a");
    expect(items[0]?.score).toBeGreaterThanOrEqual(items[1]?.score ?? 0);
    expect(new TextDecoder().decode(r1.output)).toBe(canonicalJson(dec(r1.output)));
  });

  it("registry resolves and refuses unknown capabilities", async () => {
    const reg = new ExecutorRegistry().register(new BuiltinExecutor());
    expect(reg.list().map((c) => c.id)).toEqual(["builtin:textgen-v1", "builtin:forecast-v1", "builtin:recommend-v1"]);
    expect(() => reg.resolve("builtin:nope")).toThrow(/builtin:nope.*not served/);
  });
});
