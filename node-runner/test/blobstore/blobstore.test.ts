import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobClient, blobIdOf, createBlobServer } from "../../src/blobstore/index.js";

const server = createBlobServer({ dir: join(mkdtempSync(join(tmpdir(), "blobs-")), "b") });
let url = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("blob store", () => {
  it("put/get round trip, content-addressed, idempotent", async () => {
    const c = new BlobClient({ publisher: url, aggregator: url });
    const data = new TextEncoder().encode("hello blobs");
    const id = await c.put(data);
    expect(id).toBe(blobIdOf(data));
    expect(await c.put(data)).toBe(id);
    expect(Buffer.from(await c.get(id)).toString()).toBe("hello blobs");
    await expect(c.get(blobIdOf(new Uint8Array([1])))).rejects.toThrow(/not found/);
    await expect(c.get("nope")).rejects.toThrow(/not a 43-char/);
  });
});
