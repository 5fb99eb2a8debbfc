/**
 * The `atoma` package's state machine in TypeScript (runtime-agnostic), for the devnet glue.
 *
 * Usage, per Move call:
 *   const tx = new Tx({ sender, nowMs, freshId, randomBytes });   // freshId = the tx's id stream
 *   const cap = registerNode(tx, registry, stakeCoinValue, sigPk, encPk, caps, price);
 *   tx.effects  // { events, coins, inputs, shared }
 * - Objects (Registry, Request, Cluster, caps) are plain values (./types.ts); functions mutate
 *   them in place, so pass `structuredClone`s and keep them only when the call returns.
 * - `MoveAbort { module, errorName, code }`: map to the clever code with
 *   `ctx.abort(e.errorName, e.module)`; framework aborts use module `balance`/`dynamic_field`/`random`.
 * - `effects.inputs[i]`: a Coin<SUI> argument by value: `taken` moved in; the same coin with the
 *   rest goes to `returnedTo` (create_request change), or is deleted when null.
 * - `effects.coins`: new Coin<SUI> objects (id from `freshId` at the point Move creates it):
 *   payouts and refunds transferred to `to`; `to: null` = returned to the PTB (withdraw_*).
 * - `effects.events`: `{ name, fields }` in emission order, fields in events.move order.
 * - Calls taking `Random` (`sampleNodes`, `escalate`) take one fresh id for the generator
 *   first, exactly like `random::new_generator`, and need `randomBytes` (Random's state).
 */
export * from "./errors.js";
export * from "./ids.js";
export * from "./machine.js";
export * from "./random.js";
export * from "./sampling.js";
export * from "./types.js";
