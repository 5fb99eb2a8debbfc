/**
 * Warms the instrumenter before the first real module arrives. binaryen.js is ~15 MB of
 * JS/WASM that V8 compiles lazily and tiers up while it runs: in a fresh process the first
 * instrumentation of a 349-byte module took 160–290 ms and the next ones alternated 2 ms and
 * 20–65 ms (V8 tiering binaryen's hot functions up while they run, on this shared 2-core machine);
 * after 200 instrumentations they took 0.6–0.8 ms, steadily (measured, docs/determinism.md). A
 * node that waits for its first module or private task therefore instruments a committed
 * module (apps/word-count.wasm) this many times in the background, once per process, one
 * run per macrotask so the event loop is never held for more than one run.
 */
import { readFileSync } from "node:fs";
import { instrumentWasm } from "./instrument.js";

/** Instrumentations of the warm-up module. */
export const WARMUP_RUNS = 200;
const WARMUP_MODULE = new URL("../../apps/word-count.wasm", import.meta.url);

interface Warming {
  done: Promise<void>;
  /** Keep the process alive until the warm-up ends (someone waits for it). */
  hold(): void;
}
let warming: Warming | null = null;

/**
 * Starts the process-wide warm-up (once; later calls return the same one). It never keeps the
 * process alive by itself; `hold` makes it (for a caller that awaits `done`).
 */
export function warmInstrumenter(runs = WARMUP_RUNS): Warming {
  if (warming) return warming;
  let bytes: Uint8Array | null = null;
  try {
    bytes = new Uint8Array(readFileSync(WARMUP_MODULE));
  } catch {
    // no committed module beside the sources: nothing to warm with; the first real module warms it
  }
  let held = false;
  let timer: NodeJS.Timeout | null = null;
  const done = new Promise<void>((resolve) => {
    let left = bytes ? runs : 0;
    const step = () => {
      timer = null;
      if (left-- <= 0 || !bytes) return resolve();
      try {
        instrumentWasm(bytes);
      } catch {
        left = 0;
      }
      timer = setTimeout(step, 0);
      if (!held) timer.unref();
    };
    timer = setTimeout(step, 0).unref();
  });
  warming = {
    done,
    hold() {
      held = true;
      timer?.ref();
    },
  };
  return warming;
}
