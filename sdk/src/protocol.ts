/** Protocol arithmetic the SDK and its users compute exactly as the Move package does. */
import { InvalidInputError } from "./errors.js";

const U64_MAX = (1n << 64n) - 1n;

/**
 * `request::escrow_for`: N × max_price × (10_000 + margin_bps) / 10_000, refused (as the chain
 * refuses it with `EInvalidPrice`) when it does not fit in a u64.
 */
export function escrowFor(sampleSize: bigint, maxPrice: bigint, marginBps: bigint): bigint {
  for (const [field, v] of [
    ["sampleSize", sampleSize],
    ["maxPrice", maxPrice],
    ["marginBps", marginBps],
  ] as const) {
    if (typeof v !== "bigint" || v < 0n || v > U64_MAX) throw new InvalidInputError(field, "must be a u64 bigint");
  }
  const escrow = (sampleSize * maxPrice * (10_000n + marginBps)) / 10_000n;
  if (escrow > U64_MAX)
    throw new InvalidInputError("maxPrice", `escrow ${escrow} (sample size × max price + margin) does not fit in u64`);
  return escrow;
}
