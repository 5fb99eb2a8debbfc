/** Every public/entry function of the published bytecode has a TypeScript implementation, and nothing else is bound. */
import { loadBuiltPackage } from "@atoma/move";
import { fromBase64 } from "@mysten/sui/utils";
import { describe, expect, it } from "vitest";
import { ATOMA_MODULES, atomaBinding, loadModule } from "../../src/index.js";

describe("atoma binding coverage", () => {
  it("implements exactly the public/entry functions (plus registry::init)", async () => {
    const built = await loadBuiltPackage("atoma");
    const exposed: string[] = [];
    const modules: string[] = [];
    for (const b64 of built.modules) {
      const lm = loadModule(fromBase64(b64));
      modules.push(lm.normalized.name);
      for (const [name, f] of lm.functions)
        if (f.visibility === "Public" || f.isEntry) exposed.push(`${lm.normalized.name}::${name}`);
      if (lm.functions.has("init")) exposed.push(`${lm.normalized.name}::init`);
    }
    expect([...modules].sort()).toEqual([...ATOMA_MODULES].sort());
    expect(exposed.length).toBeGreaterThan(120);
    expect(Object.keys(atomaBinding.functions).sort()).toEqual(exposed.sort());
  });
});
