/**
 * The gRPC client's HTTP path in Node (src/client/grpc-fetch.ts): binary grpc-web frames over
 * node:http. Against a devnet it reads what the default client (global fetch, base64 frames)
 * reads; against a plain HTTP server: the frames it sends, a gRPC error status in the headers
 * (its socket reused afterwards), an abort, and a port with nothing behind it (the SDK's
 * network-failure detection still recognises it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { SuiGrpcClient } from "@mysten/sui/grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDevnet, startDevnet } from "../../../devnet/src/index.js";
import { grpcFetch } from "../../src/client/grpc-fetch.js";
import { isNetworkFailure, networkFailureReason, suiClientFor } from "../../src/client/transport.js";

/** A grpc-web body: a DATA frame with `message`, then a trailer frame with status 0. */
function grpcWebOk(message: Uint8Array): Buffer {
  const trailer = Buffer.from("grpc-status:0\r\n");
  const frame = (type: number, b: Uint8Array) => {
    const h = Buffer.alloc(5);
    h[0] = type;
    h.writeUInt32BE(b.length, 1);
    return Buffer.concat([h, b]);
  };
  return Buffer.concat([frame(0, message), frame(0x80, trailer)]);
}

describe("grpcFetch against a devnet", () => {
  let d: RunningDevnet;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(tmpdir(), "sdk-grpc-fetch-"));
    d = await startDevnet({ seed: "sdk-grpc-fetch", stateDir, checkpointIntervalMs: 0 });
  }, 120_000);
  afterAll(async () => {
    await d?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("is Node's path here, and reads what the default client (global fetch, base64 frames) reads", async () => {
    expect(grpcFetch).not.toBeNull();
    const mine = suiClientFor(d.url, "grpc");
    const theirs = new SuiGrpcClient({ baseUrl: d.url, network: "localnet" });
    // 0x5 (the system state) and the framework package 0x2: nothing changes them here (the clock would)
    const ids = ["0x5", "0x2"];
    const [a, b] = await Promise.all([
      mine.core.getObjects({ objectIds: ids, include: { content: true } }),
      theirs.core.getObjects({ objectIds: ids, include: { content: true } }),
    ]);
    expect(a.objects).toHaveLength(2);
    expect(a.objects).toEqual(b.objects);
    expect(await mine.core.getChainIdentifier()).toEqual(await theirs.core.getChainIdentifier());
  });
});

describe("grpcFetch against a plain HTTP server", () => {
  let server: http.Server;
  let url = "";
  const seen: { contentType: string | undefined; body: Buffer; socket: unknown }[] = [];
  let reply: (res: http.ServerResponse) => void = () => {};
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ contentType: req.headers["content-type"], body: Buffer.concat(chunks), socket: req.socket });
        reply(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("sends binary frames, reads the reply, and a gRPC error status in the headers fails the call without holding its socket", async () => {
    const client = suiClientFor(url, "grpc") as SuiGrpcClient;
    seen.length = 0;
    reply = (res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.end(grpcWebOk(new Uint8Array(0)));
    };
    await client.ledgerService.getServiceInfo({});
    expect(seen[0]?.contentType).toBe("application/grpc-web+proto");
    expect([...(seen[0]?.body ?? [])]).toEqual([0, 0, 0, 0, 0]); // one DATA frame, an empty request message
    reply = (res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto", "grpc-status": "5", "grpc-message": "gone" });
      res.end(grpcWebOk(new Uint8Array(0)));
    };
    const err = await client.ledgerService
      .getServiceInfo({})
      .then(() => null)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RpcError", code: "NOT_FOUND", message: "gone" });
    reply = (res) => {
      res.writeHead(200, { "content-type": "application/grpc-web+proto" });
      res.end(grpcWebOk(new Uint8Array(0)));
    };
    await client.ledgerService.getServiceInfo({});
    // the three calls went one after the other over one kept-alive connection
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it("an aborted call rejects as CANCELLED", async () => {
    const client = suiClientFor(url, "grpc") as SuiGrpcClient;
    reply = () => {}; // never answers
    const ac = new AbortController();
    const call = client.ledgerService
      .getServiceInfo({}, { abort: ac.signal })
      .then(() => null)
      .catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 50);
    expect(await call).toMatchObject({ name: "RpcError", code: "CANCELLED" });
  });

  it("nothing listening: the SDK still sees a network failure and names its reason", async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${port}`;
    const err = await suiClientFor(dead, "grpc")
      .core.getChainIdentifier()
      .then(() => null)
      .catch((e: unknown) => e);
    expect(isNetworkFailure(err)).toBe(true);
    expect(await networkFailureReason(err, dead)).toBe("ECONNREFUSED");
  });
});
