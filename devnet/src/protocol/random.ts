/**
 * `sui::random::RandomGenerator`, byte for byte as in the Sui framework's `random.move`:
 * seed = HMAC-SHA3-256(key = Random's `random_bytes`, msg = the tx's next fresh object address),
 * block i = HMAC-SHA3-256(key = seed, msg = bcs(u16 counter)), bytes are consumed from the end
 * of the buffer (`pop_back`), the first popped byte being the most significant.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { MoveAbort } from "./types.js";

const RAND_OUTPUT_LEN = 32;

export function hmacSha3_256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  return hmac(sha3_256, key, msg);
}

export function addressBytes(addr: string): Uint8Array {
  const hex = addr.startsWith("0x") ? addr.slice(2) : addr;
  if (!/^[0-9a-fA-F]{1,64}$/.test(hex)) throw new TypeError(`address ${addr}: expected 0x + up to 64 hex digits`);
  const full = hex.padStart(64, "0");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(full.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export class RandomGenerator {
  private counter = 0;
  private buffer: number[] = [];
  private constructor(readonly seed: Uint8Array) {}

  /** `random::new_generator(r, ctx)`: `freshAddress` is `ctx.fresh_object_address()` (consumed by the caller). */
  static create(randomBytes: Uint8Array, freshAddress: string): RandomGenerator {
    return new RandomGenerator(hmacSha3_256(randomBytes, addressBytes(freshAddress)));
  }
  /** `random::new_generator_from_seed_for_testing(seed)`. */
  static fromSeed(seed: Uint8Array): RandomGenerator {
    return new RandomGenerator(Uint8Array.from(seed));
  }

  private deriveNextBlock(): Uint8Array {
    this.counter += 1;
    if (this.counter > 0xffff) throw new MoveAbort("random", "ArithmeticError", 0);
    return hmacSha3_256(this.seed, Uint8Array.of(this.counter & 0xff, this.counter >> 8));
  }

  generateBytes(n: number): Uint8Array {
    const result: number[] = [];
    const blocks = Math.floor(n / RAND_OUTPUT_LEN);
    for (let i = 0; i < blocks; i++) result.push(...this.deriveNextBlock());
    const remaining = n - result.length;
    if (this.buffer.length < remaining) this.buffer.push(...this.deriveNextBlock());
    for (let i = 0; i < remaining; i++) result.push(this.buffer.pop()!);
    return Uint8Array.from(result);
  }

  private uintFromBytes(n: number): bigint {
    if (this.buffer.length < n) this.buffer.push(...this.deriveNextBlock());
    let r = 0n;
    for (let i = 0; i < n; i++) r = (r << 8n) + BigInt(this.buffer.pop()!);
    return r;
  }

  generateU8(): number {
    return Number(this.uintFromBytes(1));
  }
  generateU16(): number {
    return Number(this.uintFromBytes(2));
  }
  generateU32(): number {
    return Number(this.uintFromBytes(4));
  }
  generateU64(): bigint {
    return this.uintFromBytes(8);
  }
  generateU128(): bigint {
    return this.uintFromBytes(16);
  }
  generateU256(): bigint {
    return this.uintFromBytes(32);
  }
  generateBool(): boolean {
    return (this.uintFromBytes(1) & 1n) === 1n;
  }

  private inRange(min: bigint, max: bigint, bytes: number): bigint {
    if (min > max) throw new MoveAbort("random", "EInvalidRange", 3);
    if (min === max) return min;
    const size = max - min + 1n;
    return min + (this.uintFromBytes(bytes) % size);
  }
  generateU64InRange(min: bigint, max: bigint): bigint {
    return this.inRange(min, max, 16);
  }
  generateU128InRange(min: bigint, max: bigint): bigint {
    return this.inRange(min, max, 24);
  }
  generateU32InRange(min: number, max: number): number {
    return Number(this.inRange(BigInt(min), BigInt(max), 12));
  }
  generateU16InRange(min: number, max: number): number {
    return Number(this.inRange(BigInt(min), BigInt(max), 10));
  }
  generateU8InRange(min: number, max: number): number {
    return Number(this.inRange(BigInt(min), BigInt(max), 9));
  }

  /** `random::shuffle` (Fisher–Yates with `generate_u16_in_range(i, end)`). */
  shuffle<T>(v: T[]): void {
    const n = v.length;
    if (n === 0) return;
    if (n > 0xffff) throw new MoveAbort("random", "EInvalidLength", 4);
    const end = n - 1;
    for (let i = 0; i < end; i++) {
      const j = this.generateU16InRange(i, end);
      const t = v[i]!;
      v[i] = v[j]!;
      v[j] = t;
    }
  }
}
