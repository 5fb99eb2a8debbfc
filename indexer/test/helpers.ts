import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { openStorage, type Storage } from "../src/db.js";

/** A fresh database on the test server (dropped by the returned function). */
export async function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `idx_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export type Backend = "pglite" | "postgres";

/** Opens a storage of the given kind; postgres gets its own fresh database. */
export async function openTestStorage(kind: Backend, adminUrl: string): Promise<Storage & { url?: string }> {
  if (kind === "pglite") return openStorage({});
  const db = await freshDatabase(adminUrl);
  const st = await openStorage({ databaseUrl: db.url });
  return {
    ...st,
    url: db.url,
    close: async () => {
      await st.close();
      await db.drop();
    },
  };
}

export const TABLES: Record<string, string> = {
  raw_events: "tx_digest, event_seq",
  nodes: "node_id",
  node_history: "tx_digest, event_seq",
  stake_changes: "tx_digest, event_seq",
  attestations: "tx_digest, event_seq",
  clusters: "cluster_id",
  key_rotations: "cluster_id, epoch",
  key_rotation_acks: "tx_digest, event_seq",
  requests: "request_id",
  request_samples: "tx_digest, event_seq",
  commits: "tx_digest, event_seq",
  reveals: "tx_digest, event_seq",
  settlements: "tx_digest, event_seq",
  payouts: "tx_digest, event_seq",
  slashes: "tx_digest, event_seq",
  disputes: "tx_digest, event_seq",
  outputs: "tx_digest, event_seq",
  dead_letters: "tx_digest, event_seq",
  request_details: "request_id",
};

/** Every row of every table, as JSON text, in key order. */
export async function dump(st: Storage): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [t, key] of Object.entries(TABLES)) {
    const rows = await st.rows<{ j: string }>(sql.raw(`select row_to_json(x)::text as j from ${t} x order by ${key}`));
    out[t] = rows.map((r) => r.j);
  }
  return out;
}
