/**
 * Helpers of the WASM benchmarks: run a WASI-preview1 module directly in this thread (the peer of
 * the sandbox), deterministic text input, interleaved medians.
 */

import { median } from "./figures.js";

/**
 * Runs the functions round-robin for `n` rounds and returns each one's median, so that load from
 * other processes (this is a shared 2-core machine) hits every peer of a ratio alike.
 */
export async function interleaved<T extends unknown[]>(
  n: number,
  fs: { [K in keyof T]: () => Promise<T[K]> | T[K] },
): Promise<{ [K in keyof T]: { ms: number; last: T[K] } }> {
  const ts = fs.map(() => [] as number[]);
  const last: unknown[] = fs.map(() => undefined);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < fs.length; i++) {
      const t0 = performance.now();
      last[i] = await (fs[i] as () => unknown)();
      (ts[i] as number[]).push(performance.now() - t0);
    }
  return fs.map((_, i) => ({ ms: median(ts[i] as number[]), last: last[i] })) as {
    [K in keyof T]: { ms: number; last: T[K] };
  };
}

/** Deterministic pseudo-text: words of 1..9 lowercase letters separated by spaces/newlines. */
export function makeText(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  let i = 0;
  while (i < bytes) {
    const len = 1 + (rnd() % 9);
    for (let k = 0; k < len && i < bytes; k++) out[i++] = 97 + (rnd() % 26);
    if (i < bytes) out[i++] = rnd() % 8 === 0 ? 10 : 32;
  }
  return out;
}

class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * Runs a WASI-preview1 module directly in this thread: stdin from `input`, stdout captured. With
 * `fuel` (an instrumented module), `left.v` receives the fuel left, also when the run traps.
 */
export function runDirect(
  module: WebAssembly.Module,
  input: Uint8Array,
  fuel?: bigint,
  left?: { v: bigint },
): Uint8Array {
  let memory: WebAssembly.Memory | undefined;
  let pos = 0;
  const chunks: Uint8Array[] = [];
  const mem = () => memory as WebAssembly.Memory;
  const shim: Record<string, (...a: number[]) => number> = {
    fd_read(fd, iovs, iovsLen, nreadPtr) {
      if (fd !== 0) return 8;
      const dv = new DataView(mem().buffer);
      const u8 = new Uint8Array(mem().buffer);
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const buf = dv.getUint32(iovs + i * 8, true);
        const len = dv.getUint32(iovs + i * 8 + 4, true);
        const n = Math.min(len, input.length - pos);
        u8.set(input.subarray(pos, pos + n), buf);
        pos += n;
        total += n;
        if (n < len) break;
      }
      dv.setUint32(nreadPtr, total, true);
      return 0;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      const dv = new DataView(mem().buffer);
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const buf = dv.getUint32(iovs + i * 8, true);
        const len = dv.getUint32(iovs + i * 8 + 4, true);
        if (fd === 1) chunks.push(new Uint8Array(mem().buffer, buf, len).slice());
        total += len;
      }
      dv.setUint32(nwrittenPtr, total, true);
      return 0;
    },
    proc_exit(code) {
      throw new ProcExit(code);
    },
  };
  const wasi: Record<string, (...a: number[]) => number> = {};
  for (const imp of WebAssembly.Module.imports(module))
    if (imp.kind === "function") wasi[imp.name] = shim[imp.name] ?? (() => 52);
  const inst = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  const ex = inst.exports as Record<string, unknown>;
  memory = ex.memory as WebAssembly.Memory;
  if (fuel !== undefined) (ex.__fuel as WebAssembly.Global).value = fuel;
  try {
    (ex._start as () => void)();
  } catch (e) {
    if (!(e instanceof ProcExit) || e.code !== 0) throw e;
  } finally {
    if (left && fuel !== undefined) left.v = (ex.__fuel as WebAssembly.Global).value as bigint;
  }
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
