/**
 * `pnpm bench journal`: the daemon's task journal (src/daemon/file-journal.ts: one append-only
 * log, group commit) against the file-per-record journal it replaced (one JSON file per task,
 * temp file + fsync + rename per put: below, as it was) in the same run, alternating rounds.
 * The daemon's pattern: `--tasks T` tasks at once, each putting its 5 phases one after the other
 * (executed → committed → revealed → settled → done), a record of a forecast-sized output; each
 * put awaited (durable) before the next. Figures: puts/s and CPU per put (this process, libuv's
 * threads included), the medians of `--rounds R` rounds.
 *   tsx node-runner/bench/journal.bench.ts [--tasks 64] [--rounds 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileTaskJournal } from "../src/daemon/file-journal.js";
import { TASK_PHASES, type TaskRecord } from "../src/daemon/task.js";
import { writeFileDurablyAsync } from "../src/durable-file.js";
import { arg, median, reporter } from "./figures.js";

const TASKS = arg("--tasks", 64);
const ROUNDS = arg("--rounds", 3);
const report = reporter("journal");

/** The journal before the log (node-runner at ba70071): one file per task, rewritten durably per put. */
class FilePerRecordJournal {
  private readonly writing = new Map<string, Promise<void>>();
  constructor(private readonly dir: string) {}
  async put(record: TaskRecord): Promise<void> {
    const key = `${record.requestId}-${record.round}`;
    const file = path.join(this.dir, `${key}.json`);
    const text = JSON.stringify(record);
    const before = this.writing.get(key) ?? Promise.resolve();
    const write = before.catch(() => undefined).then(() => writeFileDurablyAsync(file, text));
    this.writing.set(key, write);
    try {
      await write;
    } finally {
      if (this.writing.get(key) === write) this.writing.delete(key);
    }
  }
}

let seq = 0;
async function measure(put: (r: TaskRecord) => Promise<void>): Promise<{ rate: number; cpu: number }> {
  const base = seq;
  seq += TASKS;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: TASKS }, async (_, i) => {
      const requestId = `0x${(base + i).toString(16).padStart(64, "0")}`;
      for (const phase of TASK_PHASES)
        await put({
          requestId,
          round: 0,
          phase,
          outputHash: "ab".repeat(32),
          salt: "cd".repeat(32),
          output: Buffer.from(JSON.stringify({ forecast: [21.5, 22.1, 22.8, 23.0], task: i })).toString("base64"),
          ...(phase === "done" ? { outcome: "settled" as const } : {}),
        });
    }),
  );
  const wall = performance.now() - t0;
  const u = process.cpuUsage(c0);
  const puts = TASKS * TASK_PHASES.length;
  return { rate: puts / (wall / 1000), cpu: (u.user + u.system) / 1000 / puts };
}

const log: { rate: number; cpu: number }[] = [];
const files: { rate: number; cpu: number }[] = [];
let commits = 0;
const dirs: string[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const a = mkdtempSync(path.join(tmpdir(), "atoma-journal-bench-"));
    const b = mkdtempSync(path.join(tmpdir(), "atoma-journal-bench-"));
    dirs.push(a, b);
    const old = new FilePerRecordJournal(b);
    files.push(await measure((rec) => old.put(rec)));
    const j = new FileTaskJournal(a);
    log.push(await measure((rec) => j.put(rec)));
    commits += j.commits;
    await j.close();
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
const peer = "file-per-record journal (temp file + fsync + rename per put)";
console.log(
  `append log: ${((ROUNDS * TASKS * TASK_PHASES.length) / commits).toFixed(1)} puts per group commit (${TASKS} tasks at once)`,
);
report(
  `journal puts/s (${TASKS} tasks × 5 phases)`,
  median(log.map((m) => m.rate)),
  "puts/s",
  peer,
  median(files.map((m) => m.rate)),
  null,
  null,
);
report("CPU per journal put", median(log.map((m) => m.cpu)), "ms", peer, median(files.map((m) => m.cpu)), null, null);
