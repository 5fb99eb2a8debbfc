/** Formatting of protocol values for display. */
// The enumerations only (not the SDK index), so the first page does not load the SDK bundle.
import { enumName, FailureReason, NodeStatus, SlashReason, TeeKind } from "@atoma/sdk/enums";

/** MIST (u64 decimal string) → "1.2345 SUI". */
export function sui(mist: string | null | undefined, digits = 4): string {
  if (mist === null || mist === undefined) return "—";
  const v = BigInt(mist);
  const whole = v / 1_000_000_000n;
  const frac = (v % 1_000_000_000n).toString().padStart(9, "0").slice(0, digits);
  return `${whole}${digits ? `.${frac}` : ""} SUI`;
}

export const short = (id: string | null | undefined, n = 6) =>
  id ? (id.length > 2 + 2 * n ? `${id.slice(0, 2 + n)}…${id.slice(-n)}` : id) : "—";

export function time(ms: string | number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime())
    ? "—"
    : d
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z");
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

const named = (e: Record<string, number>, v: number | null | undefined) =>
  v === null || v === undefined ? "—" : String(enumName(e, v) ?? `#${v}`);
export const nodeStatus = (v: number | null | undefined) => named(NodeStatus, v);
export const teeKind = (v: number | null | undefined) => named(TeeKind, v);
export const slashReason = (v: number | null | undefined) => named(SlashReason, v);
export const failReason = (v: number | null | undefined) => named(FailureReason, v);

/** `[value, name]` pairs of an enumeration, in value order, for a filter's options. */
export const enumOptions = (e: Record<string, number>): [string, string][] =>
  Object.entries(e)
    .sort((a, b) => a[1] - b[1])
    .map(([name, v]) => [String(v), name]);
