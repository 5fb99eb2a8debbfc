import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ATOMA_PACKAGE_DIR } from "@atoma/move";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/protocol/index.js";

/** `#[error(code = N)] const EName` of every module in move/packages/atoma/sources. */
function moveErrorTable(): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const dir = path.join(ATOMA_PACKAGE_DIR, "sources");
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".move"))) {
    const src = readFileSync(path.join(dir, f), "utf8");
    const mod = /module\s+atoma::(\w+)/.exec(src)?.[1];
    if (!mod) continue;
    for (const m of src.matchAll(/#\[error\(code\s*=\s*(\d+)\)\]\s*const\s+(\w+)/g)) {
      out[mod] ??= {};
      out[mod][m[2]!] = Number(m[1]);
    }
  }
  return out;
}

describe("abort codes", () => {
  it("mirror the #[error(code = N)] constants of move/packages/atoma/sources exactly", () => {
    expect(ERROR_CODES).toEqual(moveErrorTable());
  });
});
