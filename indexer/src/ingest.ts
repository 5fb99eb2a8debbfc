/**
 * Applying a batch of raw events to the database in ONE transaction: raw events (ON CONFLICT DO
 * NOTHING on the event id), derived append-only rows for the newly inserted events only, folded
 * current-state upserts (nodes, requests, clusters, key rotations), dead letters, the detail
 * documents of the requests the batch touched (request-details.ts), and the cursor.
 * What each event means is its projector's business (projectors.ts); this module only writes.
 */
import { sql } from "drizzle-orm";
import { bulkInsert, CHUNK, columnsExcept } from "./bulk.js";
import type { Db } from "./db.js";
import { type DecodedEvent, decode } from "./decode.js";
import { APPEND_TABLES, type AppendTable, NODE_COUNTERS, Projection } from "./projection.js";
import { project, toHex } from "./projectors.js";
import { refreshDetails, touchedRequests } from "./request-details.js";
import * as s from "./schema.js";
import type { RawEvent } from "./source.js";

export { label, toHex } from "./projectors.js";

export const DEFAULT_STREAM = "atoma";

type Decoded = { raw: RawEvent; ev: DecodedEvent | null; reason: string | null };

export function decodeAll(events: RawEvent[]): Decoded[] {
  return events.map((raw) => {
    try {
      return { raw, ev: decode(raw), reason: null };
    } catch (e) {
      return { raw, ev: null, reason: (e as Error).message.slice(0, 2000) };
    }
  });
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  deadLetters: number;
}

/** Writes the raw events not seen before (also within the batch), densely numbered from `pos`; returns them. */
async function insertRawEvents(tx: Db, decoded: Decoded[], pos: bigint): Promise<{ fresh: Decoded[]; pos: bigint }> {
  const seen = new Set<string>();
  const fresh: Decoded[] = [];
  for (let i = 0; i < decoded.length; i += CHUNK) {
    const chunk = decoded.slice(i, i + CHUNK).filter((d) => {
      const k = `${d.raw.txDigest}:${d.raw.eventSeq}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (chunk.length === 0) continue;
    const start = pos;
    const ins = await bulkInsert<typeof s.rawEvents, { tx_digest: string; event_seq: number; pos: string | number }>(
      tx,
      s.rawEvents,
      chunk.map((d, j) => ({
        txDigest: d.raw.txDigest,
        eventSeq: d.raw.eventSeq,
        pos: start + BigInt(j),
        type: d.raw.type,
        name: d.ev?.name ?? null,
        packageId: d.raw.packageId,
        sender: d.raw.sender,
        bcs: toHex(d.raw.bcs),
        timestampMs: d.raw.timestampMs ?? null,
        checkpoint: d.raw.checkpoint ?? null,
      })),
      "nothing",
      [s.rawEvents.txDigest, s.rawEvents.eventSeq, s.rawEvents.pos],
    );
    const got = new Map(ins.map((r) => [`${r.tx_digest}:${r.event_seq}`, BigInt(r.pos)]));
    for (const d of chunk) if (got.has(`${d.raw.txDigest}:${d.raw.eventSeq}`)) fresh.push(d);
    // Positions must be dense: renumber the fresh rows of this chunk if some were duplicates.
    if (ins.length !== chunk.length) {
      let p = start;
      for (const d of chunk) {
        const k = `${d.raw.txDigest}:${d.raw.eventSeq}`;
        if (!got.has(k)) continue;
        if (got.get(k) !== p)
          await tx.execute(
            sql`update raw_events set pos = ${p} where tx_digest = ${d.raw.txDigest} and event_seq = ${d.raw.eventSeq}`,
          );
        p += 1n;
      }
    }
    pos = start + BigInt(ins.length);
  }
  return { fresh, pos };
}

/** Writes a projection: append-only rows, then current-state upserts (a patch keeps the columns it lacks). */
async function writeProjection(tx: Db, b: Projection): Promise<void> {
  for (const name of Object.keys(APPEND_TABLES) as AppendTable[]) {
    const rows = b.rows[name];
    if (rows.length) await bulkInsert(tx, APPEND_TABLES[name], rows, "nothing");
  }
  if (b.nodes.size) {
    const counters = NODE_COUNTERS.map((k) => s.nodes[k]);
    await bulkInsert(
      tx,
      s.nodes,
      [...b.nodes].map(([nodeId, p]) => ({
        ...p,
        nodeId,
        paidTotal: p.paidTotal ?? 0n,
        slashedTotal: p.slashedTotal ?? 0n,
        reveals: p.reveals ?? 0n,
      })),
      { target: [s.nodes.nodeId], coalesce: columnsExcept(s.nodes, [s.nodes.nodeId, ...counters]), add: counters },
    );
  }
  if (b.requests.size)
    await bulkInsert(
      tx,
      s.requests,
      [...b.requests].map(([requestId, p]) => ({ ...p, requestId })),
      { target: [s.requests.requestId], coalesce: columnsExcept(s.requests, [s.requests.requestId]) },
    );
  if (b.clusters.size)
    await bulkInsert(
      tx,
      s.clusters,
      [...b.clusters].map(([clusterId, p]) => ({ ...p, clusterId })),
      { target: [s.clusters.clusterId], coalesce: columnsExcept(s.clusters, [s.clusters.clusterId]) },
    );
  if (b.members.size) {
    const key = [s.clusterMembers.clusterId, s.clusterMembers.nodeId];
    await bulkInsert(tx, s.clusterMembers, [...b.members.values()], {
      target: key,
      coalesce: columnsExcept(s.clusterMembers, key),
    });
  }
  if (b.rotations.size) {
    const key = [s.keyRotations.clusterId, s.keyRotations.epoch];
    await bulkInsert(tx, s.keyRotations, [...b.rotations.values()], {
      target: key,
      coalesce: columnsExcept(s.keyRotations, key),
    });
  }
}

/**
 * Writes `events` and moves the stream's cursor to `nextCursor` (null keeps it) and, with
 * `checkpoint`, the checkpoint watermark, atomically. Positions of the new raw events follow the
 * stream's event count before this batch.
 */
export async function applyBatch(
  db: Db,
  events: RawEvent[],
  nextCursor: string | null,
  opts: { stream?: string; checkpoint?: bigint } = {},
): Promise<BatchResult> {
  const stream = opts.stream ?? DEFAULT_STREAM;
  const decoded = decodeAll(events);
  return db.transaction(async (tx) => {
    const cur = await tx
      .select({ events: s.cursors.events })
      .from(s.cursors)
      .where(sql`${s.cursors.stream} = ${stream}`)
      .for("update");

    // 1. raw events, keeping only those not seen before (also within this batch).
    const { fresh, pos } = await insertRawEvents(tx, decoded, cur[0]?.events ?? 0n);

    // 2. project the fresh events; undecodable ones become dead letters.
    const batch = new Projection();
    const dead: (typeof s.deadLetters.$inferInsert)[] = [];
    let lastTs: bigint | null = null;
    let evPos = pos - BigInt(fresh.length);
    for (const d of fresh) {
      const event = { txDigest: d.raw.txDigest, eventSeq: d.raw.eventSeq, pos: evPos++ };
      if (d.raw.timestampMs != null) lastTs = d.raw.timestampMs;
      if (d.ev) project(d.ev, { batch, event });
      else
        dead.push({
          txDigest: event.txDigest,
          eventSeq: event.eventSeq,
          type: d.raw.type,
          bcs: toHex(d.raw.bcs),
          reason: d.reason ?? "undecodable",
        });
    }
    await writeProjection(tx, batch);
    if (dead.length) await bulkInsert(tx, s.deadLetters, dead, "nothing");
    // the detail documents of the requests this batch changed, once each, from the rows just written
    await refreshDetails(tx, touchedRequests(batch));

    // 3. the watermark, in the same transaction.
    await tx
      .insert(s.cursors)
      .values({ stream, cursor: nextCursor, events: pos, lastTimestampMs: lastTs, checkpointHi: opts.checkpoint })
      .onConflictDoUpdate({
        target: s.cursors.stream,
        set: {
          cursor: sql`coalesce(excluded.cursor, ${s.cursors.cursor})`,
          checkpointHi: sql`coalesce(excluded.checkpoint_hi_inclusive, ${s.cursors.checkpointHi})`,
          events: pos,
          lastTimestampMs: sql`coalesce(excluded.last_timestamp_ms, ${s.cursors.lastTimestampMs})`,
          updatedAt: sql`now()`,
        },
      });
    return { inserted: fresh.length, duplicates: events.length - fresh.length, deadLetters: dead.length };
  });
}

export async function readCursor(
  db: Db,
  stream = DEFAULT_STREAM,
): Promise<{
  cursor: string | null;
  checkpointHi: bigint | null;
  events: bigint;
  lastTimestampMs: bigint | null;
  updatedAt: Date;
} | null> {
  const r = await db.select().from(s.cursors).where(sql`${s.cursors.stream} = ${stream}`);
  return r[0] ?? null;
}

/**
 * Sets the stream's event cursor (replay --from): later batches resume after it. The checkpoint
 * watermark is cleared, so ingestion by checkpoint catches up from this cursor with listEvents first.
 */
export async function setCursor(db: Db, cursor: string | null, stream = DEFAULT_STREAM): Promise<void> {
  await db
    .insert(s.cursors)
    .values({ stream, cursor })
    .onConflictDoUpdate({ target: s.cursors.stream, set: { cursor, checkpointHi: null, updatedAt: sql`now()` } });
}
