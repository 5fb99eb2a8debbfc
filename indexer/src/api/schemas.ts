/**
 * API schemas. Row schemas are derived from the drizzle table definitions (schema.ts), so a column
 * added to a table appears in the API with the right type and nullability:
 *   bigint (u64) → decimal string · smallint/integer → integer · boolean → boolean ·
 *   text → string · jsonb → a list of 0x-ids unless the column is named in `json` (e.g. history data).
 * Nullable columns are `type: [T, "null"]` rather than `anyOf`: fast-json-stringify serializes a type
 * list with a typeof check, an anyOf with a validator call per value.
 * (drizzle-typebox was considered: it targets @sinclair/typebox 0.34, not the `typebox` 1.x that
 * Fastify's type provider uses here, and maps u64 to BigInt where the API sends decimal strings.)
 * Shared schemas are registered once (`addSchema`) and routes refer to them by `$ref`.
 */
import {
  type Static,
  type TArray,
  type TBoolean,
  type TInteger,
  type TObject,
  type TSchema,
  type TString,
  type TUnknown,
  type TUnsafe,
  Type,
} from "@fastify/type-provider-typebox";
import { type Column, getTableColumns, type Table } from "drizzle-orm";
import * as s from "../schema.js";

// ---- derivation from a table ----
type ColumnSchema<C extends Column> = C["_"]["dataType"] extends "bigint"
  ? TString
  : C["_"]["dataType"] extends "number"
    ? TInteger
    : C["_"]["dataType"] extends "boolean"
      ? TBoolean
      : C["_"]["dataType"] extends "json"
        ? TArray<TString>
        : TString;
/** A schema whose static type also admits null (emitted as a JSON-schema type list). */
export type TNullable<T extends TSchema> = TUnsafe<Static<T> | null>;
type Nullable<C extends Column, T extends TSchema> = C["_"]["notNull"] extends true ? T : TNullable<T>;
type Columns<T extends Table> = T["_"]["columns"];
export type RowSchema<
  T extends Table,
  Omit extends keyof Columns<T> = never,
  J extends keyof Columns<T> = never,
> = TObject<{
  [K in Exclude<keyof Columns<T>, Omit>]: K extends J ? TUnknown : Nullable<Columns<T>[K], ColumnSchema<Columns<T>[K]>>;
}>;

/** `T | null` as a type list (see the header); typed for the TypeBox type provider. */
export function nullable<T extends TSchema>(t: T): TNullable<T> {
  const raw = t as TSchema & { type?: string; anyOf?: unknown };
  if (typeof raw.type === "string") return Type.Unsafe<Static<T> | null>({ ...t, type: [raw.type, "null"] });
  return Type.Unsafe<Static<T> | null>(Type.Union([t, Type.Null()]));
}

function columnSchema(c: Column): TSchema {
  switch (c.dataType) {
    case "bigint":
      return Type.String({ pattern: "^[0-9]+$" });
    case "number":
      return Type.Integer();
    case "boolean":
      return Type.Boolean();
    case "json":
      return Type.Array(Type.String());
    default:
      return Type.String();
  }
}

/** The API object of a table's rows: every column but `omit`, in table order; `json` columns are free-form. */
export function rowSchema<T extends Table, O extends keyof Columns<T> = never, J extends keyof Columns<T> = never>(
  table: T,
  opts: { omit?: readonly O[]; json?: readonly J[] } = {},
): RowSchema<T, O, J> {
  const props: Record<string, TSchema> = {};
  for (const [key, c] of Object.entries(getTableColumns(table)) as [string, Column][]) {
    if ((opts.omit as readonly string[] | undefined)?.includes(key)) continue;
    if ((opts.json as readonly string[] | undefined)?.includes(key)) props[key] = Type.Unknown();
    else props[key] = c.notNull ? columnSchema(c) : nullable(columnSchema(c));
  }
  return Type.Object(props) as unknown as RowSchema<T, O, J>;
}

/** Table key → column name of its u64 columns (sent as decimal strings). */
export const u64Columns = (table: Table): Set<string> =>
  new Set(
    (Object.values(getTableColumns(table)) as Column[]).filter((c) => c.dataType === "bigint").map((c) => c.name),
  );
/** Every u64 column name of every table: raw `select *` rows are shaped with it. */
export const U64_COLUMNS: ReadonlySet<string> = new Set(
  Object.values(s)
    .filter(
      (t): t is Extract<(typeof s)[keyof typeof s], Table> => typeof t === "object" && t !== null && "getSQL" in t,
    )
    .flatMap((t) => [...u64Columns(t)]),
);

// ---- shared schemas ----
export const hex = Type.String({ pattern: "^0x[0-9a-fA-F]{1,64}$", maxLength: 66 });
export const Cursor = Type.String({ pattern: "^[A-Za-z0-9_-]{1,200}$", description: "opaque cursor from nextCursor" });
export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
export const strict = <P extends Record<string, TSchema>>(p: P) => Type.Object(p, { additionalProperties: false });
export const IdParam = <N extends string>(name: N) => strict({ [name]: hex } as { [K in N]: typeof hex });

export const ErrorBody = Type.Object(
  { error: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) },
  { $id: "Error" },
);

export const NodeT = Type.Object(
  {
    ...rowSchema(s.nodes, { omit: ["registeredTx", "lastPos"] }).properties,
    reputation: Type.String({ description: "derived from NodePaid / NodeSlashed events (see reputation.ts)" }),
    attestation: nullable(
      Type.Object({
        ...rowSchema(s.attestations, {
          omit: ["txDigest", "eventSeq", "nodeId", "event", "revokedBy"],
        }).properties,
        revoked: Type.Boolean(),
      }),
    ),
  },
  { $id: "Node" },
);
export const RequestT = Type.Object(rowSchema(s.requests, { omit: ["createdPos", "lastPos"] }).properties, {
  $id: "Request",
});
const perRequest = ["requestId"] as const;
export const SampleT = Type.Object(rowSchema(s.requestSamples, { omit: perRequest }).properties, { $id: "Sample" });
export const CommitT = Type.Object(rowSchema(s.commits, { omit: perRequest }).properties, { $id: "Commit" });
export const RevealT = Type.Object(rowSchema(s.reveals, { omit: perRequest }).properties, { $id: "Reveal" });
export const PayoutT = Type.Object(rowSchema(s.payouts, { omit: perRequest }).properties, { $id: "Payout" });
export const OutputT = Type.Object(rowSchema(s.outputs, { omit: perRequest }).properties, { $id: "Output" });
export const SlashT = Type.Object(rowSchema(s.slashes).properties, { $id: "Slash" });
export const DisputeT = Type.Object(rowSchema(s.disputes).properties, { $id: "Dispute" });
export const AttestationT = Type.Object(rowSchema(s.attestations).properties, { $id: "Attestation" });
export const OutcomeT = Type.Object(
  rowSchema(s.settlements, {
    omit: ["txDigest", "eventSeq", "requestId", "agreeing", "paidTotal", "slashedTotal", "margin", "rounds"],
  }).properties,
  { $id: "Outcome" },
);
export const RotationT = Type.Object(
  { ...rowSchema(s.keyRotations, { omit: ["lastPos"] }).properties, ackedBy: Type.Array(Type.String()) },
  { $id: "Rotation" },
);
export const ClusterMemberT = Type.Object(rowSchema(s.clusterMembers, { omit: ["clusterId"] }).properties, {
  $id: "ClusterMember",
});
export const ClusterT = Type.Object(
  {
    ...rowSchema(s.clusters).properties,
    membership: Type.Array(Type.Unsafe<Static<typeof ClusterMemberT>>({ $ref: "ClusterMember#" })),
  },
  { $id: "Cluster" },
);
export const HistoryT = Type.Object(rowSchema(s.nodeHistory, { omit: ["nodeId"], json: ["data"] }).properties, {
  $id: "History",
});

/** Registered once with `addSchema`; routes use `ref(X)`. */
export const SHARED_SCHEMAS = [
  ErrorBody,
  NodeT,
  RequestT,
  SampleT,
  CommitT,
  RevealT,
  PayoutT,
  OutputT,
  SlashT,
  DisputeT,
  AttestationT,
  OutcomeT,
  RotationT,
  ClusterMemberT,
  ClusterT,
  HistoryT,
] as const;

/** A `$ref` to a shared schema, typed as the schema it points to. */
export const ref = <T extends TSchema & { $id?: string }>(t: T) => Type.Unsafe<Static<T>>({ $ref: `${t.$id}#` });
export const page = <T extends TSchema & { $id?: string }>(item: T) =>
  Type.Object({ items: Type.Array(ref(item)), nextCursor: nullable(Type.String()) });
export const errors = { 400: ref(ErrorBody), 404: ref(ErrorBody), 429: ref(ErrorBody) };

/** Response item types, for typed clients such as the explorer (`import type`). */
export type ApiNode = Static<typeof NodeT>;
export type ApiRequest = Static<typeof RequestT>;
export type ApiSample = Static<typeof SampleT>;
export type ApiCommit = Static<typeof CommitT>;
export type ApiReveal = Static<typeof RevealT>;
export type ApiPayout = Static<typeof PayoutT>;
export type ApiSlash = Static<typeof SlashT>;
export type ApiDispute = Static<typeof DisputeT>;
export type ApiOutput = Static<typeof OutputT>;
export type ApiAttestation = Static<typeof AttestationT>;
export type ApiRotation = Static<typeof RotationT>;
export type ApiHistory = Static<typeof HistoryT>;
export type ApiClusterMember = Static<typeof ClusterMemberT>;
export type ApiCluster = Static<typeof ClusterT>;
export type ApiOutcome = Static<typeof OutcomeT>;
