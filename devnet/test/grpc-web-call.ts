/**
 * Raw gRPC-web calls for the devnet's tests: the bytes a client (or a broken or hostile one)
 * puts on the wire, and every frame of the answer.
 */

/** A gRPC-web request body: one uncompressed message frame. */
export function frame(message: Uint8Array) {
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

/** One gRPC-web call with raw bytes (what a broken or hostile client sends): status, message and the response messages. */
export async function rawCall(
  url: string,
  pathName: string,
  message: Uint8Array,
): Promise<{ status: string; message: string; messages: Uint8Array[] }> {
  const r = await fetch(`${url}${pathName}`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: frame(message),
  });
  const bytes = Buffer.from(await r.arrayBuffer());
  const messages: Uint8Array[] = [];
  let status = r.headers.get("grpc-status") ?? "";
  let msg = r.headers.get("grpc-message") ?? "";
  for (let at = 0; at + 5 <= bytes.length; ) {
    const len = bytes.readUInt32BE(at + 1);
    const payload = bytes.subarray(at + 5, at + 5 + len);
    if (bytes[at]! & 0x80) {
      const trailers = payload.toString("utf8");
      status = /grpc-status:(\d+)/.exec(trailers)?.[1] ?? status;
      msg = /grpc-message:([^\r\n]*)/.exec(trailers)?.[1] ?? msg;
    } else messages.push(new Uint8Array(payload));
    at += 5 + len;
  }
  return { status, message: decodeURIComponent(msg), messages };
}
