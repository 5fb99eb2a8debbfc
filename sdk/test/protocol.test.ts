import { describe, expect, it } from "vitest";
import { escrowFor, InvalidInputError } from "../src/index.js";

describe("escrowFor (request::escrow_for)", () => {
  it("is N × max_price × (10_000 + margin_bps) / 10_000, rounded down", () => {
    expect(escrowFor(3n, 50_000_000n, 500n)).toBe(157_500_000n);
    expect(escrowFor(1n, 3n, 500n)).toBe(3n); // 3.15 -> 3
    expect(escrowFor(0n, 10n, 500n)).toBe(0n);
  });

  it("refuses an escrow that does not fit in u64, as the chain does (EInvalidPrice)", () => {
    const max = (1n << 64n) - 1n;
    // The smallest max_price whose escrow for one node (margin 5%) exceeds u64: ceil((max + 1) / 1.05).
    const first = ((max + 1n) * 10_000n + 10_499n) / 10_500n;
    expect(escrowFor(1n, first - 1n, 500n)).toBe(max);
    expect(() => escrowFor(1n, first, 500n)).toThrow(InvalidInputError);
    expect(() => escrowFor(2n, max, 0n)).toThrow(/maxPrice: escrow \d+ .* does not fit in u64/);
    expect(() => escrowFor(1n, -1n, 0n)).toThrow(/maxPrice: must be a u64/);
  });
});
