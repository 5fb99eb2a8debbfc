/**
 * A task's view of its request followed from the request's events (./request-state.ts): each
 * event moves it as the chain moved the object, and an event older than the read it is applied
 * to (it reached the daemon after the read) never moves the view back.
 */
import { describe, expect, it } from "vitest";
import { type RequestEvent, RequestStatus, type RequestView } from "../../src/daemon/chain-port.js";
import { applyEvent } from "../../src/daemon/request-state.js";
import { requestView } from "./request-view.js";

const R = "0xr";
const h = (b: number) => new Uint8Array(32).fill(b);

function sampled(nodes = ["a", "b", "c"]): RequestView {
  return requestView({
    id: R,
    requester: "0xq",
    kind: 1,
    capability: new Uint8Array(),
    inputHash: h(9),
    input: new Uint8Array([1]),
    sampleSize: BigInt(nodes.length),
    confidential: false,
    commitDeadlineMs: 10n,
    revealDeadlineMs: 20n,
    assignments: nodes.map((nodeId) => ({
      nodeId,
      round: 0,
      price: 10n,
      committed: false,
      revealed: false,
      outputHash: new Uint8Array(),
    })),
  });
}

const commit = (nodeId: string, round = 0): RequestEvent => ({ name: "ResultCommitted", requestId: R, nodeId, round });
const reveal = (nodeId: string, b: number, round = 0): RequestEvent => ({
  name: "ResultRevealed",
  requestId: R,
  nodeId,
  round,
  outputHash: h(b),
});

describe("applyEvent", () => {
  it("the last commit of the round moves the request to Revealing, as request::commit does", () => {
    const r = sampled();
    expect(applyEvent(r, commit("a"))).toBe("applied");
    expect(applyEvent(r, commit("b"))).toBe("applied");
    expect(r.status).toBe(RequestStatus.Sampled);
    expect(applyEvent(r, commit("c"))).toBe("applied");
    expect(r.status).toBe(RequestStatus.Revealing);
    expect(r.assignments.map((a) => a.committed)).toEqual([true, true, true]);
  });

  it("reveals record the node's hash; a reveal before every commit means the commit window closed", () => {
    const r = sampled();
    applyEvent(r, commit("a"));
    expect(applyEvent(r, reveal("a", 7))).toBe("applied");
    expect(r.status).toBe(RequestStatus.Revealing);
    expect(r.assignments[0]).toMatchObject({ committed: true, revealed: true, outputHash: h(7) });
    expect(r.assignments[1]).toMatchObject({ committed: false, revealed: false });
  });

  it("settlement, failure and a posted output come from their events; both ends are final", () => {
    const r = sampled();
    expect(applyEvent(r, { name: "RequestSettled", requestId: R, blindedHash: h(7) })).toBe("applied");
    expect(applyEvent(r, { name: "OutputPosted", requestId: R, nodeId: "a" })).toBe("applied");
    expect(r).toMatchObject({ status: RequestStatus.Settled, agreedBlindedHash: h(7), outputPosted: true });
    // A replayed commit or sampling of the finished request changes nothing.
    expect(applyEvent(r, commit("a"))).toBe("applied"); // the flag only: the status stays
    expect(r.status).toBe(RequestStatus.Settled);
    expect(
      applyEvent(r, {
        name: "NodesSampled",
        requestId: R,
        round: 1,
        nodes: ["d"],
        commitDeadlineMs: 1n,
        revealDeadlineMs: 2n,
      }),
    ).toBe("unchanged");
    expect(r.round).toBe(0);
    const f = sampled();
    expect(applyEvent(f, { name: "RequestFailed", requestId: R })).toBe("applied");
    expect(f.status).toBe(RequestStatus.Failed);
  });

  it("a dispute moves the view with its deadline (no read); a new round comes from NodesSampled", () => {
    const r = sampled();
    expect(applyEvent(r, { name: "DisputeOpened", requestId: R, disputeDeadlineMs: 25n })).toBe("applied");
    expect(r).toMatchObject({ status: RequestStatus.Disputed, disputeDeadlineMs: 25n });
    expect(applyEvent(r, { name: "DisputeOpened", requestId: R, disputeDeadlineMs: 25n })).toBe("unchanged");
    expect(
      applyEvent(r, {
        name: "NodesSampled",
        requestId: R,
        round: 1,
        nodes: ["d", "e"],
        commitDeadlineMs: 30n,
        revealDeadlineMs: 40n,
      }),
    ).toBe("applied");
    expect(r).toMatchObject({ status: RequestStatus.Sampled, round: 1, commitDeadlineMs: 30n, revealDeadlineMs: 40n });
    expect(r.assignments.filter((a) => a.round === 1).map((a) => a.nodeId)).toEqual(["d", "e"]);
    // The replayed dispute of round 0 cannot move round 1 back to Disputed.
    expect(applyEvent(r, { name: "DisputeOpened", requestId: R, disputeDeadlineMs: 25n })).toBe("unchanged");
    expect(r.status).toBe(RequestStatus.Sampled);
  });

  it("events older than the read change nothing: a read at round 1 stays at round 1", () => {
    const r = sampled();
    r.round = 1;
    r.status = RequestStatus.Sampled;
    r.assignments.forEach((a) => {
      a.committed = true;
      a.revealed = true;
      a.outputHash = h(1);
    });
    r.assignments.push({ nodeId: "d", round: 1, price: 10n, committed: false, revealed: false, outputHash: h(0) });
    const before = structuredClone(r);
    const old: RequestEvent[] = [
      {
        name: "NodesSampled",
        requestId: R,
        round: 0,
        nodes: ["a", "b", "c"],
        commitDeadlineMs: 10n,
        revealDeadlineMs: 20n,
      },
      commit("a"),
      reveal("b", 1),
    ];
    for (const ev of old) expect(applyEvent(r, ev)).toBe("unchanged");
    expect(r).toEqual(before);
  });

  it("an event about an assignment the view lacks asks for a read", () => {
    const r = sampled();
    expect(applyEvent(r, commit("zz"))).toBe("refresh");
    expect(applyEvent(r, reveal("a", 1, 1))).toBe("refresh");
  });
});
