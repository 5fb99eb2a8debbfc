/**
 * Runs `count` atoma operation sequences of `seed` on one devnet (./sequences.ts) and their Move
 * tests in the real Move VM (the WASM test runner): shared by the test and `pnpm fuzz:devnet`.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ATOMA_PACKAGE_DIR, locateFramework, manifestForCopy, runMoveTests } from "@atoma/move";
import { startDevnet } from "../../src/index.js";
import { SequenceRunner, type SequenceTest, sequencesToMove } from "./sequences.js";

export interface FuzzResult {
  seed: string;
  tests: SequenceTest[];
  /** Move tests that ran in the real VM, and those that did not pass. */
  ran: number;
  failed: string[];
  text: string;
  output: string;
}

export async function fuzzSequences(seed: string, count: number): Promise<FuzzResult> {
  const source = await locateFramework();
  if (source.kind === "none") throw new Error(source.fix);
  const d = await startDevnet({ seed: `fuzz:${seed}`, clockMs: 1_700_000_000_000n, checkpointIntervalMs: 60_000 });
  const tests: SequenceTest[] = [];
  try {
    const runner = SequenceRunner.create(d, seed);
    for (let i = 0; i < count; i++) tests.push(await runner.run(i));
  } finally {
    await d.close();
  }
  // The real VM loads a package into a bounded arena: the sequences run in batches, one Move
  // test module per batch.
  let ran = 0;
  const failed: string[] = [];
  const texts: string[] = [];
  let output = "";
  for (let b = 0; b < tests.length; b += BATCH) {
    const text = sequencesToMove(tests.slice(b, b + BATCH), seed);
    texts.push(text);
    const dir = mkdtempSync(path.join(tmpdir(), "atoma-fuzz-"));
    try {
      cpSync(path.join(ATOMA_PACKAGE_DIR, "sources"), path.join(dir, "sources"), { recursive: true });
      writeFileSync(path.join(dir, "Move.toml"), manifestForCopy(ATOMA_PACKAGE_DIR));
      mkdirSync(path.join(dir, "tests"));
      writeFileSync(path.join(dir, "tests", "fuzz_sequences.move"), text);
      const run = await runMoveTests({ name: "atoma", dir }, source);
      if (run.status !== "ran") throw new Error(`the Move tests did not run: ${run.reason}`);
      ran += run.cases.length;
      failed.push(...run.cases.filter((c) => c.status !== "PASS").map((c) => c.name));
      output += run.output;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { seed, tests, ran, failed, text: texts.join("\n"), output };
}

/** Sequences per Move test run. */
const BATCH = 40;
