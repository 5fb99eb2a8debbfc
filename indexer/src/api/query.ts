/** Query helpers shared by the resource plugins: opaque cursors, integer checks, WHERE lists, row shaping. */
import { type SQL, sql } from "drizzle-orm";
import { BadCursorError, BadInputError } from "./errors.js";
import { U64_COLUMNS } from "./schemas.js";

// ---- cursors: base64url(JSON array of key parts) ----
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}
export function decodeCursor(c: string, shape: ("u64" | "id")[]): string[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
  } catch {
    throw new BadCursorError("not a cursor this API issued");
  }
  if (!Array.isArray(v) || v.length !== shape.length) throw new BadCursorError("not a cursor this API issued");
  return shape.map((k, i) => {
    const x = v[i];
    if (k === "u64" && typeof x === "string" && /^[0-9]{1,20}$/.test(x) && BigInt(x) < 2n ** 63n) return x;
    if (k === "id" && typeof x === "string" && /^0x[0-9a-f]{1,64}$/.test(x)) return x;
    throw new BadCursorError("not a cursor this API issued");
  });
}

export const normId = (x: string) => x.toLowerCase();

/** Belt and braces over the schema: an integer query value in [min, max] or a 400 naming it. */
export function int(x: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (x === undefined && dflt !== undefined) return dflt;
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min || x > max)
    throw new BadInputError(field, `must be an integer in [${min}, ${max}]`);
  return x;
}

export const cond = (parts: (SQL | undefined)[]) => {
  const p = parts.filter((x): x is SQL => x !== undefined);
  return p.length ? sql`where ${sql.join(p, sql` and `)}` : sql``;
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/**
 * A raw `select *` row (snake_case, u64 as the driver gives them) in the API's form: camelCase
 * keys, u64 columns as decimal strings. Typed as the route's item: its columns are the schema's,
 * derived from the same table (schemas.ts); the response schema drops any extra column.
 */
export function shape<T = Record<string, unknown>>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[camel(k)] = U64_COLUMNS.has(k) && v !== null && v !== undefined ? String(v) : v;
  return out as T;
}
