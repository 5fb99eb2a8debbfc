/**
 * The SDK port's abort surfacing (the SDK's MoveAbortError found however deep a layer wrapped it)
 * and its event mapping (what a task's view follows: ../../src/daemon/request-state.ts).
 */
import { decodeMoveAbort, MoveAbortError } from "@atoma/sdk";
import { decodeAtomaEvent, NodesSampled, RequestSettled, ResultRevealed } from "@atoma/sdk/bcs";
import { describe, expect, it } from "vitest";
import { moveAbortOf, toDaemonEvent } from "../../src/sdk-port.js";

describe("moveAbortOf", () => {
  const abort = decodeMoveAbort("abort code: 13, in '0x2::request::commit'");

  it("decodes the abort the chain reports (module and constant from the SDK's table)", () => {
    expect(abort).toBeInstanceOf(MoveAbortError);
    expect(abort?.module).toBe("request");
    expect(abort?.constantName).toBe("EAlreadyCommitted");
  });

  it("finds it as itself or down a cause chain, and nothing in a failure that is not an abort", () => {
    expect(moveAbortOf(abort)).toBe(abort);
    const wrapped = new Error("send failed", { cause: new Error("transaction failed", { cause: abort }) });
    expect(moveAbortOf(wrapped)).toBe(abort);
    // A message that merely names an abort constant is not an abort (the old regex took it for one).
    expect(moveAbortOf(new Error("fetch failed: EAlreadyCommitted"))).toBeUndefined();
    expect(moveAbortOf("MoveAbort")).toBeUndefined();
    expect(moveAbortOf(null)).toBeUndefined();
  });
});

describe("toDaemonEvent", () => {
  const pkg = `0x${"ab".repeat(32)}`;
  const id = (b: string) => `0x${b.repeat(64)}`;
  const decoded = (name: string, bytes: Uint8Array) =>
    toDaemonEvent(decodeAtomaEvent({ type: `${pkg}::events::${name}`, bcs: bytes }));

  it("carries what a task's view needs from the chain's BCS: round, nodes, deadlines, who revealed what, the agreed hash", () => {
    const sampled = NodesSampled.serialize({
      request_id: id("1"),
      round: 1,
      nodes: [id("2"), id("3")],
      commit_deadline_ms: 1_000n,
      reveal_deadline_ms: 2_000n,
    }).toBytes();
    expect(decoded("NodesSampled", sampled)).toEqual({
      name: "NodesSampled",
      requestId: id("1"),
      round: 1,
      nodes: [id("2"), id("3")],
      commitDeadlineMs: 1_000n,
      revealDeadlineMs: 2_000n,
    });
    const revealed = ResultRevealed.serialize({
      request_id: id("1"),
      node_id: id("2"),
      round: 1,
      output_hash: [...new Uint8Array(32).fill(7)],
    }).toBytes();
    expect(decoded("ResultRevealed", revealed)).toEqual({
      name: "ResultRevealed",
      requestId: id("1"),
      nodeId: id("2"),
      round: 1,
      outputHash: new Uint8Array(32).fill(7),
    });
    const settled = RequestSettled.serialize({
      request_id: id("1"),
      output_hash: [...new Uint8Array(32).fill(7)],
      agreeing: [id("2")],
      paid_total: 1n,
      slashed_total: 0n,
      margin: 0n,
      refund: 0n,
      rounds: 2,
      settled_ms: 3n,
    }).toBytes();
    expect(decoded("RequestSettled", settled)).toEqual({
      name: "RequestSettled",
      requestId: id("1"),
      blindedHash: new Uint8Array(32).fill(7),
    });
  });
});
