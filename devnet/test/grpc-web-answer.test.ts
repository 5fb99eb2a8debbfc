/**
 * A unary gRPC-web answer leaves in one write (message frame and OK trailers together): its body
 * is byte for byte the frames a client reads — in `application/grpc-web+proto` the message frame
 * then the trailer frame, in `application/grpc-web-text` each frame as its own padded base64.
 */
import { GrpcTypes } from "@mysten/sui/grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../src/index.js";
import { frame } from "./grpc-web-call.js";

const trailer = (text: string): Buffer => {
  const t = Buffer.from(text);
  const b = Buffer.alloc(5 + t.length);
  b[0] = 0x80;
  b.writeUInt32BE(t.length, 1);
  t.copy(b, 5);
  return b;
};

async function post(url: string, path: string, body: Uint8Array | string, contentType: string) {
  const r = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

describe("unary gRPC-web answers", () => {
  let d: RunningDevnet;
  beforeAll(async () => {
    d = await startDevnet({ seed: "grpc-web-answer" });
  }, 120_000);
  afterAll(async () => {
    await d?.close();
  });

  const request = GrpcTypes.GetCheckpointRequest.toBinary({
    checkpointId: { oneofKind: "sequenceNumber", sequenceNumber: 0n },
    readMask: { paths: ["sequence_number", "summary.epoch"] }, // no digest: a length that does not vary
  });
  const path = "/sui.rpc.v2.LedgerService/GetCheckpoint";

  it("binary: the message frame, then the OK trailer frame", async () => {
    const r = await post(d.url, path, frame(request), "application/grpc-web+proto");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/grpc-web+proto");
    const len = r.body.readUInt32BE(1);
    expect(r.body[0]).toBe(0);
    const message = r.body.subarray(5, 5 + len);
    expect(GrpcTypes.GetCheckpointResponse.fromBinary(message).checkpoint?.sequenceNumber).toBe(0n);
    expect(r.body.equals(Buffer.concat([frame(message), trailer("grpc-status:0\r\n")]))).toBe(true);
  });

  it("text: each frame its own base64, the same frames as binary", async () => {
    const bin = await post(d.url, path, frame(request), "application/grpc-web+proto");
    const r = await post(d.url, path, frame(request).toString("base64"), "application/grpc-web-text");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/grpc-web-text");
    const len = bin.body.readUInt32BE(1);
    // A message frame whose length is not a multiple of 3: its base64 ends in padding, so one
    // base64 of both frames would differ from the two base64 texts a text client reads.
    expect((5 + len) % 3).not.toBe(0);
    const expected = bin.body.subarray(0, 5 + len).toString("base64") + trailer("grpc-status:0\r\n").toString("base64");
    expect(r.body.toString("ascii")).toBe(expected);
  });

  it("an error is trailers-only, its status and message in the headers", async () => {
    const bad = GrpcTypes.GetCheckpointRequest.toBinary({
      checkpointId: { oneofKind: "sequenceNumber", sequenceNumber: 1_000_000n },
    });
    const r = await post(d.url, path, frame(bad), "application/grpc-web+proto");
    expect(r.headers.get("grpc-status")).toBe("5");
    expect(decodeURIComponent(r.headers.get("grpc-message") ?? "")).toMatch(/checkpoint 1000000 not found/);
    expect(r.body.length).toBe(0);
  });
});
