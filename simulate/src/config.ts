/**
 * Scenario config files: JSON (// comments allowed) with an optional `base` merged under every
 * scenario and a list of `scenarios`, each a partial Scenario. Errors name the file and field.
 *
 *   { "base": { "nodes": 2000, "params": { "quorumBps": 8000 } },
 *     "scenarios": [ { "name": "whales", "stakeDist": "whales", "f": 0.2 } ] }
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";
import { DEFAULT_SCENARIO, resolveScenario, type Scenario } from "./scenario.js";

export interface ConfigFile {
  base: Scenario;
  scenarios: Scenario[];
}

export function parseConfig(text: string, file: string, base: Scenario = DEFAULT_SCENARIO): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
  } catch (e) {
    throw new ConfigError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(file, "must hold a JSON object");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== "base" && k !== "scenarios")
      throw new ConfigError(`${file}: ${k}`, "unknown key (known: base, scenarios)");
  const b = o.base === undefined ? base : resolveScenario(asObject(o.base, `${file}: base`), `${file}: base`, base);
  const list = o.scenarios ?? [];
  if (!Array.isArray(list)) throw new ConfigError(`${file}: scenarios`, "must be an array");
  const scenarios = list.map((s, i) =>
    resolveScenario(asObject(s, `${file}: scenarios[${i}]`), `${file}: scenarios[${i}]`, {
      ...b,
      name: `scenario-${i}`,
    }),
  );
  return { base: b, scenarios };
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConfigError(where, "must be an object");
  return v as Record<string, unknown>;
}

export function loadConfig(file: string, base?: Scenario): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseConfig(text, file, base);
}
