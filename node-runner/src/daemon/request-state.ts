/**
 * A task's view of its request, kept current from the request's events instead of re-reading the
 * Request object after each of them (issue 17: the reads after NodesSampled, after the last
 * commit and after the last reveal were round trips on the critical path).
 *
 * The view starts from one read (the input is only in the object) and every event of the request
 * is applied to it. The events and the read are ordered on the chain, but a read may be newer than
 * an event that reaches the daemon after it: so every change is monotonic (a flag only goes from
 * false to true, a round only forward, a status only forward within its round, Settled and Failed
 * are final), and applying an event the read already reflects changes nothing. What an event does
 * not carry asks for a read instead (`"refresh"`): an event about an assignment the view does not
 * have. (DisputeOpened carries the dispute deadline, so a dispute needs no read.)
 *
 * Never ahead of the chain: the view holds only what a read or an executed transaction's event
 * said, so "every other node revealed" read off it cannot be wrong.
 */
import { type AssignmentView, type RequestEvent, RequestStatus, type RequestView } from "./chain-port.js";

/** What applying an event did: changed the view, nothing new, or the view needs a read. */
export type Applied = "applied" | "unchanged" | "refresh";

const final = (r: RequestView) => r.status === RequestStatus.Settled || r.status === RequestStatus.Failed;

function find(r: RequestView, nodeId: string, round: number): AssignmentView | undefined {
  return r.assignments.find((a) => a.nodeId === nodeId && a.round === round);
}

/** Applies `ev` (an event of `r`'s request) to `r` in place. */
export function applyEvent(r: RequestView, ev: RequestEvent): Applied {
  switch (ev.name) {
    case "NodesSampled": {
      if (ev.round < r.round || (ev.round === r.round && r.status !== RequestStatus.Created)) return "unchanged";
      if (final(r)) return "unchanged";
      for (const nodeId of ev.nodes)
        if (!find(r, nodeId, ev.round))
          r.assignments.push({
            nodeId,
            round: ev.round,
            price: 0n, // not in the event; the daemon never reads an assignment's price
            committed: false,
            revealed: false,
            outputHash: new Uint8Array(),
          });
      r.round = ev.round;
      r.status = RequestStatus.Sampled;
      r.commitDeadlineMs = ev.commitDeadlineMs;
      r.revealDeadlineMs = ev.revealDeadlineMs;
      return "applied";
    }
    case "ResultCommitted": {
      const a = find(r, ev.nodeId, ev.round);
      if (!a) return "refresh";
      if (a.committed) return "unchanged";
      a.committed = true;
      // The last commit of the round moves the request to Revealing (request::commit).
      const all = r.assignments.every((x) => x.round !== ev.round || x.committed);
      if (all && ev.round === r.round && r.status === RequestStatus.Sampled) r.status = RequestStatus.Revealing;
      return "applied";
    }
    case "ResultRevealed": {
      const a = find(r, ev.nodeId, ev.round);
      if (!a) return "refresh";
      if (a.revealed) return "unchanged";
      a.committed = true;
      a.revealed = true;
      a.outputHash = new Uint8Array(ev.outputHash);
      // A reveal is accepted only in Revealing (it may have moved there on the commit deadline).
      if (ev.round === r.round && r.status === RequestStatus.Sampled) r.status = RequestStatus.Revealing;
      return "applied";
    }
    case "OutputPosted":
      if (r.outputPosted) return "unchanged";
      r.outputPosted = true;
      return "applied";
    case "RequestSettled":
      if (r.status === RequestStatus.Settled) return "unchanged";
      r.status = RequestStatus.Settled;
      r.agreedBlindedHash = new Uint8Array(ev.blindedHash);
      return "applied";
    case "RequestFailed":
      if (r.status === RequestStatus.Failed) return "unchanged";
      r.status = RequestStatus.Failed;
      return "applied";
    case "DisputeOpened":
      // Only round 0 is disputed: a replayed DisputeOpened must not move a view at round 1 (or a
      // final one) back.
      if (final(r) || r.round > 0 || r.status === RequestStatus.Disputed) return "unchanged";
      r.status = RequestStatus.Disputed;
      r.disputeDeadlineMs = ev.disputeDeadlineMs;
      return "applied";
  }
}
