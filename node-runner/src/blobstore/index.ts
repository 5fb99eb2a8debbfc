/**
 * Walrus HTTP API subset: publisher `PUT /v1/blobs`, aggregator `GET /v1/blobs/{blobId}`.
 * Our blob id = base64url (no padding) of blake2b-256(bytes); reads are re-hashed and checked.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { blake2b } from "@noble/hashes/blake2.js";

export class BlobError extends Error {
  override name = "BlobError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function blobIdOf(bytes: Uint8Array): string {
  return Buffer.from(blake2b(bytes, { dkLen: 32 })).toString("base64url");
}

const ID_RE = /^[A-Za-z0-9_-]{43}$/;

export class BlobClient {
  constructor(private readonly o: { publisher: string; aggregator: string; maxBytes?: number; timeoutMs?: number }) {}

  async put(bytes: Uint8Array): Promise<string> {
    const res = await fetch(new URL("/v1/blobs", this.o.publisher), {
      method: "PUT",
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
    });
    if (!res.ok) throw new BlobError("PUT_FAILED", `blob PUT: HTTP ${res.status}`);
    const j = (await res.json()) as {
      newlyCreated?: { blobObject?: { blobId?: string } };
      alreadyCertified?: { blobId?: string };
    };
    const id = j.newlyCreated?.blobObject?.blobId ?? j.alreadyCertified?.blobId;
    if (typeof id !== "string") throw new BlobError("BAD_RESPONSE", "blob PUT: response has no blobId");
    return id;
  }

  async get(blobId: string): Promise<Uint8Array> {
    if (!ID_RE.test(blobId))
      throw new BlobError("BAD_ID", `blobId ${JSON.stringify(blobId)}: not a 43-char base64url id`);
    const res = await fetch(new URL(`/v1/blobs/${blobId}`, this.o.aggregator), {
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
    });
    if (res.status === 404) throw new BlobError("NOT_FOUND", `blob ${blobId}: not found`);
    if (!res.ok) throw new BlobError("GET_FAILED", `blob ${blobId}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (this.o.maxBytes !== undefined && bytes.length > this.o.maxBytes)
      throw new BlobError("TOO_LARGE", `blob ${blobId}: ${bytes.length} bytes exceeds ${this.o.maxBytes}`);
    if (blobIdOf(bytes) !== blobId)
      throw new BlobError("DIGEST_MISMATCH", `blob ${blobId}: content does not match its id`);
    return bytes;
  }
}

/** A request handler serving the Walrus subset from `dir` (files named by blob id, atomic writes). */
function createBlobHandler(o: { dir: string; maxBytes?: number }) {
  mkdirSync(o.dir, { recursive: true });
  const max = o.maxBytes ?? 64 << 20;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (code: number, body: unknown) => {
      res.statusCode = code;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    if (req.method === "PUT" && url.pathname === "/v1/blobs") {
      const chunks: Buffer[] = [];
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
        if (n > max) {
          send(413, { error: `blob exceeds ${max} bytes` });
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => {
        if (n > max) return;
        const bytes = Buffer.concat(chunks);
        const id = blobIdOf(bytes);
        const p = join(o.dir, id);
        try {
          readFileSync(p);
          return send(200, { alreadyCertified: { blobId: id } });
        } catch {
          const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
          writeFileSync(tmp, bytes);
          renameSync(tmp, p);
          return send(200, { newlyCreated: { blobObject: { blobId: id, size: bytes.length } } });
        }
      });
      return;
    }
    const m = /^\/v1\/blobs\/([A-Za-z0-9_-]{43})$/.exec(url.pathname);
    if (req.method === "GET" && m) {
      try {
        const b = readFileSync(join(o.dir, m[1] as string));
        res.setHeader("content-type", "application/octet-stream");
        res.end(b);
      } catch {
        send(404, { error: "not found" });
      }
      return;
    }
    send(404, { error: "not found" });
  };
}

export function createBlobServer(o: { dir: string; maxBytes?: number }): Server {
  return createServer(createBlobHandler(o));
}
