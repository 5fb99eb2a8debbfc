/**
 * Drift test of the generated SDK bindings: regenerates sdk/src/generated/ in memory from the
 * committed bytecode (move/build/*.json) and fails naming every file that differs from the
 * checked-in copy (fix: `pnpm codegen`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, readArtifact } from "@atoma/move";
import { describe, expect, it } from "vitest";
import { GENERATED_DIR, renderGenerated, staleGenerated } from "../../scripts/codegen/files.js";
import { CodegenError, generateBcs, generateErrors } from "../../scripts/codegen/generate.js";
import { MOVE_ERRORS } from "../../src/generated/atoma/errors.js";

describe("generated SDK bindings", () => {
  const rendered = renderGenerated();

  it("the checked-in files are what `pnpm codegen` writes from move/build", () => {
    expect([...rendered.keys()].map((f) => path.relative(GENERATED_DIR, f)).sort()).toEqual([
      "atoma/bcs.ts",
      "atoma/errors.ts",
      "atoma/events.ts",
      "atoma/functions.ts",
    ]);
    expect(staleGenerated(rendered), "stale generated files: run `pnpm codegen`").toEqual([]);
  });

  it("an edited file is named", () => {
    const file = path.join(GENERATED_DIR, "atoma/bcs.ts");
    const edited = new Map(rendered);
    edited.set(file, readFileSync(file, "utf8").replace("node_id: ID,", "node_id: bcs.u64(),"));
    expect(staleGenerated(edited)).toEqual(["sdk/src/generated/atoma/bcs.ts"]);
  });

  it("the error table carries the bytecode's codes, names and messages", () => {
    expect(MOVE_ERRORS.request?.[7]).toEqual({
      name: "EInvalidPrice",
      message: "max_price must be positive and the escrow must fit in u64",
    });
    expect(MOVE_ERRORS.settlement?.[2]?.name).toBe("ESettleTooEarly");
  });

  it("bytecode the generator cannot bind fails naming the place", () => {
    // The devnet's vm_ops fixture has a generic struct, which the SDK does not bind.
    const vmOps = readArtifact("vm_ops");
    expect(vmOps, "move/build/vm_ops.json").toBeDefined();
    const o = { eventModule: "events", source: "vm_ops" };
    const run = () => generateBcs({ name: "vm_ops", modules: (vmOps as NonNullable<typeof vmOps>).modules }, o);
    expect(run).toThrow(CodegenError);
    expect(run).toThrow("vm_ops::ops::Bag.inner: generic struct ops::Pair not supported");
    // The example consumer binds cleanly, and its errors are its own.
    const consumer = readArtifact("atoma_consumer");
    expect(consumer).toBeDefined();
    const text = generateErrors(
      { name: "atoma_consumer", modules: (consumer as NonNullable<typeof consumer>).modules },
      o,
    );
    expect(text).toContain("offload: {");
    expect(text).not.toContain("EInvalidPrice");
  });

  it("reads the committed artifact, not a fresh compile", () => {
    expect(readArtifact("atoma")?.path).toBe("move/packages/atoma");
    expect(path.relative(REPO_ROOT, GENERATED_DIR)).toBe("sdk/src/generated");
  });
});
