/** A `RequestView` for execute-step tests: a Sampled round-0 request, every field overridable. */
import { RequestStatus, type RequestView } from "../../src/daemon/chain-port.js";

export function requestView(
  o: Partial<RequestView> & Pick<RequestView, "capability" | "input" | "inputHash">,
): RequestView {
  return {
    id: `0x${"42".repeat(32)}`,
    requester: "0x1",
    kind: 0,
    maxTokens: 0n,
    fuel: 0n,
    sampleSize: 3n,
    confidential: true,
    status: RequestStatus.Sampled,
    round: 0,
    commitDeadlineMs: 0n,
    revealDeadlineMs: 0n,
    disputeDeadlineMs: 0n,
    assignments: [],
    agreedOutputHash: null,
    agreedBlindedHash: null,
    outputPosted: false,
    ...o,
  };
}
