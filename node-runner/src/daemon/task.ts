/**
 * A task (one request, one round, this node) and its durable record: the phase it reached, the
 * output and salt behind its commitment. The daemon advances a task one phase at a time and
 * persists the record after each, so a restarted node resumes at the phase it reached:
 *
 *   executed → committed → revealed → settled → done
 *
 * `executed`: output, hash and salt journaled (before the commit leaves the machine);
 * `committed`: the commitment is on chain; `revealed`: the reveal is done (or no longer
 * possible); `settled`: the request ended on chain (Settled or Failed), the output may still be
 * ours to post; `done`: nothing left to do (`outcome` says how it ended).
 */

export const TASK_PHASES = ["executed", "committed", "revealed", "settled", "done"] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

export type TaskOutcome = "settled" | "failed" | "skipped";

/** Durable per-task record; written (and fsynced) before the commit transaction is sent. */
export interface TaskRecord {
  requestId: string;
  round: number;
  phase: TaskPhase;
  outputHash: string; // hex
  salt: string; // hex
  output: string; // base64 of the output bytes (posted after settlement)
  /** How the task ended; set with phase `done`. */
  outcome?: TaskOutcome;
  reason?: string;
}

/** The journal the daemon needs (FileTaskJournal in ./file-journal.ts). */
export interface TaskJournal {
  get(requestId: string, round: number): TaskRecord | undefined;
  put(record: TaskRecord): Promise<void>;
  /** Records whose phase is not `done`: the work a restarted node resumes. */
  pending(): TaskRecord[];
}

/** A journal record that is not a task record (names the field and the rule). */
export class TaskRecordError extends Error {
  override name = "TaskRecordError";
  readonly code = "TASK_RECORD";
}

const OUTCOMES: readonly TaskOutcome[] = ["settled", "failed", "skipped"];

/**
 * Reads a stored record, of either format: the current one (`phase`), or the one written before
 * phases existed (booleans `committed`, `revealed`, `settled`, where `settled` meant the task was
 * over). Throws TaskRecordError naming the field that does not fit.
 */
export function readTaskRecord(raw: unknown): TaskRecord {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new TaskRecordError("not a JSON object");
  const r = raw as Record<string, unknown>;
  const str = (field: string): string => {
    const v = r[field];
    if (typeof v !== "string") throw new TaskRecordError(`${field}: must be a string`);
    return v;
  };
  const round = r.round;
  if (typeof round !== "number" || !Number.isInteger(round) || round < 0)
    throw new TaskRecordError("round: must be a non-negative integer");
  let phase: TaskPhase;
  if (r.phase !== undefined) {
    if (!TASK_PHASES.includes(r.phase as TaskPhase))
      throw new TaskRecordError(`phase: must be one of ${TASK_PHASES.join(", ")}`);
    phase = r.phase as TaskPhase;
  } else {
    for (const f of ["committed", "revealed", "settled"])
      if (typeof r[f] !== "boolean") throw new TaskRecordError(`${f}: must be a boolean (a record without phase)`);
    phase = r.settled ? "done" : r.revealed ? "revealed" : r.committed ? "committed" : "executed";
  }
  if (r.outcome !== undefined && !OUTCOMES.includes(r.outcome as TaskOutcome))
    throw new TaskRecordError(`outcome: must be one of ${OUTCOMES.join(", ")}`);
  if (r.reason !== undefined && typeof r.reason !== "string") throw new TaskRecordError("reason: must be a string");
  return {
    requestId: str("requestId"),
    round,
    phase,
    outputHash: str("outputHash"),
    salt: str("salt"),
    output: str("output"),
    ...(r.outcome !== undefined ? { outcome: r.outcome as TaskOutcome } : {}),
    ...(r.reason !== undefined ? { reason: r.reason as string } : {}),
  };
}
