/**
 * Sui's per-transaction limits (protocol config values of Sui mainnet 1.6x) and the devnet's gas
 * meter for executed bytecode. The schedule is documented in devnet/README.md.
 */
import { VmFailure } from "./errors.js";

export const LIMITS = {
  /** max_num_new_move_object_ids / object_runtime_max_num_cached_objects: objects and dynamic fields loaded. */
  maxObjectLoads: 1000,
  /** max_move_object_size. */
  maxObjectSize: 256_000,
  /** max_pure_argument_size. */
  maxPureArgumentSize: 16 * 1024,
  /** max_tx_size_bytes. */
  maxTxSize: 128 * 1024,
  /** max_num_event_emit. */
  maxEvents: 1024,
  /** max_event_emit_size. */
  maxEventSize: 250 * 1024,
  /** max_move_vector_len. */
  maxVectorLength: 256 * 1024,
  /** max_move_value_depth. */
  maxValueDepth: 128,
  /** Move VM call stack size. */
  maxCallDepth: 1024,
} as const;

/** Gas units per kind of work (computation units; the fee is units × gas price, bucketed as in Sui). */
export const GAS_SCHEDULE = {
  /** Every executed instruction. */
  instruction: 1,
  /** Each native call, plus its per-byte cost below. */
  nativeCall: 10,
  /** Per byte hashed, encoded, verified or emitted by a native. */
  nativeByte: 1,
  /** Signature verification (ed25519 / secp256r1), per call. */
  signature: 1000,
  /** Loading an object or a dynamic field. */
  objectLoad: 100,
} as const;

/** Counts gas units down from a budget; `left` is decremented inline by the interpreter. */
export class GasMeter {
  left: number;
  constructor(readonly budgetUnits: number) {
    this.left = budgetUnits;
  }
  get used(): number {
    return this.budgetUnits - this.left;
  }
  charge(units: number): void {
    this.left -= units;
    if (this.left < 0) this.outOfGas();
  }
  outOfGas(): never {
    throw new VmFailure("InsufficientGas", "InsufficientGas: the gas budget is exhausted by execution");
  }
}
