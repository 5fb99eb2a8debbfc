/** The demo's closing hint and the record builders (the full run is test/test/e2e/fresh-machine.test.ts). */
import { type AtomaEvent, type NodeData, type RequestData, RequestKind, RequestStatus } from "@atoma/sdk";
import { describe, expect, it } from "vitest";
import { whereToLook } from "../src/main.js";
import { nodeRecord, requestRecord } from "../src/record.js";

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("demo closing hint", () => {
  it("prints the indexer URLs only when the network stays up", () => {
    const url = "http://127.0.0.1:4321";
    expect(whereToLook(true, url)).toBe(
      `Look around: ${url}/ (explorer) · ${url}/v1/requests · ${url}/v1/slashes · ${url}/v1/nodes · ${url}/docs`,
    );
    const gone = whereToLook(false, url);
    expect(gone).not.toContain(url);
    expect(gone).toContain("pnpm start --keep-running");
    expect(whereToLook(true, null)).not.toContain("http");
  });
});

describe("demo record", () => {
  const events = [
    { name: "NodesSampled", data: { request_id: id(1), round: 0, nodes: [id(10), id(11), id(12)] } },
    { name: "NodesSampled", data: { request_id: id(2), round: 0, nodes: [id(13)] } },
    { name: "NodesSampled", data: { request_id: id(1), round: 1, nodes: [id(10), id(11), id(12), id(13), id(14)] } },
    { name: "NodePaid", data: { request_id: id(1), node_id: id(11), amount: "700" } },
    { name: "NodePaid", data: { request_id: id(2), node_id: id(11), amount: "300" } },
    {
      name: "NodeSlashed",
      data: { request_id: id(1), node_id: id(10), amount: "5000", reason: 1, remaining_stake: "1" },
    },
  ] as unknown as AtomaEvent[];

  it("records a request's rounds, samples per round, agreed hash and settlement time", () => {
    const r = {
      kind: RequestKind.Inference,
      capability: Array.from(new TextEncoder().encode("builtin:forecast-v1")),
      confidential: true,
      status: RequestStatus.Settled,
      round: 1,
      agreed_output_hash: Array(32).fill(0xab),
      agreed_blinded_hash: Array(32).fill(0xcd),
      created_ms: "1000",
      settled_ms: "4500",
    } as unknown as RequestData;
    expect(requestRecord(id(1), "forecast", r, events)).toEqual({
      id: id(1),
      label: "forecast",
      kind: "Inference",
      capability: "builtin:forecast-v1",
      confidential: true,
      status: "Settled",
      rounds: 2,
      sampledNodes: [
        [id(10), id(11), id(12)],
        [id(10), id(11), id(12), id(13), id(14)],
      ],
      agreedHash: `0x${"ab".repeat(32)}`,
      agreedBlindedHash: `0x${"cd".repeat(32)}`,
      createdMs: 1000,
      settledMs: 4500,
      settlementMs: 3500,
    });
  });

  it("records a node's payouts and slashes from the events, and its attestation", () => {
    const n = {
      stake: { value: "95000" },
      reputation: "7",
      attestation: {
        tee_kind: 1,
        evidence_hash: Array(32).fill(1),
        verifier: id(99),
        recorded_ms: "10",
        expires_ms: "20",
        revoked: false,
      },
    } as unknown as NodeData;
    const paid = nodeRecord(id(11), "node-2", null, n, events);
    expect(paid.payouts).toBe("1000");
    expect(paid.paidRequests).toEqual([id(1), id(2)]);
    expect(paid.slashes).toEqual([]);
    expect(paid.attestation).toEqual({
      teeKind: "Tdx",
      evidenceHash: `0x${"01".repeat(32)}`,
      verifier: id(99),
      recordedMs: 10,
      expiresMs: 20,
      revoked: false,
    });
    const slashed = nodeRecord(
      id(10),
      "node-1 (faulty)",
      "wrong-output",
      { ...n, attestation: null } as NodeData,
      events,
    );
    expect(slashed).toMatchObject({ stake: "95000", payouts: "0", reputation: 7, attestation: null, faulty: true });
    expect(slashed.slashes).toEqual([{ requestId: id(1), amount: "5000", reason: "Dissent" }]);
  });
});
