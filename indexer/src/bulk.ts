/**
 * Multi-row writes as ONE statement with ONE parameter: the rows as a JSON array expanded by
 * jsonb_to_recordset. Building a drizzle VALUES list of thousands of rows costs more CPU than the
 * database spends inserting them; this is the same on PGlite and node-postgres. Column lists and
 * SQL types come from the table definition (`getTableColumns`).
 */
import { getTableColumns, sql } from "drizzle-orm";
import { getTableConfig, type PgColumn, type PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./db.js";

/** Rows per INSERT statement (bounded JSON parameter size). */
export const CHUNK = 5000;

/**
 * On a key conflict: do nothing (append-only tables), or update the row: `coalesce` columns keep
 * the stored value where the new row has none, `add` columns are summed.
 */
export type Conflict =
  | "nothing"
  | { target: readonly PgColumn[]; coalesce?: readonly PgColumn[]; add?: readonly PgColumn[] };

/** The table's columns other than `except` (e.g. every non-key column of a state table). */
export function columnsExcept<T extends PgTable>(table: T, except: readonly PgColumn[]): PgColumn[] {
  return Object.values(getTableColumns(table)).filter((c) => !except.includes(c));
}

const q = (name: string) => `"${name}"`;
function onConflict(c: Conflict): string {
  if (c === "nothing") return "on conflict do nothing";
  const set = [
    ...(c.coalesce ?? []).map((col) => `${q(col.name)} = coalesce(excluded.${q(col.name)}, t.${q(col.name)})`),
    ...(c.add ?? []).map(
      (col) => `${q(col.name)} = coalesce(t.${q(col.name)}, 0) + coalesce(excluded.${q(col.name)}, 0)`,
    ),
  ];
  return `on conflict (${c.target.map((col) => q(col.name)).join(", ")}) do update set ${set.join(", ")}`;
}

/** Inserts `rows` (absent columns are null); with `returning`, the named columns of the inserted rows. */
export async function bulkInsert<T extends PgTable, R = Record<string, unknown>>(
  tx: Db,
  table: T,
  rows: readonly T["$inferInsert"][],
  conflict: Conflict,
  returning?: readonly PgColumn[],
): Promise<R[]> {
  const cols = Object.entries(getTableColumns(table));
  const names = cols.map(([, c]) => q(c.name)).join(", ");
  const defs = cols.map(([, c]) => `${q(c.name)} ${c.getSQLType()}`).join(", ");
  const tail = `${onConflict(conflict)}${returning ? ` returning ${returning.map((c) => q(c.name)).join(", ")}` : ""}`;
  const head = `insert into ${q(getTableConfig(table).name)} as t (${names}) select ${names} from jsonb_to_recordset(`;
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const json = JSON.stringify(
      rows.slice(i, i + CHUNK).map((r: Record<string, unknown>) => {
        const o: Record<string, unknown> = {};
        for (const [key, c] of cols) o[c.name] = r[key] ?? null;
        return o;
      }),
      (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    );
    const res = await tx.execute<R & Record<string, unknown>>(
      sql`${sql.raw(head)}${json}${sql.raw(`::jsonb) as x(${defs}) ${tail}`)}`,
    );
    if (returning) out.push(...(res as unknown as { rows: R[] }).rows);
  }
  return out;
}
