/**
 * Drift test of the generated SDK bindings: regenerates sdk/src/generated/ in memory from the
 * committed bytecode (move/build/*.json) and fails naming every file that differs from the
 * checked-in copy (fix: `pnpm codegen`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, readArtifact } from "@atoma/move";
import { describe, expect, it } from "vitest";
import { deserializeModule, serializeModule } from "../../../devnet/src/move-binary.js";
import { generateConstants, readConstants } from "../../scripts/codegen/constants.js";
import { GENERATED_DIR, renderGenerated, staleGenerated } from "../../scripts/codegen/files.js";
import { CodegenError, generateBcs, generateErrors } from "../../scripts/codegen/generate.js";
import { STRUCT_TYPES } from "../../src/generated/atoma/bcs.js";
import * as generatedConstants from "../../src/generated/atoma/constants.js";
import { MOVE_ERRORS } from "../../src/generated/atoma/errors.js";
import * as sdk from "../../src/index.js";
import * as tx from "../../src/tx/index.js";

/** The committed `atoma` modules with `constants::<fn>`'s body rewritten by `patch`. */
function patchedAtoma(
  fn: string,
  patch: (code: (string | Record<string, unknown>)[], pool: { type_: unknown; data: number[] }[]) => void,
) {
  const atoma = readArtifact("atoma");
  if (!atoma) throw new Error("move/build/atoma.json missing");
  const modules = atoma.modules.map((b64) => {
    const raw = deserializeModule(new Uint8Array(Buffer.from(b64, "base64")));
    const self = raw.module_handles[raw.self_module_handle_idx];
    if (!self || raw.identifiers[self.name] !== "constants") return b64;
    const def = raw.function_defs.find((d) => raw.identifiers[raw.function_handles[d.function]?.name ?? -1] === fn);
    if (!def?.code) throw new Error(`constants::${fn} not found`);
    patch(def.code.code, raw.constant_pool);
    return Buffer.from(serializeModule(raw)).toString("base64");
  });
  return { name: "atoma", modules };
}

describe("generated SDK bindings", () => {
  const rendered = renderGenerated();

  it("the checked-in files are what `pnpm codegen` writes from move/build", () => {
    expect([...rendered.keys()].map((f) => path.relative(GENERATED_DIR, f)).sort()).toEqual([
      "atoma/bcs.ts",
      "atoma/constants.ts",
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

  it("type tags come from the module that declares each struct", () => {
    expect(STRUCT_TYPES.Node).toBe("node_record::Node");
    expect(STRUCT_TYPES.Attestation).toBe("node_record::Attestation");
    expect(STRUCT_TYPES.Registry).toBe("registry::Registry");
    expect(STRUCT_TYPES.StakeChanged).toBe("events::StakeChanged");
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

  it("the enum tables are atoma::constants' values, and the SDK's names are those tables", () => {
    const values = new Map(
      readConstants({ name: "atoma", modules: readArtifact("atoma")?.modules ?? [] }, "constants").map((c) => [
        c.name,
        c.value,
      ]),
    );
    expect(values.get("tee_kind_nitro")).toBe(4n);
    expect(values.get("tcb_status_sw_hardening_needed")).toBe(1n);
    expect(values.get("max_output_bytes")).toBe(16_384n);
    expect(generatedConstants.TeeKind).toEqual({ None: 0, Tdx: 1, SevSnp: 2, NvidiaCc: 3, Nitro: 4 });
    expect(generatedConstants.AttestationPath).toEqual({ Verdict: 0, TdxOnChain: 1, NitroOnChain: 2 });
    expect(generatedConstants.TcbStatus.SWHardeningNeeded).toBe(1);
    expect(generatedConstants.Limits.maxOutputBytes).toBe(16_384);
    // One definition: every public name of the SDK is the generated object itself.
    const g = generatedConstants;
    const pairs = [
      [sdk.NodeStatus, g.NodeStatus],
      [sdk.TeeKind, g.TeeKind],
      [sdk.RequestKind, g.RequestKind],
      [sdk.RequestStatus, g.RequestStatus],
      [sdk.Round, g.Round],
      [sdk.StakeChangeReason, g.StakeChangeReason],
      [sdk.SlashReason, g.SlashReason],
      [sdk.FailureReason, g.FailureReason],
      [sdk.AttestationPath, g.AttestationPath],
      [sdk.TcbStatus, g.TcbStatus],
    ] as const;
    for (const [mine, generated] of pairs) expect(mine).toBe(generated);
    expect(tx.TcbStatus).toBe(generatedConstants.TcbStatus);
    expect(tx.AttestationPath).toBe(generatedConstants.AttestationPath);
  });

  it("a constant changed in the bytecode changes the generated table", () => {
    const nitroTo9 = patchedAtoma("tee_kind_nitro", (code, pool) => {
      const load = code[0] as { LdConst: number };
      pool.push({ type_: "U8", data: [9] });
      load.LdConst = pool.length - 1;
    });
    const text = generateConstants(nitroTo9, "constants", "// test");
    expect(text).toContain("export const TeeKind = { None: 0, Tdx: 1, SevSnp: 2, NvidiaCc: 3, Nitro: 9 } as const;");
    // A body that computes instead of returning a constant is named, not read.
    const computed = patchedAtoma("tee_kind_nitro", (code) => code.splice(0, code.length, "LdTrue", "Ret"));
    expect(() => generateConstants(computed, "constants", "// test")).toThrow(
      "atoma::constants::tee_kind_nitro: body must only load a constant and return it",
    );
    // Two members of one table with one value are refused.
    const twice = patchedAtoma("tee_kind_nitro", (code) => code.splice(0, 1, { LdConst: 0 }));
    expect(() => generateConstants(twice, "constants", "// test")).toThrow("value 0 used twice in TeeKind");
  });

  it("reads the committed artifact, not a fresh compile", () => {
    expect(readArtifact("atoma")?.path).toBe("move/packages/atoma");
    expect(path.relative(REPO_ROOT, GENERATED_DIR)).toBe("sdk/src/generated");
  });
});
