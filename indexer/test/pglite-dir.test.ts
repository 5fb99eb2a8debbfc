import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { longStream, scriptedEvents } from "../src/fixtures.js";
import { startIndexer } from "../src/index.js";
import { ArrayEventSource } from "../src/source.js";

it("PGlite data directory: state survives a stop and a restart, which resumes at the cursor", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "atoma-indexer-"));
  try {
    const events = [...scriptedEvents(), ...longStream(20, 4)];
    const first = await startIndexer({ source: new ArrayEventSource(events.slice(0, 50)), dataDir: dir, api: false });
    await first.waitForCursor({ events: 50 });
    await first.stop();
    const second = await startIndexer({ source: new ArrayEventSource(events), dataDir: dir, batchSize: 30 });
    await second.waitForCursor({ events: events.length });
    expect(second.ingester.position.events).toBe(BigInt(events.length));
    const [c] = await second.storage.rows<{ n: number; d: number }>(
      sql`select count(*)::int as n, count(distinct (tx_digest, event_seq))::int as d from raw_events`,
    );
    expect(c).toEqual({ n: events.length, d: events.length });
    const h = await fetch(`${second.url}/health`).then((r) => r.json());
    expect(h).toMatchObject({ events: String(events.length), caughtUp: true });
    await second.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
