/**
 * Bad input and files for an operator (issue 21): usage errors with exit 2 that name the option,
 * paths from the caller's folder, state under the data folder, a lock per state folder, an
 * unreachable RPC named, `--json` errors, `--version`, global options in subcommand help.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, normalizeCapability, parseConfig, renderConfig } from "../../src/config.js";
import { acquireRunLock, LockHeldError } from "../../src/lock.js";
import { callerCwd, configPath, dataDir } from "../../src/paths.js";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "node-runner/bin/atoma-node");
const dir = mkdtempSync(path.join(tmpdir(), "atoma-operator-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ATOMA_NODE_HOME: path.join(dir, "home"), ...o.env };
  for (const k of ["ATOMA_NODE_CONFIG", "npm_lifecycle_event", "INIT_CWD"]) if (!o.env?.[k]) delete env[k];
  const r = spawnSync(bin, args, { cwd: o.cwd ?? dir, env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const ID = `0x${"ab".repeat(32)}`;

describe("atoma-node for an operator", () => {
  it("paths: the caller's folder under pnpm (INIT_CWD), XDG data folder by default", () => {
    expect(callerCwd({ INIT_CWD: "/tmp/x", npm_lifecycle_event: "node-runner" }, "/repo")).toBe("/tmp/x");
    // A stale INIT_CWD inherited from another script (e.g. `pnpm test`) is not ours.
    expect(callerCwd({ INIT_CWD: "/tmp/x", npm_lifecycle_event: "test" }, "/repo")).toBe("/repo");
    expect(dataDir({ XDG_DATA_HOME: "/d" })).toBe("/d/atoma-node");
    expect(dataDir({ ATOMA_NODE_HOME: "/h", XDG_DATA_HOME: "/d" })).toBe("/h");
    expect(configPath(undefined, { ATOMA_NODE_HOME: "/h" })).toBe("/h/atoma-node.json");
    expect(configPath("n.json", { INIT_CWD: "/w", npm_lifecycle_event: "node-runner" })).toBe("/w/n.json");
  });

  it("init without -c writes into the data folder; under `pnpm node-runner` -c resolves against the caller", () => {
    const r = run(["--json", "init"]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).config).toBe(path.join(dir, "home", "atoma-node.json"));
    expect(existsSync(path.join(dir, "home", "keystore.json"))).toBe(true);
    expect(existsSync(path.join(dir, "atoma-node.json"))).toBe(false);
    // pnpm runs scripts in the repository root and passes the caller's folder as INIT_CWD.
    const sub = path.join(dir, "sub");
    mkdirSync(sub);
    const p = run(["-c", "n.json", "--json", "init"], {
      cwd: root,
      env: { INIT_CWD: sub, npm_lifecycle_event: "node-runner" },
    });
    expect(p.code, p.err).toBe(0);
    expect(existsSync(path.join(sub, "n.json"))).toBe(true);
    expect(existsSync(path.join(root, "n.json"))).toBe(false);
  });

  it("bad option values are usage errors (exit 2) naming the option, in JSON with --json", () => {
    const cases: [string[], RegExp][] = [
      [["init", "--metrics-port", "abc"], /--metrics-port must be a port/],
      [["init", "--price", "1.5"], /--price must be a whole number of MIST/],
      [["run", "--metrics-port", "abc"], /--metrics-port must be a port/],
      [["run", "--log-level", "foo"], /--log-level.*Allowed choices are fatal, error/],
      [["run", "--inference-url", "notaurl"], /--inference-url notaurl: is not a URL/],
    ];
    for (const [args, msg] of cases) {
      const r = run(["-c", "bad/x.json", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/node:internal|\n\s+at /);
      expect(existsSync(path.join(dir, "bad"))).toBe(false);
      const j = run(["-c", "bad/x.json", "--json", ...args]);
      expect(j.code).toBe(2);
      expect(JSON.parse(j.out.trim())).toMatchObject({ error: "USAGE", message: expect.stringMatching(msg) });
    }
  });

  it("a config typo is refused naming the field; wasm:<hex> capabilities are stored as the on-chain digest", () => {
    const file = path.join(dir, "typo.json");
    const { rpcUrl, ...rest } = DEFAULT_CONFIG;
    writeFileSync(file, JSON.stringify({ ...rest, rpcURL: rpcUrl }));
    const r = run(["-c", file, "status"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/typo\.json: rpcURL: is not a config field \(did you mean "rpcUrl"\?\)/);
    const hex = "ab".repeat(32);
    expect(normalizeCapability(`wasm:${hex}`)).toBe(hex);
    expect(normalizeCapability("builtin:textgen-v1")).toBe("builtin:textgen-v1");
    const i = run(["-c", "w/x.json", "init", "--capabilities", `wasm:${hex},builtin:textgen-v1`]);
    expect(i.code, i.err).toBe(0);
    expect(parseConfig(readFileSync(path.join(dir, "w/x.json"), "utf8")).capabilities).toEqual([
      hex,
      "builtin:textgen-v1",
    ]);
  });

  it("an unreachable RPC is named (exit 1), not 'registry not found' or 'fetch failed'", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const dead = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = run(["-c", "w/x.json", "--json", "init"]); // exists: refused, keys kept
    expect(r.code).toBe(2);
    const file = path.join(dir, "w/x.json");
    const c = parseConfig(readFileSync(file, "utf8"));
    writeFileSync(file, renderConfig({ ...c, nodeId: ID, packageId: ID, registryId: ID, rpcUrl: dead }));
    for (const args of [["status"], ["stake", "5"]]) {
      const s = run(["-c", file, ...args]);
      expect(s.code, args[0]).toBe(1);
      expect(s.err).toContain(`cannot reach the chain RPC at ${dead} (ECONNREFUSED)`);
    }
  });

  it("--version, and subcommand help lists the global options", () => {
    const v = run(["--version"]);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe("0.1.0");
    const h = run(["run", "--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Global Options:[\s\S]*--config[\s\S]*--json/);
  });

  it("one run per state folder: a live holder is refused, a dead one's lock is taken over", async () => {
    const state = path.join(dir, "state");
    const holder = spawn("sleep", ["30"]);
    try {
      mkdirSync(state, { recursive: true });
      writeFileSync(path.join(state, "run.lock"), `${holder.pid}\n`);
      expect(() => acquireRunLock(state)).toThrow(LockHeldError);
      expect(() => acquireRunLock(state)).toThrow(new RegExp(`pid ${holder.pid}`));
    } finally {
      holder.kill();
      await new Promise((r) => holder.once("exit", r));
    }
    const release = acquireRunLock(state);
    expect(readFileSync(path.join(state, "run.lock"), "utf8").trim()).toBe(String(process.pid));
    release();
    expect(existsSync(path.join(state, "run.lock"))).toBe(false);
  });
});
