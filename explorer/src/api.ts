/** Typed reads of the indexer API (same origin). Item types come from the indexer's TypeBox schemas (type-only import, erased from the bundle). */
import type {
  ApiAttestation,
  ApiCommit,
  ApiDispute,
  ApiHistory,
  ApiNode,
  ApiOutput,
  ApiPayout,
  ApiRequest,
  ApiReveal,
  ApiRotation,
  ApiSample,
  ApiSlash,
} from "../../indexer/src/api.js";

export type {
  ApiAttestation,
  ApiCommit,
  ApiDispute,
  ApiNode,
  ApiPayout,
  ApiRequest,
  ApiReveal,
  ApiRotation,
  ApiSample,
  ApiSlash,
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface RequestDetail {
  request: ApiRequest;
  samples: ApiSample[];
  commits: ApiCommit[];
  reveals: ApiReveal[];
  payouts: ApiPayout[];
  slashes: ApiSlash[];
  disputes: ApiDispute[];
  outputs: ApiOutput[];
  outcome: {
    outcome: string;
    /** The agreed blinded hash t (RequestSettled). */
    blindedHash: string | null;
    refund: string;
    failReason: number | null;
    settledMs: string | null;
  } | null;
}
export interface Stats {
  events: string;
  deadLetters: string;
  nodes: string;
  requestsByStatus: Record<string, string>;
  settlementLatencyMs: { count: string; p50: number | null; p90: number | null; p99: number | null };
  slashes: { count: string; total: string };
}
export interface Timeseries {
  bucketMs: number;
  fromMs: string;
  toMs: string;
  buckets: {
    startMs: string;
    created: number;
    settled: number;
    failed: number;
    latencyP50Ms: number | null;
    slashes: number;
    slashedAmount: string;
  }[];
}
export interface RequestObject {
  objectId: string;
  version: string;
  digest: string;
  type: string;
  bcs: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${status} ${message}`);
  }
}

/** The API's base: the page is served by the indexer, so it is the page's own origin. */
const base = () => new URL(".", window.location.href).href.replace(/\/$/, "");

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${base()}${path}`, { headers: { accept: "application/json" } });
  if (!res.ok) {
    let msg = res.statusText;
    try {
      msg = ((await res.json()) as { message?: string }).message ?? msg;
    } catch {}
    throw new ApiError(res.status, path, msg);
  }
  return (await res.json()) as T;
}

export async function getBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(`${base()}${path}`);
  if (!res.ok) throw new ApiError(res.status, path, res.statusText);
  return new Uint8Array(await res.arrayBuffer());
}

/** Every page of a paginated list (bounded by `max` items). */
export async function all<T>(path: string, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const p: Page<T> = await get<Page<T>>(`${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    out.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

export const api = {
  nodes: () => all<ApiNode>("/v1/nodes"),
  node: (id: string) => get<{ node: ApiNode; history: ApiHistory[] }>(`/v1/nodes/${id}`),
  requests: (q = "") => get<Page<ApiRequest>>(`/v1/requests${q}`),
  request: (id: string) => get<RequestDetail>(`/v1/requests/${id}`),
  requestObject: (id: string) => get<RequestObject>(`/v1/requests/${id}/object`),
  stats: () => get<Stats>("/v1/stats"),
  timeseries: (bucketMs: number, buckets: number) =>
    get<Timeseries>(`/v1/timeseries?bucketMs=${bucketMs}&buckets=${buckets}`),
  slashes: (q = "") => all<ApiSlash>(`/v1/slashes${q}`),
  attestations: (nodeId: string) => all<ApiAttestation>(`/v1/attestations?nodeId=${nodeId}`),
  rotations: (q = "") => all<ApiRotation>(`/v1/key-rotations${q}`),
  evidence: (hash: string) => getBytes(`/v1/evidence/${hash.replace(/^0x/, "")}`),
};
