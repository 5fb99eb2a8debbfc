/**
 * The attestation path column (`attestations.path`, API field `path`): verdict / on-chain TDX /
 * on-chain Nitro, from the `AttestationRecorded` events, on PGlite and PostgreSQL; and the
 * migration's backfill of rows indexed before the column existed.
 */
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { buildApi } from "../src/api.js";
import { attestationPath } from "../src/attestation-path.js";
import type { Storage } from "../src/db.js";
import { hexId, rawEvent } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import { type Backend, openTestStorage } from "./helpers.js";

const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(inject("databaseUnavailable"), "the indexer attestation path tests on PostgreSQL");
const backends: Backend[] = ["pglite", "postgres"];
const ZERO = `0x${"00".repeat(32)}`;
const verifier = hexId(0x77, 1);
const [n1, n2, n3, n4] = [hexId(1, 1), hexId(1, 2), hexId(1, 3), hexId(1, 4)];
const backfill = readFileSync(new URL("../drizzle/0004_attestation_path.sql", import.meta.url), "utf8").split(
  "--> statement-breakpoint",
)[1] as string;

function recorded(node: string, teeKind: number, by: string, tx: number) {
  return rawEvent(
    "AttestationRecorded",
    {
      node_id: node,
      tee_kind: teeKind,
      measurement: new Array(48).fill(tx),
      report_data_hash: new Array(32).fill(1),
      evidence_hash: new Array(32).fill(2),
      verifier: by,
      recorded_ms: 1000n,
      expires_ms: 9000n,
      issued_ms: 1000n,
    },
    { tx, seq: 0 },
  );
}

describe("attestationPath", () => {
  it("names the path from the verifier and the TEE kind", () => {
    expect(attestationPath(1, verifier)).toBe("verdict");
    expect(attestationPath(2, verifier)).toBe("verdict");
    expect(attestationPath(1, ZERO)).toBe("tdx-onchain");
    expect(attestationPath(1, "0x0")).toBe("tdx-onchain");
    expect(attestationPath(4, ZERO)).toBe("nitro-onchain");
    expect(attestationPath(2, ZERO)).toBe("onchain");
    // A verifier address that merely starts with zeros is a verifier.
    expect(attestationPath(1, `0x${"00".repeat(31)}01`)).toBe("verdict");
  });
});

describe.each(backends)("attestation path column (%s)", (backend) => {
  const skip = backend === "postgres" && !pgAvailable;
  let st: Storage;
  beforeAll(async () => {
    if (skip) return;
    st = await openTestStorage(backend, pgUrl);
  });
  beforeEach((ctx) => {
    if (skip) ctx.skip();
  });
  afterAll(async () => {
    await st?.close();
  });

  it("stores verdict, tdx-onchain and nitro-onchain and serves them", async () => {
    const events = [
      recorded(n1, 2, verifier, 1),
      recorded(n2, 1, ZERO, 2),
      recorded(n3, 4, ZERO, 3),
      rawEvent("AttestationRevoked", { node_id: n2, revoked_by: verifier, revoked_ms: 5000n }, { tx: 4, seq: 0 }),
    ];
    await applyBatch(st.db, events, "c1");
    const rows = await st.rows<{ node_id: string; event: string; path: string | null }>(
      sql`select node_id, event, path from attestations order by tx_digest`,
    );
    expect(rows).toEqual([
      { node_id: n1, event: "recorded", path: "verdict" },
      { node_id: n2, event: "recorded", path: "tdx-onchain" },
      { node_id: n3, event: "recorded", path: "nitro-onchain" },
      { node_id: n2, event: "revoked", path: null },
    ]);
    const app = await buildApi({ storage: st, rateLimit: false });
    try {
      const res = await app.inject({ method: "GET", url: `/v1/attestations?nodeId=${n3}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toMatchObject([{ nodeId: n3, teeKind: 4, path: "nitro-onchain" }]);
    } finally {
      await app.close();
    }
  });

  it("the migration backfills rows indexed before the column", async () => {
    await applyBatch(st.db, [recorded(n4, 1, ZERO, 10), recorded(n4, 1, verifier, 11)], "c2");
    await st.db.execute(sql`update attestations set path = null where node_id = ${n4}`);
    await st.db.execute(sql.raw(backfill));
    const rows = await st.rows<{ path: string | null }>(
      sql`select path from attestations where node_id = ${n4} order by tx_digest`,
    );
    expect(rows).toEqual([{ path: "tdx-onchain" }, { path: "verdict" }]);
  });
});
