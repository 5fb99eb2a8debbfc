/**
 * The long-running processes' Node.js flags are one fact (src/node-flags.ts): the commands' first
 * lines and the root scripts that start the network carry each of them, and a command started
 * the way an operator starts it runs with them.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS } from "../src/node-flags.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const BINS = ["node-runner/bin/atoma-node", "devnet/bin/atoma-devnet"];
const SCRIPTS = ["start", "devnet", "node-runner", "indexer"];

describe("SERVER_NODE_FLAGS", () => {
  it("is on the first line of each command and in each root script that starts a long-running process", () => {
    for (const bin of BINS) {
      const first = readFileSync(path.join(root, bin), "utf8").split("\n")[0] ?? "";
      expect(first.startsWith("#!/usr/bin/env -S node "), bin).toBe(true);
      for (const flag of SERVER_NODE_FLAGS) expect(first.split(" "), bin).toContain(flag);
    }
    const scripts = (
      JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of SCRIPTS) {
      const words = (scripts[name] ?? "").split(" ");
      expect(words[0], name).toBe("tsx");
      for (const flag of SERVER_NODE_FLAGS)
        expect(
          words.slice(
            1,
            words.findIndex((w) => w.endsWith(".ts")),
          ),
          name,
        ).toContain(flag);
    }
  });

  it("reaches V8: atoma-node started from its file runs with a 32 MiB young generation", () => {
    // `--version` prints and exits; NODE_OPTIONS adds a probe that reports the process's flags.
    const probe = path.join(root, "node-runner/test/fixtures/print-exec-argv.cjs");
    const r = spawnSync(path.join(root, BINS[0] as string), ["--version"], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stderr.split("\n").find((l) => l.startsWith("execArgv "));
    expect(line).toBeDefined();
    for (const flag of SERVER_NODE_FLAGS) expect(JSON.parse(line!.slice("execArgv ".length))).toContain(flag);
  });
});
