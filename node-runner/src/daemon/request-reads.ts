/**
 * One read of a request object for every node daemon of the process that asks for it in the same
 * turn of the event loop (issue 17 row 4): the N nodes sampled for a request learn of it from the
 * same event page (./event-hub.ts) and each reads the request at its task's start; with this they
 * share one read and one decode.
 *
 * A read is sent on the next `setImmediate` after the first call for its request, and every call
 * for that request until then joins it: the read leaves after each of its callers asked, so what
 * it returns is as new as a read of the caller's own (a call after it left starts the next read).
 * Each caller gets a copy of its own (a task's view is changed in place by the request's events,
 * ./request-state.ts). A failed read rejects every caller that shared it; each retries as before.
 */
import type { ChainPort, RequestView } from "./chain-port.js";

/** Reads a request object (the RPC and its decoding). */
export type RequestReader = (requestId: string) => Promise<RequestView>;

/** A copy of `v` that shares nothing with it (its byte arrays and assignments copied too). */
export function copyRequestView(v: RequestView): RequestView {
  return {
    ...v,
    capability: v.capability.slice(),
    inputHash: v.inputHash.slice(),
    input: v.input.slice(),
    assignments: v.assignments.map((a) => ({ ...a, outputHash: a.outputHash.slice() })),
    agreedOutputHash: v.agreedOutputHash ? v.agreedOutputHash.slice() : null,
    agreedBlindedHash: v.agreedBlindedHash ? v.agreedBlindedHash.slice() : null,
  };
}

interface Waiting {
  resolve: (v: RequestView) => void;
  reject: (err: unknown) => void;
}

export class SharedRequestReads implements Pick<ChainPort, "getRequest"> {
  /** Reads not sent yet, per request, with their callers. */
  readonly #due = new Map<string, Waiting[]>();
  /** Reads sent (RPCs), and calls answered by a read another caller asked for. */
  readonly stats = { reads: 0, shared: 0 };

  constructor(private readonly read: RequestReader) {}

  getRequest(requestId: string): Promise<RequestView> {
    return new Promise<RequestView>((resolve, reject) => {
      const due = this.#due.get(requestId);
      if (due) {
        this.stats.shared++;
        due.push({ resolve, reject });
        return;
      }
      const waiting: Waiting[] = [{ resolve, reject }];
      this.#due.set(requestId, waiting);
      setImmediate(() => this.#send(requestId, waiting));
    });
  }

  #send(requestId: string, waiting: Waiting[]): void {
    // Callers from now on start the next read (this one may already be answered for them).
    this.#due.delete(requestId);
    this.stats.reads++;
    (async () => this.read(requestId))().then(
      (view) => {
        // The first caller takes the decoded view itself, the others a copy each.
        for (const [i, w] of waiting.entries()) w.resolve(i === 0 ? view : copyRequestView(view));
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }
}
