/**
 * JSON built by the database, for queries that return a whole document in one round trip: the
 * object of a schema's properties read from a table's columns (u64 as decimal text, as the API sends them).
 */

import type { TObject } from "@fastify/type-provider-typebox";
import { type Column, getTableColumns, type SQL, sql, type Table } from "drizzle-orm";

/** `json_build_object('<key>', <alias>."<column>", …)` for each property of `schema` that is a column of `table`. */
export function jsonObject(table: Table, alias: string, schema: TObject): SQL {
  const cols = getTableColumns(table) as Record<string, Column>;
  const pairs = Object.keys(schema.properties).map((key) => {
    const c = cols[key];
    if (!c) throw new TypeError(`jsonObject: ${key} is not a column of the table`);
    return `'${key}', ${alias}."${c.name}"${c.dataType === "bigint" ? "::text" : ""}`;
  });
  return sql.raw(`json_build_object(${pairs.join(", ")})`);
}
