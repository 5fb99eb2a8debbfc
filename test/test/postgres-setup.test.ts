import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../setup/prerequisites.js";

const url = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the PostgreSQL setup test");

describe("throwaway PostgreSQL cluster", () => {
  it.skipIf(!pgAvailable)("answers queries on the provided URL", async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const res = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
      expect(Number(res.rows[0]?.v)).toBeGreaterThanOrEqual(140000);
    } finally {
      await client.end();
    }
  });
});
