// Pool worker of the WASM executor (plain JS so it loads without tsx). A worker lives for many
// tasks; every task gets a fresh WebAssembly.Instance (fresh memory, fresh globals, fresh fuel),
// a fresh WASI and fresh stdin/stdout state: nothing of one task is visible to the next.
// Receives: { id, module: WebAssembly.Module, input: Uint8Array, fuel: bigint, maxOutput: number, maxDepth: number }
// Posts:    { id, status, output: Uint8Array (transferred), fuelUsed: bigint, message? }

import { WASI } from "node:wasi";
import { parentPort } from "node:worker_threads";

const ENOSYS = 52;
const EBADF = 8;

class OutputTooLarge extends Error {}

/** Runs one task on a fresh instance; never throws. */
function runTask({ module, input, fuel, maxOutput, maxDepth }) {
  let memory;
  let inPos = 0;
  const chunks = [];
  let outLen = 0;

  const wasi = new WASI({ version: "preview1", args: [], env: {}, preopens: {}, returnOnExit: true });
  const base = wasi.getImportObject().wasi_snapshot_preview1;
  const view = () => new DataView(memory.buffer);
  const imports = {
    wasi_snapshot_preview1: {
      ...base,
      fd_read(fd, iovs, iovsLen, nreadPtr) {
        if (fd !== 0) return EBADF;
        const dv = view();
        const mem = new Uint8Array(memory.buffer);
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const buf = dv.getUint32(iovs + i * 8, true);
          const len = dv.getUint32(iovs + i * 8 + 4, true);
          const n = Math.min(len, input.length - inPos);
          mem.set(input.subarray(inPos, inPos + n), buf);
          inPos += n;
          total += n;
          if (n < len) break;
        }
        dv.setUint32(nreadPtr, total, true);
        return 0;
      },
      fd_write(fd, iovs, iovsLen, nwrittenPtr) {
        if (fd !== 1 && fd !== 2) return EBADF;
        const dv = view();
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const buf = dv.getUint32(iovs + i * 8, true);
          const len = dv.getUint32(iovs + i * 8 + 4, true);
          if (fd === 1) {
            if (outLen + len > maxOutput) throw new OutputTooLarge(`output exceeds ${maxOutput} bytes`);
            chunks.push(new Uint8Array(memory.buffer, buf, len).slice());
            outLen += len;
          }
          total += len;
        }
        dv.setUint32(nwrittenPtr, total, true);
        return 0;
      },
      // no clock, no randomness, no waiting: deterministic ENOSYS
      clock_time_get: () => ENOSYS,
      clock_res_get: () => ENOSYS,
      random_get: () => ENOSYS,
      poll_oneoff: () => ENOSYS,
      sched_yield: () => 0,
    },
  };

  const collect = () => {
    const out = new Uint8Array(outLen);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  };

  let inst;
  try {
    inst = new WebAssembly.Instance(module, imports);
    memory = inst.exports.memory;
    inst.exports.__fuel.value = fuel;
    const code = wasi.start(inst);
    const left = inst.exports.__fuel.value;
    // Fuel is checked at loop heads and calls only: a run may end a straight-line stretch below 0.
    if (left < 0n) return { status: "out_of_fuel", output: collect(), fuelUsed: fuel };
    return code === 0
      ? { status: "ok", output: collect(), fuelUsed: fuel - left }
      : { status: "trap", output: collect(), fuelUsed: fuel - left, message: `exit code ${code}` };
  } catch (e) {
    const left = inst ? inst.exports.__fuel.value : fuel;
    const used = fuel - left;
    if (e instanceof OutputTooLarge)
      return { status: "error", output: new Uint8Array(), fuelUsed: used, message: e.message };
    if (inst && left < 0n) return { status: "out_of_fuel", output: collect(), fuelUsed: fuel };
    if (inst && inst.exports.__depth.value > maxDepth)
      return { status: "trap", output: collect(), fuelUsed: used, message: `call depth limit ${maxDepth} exceeded` };
    return { status: "trap", output: collect(), fuelUsed: used, message: String(e?.message ?? e) };
  }
}

parentPort.on("message", (task) => {
  const r = runTask(task);
  parentPort.postMessage({ id: task.id, ...r }, [r.output.buffer]);
});
