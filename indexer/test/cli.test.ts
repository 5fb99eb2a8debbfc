/**
 * The indexer CLI refuses bad input before it changes anything: `replay --from` with a
 * malformed cursor or one the RPC does not know exits 2 and keeps the committed cursor;
 * `status` on a missing data folder exits 1 without creating a database, and on an indexed one
 * counts what was indexed (requests and their served detail documents, none pending).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openStorage } from "../src/db.js";
import { scriptedEvents, TEST_PACKAGE } from "../src/fixtures.js";
import { applyBatch, readCursor, setCursor } from "../src/ingest.js";
import { startRpcServer } from "./rpc-server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(path.join(tmpdir(), "atoma-indexer-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Async (the RPC server answers from this process, so the event loop must keep running). */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawn(process.execPath, ["--import", "tsx", "indexer/src/cli.ts", ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "" },
    timeout: 60_000,
  });
  let out = "";
  let err = "";
  c.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  c.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve) => c.on("exit", (code) => resolve({ code, out, err })));
}

async function cursorOf(dataDir: string): Promise<string | null> {
  const st = await openStorage({ dataDir });
  try {
    return (await readCursor(st.db))?.cursor ?? null;
  } finally {
    await st.close();
  }
}

describe("atoma-indexer CLI input checks", () => {
  it("replay --from garbage or an unknown cursor: exit 2, the committed cursor is kept", async () => {
    const events = scriptedEvents();
    const rpc = await startRpcServer(events);
    try {
      const dataDir = path.join(dir, "db");
      const good = JSON.stringify({ txDigest: events[3]!.txDigest, eventSeq: events[3]!.eventSeq });
      const st = await openStorage({ dataDir });
      await setCursor(st.db, good);
      await st.close();
      const base = [
        "replay",
        "--rpc",
        rpc.url,
        "--transport",
        "jsonrpc",
        "--package",
        TEST_PACKAGE,
        "--data-dir",
        dataDir,
        "--no-api",
      ];
      const bad = await cli([...base, "--from", "garbage"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--from must be `start` or an event cursor/);
      const unknown = JSON.stringify({ txDigest: "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi", eventSeq: "0" });
      const r = await cli([...base, "--from", unknown]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/does not accept this cursor.*the cursor was not changed/);
      expect(await cursorOf(dataDir)).toBe(good);
    } finally {
      await rpc.close();
    }
  }, 120_000);

  it("status counts the indexed requests and their detail documents", async () => {
    const events = scriptedEvents();
    const dataDir = path.join(dir, "indexed");
    const st = await openStorage({ dataDir });
    let requests: number;
    try {
      await applyBatch(st.db, events, "c1");
      const { sql } = await import("drizzle-orm");
      const [row] = await st.rows<{ n: string }>(sql`select count(*)::text as n from requests`);
      requests = Number(row?.n);
    } finally {
      await st.close();
    }
    expect(requests).toBe(2);
    const r = await cli(["status", "--json", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      cursor: "c1",
      events: String(events.length),
      requests: String(requests),
      requestDetails: String(requests),
      requestDetailsPending: "0",
      deadLetters: "0",
    });
  }, 120_000);

  it("status on a missing data folder exits 1 and creates nothing", async () => {
    const missing = path.join(dir, "nope");
    const r = await cli(["status", "--data-dir", missing]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no indexer database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    const j = await cli(["status", "--json", "--data-dir", missing]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toEqual({ error: "Error", message: expect.stringContaining("no indexer database") });
    const v = await cli(["--version"]);
    expect(v.out.trim()).toBe("0.1.0");
  });
});
