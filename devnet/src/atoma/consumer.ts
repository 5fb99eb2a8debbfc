/**
 * Binding of the example consumer package (move/examples/atoma_consumer, module `offload`), which
 * calls `atoma::request::create_request` from Move: the call runs the same state machine with the
 * atoma package's type names and abort sites (the atoma package id is the Registry's type address).
 */
import { MoveAbortError } from "../errors.js";
import * as p from "../protocol/index.js";
import type { Runtime } from "../runtime.js";
import type { CallContext, MoveFunctionImpl, PackageBinding } from "../types.js";
import { type AtomaTarget, withRegistry } from "./binding.js";
import { type Bytes, type CoinV, type RequestV, same, u8a } from "./values.js";

const WASM_CAPABILITY = new TextEncoder().encode("wasm:fib-v1");
const SAMPLE_SIZE = 3n;
const MAX_PRICE = 1_000_000_000n;
const FUEL = 10_000_000n;

interface JobV {
  id: { id: string };
  request_id: string;
  input: Bytes;
  result: Bytes | null;
}

/** The consumer binding for `runtime` (it reads the atoma package's bytecode for abort sites). */
export function atomaConsumerBinding(runtime: Runtime): PackageBinding {
  const atomaPackageOf = (objectId: string): string => {
    const t = runtime.getObject(objectId)?.type;
    if (t?.kind !== "struct") throw new TypeError(`atoma consumer: ${objectId} is not a Move object`);
    return t.address;
  };
  const targetFor = (pkg: string, fn: string): AtomaTarget => ({
    prefix: `${pkg}::`,
    abort(_ctx, errorName, module) {
      const sites = runtime.getNormalizedModule(pkg, module).errors.filter((e) => e.name === errorName);
      const site = sites.find((e) => e.function === fn) ?? sites[0];
      if (!site) throw new TypeError(`atoma consumer: no abort site for ${module}::${errorName}`);
      throw new MoveAbortError(pkg, module, site.function, site.functionIndex, site.code);
    },
  });
  const job = (x: unknown): JobV => x as JobV;
  const functions: Record<string, MoveFunctionImpl> = {
    "offload::offload": (ctx: CallContext, [r, payment, input]) => {
      const registryId = (r as { id: { id: string } }).id.id;
      const target = targetFor(atomaPackageOf(registryId), "create_request");
      const coin = payment as CoinV;
      const bytes = u8a(input as Bytes);
      const { result } = withRegistry(
        ctx,
        r,
        [coin],
        (tx, reg) =>
          p.createRequest(tx, reg, coin.balance.value, {
            kind: 1,
            capability: WASM_CAPABILITY,
            input_hash: p.blake2b256(bytes),
            input: bytes,
            max_tokens: 0n,
            fuel: FUEL,
            sample_size: SAMPLE_SIZE,
            quorum_bps: 0n,
            max_price: MAX_PRICE,
            confidential: false,
          }),
        target,
      );
      const j = ctx.newObject("offload::Job", { request_id: result.id, input: [...bytes], result: null });
      return [j];
    },
    "offload::collect": (ctx, [jv, qv]) => {
      const j = job(jv);
      const q = qv as RequestV;
      if (q.id.id !== j.request_id) ctx.abort("EWrongRequest");
      if (j.result !== null) ctx.abort("EAlreadyCollected");
      if (q.status !== p.RequestStatus.Settled) ctx.abort("ENotSettled");
      if (q.output_node === null) ctx.abort("ENoOutput");
      if (!same([...p.blake2b256(u8a(q.output))], q.agreed_output_hash)) ctx.abort("EOutputMismatch");
      j.result = [...q.output];
      return [];
    },
    "offload::request_id": (_ctx, [jv]) => [job(jv).request_id],
    "offload::input": (_ctx, [jv]) => [[...job(jv).input]],
    "offload::result": (_ctx, [jv]) => [job(jv).result === null ? null : [...job(jv).result!]],
    "offload::capability": () => [[...WASM_CAPABILITY]],
    "offload::escrow": (ctx, [margin]) => {
      try {
        return [p.escrowFor(SAMPLE_SIZE, MAX_PRICE, margin as bigint)];
      } catch (e) {
        if (!(e instanceof p.MoveAbort)) throw e;
        const q = runtimeAtomaPackage(runtime);
        if (!q) throw e;
        return targetFor(q, "escrow_for").abort(ctx, e.errorName, e.module);
      }
    },
  };
  return { name: "atoma_consumer", modules: ["offload"], functions };
}

/** The first published package bound to the atoma binding (for consumer calls without a Registry argument). */
function runtimeAtomaPackage(runtime: Runtime): string | undefined {
  return runtime.packagesBoundTo("atoma")[0];
}
