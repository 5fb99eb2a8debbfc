/**
 * Drift test: every SDK schema must serialize exactly like the struct compiled from
 * move/packages/atoma/sources, and every struct of the package must have an SDK schema.
 */
import { loadBuiltPackage } from "@atoma/move";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_SCHEMAS, OBJECT_SCHEMAS } from "../../src/bcs/index.js";
import { Counter, type ModuleLayouts, readLayouts, structGen } from "./bytecode-layout.js";

describe("SDK schemas match the compiled Move structs", () => {
  let layouts: ModuleLayouts;
  /** Modules of `tee_verify`, bundled into the atoma package: transient values, never stored. */
  let bundled: Set<string>;
  beforeAll(async () => {
    const built = await loadBuiltPackage("atoma");
    layouts = readLayouts(built.modules);
    const tee = readLayouts((await loadBuiltPackage("tee_verify")).modules);
    bundled = new Set([...tee.structs.values()].map((s) => s.module));
  }, 300_000);

  function compare(qualified: string, schema: { serialize(v: never): { toHex(): string } }): void {
    const layout = layouts.structs.get(qualified);
    if (!layout) throw new Error(`${qualified} missing from the bytecode`);
    for (const seed of [1, 97]) {
      const gen = structGen(layouts, layout);
      const c = new Counter();
      c.n = seed;
      const value = gen.sample(c);
      const expected = gen.type.serialize(value).toHex();
      let actual: string;
      try {
        actual = schema.serialize(value as never).toHex();
      } catch (e) {
        throw new Error(`${qualified}: SDK schema cannot serialize the Move layout's value: ${(e as Error).message}`);
      }
      expect(
        actual,
        `${qualified} bytes differ from the Move layout (fields ${layout.fields.map((f) => f.name).join(", ")})`,
      ).toBe(expected);
    }
  }

  it("every event struct matches", () => {
    for (const [name, schema] of Object.entries(EVENT_SCHEMAS)) compare(`events::${name}`, schema);
  });

  it("every object schema has a compiled struct, and it matches", () => {
    // Object structs are found by name in whichever module defines them (Node and
    // Attestation live in `registry`); an SDK schema with no compiled struct fails.
    const pending: string[] = [];
    for (const [name, schema] of Object.entries(OBJECT_SCHEMAS)) {
      const found = [...layouts.structs.values()].filter((s) => s.name === name && s.module !== "events");
      expect(found.length, `${name} defined in more than one module`).toBeLessThanOrEqual(1);
      const layout = found[0];
      if (!layout) {
        pending.push(name);
        continue;
      }
      compare(`${layout.module}::${name}`, schema);
    }
    expect(pending, "SDK object schemas with no compiled Move struct").toEqual([]);
  });

  it("every struct of the package has an SDK schema", () => {
    const missing: string[] = [];
    for (const [q, s] of layouts.structs) {
      if (bundled.has(s.module)) continue;
      if (s.module === "events") {
        if (!Object.hasOwn(EVENT_SCHEMAS, s.name)) missing.push(q);
      } else if (!Object.hasOwn(OBJECT_SCHEMAS, s.name)) {
        // witnesses (one-time witness, drop-only markers) carry no data
        if (s.fields.length === 1 && s.fields[0]?.name === "dummy_field") continue;
        missing.push(q);
      }
    }
    expect(missing, "Move structs without an SDK schema").toEqual([]);
  });

  it("a swapped field is caught", () => {
    const layout = layouts.structs.get("events::NodePaid");
    expect(layout).toBeDefined();
    const gen = structGen(layouts, layout as NonNullable<typeof layout>);
    const value = gen.sample(new Counter()) as Record<string, unknown>;
    const swapped = { ...value, node_id: value.request_id, request_id: value.node_id };
    expect(EVENT_SCHEMAS.NodePaid.serialize(swapped as never).toHex()).not.toBe(gen.type.serialize(value).toHex());
  });
});
