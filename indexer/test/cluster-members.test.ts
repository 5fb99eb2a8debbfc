/**
 * Cluster membership (issue 13 A7): ClusterCreated lists invited nodes only; ClusterMemberJoined /
 * Invited / Removed move each node through invited → member → left / removed (declined /
 * withdrawn for invitations), projected into `cluster_members` and served by
 * `GET /v1/clusters/:clusterId`, on PGlite and PostgreSQL, batch boundaries anywhere.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { requirePostgres } from "../../test/setup/prerequisites.js";
import { buildApi } from "../src/api.js";
import type { Storage } from "../src/db.js";
import { hexId, rawEvent } from "../src/fixtures.js";
import { applyBatch } from "../src/ingest.js";
import { type Backend, openTestStorage } from "./helpers.js";

const pgUrl = inject("databaseUrl");
const pgAvailable = requirePostgres(
  inject("databaseUnavailable"),
  "the indexer cluster membership tests on PostgreSQL",
);

const cl = hexId(0xc1, 1);
const n = (i: number) => hexId(0x0d, i);
let tx = 0;
const ev = [
  rawEvent(
    "ClusterCreated",
    { cluster_id: cl, members: [n(1), n(2), n(3)], epoch: 0n, commitment: new Uint8Array(32).fill(8) },
    { tx: ++tx, seq: 0 },
  ),
  rawEvent("ClusterMemberJoined", { cluster_id: cl, node_id: n(1), members: 1n }, { tx: ++tx, seq: 0 }),
  rawEvent("ClusterMemberJoined", { cluster_id: cl, node_id: n(2), members: 2n }, { tx: ++tx, seq: 0 }),
  rawEvent("ClusterMemberInvited", { cluster_id: cl, node_id: n(4) }, { tx: ++tx, seq: 0 }),
  // n3 declines its invitation, n2 leaves
  rawEvent(
    "ClusterMemberRemoved",
    { cluster_id: cl, node_id: n(3), member: false, left: true, members: 2n },
    { tx: ++tx, seq: 0 },
  ),
  rawEvent(
    "ClusterMemberRemoved",
    { cluster_id: cl, node_id: n(2), member: true, left: true, members: 1n },
    { tx: ++tx, seq: 0 },
  ),
  // the master invites n5 and withdraws it; n4 joins and is removed; n6 is invited and stays so
  rawEvent("ClusterMemberInvited", { cluster_id: cl, node_id: n(5) }, { tx: ++tx, seq: 0 }),
  rawEvent(
    "ClusterMemberRemoved",
    { cluster_id: cl, node_id: n(5), member: false, left: false, members: 1n },
    { tx: ++tx, seq: 0 },
  ),
  rawEvent("ClusterMemberJoined", { cluster_id: cl, node_id: n(4), members: 2n }, { tx: ++tx, seq: 0 }),
  rawEvent(
    "ClusterMemberRemoved",
    { cluster_id: cl, node_id: n(4), member: true, left: false, members: 1n },
    { tx: ++tx, seq: 0 },
  ),
  rawEvent("ClusterMemberInvited", { cluster_id: cl, node_id: n(6) }, { tx: ++tx, seq: 0 }),
];

const want = {
  [n(1)]: "member",
  [n(2)]: "left",
  [n(3)]: "declined",
  [n(4)]: "removed",
  [n(5)]: "withdrawn",
  [n(6)]: "invited",
};

describe.each(["pglite", "postgres"] as Backend[])("cluster membership (%s)", (backend) => {
  const skip = backend === "postgres" && !pgAvailable;
  beforeEach((ctx) => {
    if (skip) ctx.skip();
  });
  for (const size of [ev.length, 2]) {
    describe(`batches of ${size}`, () => {
      let st: Storage;
      let app: FastifyInstance;
      beforeAll(async () => {
        if (skip) return;
        st = await openTestStorage(backend, pgUrl);
        for (let i = 0; i < ev.length; i += size) await applyBatch(st.db, ev.slice(i, i + size), String(i));
        app = await buildApi({ storage: st, rateLimit: false });
      });
      afterAll(async () => {
        await app?.close();
        await st?.close();
      });

      it("GET /v1/clusters/:id: each node's latest state, the member count, the invited-at-creation list", async () => {
        const r = await app.inject(`/v1/clusters/${cl}`);
        expect(r.statusCode).toBe(200);
        const body = r.json() as {
          clusterId: string;
          members: string[];
          memberCount: string;
          membership: { nodeId: string; state: string; lastTx: string; lastPos: string }[];
        };
        expect(body.clusterId).toBe(cl);
        expect(body.members).toEqual([n(1), n(2), n(3)]);
        expect(body.memberCount).toBe("1");
        expect(Object.fromEntries(body.membership.map((m) => [m.nodeId, m.state]))).toEqual(want);
        // the event that set each state: n4's removal is the 10th transaction
        expect(body.membership.find((m) => m.nodeId === n(4))?.lastTx).toBe(ev[9]?.txDigest);
      });

      it("404 for a cluster never created", async () => {
        const r = await app.inject(`/v1/clusters/${hexId(0xc1, 2)}`);
        expect(r.statusCode).toBe(404);
        expect(r.json()).toMatchObject({ error: "not_found" });
      });
    });
  }
});
