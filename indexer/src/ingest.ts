/**
 * Applying a batch of raw events to the database in ONE transaction: raw events (ON CONFLICT DO
 * NOTHING on the event id), derived append-only rows for the newly inserted events only, folded
 * current-state upserts (nodes, requests, clusters, key rotations), dead letters, and the cursor.
 */
import { getTableColumns, sql } from "drizzle-orm";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./db.js";
import { type DecodedEvent, decode } from "./decode.js";
import * as s from "./schema.js";
import type { RawEvent } from "./source.js";

export const DEFAULT_STREAM = "atoma";
/** Rows per INSERT statement (bounded JSON parameter size). */
const CHUNK = 5000;

type Decoded = { raw: RawEvent; ev: DecodedEvent | null; reason: string | null };

export function toHex(bytes: ArrayLike<number>): string {
  return `0x${Buffer.from(Uint8Array.from(bytes)).toString("hex")}`;
}
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** A capability label: UTF-8 text when it is printable, else 0x-hex. */
export function label(bytes: ArrayLike<number>): string {
  try {
    const t = utf8.decode(Uint8Array.from(bytes));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (!/[\u0000-\u001f\u007f]/.test(t)) return t;
  } catch {}
  return toHex(bytes);
}

/** JSON form of decoded event data: u64 as decimal strings, byte vectors as 0x-hex. */
function jsonOf(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === "number")) return toHex(v as number[]);
    if (v.length === 0) return [];
    return v.map(jsonOf);
  }
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return typeof v === "bigint" ? v.toString() : v;
}

export function decodeAll(events: RawEvent[]): Decoded[] {
  return events.map((raw) => {
    try {
      return { raw, ev: decode(raw), reason: null };
    } catch (e) {
      return { raw, ev: null, reason: (e as Error).message.slice(0, 2000) };
    }
  });
}

/**
 * Multi-row insert as ONE statement with ONE parameter: the rows as a JSON array expanded by
 * jsonb_to_recordset. Building a drizzle VALUES list of thousands of rows costs more CPU than the
 * database spends inserting them; this is the same on PGlite and node-postgres.
 */
async function bulkInsert<T = Record<string, unknown>>(
  tx: Db,
  table: PgTable,
  rows: Record<string, unknown>[],
  conflict: "nothing" | { target: string[]; set: Record<string, string> },
  returning?: string,
): Promise<T[]> {
  const cfg = getTableConfig(table);
  const cols = Object.entries(getTableColumns(table));
  const names = cols.map(([, c]) => `"${c.name}"`).join(", ");
  const defs = cols.map(([, c]) => `"${c.name}" ${c.getSQLType()}`).join(", ");
  const onConflict =
    conflict === "nothing"
      ? "on conflict do nothing"
      : `on conflict (${conflict.target.map((t) => `"${t}"`).join(", ")}) do update set ${Object.entries(conflict.set)
          .map(([k, v]) => `"${k}" = ${v}`)
          .join(", ")}`;
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const json = JSON.stringify(
      rows.slice(i, i + CHUNK).map((r) => {
        const o: Record<string, unknown> = {};
        for (const [key, c] of cols) o[c.name] = r[key] ?? null;
        return o;
      }),
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    );
    const q = sql`${sql.raw(`insert into "${cfg.name}" as t (${names}) select ${names} from jsonb_to_recordset(`)}${json}${sql.raw(`::jsonb) as x(${defs}) ${onConflict}${returning ? ` returning ${returning}` : ""}`)}`;
    const res = (await tx.execute(q)) as unknown as { rows: T[] };
    if (returning) out.push(...res.rows);
  }
  return out;
}

const big = (x: string | number | bigint) => BigInt(x);
/** SET col = coalesce(excluded.col, table.col): a partial patch keeps columns it does not carry. */
const snake = (c: string) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
/** SET col = coalesce(excluded.col, t.col): a partial patch keeps the columns it does not carry. */
function coalesceSet(cols: readonly string[]): Record<string, string> {
  return Object.fromEntries(cols.map((c) => [snake(c), `coalesce(excluded."${snake(c)}", t."${snake(c)}")`]));
}
function addSet(cols: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    cols.map((c) => [snake(c), `coalesce(t."${snake(c)}", 0) + coalesce(excluded."${snake(c)}", 0)`]),
  );
}

type Patch = Record<string, unknown>;
function fold(map: Map<string, Patch>, key: string, patch: Patch, add: string[] = []): void {
  const cur = map.get(key) ?? {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (add.includes(k)) cur[k] = ((cur[k] as bigint | undefined) ?? 0n) + (v as bigint);
    else cur[k] = v;
  }
  map.set(key, cur);
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  deadLetters: number;
}

/**
 * Writes `events` and moves the stream's cursor to `nextCursor`, atomically. `startPos` is the
 * stream's event count before this batch (positions of the new raw events follow it).
 */
export async function applyBatch(
  db: Db,
  events: RawEvent[],
  nextCursor: string | null,
  opts: { stream?: string } = {},
): Promise<BatchResult> {
  const stream = opts.stream ?? DEFAULT_STREAM;
  const decoded = decodeAll(events);
  return db.transaction(async (tx) => {
    const cur = await tx
      .select({ events: s.cursors.events })
      .from(s.cursors)
      .where(sql`${s.cursors.stream} = ${stream}`)
      .for("update");
    let pos = cur[0]?.events ?? 0n;

    // 1. raw events, keeping only those not seen before (also within this batch).
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
      const rows = chunk.map((d, j) => ({
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
      }));
      const ins = await bulkInsert<{ tx_digest: string; event_seq: number; pos: string | number }>(
        tx,
        s.rawEvents,
        rows,
        "nothing",
        "tx_digest, event_seq, pos",
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

    // 2. derive rows from the fresh events.
    const t: Record<string, Record<string, unknown>[]> = {};
    const push = (name: string, row: Record<string, unknown>) => {
      const arr = t[name] ?? [];
      arr.push(row);
      t[name] = arr;
    };
    const nodes = new Map<string, Patch>();
    const requests = new Map<string, Patch>();
    const clusters = new Map<string, Patch>();
    const rotations = new Map<string, Patch>();
    const dead: Record<string, unknown>[] = [];
    let lastTs: bigint | null = null;
    let evPos = pos - BigInt(fresh.length);

    for (const d of fresh) {
      const p = evPos++;
      if (d.raw.timestampMs != null) lastTs = d.raw.timestampMs;
      const id = { txDigest: d.raw.txDigest, eventSeq: d.raw.eventSeq };
      if (!d.ev) {
        dead.push({ ...id, type: d.raw.type, bcs: toHex(d.raw.bcs), reason: d.reason ?? "undecodable" });
        continue;
      }
      const ev = d.ev;
      const nodeHist = (nodeId: string) =>
        push("nodeHistory", { ...id, nodeId, event: ev.name, data: jsonOf(ev.data) });
      switch (ev.name) {
        case "NodeRegistered": {
          const x = ev.data;
          fold(nodes, x.node_id, {
            operator: x.operator,
            stake: big(x.stake),
            sigPk: toHex(x.sig_pk),
            encPk: toHex(x.enc_pk),
            capabilities: x.capabilities.map(label),
            price: big(x.price),
            status: 0,
            registeredTx: d.raw.txDigest,
            lastPos: p,
          });
          nodeHist(x.node_id);
          break;
        }
        case "StakeChanged": {
          const x = ev.data;
          fold(nodes, x.node_id, { stake: big(x.new_stake), lastPos: p });
          push("stakeChanges", {
            ...id,
            nodeId: x.node_id,
            oldStake: big(x.old_stake),
            newStake: big(x.new_stake),
            reason: x.reason,
          });
          nodeHist(x.node_id);
          break;
        }
        case "NodeStatusChanged": {
          const x = ev.data;
          fold(nodes, x.node_id, { status: x.new_status, unbondingUntilMs: big(x.unbonding_until_ms), lastPos: p });
          nodeHist(x.node_id);
          break;
        }
        case "NodeUpdated": {
          const x = ev.data;
          fold(nodes, x.node_id, { price: big(x.price), capabilities: x.capabilities.map(label), lastPos: p });
          nodeHist(x.node_id);
          break;
        }
        case "AttestationRecorded": {
          const x = ev.data;
          fold(nodes, x.node_id, { teeKind: x.tee_kind, attestedUntilMs: big(x.expires_ms), lastPos: p });
          push("attestations", {
            ...id,
            nodeId: x.node_id,
            event: "recorded",
            teeKind: x.tee_kind,
            measurement: toHex(x.measurement),
            reportDataHash: toHex(x.report_data_hash),
            evidenceHash: toHex(x.evidence_hash),
            verifier: x.verifier,
            recordedMs: big(x.recorded_ms),
            expiresMs: big(x.expires_ms),
            revokedBy: null,
          });
          nodeHist(x.node_id);
          break;
        }
        case "AttestationRevoked": {
          const x = ev.data;
          fold(nodes, x.node_id, { attestedUntilMs: 0n, lastPos: p });
          push("attestations", {
            ...id,
            nodeId: x.node_id,
            event: "revoked",
            teeKind: null,
            measurement: null,
            reportDataHash: null,
            evidenceHash: null,
            verifier: null,
            recordedMs: null,
            expiresMs: null,
            revokedBy: x.revoked_by,
          });
          nodeHist(x.node_id);
          break;
        }
        case "RequestCreated": {
          const x = ev.data;
          fold(requests, x.request_id, {
            requester: x.requester,
            kind: x.kind,
            capability: label(x.capability),
            inputHash: toHex(x.input_hash),
            sampleSize: big(x.sample_size),
            quorumBps: big(x.quorum_bps),
            confidential: x.confidential,
            maxPrice: big(x.max_price),
            escrow: big(x.escrow),
            createdMs: big(x.created_ms),
            status: "open",
            createdPos: p,
            lastPos: p,
          });
          break;
        }
        case "NodesSampled": {
          const x = ev.data;
          fold(requests, x.request_id, { status: "sampled", round: x.round, lastPos: p });
          push("requestSamples", {
            ...id,
            requestId: x.request_id,
            round: x.round,
            nodes: x.nodes,
            commitDeadlineMs: big(x.commit_deadline_ms),
            revealDeadlineMs: big(x.reveal_deadline_ms),
          });
          break;
        }
        case "ResultCommitted": {
          const x = ev.data;
          push("commits", {
            ...id,
            requestId: x.request_id,
            nodeId: x.node_id,
            round: x.round,
            commitment: toHex(x.commitment),
          });
          break;
        }
        case "ResultRevealed": {
          const x = ev.data;
          fold(nodes, x.node_id, { reveals: 1n }, ["reveals"]);
          push("reveals", {
            ...id,
            requestId: x.request_id,
            nodeId: x.node_id,
            round: x.round,
            outputHash: toHex(x.output_hash),
          });
          break;
        }
        case "NodePaid": {
          const x = ev.data;
          fold(nodes, x.node_id, { paidTotal: big(x.amount) }, ["paidTotal"]);
          push("payouts", { ...id, requestId: x.request_id, nodeId: x.node_id, amount: big(x.amount) });
          break;
        }
        case "NodeSlashed": {
          const x = ev.data;
          fold(nodes, x.node_id, { stake: big(x.remaining_stake), slashedTotal: big(x.amount), lastPos: p }, [
            "slashedTotal",
          ]);
          push("slashes", {
            ...id,
            requestId: x.request_id,
            nodeId: x.node_id,
            amount: big(x.amount),
            reason: x.reason,
            remainingStake: big(x.remaining_stake),
          });
          nodeHist(x.node_id);
          break;
        }
        case "RequestSettled": {
          const x = ev.data;
          const row = {
            outputHash: toHex(x.output_hash),
            agreeing: x.agreeing,
            paidTotal: big(x.paid_total),
            slashedTotal: big(x.slashed_total),
            margin: big(x.margin),
            refund: big(x.refund),
            rounds: x.rounds,
            settledMs: big(x.settled_ms),
          };
          fold(requests, x.request_id, { ...row, status: "settled", lastPos: p });
          push("settlements", { ...id, requestId: x.request_id, outcome: "settled", ...row, failReason: null });
          break;
        }
        case "DisputeOpened": {
          const x = ev.data;
          fold(requests, x.request_id, { status: "disputed", lastPos: p });
          push("disputes", {
            ...id,
            requestId: x.request_id,
            outputHashes: x.output_hashes.map(toHex),
            escalationSize: big(x.escalation_size),
          });
          break;
        }
        case "RequestFailed": {
          const x = ev.data;
          fold(requests, x.request_id, { status: "failed", failReason: x.reason, refund: big(x.refund), lastPos: p });
          push("settlements", {
            ...id,
            requestId: x.request_id,
            outcome: "failed",
            outputHash: null,
            agreeing: null,
            paidTotal: null,
            slashedTotal: null,
            margin: null,
            refund: big(x.refund),
            rounds: null,
            settledMs: null,
            failReason: x.reason,
          });
          break;
        }
        case "OutputPosted": {
          const x = ev.data;
          push("outputs", { ...id, requestId: x.request_id, nodeId: x.node_id, size: big(x.size) });
          break;
        }
        case "ClusterCreated": {
          const x = ev.data;
          fold(clusters, x.cluster_id, {
            members: x.members,
            epoch: big(x.epoch),
            commitment: toHex(x.commitment),
            createdTx: d.raw.txDigest,
          });
          break;
        }
        case "KeyRotationStarted": {
          const x = ev.data;
          fold(rotations, `${x.cluster_id}:${x.epoch}`, {
            clusterId: x.cluster_id,
            epoch: big(x.epoch),
            status: "started",
            commitment: toHex(x.commitment),
            deadlineMs: big(x.deadline_ms),
            ackQuorum: big(x.ack_quorum),
            acks: 0n,
            lastPos: p,
          });
          break;
        }
        case "KeyRotationAcked": {
          const x = ev.data;
          fold(rotations, `${x.cluster_id}:${x.epoch}`, {
            clusterId: x.cluster_id,
            epoch: big(x.epoch),
            acks: big(x.acks),
            lastPos: p,
          });
          push("keyRotationAcks", {
            ...id,
            clusterId: x.cluster_id,
            epoch: big(x.epoch),
            nodeId: x.node_id,
            acks: big(x.acks),
          });
          break;
        }
        case "KeyRotationCompleted": {
          const x = ev.data;
          fold(rotations, `${x.cluster_id}:${x.epoch}`, {
            clusterId: x.cluster_id,
            epoch: big(x.epoch),
            status: "completed",
            commitment: toHex(x.commitment),
            previousCommitment: toHex(x.previous_commitment),
            graceUntilMs: big(x.grace_until_ms),
            lastPos: p,
          });
          fold(clusters, x.cluster_id, { epoch: big(x.epoch), commitment: toHex(x.commitment) });
          break;
        }
        case "KeyRotationAborted": {
          const x = ev.data;
          fold(rotations, `${x.cluster_id}:${x.epoch}`, {
            clusterId: x.cluster_id,
            epoch: big(x.epoch),
            status: "aborted",
            lastPos: p,
          });
          break;
        }
      }
    }

    const appendTables: [string, PgTable][] = [
      ["nodeHistory", s.nodeHistory],
      ["stakeChanges", s.stakeChanges],
      ["attestations", s.attestations],
      ["keyRotationAcks", s.keyRotationAcks],
      ["requestSamples", s.requestSamples],
      ["commits", s.commits],
      ["reveals", s.reveals],
      ["settlements", s.settlements],
      ["payouts", s.payouts],
      ["slashes", s.slashes],
      ["disputes", s.disputes],
      ["outputs", s.outputs],
    ];
    for (const [name, table] of appendTables) {
      const rows = t[name];
      if (rows?.length) await bulkInsert(tx, table, rows, "nothing");
    }
    if (dead.length) await bulkInsert(tx, s.deadLetters, dead, "nothing");

    // 3. current state: every column listed (null = "not in this batch") so multi-row inserts line up.
    const nodeCols = [
      "operator",
      "stake",
      "sigPk",
      "encPk",
      "capabilities",
      "price",
      "status",
      "unbondingUntilMs",
      "teeKind",
      "attestedUntilMs",
      "registeredTx",
      "lastPos",
    ] as const;
    const nodeAdd = ["paidTotal", "slashedTotal", "reveals"] as const;
    const full = (key: Record<string, unknown>, p: Patch, cols: readonly string[]) => {
      const r: Record<string, unknown> = { ...key };
      for (const c of cols) r[c] = p[c] ?? null;
      return r;
    };
    if (nodes.size)
      await bulkInsert(
        tx,
        s.nodes,
        [...nodes].map(([nodeId, p]) => ({
          ...full({ nodeId }, p, nodeCols),
          paidTotal: p.paidTotal ?? 0n,
          slashedTotal: p.slashedTotal ?? 0n,
          reveals: p.reveals ?? 0n,
        })),
        {
          target: ["node_id"],
          set: { ...coalesceSet(nodeCols), ...addSet(nodeAdd) },
        },
      );
    const reqCols = [
      "requester",
      "kind",
      "capability",
      "inputHash",
      "sampleSize",
      "quorumBps",
      "confidential",
      "maxPrice",
      "escrow",
      "createdMs",
      "status",
      "round",
      "outputHash",
      "agreeing",
      "paidTotal",
      "slashedTotal",
      "margin",
      "refund",
      "rounds",
      "settledMs",
      "failReason",
      "createdPos",
      "lastPos",
    ];
    if (requests.size)
      await bulkInsert(
        tx,
        s.requests,
        [...requests].map(([requestId, p]) => full({ requestId }, p, reqCols)),
        { target: ["request_id"], set: coalesceSet(reqCols) },
      );
    const clusterCols = ["members", "epoch", "commitment", "createdTx"];
    if (clusters.size)
      await bulkInsert(
        tx,
        s.clusters,
        [...clusters].map(([clusterId, p]) => full({ clusterId }, p, clusterCols)),
        { target: ["cluster_id"], set: coalesceSet(clusterCols) },
      );
    const rotCols = [
      "status",
      "commitment",
      "previousCommitment",
      "deadlineMs",
      "ackQuorum",
      "acks",
      "graceUntilMs",
      "lastPos",
    ];
    if (rotations.size)
      await bulkInsert(
        tx,
        s.keyRotations,
        [...rotations].map(([, p]) => full({ clusterId: p.clusterId, epoch: p.epoch }, p, rotCols)),
        { target: ["cluster_id", "epoch"], set: coalesceSet(rotCols) },
      );

    // 4. the watermark, in the same transaction.
    await tx
      .insert(s.cursors)
      .values({ stream, cursor: nextCursor, events: pos, lastTimestampMs: lastTs })
      .onConflictDoUpdate({
        target: s.cursors.stream,
        set: {
          cursor: sql`coalesce(excluded.cursor, ${s.cursors.cursor})`,
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
): Promise<{ cursor: string | null; events: bigint; lastTimestampMs: bigint | null; updatedAt: Date } | null> {
  const r = await db.select().from(s.cursors).where(sql`${s.cursors.stream} = ${stream}`);
  return r[0] ?? null;
}

/** Sets the stream's cursor (replay --from): later batches resume after it. */
export async function setCursor(db: Db, cursor: string | null, stream = DEFAULT_STREAM): Promise<void> {
  await db
    .insert(s.cursors)
    .values({ stream, cursor })
    .onConflictDoUpdate({ target: s.cursors.stream, set: { cursor, updatedAt: sql`now()` } });
}
