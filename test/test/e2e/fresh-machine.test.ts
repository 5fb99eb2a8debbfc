/**
 * The fresh-machine path: the root `start` script (`pnpm start --json`) with an empty HOME and
 * SUI_FRAMEWORK_DIR pointing at an empty folder, so no framework sources and no caches exist.
 * It must run on the committed bytecode alone, settle the request mix, slash the faulty node
 * (by id) and nobody else, and end with the record of the run as one JSON line.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DemoSummary } from "@atoma/demo";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, spawnProc, stopProc, waitForLine } from "./harness.js";

const HEX32 = /^0x[0-9a-f]{64}$/;
const home = mkdtempSync(path.join(tmpdir(), "atoma-fresh-home-"));
const emptyFramework = mkdtempSync(path.join(tmpdir(), "atoma-fresh-framework-"));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(emptyFramework, { recursive: true, force: true });
});

function runStartScript(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } })
    .scripts;
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", `${scripts.start} ${args.join(" ")}`], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOME: home,
        SUI_FRAMEWORK_DIR: emptyFramework,
        PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

describe("pnpm start --json on a fresh machine (empty HOME, no framework sources)", () => {
  it("settles every request, slashes exactly the faulty node, and records the run", async () => {
    const { code, out, err } = await runStartScript(["--json"]);
    expect(code, err.slice(-3000)).toBe(0);
    const lines = out.split("\n").filter((l) => l.trim());
    expect(lines, "stdout holds only the summary line").toHaveLength(1);
    const s = JSON.parse(lines[0] as string) as DemoSummary;

    // Requests: the mix of 6 (WASM, text generation, forecast, recommendation, confidential, LLM on llama.cpp) per batch.
    expect(s.failed).toBe(0);
    expect(s.settled).toBe(s.requests.length);
    expect(s.settled % 6).toBe(0);
    expect(s.settled).toBeGreaterThanOrEqual(6);
    expect(new Set(s.requests.map((r) => r.label))).toEqual(
      new Set([
        "WASM app (word count)",
        "text generation",
        "forecast",
        "recommendation",
        "confidential text generation",
        "LLM text (llama.cpp)",
      ]),
    );
    for (const r of s.requests) {
      expect(r.id).toMatch(HEX32);
      expect(r.status).toBe("Settled");
      expect(r.agreedHash).toMatch(HEX32);
      expect(r.kind).toBe(r.label.startsWith("WASM") ? "Wasm" : "Inference");
      expect(r.capability).toMatch(
        r.kind === "Wasm" ? /^(wasm:)?[0-9a-f]{64}$/ : r.label.startsWith("LLM") ? /^llm:[0-9a-f]{60}$/ : /^builtin:/,
      );
      expect(r.confidential).toBe(r.label.startsWith("confidential"));
      expect([1, 2]).toContain(r.rounds);
      expect(r.sampledNodes).toHaveLength(r.rounds);
      for (const round of r.sampledNodes) {
        expect(round.length).toBeGreaterThanOrEqual(1);
        for (const n of round) expect(s.nodes.map((x) => x.id)).toContain(n);
      }
      expect(r.settledMs).toBeGreaterThan(r.createdMs);
      expect(r.settlementMs).toBe(r.settledMs - r.createdMs);
    }

    // Nodes: the faulty one (by id) is slashed and unpaid; no honest node is slashed.
    expect(s.nodes).toHaveLength(5);
    const faulty = s.nodes.filter((n) => n.faulty);
    expect(faulty.map((n) => n.id)).toEqual([s.faultyNode]);
    expect(s.slashed).toEqual([s.faultyNode]);
    const f = faulty[0]!;
    expect(f.slashes.length).toBeGreaterThanOrEqual(1);
    for (const sl of f.slashes) {
      expect(s.requests.map((r) => r.id)).toContain(sl.requestId);
      expect(BigInt(sl.amount)).toBeGreaterThan(0n);
    }
    expect(f.payouts).toBe("0");
    const honest = s.nodes.filter((n) => !n.faulty);
    for (const n of honest) {
      expect(n.slashes).toEqual([]);
      expect(n.payouts).toBe(s.payouts[n.id] ?? "0");
    }
    expect(honest.filter((n) => BigInt(n.payouts) > 0n).length).toBeGreaterThanOrEqual(3);
    // Stake left: 100 SUI for honest nodes, less for the slashed one.
    for (const n of honest) expect(n.stake).toBe("100000000000");
    expect(BigInt(f.stake)).toBeLessThan(100_000_000_000n);
    for (const n of s.nodes) {
      expect(n.attestation?.revoked).toBe(false);
      expect(n.attestation?.evidenceHash).toMatch(HEX32);
    }

    // URLs are recorded, printed only when the network stays up.
    expect(s.packageId).toMatch(HEX32);
    expect(s.keptRunning).toBe(false);
    expect(s.urls.devnet).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(s.urls.indexer).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(s.urls.explorer).toBe(`${s.urls.indexer}/`);
    expect(err).not.toContain("Look around:");
    expect(err).toContain("pnpm start --keep-running");
    // Nothing was fetched or cached into the empty HOME or framework folder.
    expect(readdirSync(emptyFramework)).toEqual([]);
  }, 600_000);

  it("with --keep-running, prints the URLs, which answer until Ctrl-C stops the network", async () => {
    const p = spawnProc([path.join(ROOT, "demo/src/main.ts"), "--json", "--keep-running"], {
      env: { HOME: home, SUI_FRAMEWORK_DIR: emptyFramework },
    });
    try {
      const s = JSON.parse(await waitForLine(p, (l) => l.startsWith("{"), 540_000)) as DemoSummary;
      expect(s.keptRunning).toBe(true);
      expect(s.slashed).toEqual([s.faultyNode]);
      const indexer = s.urls.indexer as string;
      // The summary line is printed before the wait; the hint follows it on stderr.
      const deadline = Date.now() + 30_000;
      while (!p.err.join("").includes("Look around:") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(p.err.join("")).toContain(`Look around: ${indexer}/ (explorer) · ${indexer}/v1/requests`);
      expect((await fetch(`${s.urls.devnet}/health`)).status).toBe(200);
      const id = s.requests[0]?.id as string;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await fetch(`${indexer}/v1/requests/${id}`)).status;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, `indexer ${indexer} never served request ${id}`).toBe(200);
      p.child.kill("SIGINT");
      expect((await p.exited).code).toBe(0);
      await expect(fetch(`${indexer}/v1/requests`)).rejects.toThrow();
    } finally {
      await stopProc(p);
    }
  }, 600_000);
});
