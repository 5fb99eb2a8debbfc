import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const cli = (...args: string[]) =>
  spawnSync(tsx, ["simulate/src/cli.ts", ...args], { cwd: root, encoding: "utf8", timeout: 240_000 });
const dir = mkdtempSync(path.join(tmpdir(), "atoma-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pnpm simulate", () => {
  it("--help lists the strategies; exit 0", () => {
    const r = cli("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("collude-smart");
    expect(r.stdout).toContain("crosscheck");
  });

  it("usage errors name the flag and exit 2", () => {
    const a = cli("--strategy", "nope");
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/strategy: must be one of/);
    const b = cli("--f", "1.5");
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/flags\.f: must be a number in 0\.\.0\.99/);
    expect(cli("--no-such-flag").status).toBe(2);
  });

  it("one scenario with --json ends with one JSON line holding the required figures", () => {
    const r = cli(
      "--nodes",
      "500",
      "--requests",
      "20000",
      "--f",
      "0.33",
      "--sample-size",
      "3",
      "--strategy",
      "collude-smart",
      "--seed",
      "cli",
      "--json",
    );
    expect(r.status).toBe(0);
    const last = r.stdout.trim().split("\n").at(-1) as string;
    const j = JSON.parse(last);
    expect(j.inputs).toMatchObject({
      nodes: 500,
      requests: 20000,
      f: 0.33,
      sampleSize: 3,
      strategy: "collude-smart",
      seed: "cli",
    });
    expect(j.requests).toBe(20000);
    expect(j.wrongSettled).toBeGreaterThan(0);
    expect(j.pWrong).toBeCloseTo(j.wrongSettled / 20000, 12);
    expect(j.pWrongCI.clopperPearson.lo).toBeLessThan(j.pWrong);
    expect(j.pWrongCI.clopperPearson.hi).toBeGreaterThan(j.pWrong);
    expect(j.pClosedForm).toBeGreaterThan(0.02);
    expect(j.honestSlashed).toBe(0);
    expect(typeof j.adversaryProfit).toBe("number");
    expect(j.seconds).toBeGreaterThan(0);
    // same seed, same result
    const again = JSON.parse(
      cli(
        "--nodes",
        "500",
        "--requests",
        "20000",
        "--f",
        "0.33",
        "--sample-size",
        "3",
        "--strategy",
        "collude-smart",
        "--seed",
        "cli",
        "--json",
      )
        .stdout.trim()
        .split("\n")
        .at(-1) as string,
    );
    expect(again.wrongSettled).toBe(j.wrongSettled);
  });

  it("the default set writes report.md, report.json and three SVG plots into the folder it prints", () => {
    const out = path.join(dir, "report");
    const r = cli("--quick", "--out", out, "--json");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`report: ${out}`);
    for (const f of ["report.md", "report.json", "p-wrong-vs-f.svg", "profit-vs-f.svg", "cost-vs-security.svg"])
      expect(existsSync(path.join(out, f))).toBe(true);
    const md = readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain("importance-sampling");
    expect(md).toContain("| steer |");
    const svg = readFileSync(path.join(out, "p-wrong-vs-f.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("N=20 closed form");
    const j = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(j.validation).toHaveLength(12);
    // an existing folder is not overwritten
    const again = cli("--quick", "--out", out);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists; name a new folder/);
  });

  it("a config file runs its scenarios; a bad field is named with the file", () => {
    const file = path.join(dir, "s.json");
    writeFileSync(
      file,
      `// two scenarios\n{ "base": { "nodes": 300, "requests": 3000 }, "scenarios": [ { "name": "a", "strategy": "grief" }, { "name": "b", "stakeDist": "pareto" } ] }`,
    );
    const r = cli("--config", file, "--json");
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(lines.map((l) => JSON.parse(l).inputs.name)).toEqual(["a", "b"]);
    expect(() => parseConfig(`{"scenarios":[{"sampleSize":0}]}`, "x.json")).toThrow(ConfigError);
    expect(() => parseConfig(`{"scenarios":[{"sampleSize":0}]}`, "x.json")).toThrow(
      /x\.json: scenarios\[0\]\.sampleSize/,
    );
  });
});
