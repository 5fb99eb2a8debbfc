/**
 * Crash test: the CLI ingests a long stream over JSON-RPC into Postgres; it is SIGKILLed at 20
 * random points and restarted each time; the final tables equal a clean single run row for row.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SuiJsonRpcClient } from "@mysten/sui/jsonRpc";
import { describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { openStorage } from "../src/db.js";
import { longStream, scriptedEvents, TEST_PACKAGE } from "../src/fixtures.js";
import { readCursor } from "../src/ingest.js";
import { Ingester } from "../src/ingester.js";
import { CoreEventSource } from "../src/source.js";
import { dump, freshDatabase } from "./helpers.js";
import { startRpcServer } from "./rpc-server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the indexer crash-safety test on PostgreSQL");

function spawnIndexer(rpc: string, databaseUrl: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "indexer/src/cli.ts",
      "run",
      "--rpc",
      rpc,
      "--transport",
      "jsonrpc", // the fake node (rpc-server.ts) answers JSON-RPC only
      "--package",
      TEST_PACKAGE,
      "--database-url",
      databaseUrl,
      "--no-api",
      "--batch-size",
      "50",
      "--json",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
}

describe.skipIf(!pgAvailable)("crash safety", () => {
  it("SIGKILL at 20 random points, restart each time: tables equal a clean run", async () => {
    const events = [...scriptedEvents(), ...longStream(1000, 12)]; // 12 045 events
    const rpc = await startRpcServer(events, { delayMs: 5 });
    const crashed = await freshDatabase(pgUrl);
    const clean = await freshDatabase(pgUrl);
    try {
      let seed = 7;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const progress: number[] = [];
      for (let k = 0; k < 20; k++) {
        const child = spawnIndexer(rpc.url, crashed.url);
        let out = "";
        child.stderr!.on("data", (d: Buffer) => {
          out += d.toString();
        });
        // wait for the first committed batch (or the process already caught up), then kill at a random moment
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 60_000);
          child.stdout!.on("data", (d: Buffer) => {
            if (/batch committed/.test(d.toString())) {
              clearTimeout(t);
              resolve();
            }
          });
          child.on("exit", (code) => reject(new Error(`child exited ${code}: ${out}`)));
        });
        await new Promise((r) => setTimeout(r, rnd() * 200));
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
        const st = await openStorage({ databaseUrl: crashed.url });
        progress.push(Number((await readCursor(st.db))?.events ?? 0n));
        await st.close();
      }
      // the kills landed at different points of the stream, some before the end
      expect(new Set(progress).size).toBeGreaterThan(5);
      expect(progress[0]).toBeLessThan(events.length);
      // finish with a graceful run
      const child = spawnIndexer(rpc.url, crashed.url);
      await new Promise<void>((resolve) => {
        child.stdout!.on("data", (d: Buffer) => {
          if (/"caughtUp":true/.test(d.toString())) resolve();
        });
      });
      child.kill("SIGTERM");
      const code = await new Promise((r) => child.once("exit", r));
      expect(code).toBe(0);

      // a clean single run over the same JSON-RPC source, in-process
      const st = await openStorage({ databaseUrl: clean.url });
      const ing = new Ingester({
        db: st.db,
        source: new CoreEventSource(new SuiJsonRpcClient({ url: rpc.url, network: "localnet" }), TEST_PACKAGE),
        batchSize: 1000,
        pollMs: 10,
      });
      const ac = new AbortController();
      const run = ing.run(ac.signal);
      await new Promise<void>((r) => ing.onCommit(() => ing.caughtUp && ing.position.events > 0n && r()));
      ac.abort();
      await run;
      const st2 = await openStorage({ databaseUrl: crashed.url });
      const [a, b] = [await dump(st2), await dump(st)];
      expect(a.raw_events).toHaveLength(events.length);
      for (const t of Object.keys(b)) expect(a[t], t).toEqual(b[t]);
      expect((await readCursor(st2.db))?.events).toBe(BigInt(events.length));
      await st.close();
      await st2.close();
    } finally {
      await rpc.close();
      await crashed.drop();
      await clean.drop();
    }
  }, 300_000);
});
