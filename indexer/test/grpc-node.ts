/**
 * A local gRPC-web server answering the `sui.rpc.v2` calls the indexer makes when it ingests by
 * checkpoint (LedgerService GetCheckpoint and ListEvents, SubscriptionService SubscribeCheckpoints)
 * over a fixed list of events (real BCS) laid out in checkpoints, some of them empty. Checkpoints
 * are released by the test (`release`), so the tip moves while a subscriber is connected; `restart`
 * drops every connection mid-stream and listens again on the same port. Messages are the
 * generated types of @mysten/sui; framing is the devnet's gRPC-web code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { GrpcTypes } from "@mysten/sui/grpc";
import { GrpcStatusError } from "../../devnet/src/grpc/status.js";
import { GrpcWebResponder, parseGrpcPath, readGrpcWebMessage } from "../../devnet/src/grpc/web.js";
import type { RawEvent } from "../src/source.js";

export interface GrpcNode {
  url: string;
  /** Checkpoints in the layout (0 = genesis, no events). */
  readonly checkpoints: number;
  /** The latest released checkpoint. */
  readonly tip: number;
  /** Releases checkpoints up to `tip` (inclusive): subscribers receive them. */
  release(tip: number): void;
  /** Drops every connection (subscriptions end mid-stream), then listens again on the same port after `downMs`. */
  restart(downMs?: number): Promise<void>;
  /** SubscribeCheckpoints calls received. */
  readonly subscriptions: number;
  close(): Promise<void>;
}

/** Groups events by transaction (consecutive, same digest) and transactions into checkpoints (0-2 each, mostly 0), seeded. */
export function layout(events: RawEvent[], seed = 1): RawEvent[][][] {
  const txs: RawEvent[][] = [];
  for (const e of events) {
    const last = txs[txs.length - 1];
    if (last && last[0]!.txDigest === e.txDigest) last.push(e);
    else txs.push([e]);
  }
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 16;
  };
  const cps: RawEvent[][][] = [[]]; // genesis
  for (let i = 0; i < txs.length; ) {
    const r = rnd() % 10;
    const n = r < 8 ? 0 : r - 7; // four in five checkpoints carry no atoma event
    cps.push(txs.slice(i, i + n));
    i += n;
  }
  return cps;
}

const T0 = 1_700_000_000_000n;

export async function startGrpcNode(events: RawEvent[], opts: { tip?: number; seed?: number } = {}): Promise<GrpcNode> {
  const cps = layout(events, opts.seed);
  const protos: GrpcTypes.Checkpoint[] = cps.map((txs, seq) => ({
    sequenceNumber: BigInt(seq),
    digest: `C${seq}`,
    summary: {
      commitments: [],
      timestamp: { seconds: (T0 + BigInt(seq) * 250n) / 1000n, nanos: ((seq * 250) % 1000) * 1_000_000 },
    },
    transactions: txs.map((tx) => ({
      digest: tx[0]!.txDigest,
      balanceChanges: [],
      signatures: [],
      events: {
        events: tx.map((e) => ({
          packageId: e.packageId,
          module: "events",
          sender: e.sender,
          eventType: e.type,
          contents: { name: e.type, value: e.bcs },
        })),
      },
    })),
  }));
  // The event list: each event with its checkpoint, in chain order.
  const list = cps.flatMap((txs, seq) => txs.flat().map((e) => ({ e, seq })));
  let tip = Math.min(opts.tip ?? 0, cps.length - 1);
  let subscriptions = 0;
  const listeners = new Set<() => void>();
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const text = String(req.headers["content-type"] ?? "").startsWith("application/grpc-web-text");
    const out = new GrpcWebResponder(res, text);
    try {
      const path = parseGrpcPath(req.url);
      const bytes = await readGrpcWebMessage(req, text, 1 << 20);
      const method = `${path?.service}/${path?.method}`;
      if (method === "sui.rpc.v2.LedgerService/GetCheckpoint") {
        const r = GrpcTypes.GetCheckpointRequest.fromBinary(bytes);
        const seq = r.checkpointId.oneofKind === "sequenceNumber" ? Number(r.checkpointId.sequenceNumber) : tip;
        if (seq > tip) throw new GrpcStatusError("NOT_FOUND", `checkpoint ${seq} not found (latest is ${tip})`);
        out.send(GrpcTypes.GetCheckpointResponse.toBinary({ checkpoint: protos[seq]! }));
      } else if (method === "sui.rpc.v2.LedgerService/ListEvents") {
        const r = GrpcTypes.ListEventsRequest.fromBinary(bytes);
        const limit = Math.min(r.options?.limit || 50, 1000);
        const after = r.options?.after?.length
          ? Number(new DataView(r.options.after.buffer, r.options.after.byteOffset, 8).getBigUint64(0))
          : -1;
        let i = after + 1;
        let sent = 0;
        for (; i < list.length && list[i]!.seq <= tip && sent < limit; i++, sent++) {
          const { e, seq } = list[i]!;
          const cursor = new Uint8Array(8);
          new DataView(cursor.buffer).setBigUint64(0, BigInt(i));
          out.send(
            GrpcTypes.ListEventsResponse.toBinary({
              event: {
                packageId: e.packageId,
                module: "events",
                sender: e.sender,
                eventType: e.type,
                contents: { name: e.type, value: e.bcs },
                transactionDigest: e.txDigest,
                eventIndex: e.eventSeq,
                checkpoint: BigInt(seq),
              },
              watermark: { cursor, checkpoint: BigInt(seq) },
            }),
          );
        }
        if (i < list.length && list[i]!.seq <= tip)
          out.send(GrpcTypes.ListEventsResponse.toBinary({ end: { reason: GrpcTypes.QueryEndReason.ITEM_LIMIT } }));
      } else if (method === "sui.rpc.v2.SubscriptionService/SubscribeCheckpoints") {
        subscriptions++;
        out.open();
        let next = tip + 1;
        await new Promise<void>((resolve) => {
          const pump = () => {
            while (next <= tip && !out.closed) {
              out.send(
                GrpcTypes.SubscribeCheckpointsResponse.toBinary({ cursor: BigInt(next), checkpoint: protos[next]! }),
              );
              next++;
            }
          };
          listeners.add(pump);
          res.on("close", () => {
            listeners.delete(pump);
            resolve();
          });
        });
      } else throw new GrpcStatusError("UNIMPLEMENTED", `${method} is not served by the test node`);
      out.finish();
    } catch (e) {
      out.finish(e instanceof GrpcStatusError ? e : new GrpcStatusError("INTERNAL", (e as Error).message));
    }
  };

  let server: Server;
  const listen = async (port: number) => {
    server = createServer((req, res) => void handle(req, res));
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    });
  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    checkpoints: cps.length,
    get tip() {
      return tip;
    },
    get subscriptions() {
      return subscriptions;
    },
    release(t: number) {
      tip = Math.min(Math.max(tip, t), cps.length - 1);
      for (const f of listeners) f();
    },
    async restart(downMs = 100) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await listen(port);
    },
    close: stop,
  };
}
