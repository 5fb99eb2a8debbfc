/**
 * Verified-collateral cache: repeated attestations from the same platform carry the same
 * certificates, CRLs and TCB/QE-identity collateral, so their parsing and signature checks are
 * done once and remembered by the SHA-256 digest of the exact bytes involved (the certificate
 * and its issuer, the CRL and its issuer, the signed JSON, the signature and the signer). Only
 * successes are remembered; a different byte anywhere gives a different digest and a fresh
 * check. What depends on the verification time (validity windows, CRL and collateral currency)
 * is never cached: callers re-check it on every call.
 *
 * Bounded (least recently used entries go first), per process (per page in a browser).
 */
import { bytesToHex } from "../crypto/bytes.js";
import { sha256 } from "../crypto/primitives.js";

const MAX_ENTRIES = 512;

class Lru<V> {
  readonly #m = new Map<string, V>();
  constructor(readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.#m.get(k);
    if (v === undefined) return undefined;
    this.#m.delete(k);
    this.#m.set(k, v);
    return v;
  }
  set(k: string, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > this.max) {
      const oldest = this.#m.keys().next().value;
      if (oldest !== undefined) this.#m.delete(oldest);
    }
  }
  get size(): number {
    return this.#m.size;
  }
  clear(): void {
    this.#m.clear();
  }
}

const entries = new Lru<unknown>(MAX_ENTRIES);
const counters = { hits: 0, misses: 0, signatureChecks: 0 };

/** Hex SHA-256 of bytes (a cache key part). */
export function digestHex(b: Uint8Array): string {
  return bytesToHex(sha256(b));
}

/** A cache key: a kind tag and the digests of every byte string the cached result depends on. */
export function cacheKey(kind: string, ...parts: (Uint8Array | string)[]): string {
  return `${kind}:${parts.map((p) => (typeof p === "string" ? p : digestHex(p))).join(":")}`;
}

/** The cached value for `key`, or `make()`'s (remembered only when it returns; a throw is not cached). */
export function cached<V>(key: string, make: () => V): V {
  const hit = entries.get(key);
  if (hit !== undefined) {
    counters.hits++;
    return hit as V;
  }
  counters.misses++;
  const v = make();
  entries.set(key, v);
  return v;
}

/** Async form of `cached`. */
export async function cachedAsync<V>(key: string, make: () => Promise<V>): Promise<V> {
  const hit = entries.get(key);
  if (hit !== undefined) {
    counters.hits++;
    return hit as V;
  }
  counters.misses++;
  const v = await make();
  entries.set(key, v);
  return v;
}

/** Counts one signature verification actually performed (not answered from the cache). */
export function countSignatureCheck(): void {
  counters.signatureChecks++;
}

/** The process-wide attestation cache: statistics and a reset (tests, benchmarks). */
export const attestationCache = {
  /** Entries held, hits and misses so far, and signature verifications actually performed. */
  stats(): { size: number; hits: number; misses: number; signatureChecks: number } {
    return { size: entries.size, ...counters };
  },
  /** Forgets every entry and zeroes the counters. */
  clear(): void {
    entries.clear();
    counters.hits = 0;
    counters.misses = 0;
    counters.signatureChecks = 0;
  },
  maxEntries: MAX_ENTRIES,
};
