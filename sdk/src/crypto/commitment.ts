/** Commitments identical to the Move package's: blake2b256(output_hash ‖ node_id ‖ salt). */
import { randomBytes } from "@noble/hashes/utils.js";
import { blake2b256 } from "../attestation/binding.js";
import { ensureBytes, InvalidInputError } from "../errors.js";
import { objectIdBytes } from "./bytes.js";
import { fastBlake2b256 } from "./fast.js";

// The same binding as attestation's blake2b256 (pure @noble; the SDK index re-exports both).
// Bulk inputs go through hashOutput / fastBlake2b256 (hash-wasm ≥ 64 KiB; identical digests).
export { blake2b256 };

/** A fresh random 32-byte commitment salt. Keep it secret until reveal. */
export function randomSalt(): Uint8Array {
  return randomBytes(32);
}

/** blake2b256 of canonical output bytes (token ids, canonical JSON, WASM output bytes). */
export function hashOutput(output: Uint8Array): Uint8Array {
  ensureBytes(output, "output");
  return fastBlake2b256(output);
}

/**
 * `commitment = blake2b256(value ‖ nodeId ‖ salt)`, all three 32 bytes; `value` is what the node
 * reveals (`roundValue`: the blinded hash in round 0, the output hash in round 1).
 */
export function computeCommitment(outputHash: Uint8Array, nodeId: string | Uint8Array, salt: Uint8Array): Uint8Array {
  ensureBytes(outputHash, "outputHash", 32);
  ensureBytes(salt, "salt", 32);
  const id = objectIdBytes(nodeId, "nodeId");
  const buf = new Uint8Array(96);
  buf.set(outputHash, 0);
  buf.set(id, 32);
  buf.set(salt, 64);
  return blake2b256(buf);
}

/**
 * The blinded hash `t = blake2b256(outputHash ‖ requestId)` (Move `blinding::blinded`). Round 0
 * commits and reveals `t`, never `outputHash`, so an escalation node cannot copy the round-0
 * majority's output hash from the chain (docs/protocol.md, "Blinded round-0 hashes").
 */
export function blindedHash(outputHash: Uint8Array, requestId: string | Uint8Array): Uint8Array {
  ensureBytes(outputHash, "outputHash", 32);
  const id = objectIdBytes(requestId, "requestId");
  const buf = new Uint8Array(64);
  buf.set(outputHash, 0);
  buf.set(id, 32);
  return blake2b256(buf);
}

function checkRound(round: number): void {
  if (round !== 0 && round !== 1) throw new InvalidInputError("round", `must be 0 or 1, got ${round}`);
}

/**
 * What a node commits to and reveals for `outputHash` in `round`: round 0 the blinded
 * `blindedHash(outputHash, requestId)`, the escalation round (1) `outputHash` itself.
 */
export function roundValue(outputHash: Uint8Array, requestId: string | Uint8Array, round: number): Uint8Array {
  checkRound(round);
  if (round === 0) return blindedHash(outputHash, requestId);
  ensureBytes(outputHash, "outputHash", 32);
  return outputHash;
}

/**
 * The blinded hash a revealed value of `round` is tallied on (Move `blinding::tally_key`):
 * round 0 reveals `t` itself, round 1 reveals an output hash, tallied as its `t`.
 */
export function tallyKey(revealed: Uint8Array, requestId: string | Uint8Array, round: number): Uint8Array {
  checkRound(round);
  if (round === 0) {
    ensureBytes(revealed, "revealed", 32);
    return revealed;
  }
  return blindedHash(revealed, requestId);
}

/** Canonical JSON: object keys sorted by code unit, no whitespace, UTF-8. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function canon(v: unknown, path: string): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isFinite(v)) throw new InvalidInputError(path, "numbers must be finite");
      return JSON.stringify(v);
    case "string":
      return JSON.stringify(v);
    case "object": {
      if (Array.isArray(v)) return `[${v.map((x, i) => canon(x, `${path}[${i}]`)).join(",")}]`;
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidInputError(path, "must be a plain object, array, string, finite number, boolean or null");
      }
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      const parts: string[] = [];
      for (const k of keys) {
        if (rec[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${canon(rec[k], `${path}.${k}`)}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      throw new InvalidInputError(path, `cannot encode a ${typeof v} as canonical JSON`);
  }
}

/** UTF-8 bytes of the canonical JSON form of `value`. */
export function canonicalJson(value: JsonValue): Uint8Array {
  return new TextEncoder().encode(canon(value, "value"));
}
