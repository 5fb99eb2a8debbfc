/** The derived reputation: its fold, and its constants checked against the Move sources they mirror. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Limits, SlashReason } from "@atoma/sdk";
import { describe, expect, it } from "vitest";
import { foldReputation, REPUTATION, UnknownSlashReasonError } from "../src/reputation.js";

const src = (f: string) =>
  readFileSync(path.resolve(import.meta.dirname, "../../move/packages/atoma/sources", f), "utf8");
const constant = (text: string, name: string) => {
  const m = text.match(new RegExp(`const ${name}: u\\d+ = ([0-9_]+);`));
  if (!m?.[1]) throw new Error(`${name} not found in the Move sources`);
  return BigInt(m[1].replace(/_/g, ""));
};

describe("reputation", () => {
  it("mirrors the Move package's constants", () => {
    const constants = src("constants.move");
    // Reputation lives in the node's shared account since issue 13 B stage 2.
    const account = src("node_account.move");
    const settlement = src("settlement.move");
    expect(REPUTATION.initial).toBe(constant(constants, "INITIAL_REPUTATION"));
    expect(REPUTATION.initial).toBe(BigInt(Limits.initialReputation));
    expect(account).toMatch(/a\.reputation = a\.reputation \+ 1;/);
    expect(REPUTATION.perPayout).toBe(1n);
    expect(constant(constants, "SLASH_REASON_ABSENT")).toBe(BigInt(SlashReason.Absent));
    expect(constant(constants, "SLASH_REASON_DISSENT")).toBe(BigInt(SlashReason.Dissent));
    expect(REPUTATION.penaltyByReason[SlashReason.Absent]).toBe(constant(settlement, "REP_ABSENT"));
    expect(REPUTATION.penaltyByReason[SlashReason.Dissent]).toBe(constant(settlement, "REP_DISSENT"));
  });

  it("adds one per payout, subtracts the penalty per slash, never below zero", () => {
    expect(foldReputation([])).toBe(1000n);
    expect(foldReputation([{ kind: "paid" }, { kind: "paid" }, { kind: "slashed", reason: 1 }])).toBe(992n);
    const many = Array.from({ length: 250 }, () => ({ kind: "slashed" as const, reason: 0 }));
    expect(foldReputation([...many, { kind: "paid" }])).toBe(1n); // floor 0, then +1
    expect(() => foldReputation([{ kind: "slashed", reason: 7 }])).toThrow(UnknownSlashReasonError);
  });
});
