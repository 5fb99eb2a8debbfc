/**
 * The benches' gRPC-web caller for `sui.rpc.v2` ExecuteTransaction: one POST per call over a
 * keep-alive agent, the request encoded and the response decoded with the protobuf-ts types in
 * @mysten/sui (`GrpcTypes`), no client library around it, so a figure measures the devnet.
 */
import { type Agent, request } from "node:http";
import { GrpcTypes } from "@mysten/sui/grpc";

export type ObjectRefOut = { objectId: string; version: string; digest: string };
export interface ExecuteReply {
  /** The gRPC status (0: OK) and message; `success` is the transaction's own status. */
  grpcStatus: number;
  grpcMessage?: string;
  success?: boolean;
  error?: string;
  gas?: ObjectRefOut;
  changed: ObjectRefOut[];
}

const PATH = "/sui.rpc.v2.TransactionExecutionService/ExecuteTransaction";
const READ_MASK = { paths: ["effects.status", "effects.gas_object", "effects.changed_objects"] };

function frame(payload: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(payload.length, 1);
  b.set(payload, 5);
  return b;
}

const refOf = (c: GrpcTypes.ChangedObject | undefined): ObjectRefOut | undefined =>
  c?.objectId && c.outputVersion !== undefined && c.outputDigest
    ? { objectId: c.objectId, version: String(c.outputVersion), digest: c.outputDigest }
    : undefined;

/** `execute(txBytes, signature)` against `url`'s gRPC-web endpoint, through `agent`. */
export function grpcExecuteCaller(
  url: string,
  agent: Agent,
): (txBytes: Uint8Array, signature: Uint8Array) => Promise<ExecuteReply> {
  const u = new URL(url);
  return (txBytes, signature) => {
    const body = frame(
      GrpcTypes.ExecuteTransactionRequest.toBinary({
        transaction: { bcs: { value: txBytes } },
        signatures: [{ bcs: { value: signature }, signature: { oneofKind: undefined } }],
        readMask: READ_MASK,
      }),
    );
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          method: "POST",
          path: PATH,
          agent,
          headers: { "content-type": "application/grpc-web+proto", "content-length": body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const all = Buffer.concat(chunks);
            let status = Number(res.headers["grpc-status"] ?? Number.NaN);
            let message = res.headers["grpc-message"] as string | undefined;
            let msg: GrpcTypes.ExecuteTransactionResponse | undefined;
            for (let at = 0; at + 5 <= all.length; ) {
              const flag = all[at]!;
              const len = all.readUInt32BE(at + 1);
              const payload = all.subarray(at + 5, at + 5 + len);
              at += 5 + len;
              if (flag === 0) msg = GrpcTypes.ExecuteTransactionResponse.fromBinary(payload);
              else
                for (const line of payload.toString("utf8").split("\r\n")) {
                  const [k, v] = [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)];
                  if (k === "grpc-status") status = Number(v);
                  if (k === "grpc-message") message = v;
                }
            }
            const fx = msg?.transaction?.effects;
            resolve({
              grpcStatus: status,
              ...(message ? { grpcMessage: decodeURIComponent(message) } : {}),
              ...(fx?.status ? { success: fx.status.success === true } : {}),
              ...(fx?.status?.error?.description ? { error: fx.status.error.description } : {}),
              ...(refOf(fx?.gasObject) ? { gas: refOf(fx?.gasObject)! } : {}),
              changed: (fx?.changedObjects ?? []).flatMap((c) => refOf(c) ?? []),
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  };
}
