import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeMoveAbort, MOVE_ERRORS, MoveAbortError, moveErrorCode } from "../../src/errors/move-errors.js";
import { AtomaError } from "../../src/errors.js";

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../move/packages");
// The published atoma package bundles tee_verify's modules (move/tools/index.ts), so the table
// covers both packages' sources.
const SOURCE_DIRS = ["atoma", "tee_verify"].map((p) => path.join(PACKAGES, p, "sources"));

/** A Move byte-string literal's text as bytes-to-UTF-8 (escapes: \\" \\\\ \\n \\t \\r \\0 \\xHH). */
function unescapeMove(s: string): string {
  const named: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) =>
    e.length === 3 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (named[e] ?? e),
  );
}

function parseSources(): Record<string, Record<number, { name: string; message: string }>> {
  const out: Record<string, Record<number, { name: string; message: string }>> = {};
  for (const f of SOURCE_DIRS.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith(".move"))
      .map((f) => path.join(d, f)),
  )) {
    const src = readFileSync(f, "utf8");
    const mod = /module\s+(?:atoma|tee_verify)::(\w+)/.exec(src)?.[1];
    if (!mod) continue;
    const re = /#\[error\(code\s*=\s*(\d+)\)\]\s*const\s+(\w+)\s*:\s*vector<u8>\s*=\s*b"((?:[^"\\]|\\.)*)"/g;
    for (const m of src.matchAll(re)) {
      out[mod] ??= {};
      const table = out[mod];
      expect(table[Number(m[1])], `${mod}: code ${m[1]} used twice`).toBeUndefined();
      table[Number(m[1])] = { name: m[2] as string, message: unescapeMove(m[3] as string) };
    }
  }
  return out;
}

/** A clever abort code as the Move compiler emits it. */
function clever(code: number, line = 42): bigint {
  return (1n << 63n) | (BigInt(code) << 48n) | (BigInt(line) << 32n) | (7n << 16n) | 3n;
}

describe("Move error table", () => {
  it("matches the #[error(code = N)] constants of move/packages/{atoma,tee_verify}/sources", () => {
    expect(MOVE_ERRORS).toEqual(parseSources());
  });

  it("extracts N from clever codes and passes plain codes through", () => {
    expect(moveErrorCode(clever(5))).toBe(5);
    expect(moveErrorCode(clever(255, 65535))).toBe(255);
    expect(moveErrorCode(17)).toBe(17);
    expect(moveErrorCode("9")).toBe(9);
    expect(() => moveErrorCode(-1)).toThrow(RangeError);
  });

  it("decodes (module, code), core API aborts and JSON-RPC messages", () => {
    const e = decodeMoveAbort(clever(2).toString(), "node");
    expect(e).toBeInstanceOf(MoveAbortError);
    expect(e).toBeInstanceOf(AtomaError);
    expect(e?.code).toBe("MOVE_ABORT");
    expect(e?.module).toBe("node");
    expect(e?.errorCode).toBe(2);
    expect(e?.constantName).toBe("EInvalidKey");
    expect(e?.errorMessage).toBe(MOVE_ERRORS.node?.[2]?.message);
    expect(e?.message).toContain("EInvalidKey");

    const core = decodeMoveAbort({
      message: "x",
      MoveAbort: { abortCode: clever(1).toString(), location: { module: "registry", functionName: "set_paused" } },
    });
    expect(core?.constantName).toBe("EWrongVersion");
    expect(core?.functionName).toBe("set_paused");

    const msg = `MoveAbort(MoveLocation { module: ModuleId { address: ${"ab".repeat(32)}, name: Identifier("config") }, function: 3, instruction: 12, function_name: Some("set") }, ${clever(2)}) in command 0`;
    const j = decodeMoveAbort(msg);
    expect(j?.module).toBe("config");
    expect(j?.errorCode).toBe(2);
    expect(j?.constantName).toBe("EParamOutOfBounds");
    expect(j?.functionName).toBe("set");

    const m2 = decodeMoveAbort(
      `MoveAbort in 1st command, abort code: ${clever(4)}, in '0xab::node::add_stake' (instruction 3)`,
    );
    expect(m2?.constantName).toBe("ENodeLeaving");
    expect(m2?.functionName).toBe("add_stake");
    expect(decodeMoveAbort("InsufficientGas")).toBeUndefined();
    const unknown = decodeMoveAbort("77", "nowhere");
    expect(unknown?.errorCode).toBe(77);
    expect(unknown?.constantName).toBeUndefined();
  });
});
