/**
 * Files the node-runner's services keep across crashes: written whole to a temp file, fsynced
 * and renamed over the old one (a crash leaves the old or the new content, never half of
 * either), mode 0600; and the event cursor file (`{"cursor":{"after":…}}`, the SDK's
 * `EventCursor`) that the daemon and the keeper each keep.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";

/** Replaces `file` with `data` atomically and durably (0600), through the temp file `tmp`. */
export function writeFileDurably(file: string, data: string | Uint8Array, tmp = `${file}.tmp`): void {
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Makes a folder's entries (a rename, a new or removed file in it) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `tmp` (created 0600) and fsyncs it off the event loop: durable, not yet in place. */
export async function writeTempDurablyAsync(tmp: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * `writeFileDurably` off the event loop (the write and the fsync run on libuv's thread pool, so
 * other tasks go on meanwhile): resolves once the new content is durable and in place. Callers
 * must not write the same file twice at once.
 */
export async function writeFileDurablyAsync(
  file: string,
  data: string | Uint8Array,
  tmp = `${file}.tmp`,
): Promise<void> {
  await writeTempDurablyAsync(tmp, data);
  await rename(tmp, file);
}

/** The saved event cursor (null when there is none yet); a file that does not parse names itself. */
export function readCursorFile(file: string): string | null {
  if (!existsSync(file)) return null;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message}); delete it to re-read the events from the start`);
  }
  const after = (saved as { cursor?: { after?: unknown } | null } | null)?.cursor?.after ?? null;
  if (after !== null && typeof after !== "string")
    throw new Error(`${file}: cursor.after must be a string or null; delete it to re-read the events from the start`);
  return after;
}

/** Saves the event cursor (see readCursorFile). */
export function writeCursorFile(file: string, after: string | null): void {
  writeFileDurably(file, JSON.stringify({ cursor: { after } }));
}

/** `writeCursorFile` off the event loop. */
export function writeCursorFileAsync(file: string, after: string | null): Promise<void> {
  return writeFileDurablyAsync(file, JSON.stringify({ cursor: { after } }));
}
