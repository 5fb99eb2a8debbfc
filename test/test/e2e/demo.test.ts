/** `pnpm start --json` (the demo entry, as a child process): checks the closing JSON summary. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, spawnProc } from "./harness.js";

describe("pnpm start --json", () => {
  it("settles the request mix, slashes exactly the faulty node, pays the others, ends with one JSON line", async () => {
    const p = spawnProc([path.join(ROOT, "node-runner/src/demo/main.ts"), "--json"]);
    const { code } = await p.exited;
    expect(code, p.err.join("").slice(-3000)).toBe(0);
    const last = p.out.filter((l) => l.trim()).at(-1) as string;
    const s = JSON.parse(last) as {
      settled: number;
      failed: number;
      slashed: string[];
      payouts: Record<string, string>;
      durationMs: number;
    };
    expect(s.settled).toBeGreaterThanOrEqual(6); // WASM, text, forecast, recommend, confidential, LLM (llama.cpp)
    expect(s.settled % 6).toBe(0);
    expect(s.failed).toBe(0);
    expect(s.slashed).toHaveLength(1);
    expect(s.slashed[0]).toMatch(/^0x[0-9a-f]{64}$/);
    expect(Object.keys(s.payouts)).not.toContain(s.slashed[0]);
    expect(Object.keys(s.payouts).length).toBeGreaterThanOrEqual(3);
    for (const v of Object.values(s.payouts)) expect(BigInt(v)).toBeGreaterThan(0n);
    expect(s.durationMs).toBeGreaterThan(0);
    // Human progress went to stderr; stdout holds only the summary line.
    expect(p.out.filter((l) => l.trim())).toHaveLength(1);
    expect(p.err.join("")).toContain("Summary:");
  }, 300_000);
});
