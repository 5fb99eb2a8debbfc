/**
 * `pnpm start --json --no-jsonrpc` (the demo entry, as a child process) on a gRPC-only devnet, as
 * current Sui nodes: checks the closing JSON summary, and that the indexer (ingesting by
 * checkpoint over gRPC) filled with every event of the run. `pnpm start` with its defaults is
 * run by fresh-machine.test.ts.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, spawnProc } from "./harness.js";

describe("pnpm start --json --no-jsonrpc", () => {
  it("settles the request mix, slashes exactly the faulty node, pays the others, ends with one JSON line", async () => {
    const p = spawnProc([path.join(ROOT, "demo/src/main.ts"), "--json", "--no-jsonrpc"]);
    const { code } = await p.exited;
    expect(code, p.err.join("").slice(-3000)).toBe(0);
    const last = p.out.filter((l) => l.trim()).at(-1) as string;
    const s = JSON.parse(last) as {
      settled: number;
      failed: number;
      slashed: string[];
      payouts: Record<string, string>;
      nodes: { id: string; label: string; fault: string | null }[];
      durationMs: number;
      indexed: { events: number; chainEvents: number; checkpoint: string | null };
      treasury: string;
      swept: number;
      refreshed: number;
    };
    expect(s.settled).toBeGreaterThanOrEqual(6); // WASM, text, forecast, recommend, confidential, LLM (llama.cpp)
    expect(s.settled % 6).toBe(0);
    expect(s.failed).toBe(0);
    // Exactly one node was started faulty: node-1, announced as such on stderr when it registered.
    expect(s.nodes.map((n) => [n.label, n.fault])).toEqual([
      ["node-1 (faulty)", "wrong-output"],
      ["node-2", null],
      ["node-3", null],
      ["node-4", null],
      ["node-5", null],
    ]);
    const faulty = s.nodes[0]!.id;
    expect(faulty).toMatch(/^0x[0-9a-f]{64}$/);
    const announced = `${faulty.slice(0, 8)}…${faulty.slice(-4)} registered, staked 100 SUI, attested (demo verifier), --fault wrong-output`;
    expect(p.err.join("")).toContain(announced);
    // The chain slashed that node and no other (ids from the NodeSlashed events).
    expect(s.slashed).toEqual([faulty]);
    expect(Object.keys(s.payouts)).not.toContain(faulty);
    const honest = s.nodes.slice(1).map((n) => n.id);
    expect(Object.keys(s.payouts).length).toBeGreaterThanOrEqual(3);
    for (const [id, v] of Object.entries(s.payouts)) {
      expect(honest).toContain(id);
      expect(BigInt(v)).toBeGreaterThan(0n);
    }
    expect(s.durationMs).toBeGreaterThan(0);
    // The demo's keeper swept every finished request into the treasury and refreshed the slashed node.
    expect(s.swept).toBe(s.settled + s.failed);
    expect(BigInt(s.treasury)).toBeGreaterThan(0n);
    expect(s.refreshed).toBe(1);
    // The indexer filled over gRPC: every event of the package, by checkpoint (a watermark).
    expect(s.indexed.chainEvents).toBeGreaterThan(20);
    expect(s.indexed.events).toBe(s.indexed.chainEvents);
    expect(s.indexed.checkpoint).toMatch(/^[1-9][0-9]*$/);
    expect(p.err.join("")).toContain("clients over gRPC, JSON-RPC off");
    // Human progress went to stderr; stdout holds only the summary line.
    expect(p.out.filter((l) => l.trim())).toHaveLength(1);
    expect(p.err.join("")).toContain("Summary:");
  }, 300_000);
});
