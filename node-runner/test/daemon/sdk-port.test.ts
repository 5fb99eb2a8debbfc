/** The SDK port's abort surfacing: the SDK's MoveAbortError found however deep a layer wrapped it. */
import { decodeMoveAbort, MoveAbortError } from "@atoma/sdk";
import { describe, expect, it } from "vitest";
import { moveAbortOf } from "../../src/sdk-port.js";

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
