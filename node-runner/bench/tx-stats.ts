/**
 * What the transactions the devnet executed were, from their records (`runtime.txs`): counted by
 * the atoma events they emitted ("aborted" when their status is failure, with the Move call that
 * aborted), and how many commits and reveals each carried. Computed where the devnet runs (in the
 * bench's process, or in the devnet's own process: ./devnet-proc.ts).
 */

/** The parts of a devnet transaction record read here. */
export interface TxRecordLike {
  effects: unknown;
  events: readonly { type: string }[];
}

export interface TxStats {
  /** Transactions counted. */
  total: number;
  /** By the request events they emitted (sorted names joined by "+"), "aborted" or "other". */
  kinds: [string, number][];
  /** Aborted transactions by the Move call (and abort code) their error names. */
  aborted: [string, number][];
  /** Commits and reveals carried, and by how many transactions. */
  carried: { ResultCommitted: { events: number; txs: number }; ResultRevealed: { events: number; txs: number } };
}

const REQUEST_EVENTS = ["RequestCreated", "ResultCommitted", "ResultRevealed", "RequestSettled", "OutputPosted"];

export function txStats(records: Iterable<TxRecordLike>): TxStats {
  const kinds = new Map<string, number>();
  const aborted = new Map<string, number>();
  const carried = { ResultCommitted: { events: 0, txs: 0 }, ResultRevealed: { events: 0, txs: 0 } };
  let total = 0;
  for (const rec of records) {
    total++;
    const { status, error } = (rec.effects as { status?: { status?: string; error?: string } }).status ?? {};
    if (status === "failure") {
      // Which call aborted: the Move function (and abort) the error names.
      const e = error ?? "";
      const module = /Identifier\("(\w+)"\)/.exec(e)?.[1];
      const fn = /function_name: Some\("(\w+)"\)/.exec(e)?.[1];
      const code = /\}, (\d+)\)/.exec(e)?.[1];
      const what = module ? `${module}::${fn ?? "?"} abort ${code ?? "?"}` : e.slice(0, 60);
      aborted.set(what, (aborted.get(what) ?? 0) + 1);
    }
    const names = [...new Set(rec.events.map((e) => e.type.split("::").at(-1) ?? ""))]
      .filter((n) => REQUEST_EVENTS.includes(n))
      .sort();
    const key = status === "failure" ? "aborted" : names.join("+") || "other";
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
    for (const name of ["ResultCommitted", "ResultRevealed"] as const) {
      const n = rec.events.filter((e) => e.type.endsWith(`::${name}`)).length;
      if (n) {
        carried[name].events += n;
        carried[name].txs++;
      }
    }
  }
  return { total, kinds: [...kinds], aborted: [...aborted], carried };
}
