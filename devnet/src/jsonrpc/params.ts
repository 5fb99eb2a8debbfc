/** What the JSON-RPC methods see of the node, their handler type, and the checks of their parameters. */

import { RpcError } from "../errors.js";
import type { Checkpoint } from "../journal.js";
import type { ExecOutcome, Runtime } from "../runtime.js";

type Params = unknown[];
type Handler = (p: Params) => unknown;
export type Methods = Record<string, Handler>;

/** The node the methods read and drive (implemented by `Devnet`). */
export interface JsonRpcNode {
  readonly runtime: Runtime;
  readonly checkpoints: Checkpoint[];
  /** Verifies (maybe in a worker) and executes a signed transaction. */
  executeSigned(txB64: string, signatures: string[]): Promise<ExecOutcome>;
  readonly chainIdentifier: string;
  nowMs(): bigint;
  advanceClock(ms: bigint): bigint;
  setClock(ms: bigint): bigint;
  cutCheckpoint(force?: boolean): Checkpoint | undefined;
}

/** Display options of a method (`showContent`, `showEffects`, ...). */
export type ViewOptions = Record<string, unknown> | null | undefined;

/** A base64 parameter (tx bytes, signatures): refused with -32602 naming it before any decoding. */
export function b64Param(v: unknown, name: string): string {
  if (typeof v !== "string" || v.length === 0 || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
    throw new RpcError(-32602, `Invalid params: ${name} must be standard base64`);
  return v;
}

/** A clock argument of devnet_setClock / devnet_advanceClock: a whole number (JSON number or decimal string). */
export function clockArg(v: unknown, method: string): bigint {
  if ((typeof v === "number" && Number.isSafeInteger(v)) || (typeof v === "string" && /^-?\d{1,25}$/.test(v)))
    return BigInt(v);
  throw new RpcError(
    -32602,
    `Invalid params: ${method} params[0] must be a whole number of ms, got ${JSON.stringify(v)}`,
  );
}

/** A page of `all` after `cursor` (a key), at most `limit` (default 50, at most 1000) items. */
export function page<T>(
  all: T[],
  key: (t: T) => string,
  cursor: unknown,
  limit: unknown,
): { data: T[]; nextCursor: string | null; hasNextPage: boolean } {
  let start = 0;
  if (typeof cursor === "string") {
    const i = all.findIndex((x) => key(x) === cursor);
    start = i < 0 ? 0 : i + 1;
  }
  const lim = typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 50;
  const data = all.slice(start, start + lim);
  const hasNextPage = start + lim < all.length;
  return { data, nextCursor: data.length ? key(data[data.length - 1]!) : null, hasNextPage };
}
