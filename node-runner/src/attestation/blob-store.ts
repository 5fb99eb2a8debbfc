/**
 * Content-addressed blob store for attestation evidence: each blob is a file named by the hex
 * blake2b-256 of its bytes. Writes are atomic (temporary file in the same directory, fsync,
 * rename), so a reader never sees half a blob; writing the same bytes twice is a no-op.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { blake2b256, InvalidInputError } from "@atoma/sdk";

export interface BlobStore {
  readonly dir: string;
  /** Stores `bytes`; returns the hex hash (the file name) and the path. */
  put(bytes: Uint8Array): Promise<{ hash: string; path: string }>;
  /** Reads a blob and re-checks its hash; undefined when absent. */
  get(hash: string): Promise<Uint8Array | undefined>;
  has(hash: string): Promise<boolean>;
}

const HASH_RE = /^[0-9a-f]{64}$/;

export function hashHex(bytes: Uint8Array): string {
  return Buffer.from(blake2b256(bytes)).toString("hex");
}

export function createBlobStore(dir: string): BlobStore {
  const file = (hash: string) => {
    if (!HASH_RE.test(hash)) throw new InvalidInputError("hash", "must be 64 lowercase hex characters");
    return path.join(dir, hash);
  };
  return {
    dir,
    async put(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new InvalidInputError("bytes", "must be a Uint8Array");
      const hash = hashHex(bytes);
      const dest = file(hash);
      await mkdir(dir, { recursive: true });
      if (await exists(dest)) return { hash, path: dest };
      const tmp = path.join(dir, `.tmp-${hash.slice(0, 16)}-${randomBytes(6).toString("hex")}`);
      try {
        const fh = await open(tmp, "wx", 0o644);
        try {
          await fh.writeFile(bytes);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, dest);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return { hash, path: dest };
    },
    async get(hash) {
      const p = file(hash);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(p));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
      if (hashHex(bytes) !== hash) throw new Error(`blob ${hash} in ${dir} is corrupt (hash mismatch)`);
      return bytes;
    },
    has(hash) {
      return exists(file(hash));
    },
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
