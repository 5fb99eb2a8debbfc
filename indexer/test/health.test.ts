/**
 * /health reflects reality: an unreachable RPC or a package id that does not exist on the chain
 * is a 503 naming the URL or the package, never 200 "ok" and caught up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet } from "@atoma/devnet";
import { afterAll, describe, expect, it } from "vitest";
import { testDevnetOptions, testTransport } from "../../test/setup/transport.js";
import { type RunningIndexer, startIndexer } from "../src/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "atoma-indexer-health-"));
const running: RunningIndexer[] = [];
afterAll(async () => {
  for (const ix of running) await ix.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function healthAfterAWhile(ix: RunningIndexer) {
  for (let i = 0; i < 50; i++) {
    if (ix.ingester.lastError) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const r = await fetch(`${ix.url}/health`);
  return { status: r.status, body: (await r.json()) as { status: string; caughtUp: boolean; lastError: string } };
}

describe("indexer /health", () => {
  it("is 503 naming the URL when the RPC cannot be reached", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const rpcUrl = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
    await new Promise<void>((r) => s.close(() => r()));
    const ix = await startIndexer({ rpcUrl, packageId: "0xdead", dataDir: path.join(dir, "a"), rateLimit: false });
    running.push(ix);
    const h = await healthAfterAWhile(ix);
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ status: "error", caughtUp: false });
    expect(h.body.lastError).toBe(`cannot reach ${rpcUrl} (ECONNREFUSED)`);
  });

  it("is 503 when the package does not exist, not healthy and caught up", async () => {
    const d = await startDevnet({ seed: "health", checkpointIntervalMs: 0, ...testDevnetOptions() });
    try {
      const ix = await startIndexer({
        rpcUrl: d.url,
        transport: testTransport(),
        packageId: `0x${"de".repeat(32)}`,
        dataDir: path.join(dir, "b"),
        rateLimit: false,
      });
      running.push(ix);
      const h = await healthAfterAWhile(ix);
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({ status: "error", caughtUp: false });
      expect(h.body.lastError).toBe(`package 0x${"de".repeat(32)} does not exist on ${d.url}`);
    } finally {
      await running.pop()?.stop();
      await d.close();
    }
  });
});
