/** The keeper's pending list: survives a reload, saves atomically (0600), names a bad file. */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PendingFile, PendingFileError } from "../../src/keeper/pending.js";

const dir = mkdtempSync(path.join(tmpdir(), "atoma-keeper-pending-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = `0x${"aa".repeat(32)}`;
const B = `0x${"bb".repeat(32)}`;

describe("keeper pending list", () => {
  it("keeps ids in first-seen order across a reload; only saved ids survive", () => {
    const file = path.join(dir, "ok", "sweep-pending.json");
    const p = new PendingFile(file);
    expect(p.add(B, 5)).toBe(true);
    expect(p.add(A, 7)).toBe(true);
    expect(p.add(B, 9)).toBe(false);
    p.save();
    p.add(`0x${"cc".repeat(32)}`, 10); // not saved: lost on reload
    const q = new PendingFile(file);
    expect(q.ids()).toEqual([B, A]);
    expect(q.oldestSince()).toBe(5);
    expect(q.oldest(1)).toEqual([B]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(["sweep-pending.json"]);
    q.delete(B);
    q.save();
    expect(new PendingFile(file).ids()).toEqual([A]);
  });

  it("a file that is not a pending list is refused naming the file and the entry", () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    expect(() => new PendingFile(bad)).toThrow(PendingFileError);
    expect(() => new PendingFile(bad)).toThrow(/bad\.json: not JSON/);
    writeFileSync(
      bad,
      JSON.stringify({
        pending: [
          { id: A, since: 1 },
          { id: "0x12", since: 2 },
        ],
      }),
    );
    expect(() => new PendingFile(bad)).toThrow(/bad\.json: pending\[1\] must be \{id: 0x \+ 64 hex, since: ms\}/);
    writeFileSync(bad, JSON.stringify({ items: [] }));
    expect(() => new PendingFile(bad)).toThrow(/`pending` must be an array/);
  });
});
