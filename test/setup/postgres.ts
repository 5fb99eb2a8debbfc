/** Vitest global setup: one throwaway PostgreSQL cluster for the whole run (see pg-cluster.ts). */
import pg from "pg";
import type { TestProject } from "vitest/node";
import { type PgCluster, startPgCluster } from "./pg-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** Why no server is available ("" when one is); tests pass it to requirePostgres. */
    databaseUnavailable: string;
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** Connects once: a server that does not answer is reported as unavailable, not left to fail every test. */
async function probe(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (err) {
    return `no PostgreSQL server answers at ${redact(url)}: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  let cluster: PgCluster;
  try {
    cluster = await startPgCluster();
  } catch (err) {
    cluster = { url: "", stop() {}, unavailable: `the throwaway cluster did not start: ${(err as Error).message}` };
  }
  const unavailable = cluster.unavailable ?? (await probe(cluster.url));
  project.provide("databaseUrl", unavailable ? "" : cluster.url);
  project.provide("databaseUnavailable", unavailable ?? "");
  if (unavailable) console.warn(`[pg] PostgreSQL unavailable: ${unavailable}`);
  return () => cluster.stop();
}
