/**
 * A server stream whose client goes away while the socket is backed up (the server waiting for
 * `drain`, which a closed socket never emits): the stream's handler ends, its listeners (the
 * response's, the node's checkpoint listener) are released, and the server goes on answering.
 * The server listens on a Unix socket (its buffer, unlike loopback TCP's, is a fixed ~200 KiB)
 * and the client never reads, so a page of a thousand events with their JSON backs it up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { GrpcTypes, SuiGrpcClient } from "@mysten/sui/grpc";
import { Ed25519Keypair } from "@mysten/sui/keypairs/ed25519";
import { Transaction } from "@mysten/sui/transactions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcServer } from "../src/grpc/server.js";
import type { GrpcNode } from "../src/grpc/service.js";
import type { Checkpoint } from "../src/journal.js";
import { frame } from "./grpc-web-call.js";
import { type ProbeDevnet, startProbeDevnet } from "./probe.js";

const BUMPS = 1000;

/** Polls `ok` until it holds (or fails the test naming `what`). */
async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a server stream whose client closes while the server waits for drain", () => {
  let p: ProbeDevnet<SuiGrpcClient>;
  const alice = Ed25519Keypair.generate();
  let dir = "";
  let socketPath = "";
  let http: Server;
  let grpc: GrpcServer;
  /** The node's checkpoint listeners the gRPC server holds. */
  let listening = 0;
  const responses: ServerResponse[] = [];

  /** Posts a gRPC-web call over the Unix socket; the response is left unread until `read`. */
  function call(method: string, message: Uint8Array) {
    const req = request({
      socketPath,
      path: `/sui.rpc.v2.${method}`,
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
    });
    const answer = new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
    });
    answer.catch(() => {}); // a call hung up on purpose rejects; read() still sees the error
    req.end(frame(message));
    return {
      req,
      /** Every frame of the answer: messages and the trailers' grpc-status. */
      async read(): Promise<{ messages: Uint8Array[]; status: string }> {
        const res = await answer;
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const bytes = Buffer.concat(chunks);
        const messages: Uint8Array[] = [];
        let status = String(res.headers["grpc-status"] ?? "");
        for (let at = 0; at + 5 <= bytes.length; ) {
          const len = bytes.readUInt32BE(at + 1);
          const payload = bytes.subarray(at + 5, at + 5 + len);
          if (bytes[at]! & 0x80) status = /grpc-status:(\d+)/.exec(payload.toString())?.[1] ?? status;
          else messages.push(new Uint8Array(payload));
          at += 5 + len;
        }
        return { messages, status };
      },
    };
  }

  /** Waits until the server is backed up on the last call, then hangs that call up. */
  async function backedUpThenClosed(c: ReturnType<typeof call>): Promise<ServerResponse> {
    await until("the server to wait for drain", () => responses.at(-1)?.writableNeedDrain === true);
    const res = responses.at(-1)!;
    expect(grpc.streaming).toBe(1);
    expect(res.listenerCount("drain")).toBeGreaterThan(0);
    c.req.destroy();
    await until("the stream's handler to end", () => grpc.streaming === 0);
    return res;
  }

  beforeAll(async () => {
    p = await startProbeDevnet({
      seed: "grpc-stream-close",
      client: (url) => new SuiGrpcClient({ baseUrl: url, network: "localnet" }),
      funded: [alice],
    });
    const d = p.d.devnet;
    const node: GrpcNode = Object.assign(Object.create(d) as GrpcNode, {
      onCheckpoint(l: (cp: Checkpoint) => void): () => void {
        listening++;
        const off = d.onCheckpoint(l);
        return () => {
          listening--;
          off();
        };
      },
    });
    grpc = new GrpcServer(node);
    http = createServer((req, res) => {
      responses.push(res);
      void grpc.handle(req, res);
    });
    dir = mkdtempSync(path.join(tmpdir(), "grpc-close-"));
    socketPath = path.join(dir, "s");
    await new Promise<void>((r) => http.listen(socketPath, r));
  }, 180_000);

  afterAll(async () => {
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
    await p?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One transaction emitting BUMPS events (a ListEvents page, or a checkpoint, of some 500 KiB with their JSON). */
  async function bumps(): Promise<void> {
    const tx = new Transaction();
    for (let i = 0; i < BUMPS; i++)
      tx.moveCall({
        target: `${p.pkg}::counter::bump`,
        arguments: [tx.object(p.counterId), tx.pure.u64(1), tx.object.clock()],
      });
    tx.setGasBudget(50_000_000_000n);
    const r = await p.client.core.signAndExecuteTransaction({
      transaction: tx,
      signer: alice,
      include: { events: true },
    });
    if (r.$kind !== "Transaction") throw new Error(`bumps failed: ${JSON.stringify(r.FailedTransaction.status)}`);
    expect(r.Transaction.events?.length).toBe(BUMPS);
  }

  it("a checkpoint subscription: the handler ends and gives its checkpoint listener back", async () => {
    const before = listening;
    const sub = call(
      "SubscriptionService/SubscribeCheckpoints",
      GrpcTypes.SubscribeCheckpointsRequest.toBinary({ readMask: { paths: ["transactions"] } }),
    );
    await until("the subscription to start", () => listening === before + 1);
    await bumps();
    p.d.cutCheckpoint();
    const res = await backedUpThenClosed(sub);
    expect(listening).toBe(before);
    expect(res.listenerCount("drain")).toBe(0);
  }, 180_000);

  it("a ListEvents page: the handler ends, and the server answers the same call again in full", async () => {
    const list = GrpcTypes.ListEventsRequest.toBinary({
      readMask: { paths: ["json", "contents", "event_type", "sender", "package_id", "module"] },
      options: { limit: BUMPS },
    });
    if (p.d.runtime.events.length < BUMPS) await bumps();
    const first = call("LedgerService/ListEvents", list);
    const res = await backedUpThenClosed(first);
    expect(res.listenerCount("drain")).toBe(0);
    const again = await call("LedgerService/ListEvents", list).read();
    expect(again.status).toBe("0");
    expect(again.messages.length).toBe(BUMPS);
    expect(grpc.streaming).toBe(0);
  }, 180_000);
});
