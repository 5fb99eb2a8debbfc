/** What a service module provides: per-method handlers plus the message a read mask applies to. */
import type { Checkpoint } from "../journal.js";
import type { ExecOutcome, Runtime } from "../runtime.js";
import type { FieldMaskTree, ReadMaskSpec } from "./mask.js";
import { invalid } from "./status.js";

/** The devnet state a service reads, through the node's public accessors only. */
export interface GrpcNode {
  readonly runtime: Runtime;
  readonly checkpoints: readonly Checkpoint[];
  readonly chainIdentifier: string;
  nowMs(): bigint;
  /** Registers a listener for each new checkpoint; returns the unsubscribe function. */
  onCheckpoint(listener: (cp: Checkpoint) => void): () => void;
  /** Verifies (maybe in a worker) and executes a signed transaction. */
  executeSigned(txB64: string, signatures: string[]): Promise<ExecOutcome>;
  /** The in-process JSON-RPC dispatcher (used to resolve unresolved transactions, as the SDK does). */
  dispatch(body: { id?: unknown; method?: unknown; params?: unknown }): unknown;
}

export interface StreamSink<O> {
  send(message: O): Promise<void>;
  readonly signal: AbortSignal;
}

export interface MethodImpl {
  /** The request's `read_mask`: the message its paths name and the method's default (Sui's). */
  mask?: ReadMaskSpec;
  unary?: (input: never, mask: FieldMaskTree) => object | Promise<object>;
  stream?: (input: never, sink: StreamSink<never>, mask: FieldMaskTree) => Promise<void>;
}

export type ServiceImpl = Record<string, MethodImpl>;

export const unary = <I, O extends object>(
  f: (input: I, mask: FieldMaskTree) => O | Promise<O>,
  mask?: ReadMaskSpec,
): MethodImpl => ({
  unary: f as MethodImpl["unary"],
  ...(mask ? { mask } : {}),
});
export const stream = <I, O>(
  f: (input: I, sink: StreamSink<O>, mask: FieldMaskTree) => Promise<void>,
  mask?: ReadMaskSpec,
): MethodImpl => ({ stream: f as MethodImpl["stream"], ...(mask ? { mask } : {}) });

/** A required 0x-hex address/object id field. */
export function addressField(field: string, v: string | undefined): string {
  if (v === undefined || v === "") throw invalid(field, "required");
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw invalid(field, `"${v}" is not a 0x-hex Sui address`);
  return `0x${v.slice(2).toLowerCase().padStart(64, "0")}`;
}

/** Page tokens are the last returned key (an id), opaque to clients. */
export function pageOf<T>(
  all: T[],
  key: (t: T) => string,
  pageSize: number | undefined,
  token: Uint8Array | undefined,
): { page: T[]; next?: Uint8Array } {
  let start = 0;
  if (token && token.length > 0) {
    const k = new TextDecoder().decode(token);
    const i = all.findIndex((x) => key(x) > k);
    start = i < 0 ? all.length : i;
  }
  const size = pageSize && pageSize > 0 ? Math.min(pageSize, 1000) : 50;
  const page = all.slice(start, start + size);
  const more = start + size < all.length;
  return { page, ...(more && page.length ? { next: new TextEncoder().encode(key(page[page.length - 1]!)) } : {}) };
}
