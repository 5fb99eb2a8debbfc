/**
 * The process's shared reads of request objects (../../src/daemon/request-reads.ts): the calls for
 * a request made in one turn share one read, sent after every one of them asked; each caller gets
 * a view of its own; a call after the read left reads again; a failure reaches every sharer.
 */
import { describe, expect, it } from "vitest";
import { RequestStatus, type RequestView } from "../../src/daemon/chain-port.js";
import { copyRequestView, SharedRequestReads } from "../../src/daemon/request-reads.js";
import { requestView } from "./request-view.js";

const turn = () => new Promise<void>((r) => setImmediate(r));

/** A fake chain: the request's round moves on with every read; each read records the asks made before it left. */
class FakeRequests {
  asks = 0;
  readonly reads: { requestId: string; asksBefore: number }[] = [];
  failure: Error | undefined;

  ask(shared: SharedRequestReads, requestId: string): Promise<RequestView> {
    this.asks++;
    return shared.getRequest(requestId);
  }

  read = async (requestId: string): Promise<RequestView> => {
    this.reads.push({ requestId, asksBefore: this.asks });
    if (this.failure) throw this.failure;
    return requestView({
      id: requestId,
      capability: new Uint8Array([1, 2]),
      input: new Uint8Array([3, 4, 5]),
      inputHash: new Uint8Array(32).fill(7),
      round: this.reads.length - 1,
      assignments: [
        { nodeId: "0xa", round: 0, price: 5n, committed: true, revealed: false, outputHash: new Uint8Array([9]) },
      ],
      agreedBlindedHash: new Uint8Array([8]),
    });
  };
}

describe("SharedRequestReads", () => {
  it("one read for the calls of one turn, sent after the last of them; each caller gets a view of its own", async () => {
    const chain = new FakeRequests();
    const shared = new SharedRequestReads(chain.read);
    const views = await Promise.all([chain.ask(shared, "0x1"), chain.ask(shared, "0x1"), chain.ask(shared, "0x1")]);
    expect(chain.reads).toEqual([{ requestId: "0x1", asksBefore: 3 }]);
    expect(shared.stats).toEqual({ reads: 1, shared: 2 });
    const [a, b, c] = views as [RequestView, RequestView, RequestView];
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // A task changes its view in place (its request's events): nobody else's changes with it.
    a.status = RequestStatus.Settled;
    (a.assignments[0] as { revealed: boolean }).revealed = true;
    a.assignments.push({ ...(a.assignments[0] as RequestView["assignments"][number]), nodeId: "0xb" });
    a.input[0] = 0xff;
    (a.agreedBlindedHash as Uint8Array)[0] = 0;
    for (const other of [b, c]) {
      expect(other.status).toBe(RequestStatus.Sampled);
      expect(other.assignments).toHaveLength(1);
      expect(other.assignments[0]?.revealed).toBe(false);
      expect([...other.input]).toEqual([3, 4, 5]);
      expect([...(other.agreedBlindedHash as Uint8Array)]).toEqual([8]);
    }
  });

  it("a call after the read left starts the next read (its answer is as new as the call)", async () => {
    const chain = new FakeRequests();
    const shared = new SharedRequestReads(chain.read);
    const first = chain.ask(shared, "0x1");
    await turn(); // the read leaves
    const second = chain.ask(shared, "0x1");
    expect((await first).round).toBe(0);
    expect((await second).round).toBe(1);
    expect(chain.reads).toEqual([
      { requestId: "0x1", asksBefore: 1 },
      { requestId: "0x1", asksBefore: 2 },
    ]);
    expect(shared.stats).toEqual({ reads: 2, shared: 0 });
  });

  it("different requests are read apart", async () => {
    const chain = new FakeRequests();
    const shared = new SharedRequestReads(chain.read);
    const [x, y] = await Promise.all([chain.ask(shared, "0x1"), chain.ask(shared, "0x2")]);
    expect([x?.id, y?.id]).toEqual(["0x1", "0x2"]);
    expect(chain.reads.map((r) => r.requestId)).toEqual(["0x1", "0x2"]);
  });

  it("a failed read rejects every caller that shared it; the next call reads again", async () => {
    const chain = new FakeRequests();
    const shared = new SharedRequestReads(chain.read);
    chain.failure = new Error("rpc down");
    const results = await Promise.allSettled([chain.ask(shared, "0x1"), chain.ask(shared, "0x1")]);
    expect(results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "ok"))).toEqual([
      "rpc down",
      "rpc down",
    ]);
    chain.failure = undefined;
    expect((await chain.ask(shared, "0x1")).round).toBe(1);
    expect(chain.reads).toHaveLength(2);
  });

  it("copyRequestView shares no byte array or assignment with its source", () => {
    const v = requestView({
      capability: new Uint8Array([1]),
      input: new Uint8Array([2]),
      inputHash: new Uint8Array([3]),
      agreedOutputHash: new Uint8Array([4]),
      assignments: [
        { nodeId: "0xa", round: 0, price: 1n, committed: false, revealed: false, outputHash: new Uint8Array([5]) },
      ],
    });
    const c = copyRequestView(v);
    expect(c).toEqual(v);
    for (const k of ["capability", "input", "inputHash", "agreedOutputHash"] as const) expect(c[k]).not.toBe(v[k]);
    expect(c.assignments).not.toBe(v.assignments);
    expect(c.assignments[0]).not.toBe(v.assignments[0]);
    expect(c.assignments[0]?.outputHash).not.toBe(v.assignments[0]?.outputHash);
  });
});
