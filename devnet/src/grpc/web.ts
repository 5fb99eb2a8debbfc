/**
 * gRPC-web over node:http: frames (1 flag byte, 4-byte big-endian length, message), the
 * `application/grpc-web+proto` and `application/grpc-web-text` (base64) encodings, trailers
 * as a final 0x80 frame, and trailers-only answers for errors. No dependency on the services.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { GrpcCode, GrpcStatusError } from "./status.js";

const TRAILER_FLAG = 0x80;

export interface GrpcWebCall {
  /** `/sui.rpc.v2.LedgerService/GetObject` → service and method. */
  service: string;
  method: string;
  text: boolean;
}

export function parseGrpcPath(url: string | undefined): { service: string; method: string } | undefined {
  const m = /^\/([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/.exec((url ?? "").split("?")[0] ?? "");
  return m ? { service: m[1]!, method: m[2]! } : undefined;
}

export function isGrpcWebRequest(req: IncomingMessage): boolean {
  const ct = String(req.headers["content-type"] ?? "");
  return ct.startsWith("application/grpc-web") || (req.url ?? "").startsWith("/sui.rpc.");
}

/** Reads the body (bounded) and returns the single request message. */
export async function readGrpcWebMessage(req: IncomingMessage, text: boolean, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  // base64 inflates by 4/3; frame header adds 5.
  const cap = text ? Math.ceil(((maxBytes + 5) * 4) / 3) + 4 : maxBytes + 5;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > cap)
      throw new GrpcStatusError("RESOURCE_EXHAUSTED", `request message larger than the limit of ${maxBytes} bytes`);
    chunks.push(c as Buffer);
  }
  let body: Buffer = Buffer.concat(chunks);
  if (text) body = Buffer.from(body.toString("ascii").replace(/\s+/g, ""), "base64");
  if (body.length < 5)
    throw new GrpcStatusError("INVALID_ARGUMENT", "malformed gRPC-web frame: body shorter than 5 bytes");
  const flag = body[0]!;
  const len = body.readUInt32BE(1);
  if (flag !== 0)
    throw new GrpcStatusError("UNIMPLEMENTED", `gRPC-web frame flag ${flag}: compressed messages are not supported`);
  if (len > maxBytes)
    throw new GrpcStatusError(
      "RESOURCE_EXHAUSTED",
      `request message of ${len} bytes exceeds the limit of ${maxBytes} bytes`,
    );
  if (body.length !== 5 + len)
    throw new GrpcStatusError(
      "INVALID_ARGUMENT",
      `malformed gRPC-web frame: declared length ${len}, got ${body.length - 5} bytes (one message per unary/server-streaming call)`,
    );
  return new Uint8Array(body.buffer, body.byteOffset + 5, len);
}

/** A frame (flag, length, payload) followed by `tail` (another frame, or nothing). */
function frame(flag: number, payload: Uint8Array, tail?: Buffer): Buffer {
  const b = Buffer.allocUnsafe(5 + payload.length + (tail?.length ?? 0));
  b[0] = flag;
  b.writeUInt32BE(payload.length, 1);
  b.set(payload, 5);
  if (tail) b.set(tail, 5 + payload.length);
  return b;
}

const trailerFrame = (trailer: string): Buffer => frame(TRAILER_FLAG, Buffer.from(trailer, "utf8"));
/** The trailers of a call answered OK (the same for every call). */
const OK_TRAILER = trailerFrame("grpc-status:0\r\n");
const OK_TRAILER_TEXT = OK_TRAILER.toString("base64");

const encodeMessage = (m: string): string => encodeURIComponent(m);

/** Writes the response of one call: headers once, then messages, then trailers. */
export class GrpcWebResponder {
  private started = false;
  constructor(
    private readonly res: ServerResponse,
    private readonly text: boolean,
  ) {}

  private contentType(): string {
    return this.text ? "application/grpc-web-text" : "application/grpc-web+proto";
  }
  /** Sends the response headers now (a server stream is open before its first message). */
  open(): void {
    this.start();
    this.res.flushHeaders();
  }
  /**
   * Sets the headers; they leave with the first write (a unary answer's headers, message and
   * trailers in one socket write instead of a write of the headers alone first).
   */
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      "content-type": this.contentType(),
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "grpc-status,grpc-message",
    });
  }
  private write(b: Buffer): boolean {
    return this.res.write(this.text ? b.toString("base64") : b);
  }
  /** Sends one message frame; returns false while the socket is backed up. */
  send(bytes: Uint8Array): boolean {
    this.start();
    return this.write(frame(0, bytes));
  }
  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }
  /**
   * A unary call's answer: its message and the OK trailers in one write (the body's bytes those
   * of `send` then `finish()`; in the text encoding each frame is its own base64, as there).
   */
  answer(bytes: Uint8Array): void {
    if (this.closed) return;
    this.start();
    this.res.end(this.text ? frame(0, bytes).toString("base64") + OK_TRAILER_TEXT : frame(0, bytes, OK_TRAILER));
  }
  /** Ends the call with a status (trailers-only when nothing was sent). */
  finish(err?: GrpcStatusError): void {
    if (this.closed) return;
    const code = err ? GrpcCode[err.code] : 0;
    const message = err ? encodeMessage(err.message) : "";
    if (!this.started) {
      this.started = true;
      this.res.writeHead(200, {
        "content-type": this.contentType(),
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "grpc-status,grpc-message",
        "grpc-status": String(code),
        ...(message ? { "grpc-message": message } : {}),
        "content-length": 0,
      });
      this.res.end();
      return;
    }
    this.write(
      code === 0 && !message
        ? OK_TRAILER
        : trailerFrame(`grpc-status:${code}\r\n${message ? `grpc-message:${message}\r\n` : ""}`),
    );
    this.res.end();
  }
}
